/* latency.c — in-process timings through the public API (libveto.a):
 *
 *   compile   compile time of 1,000 generated rules (100 policies of 10
 *             rules over the tf module), median of 15 compilations
 *   decision  one veto_eval of a 3-rule policy on a plan of one resource,
 *             median over 301 batches of 200 evaluations (per evaluation)
 *   evaluator the same through one reused veto_evaluator (veto_evaluator_run)
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iengine bench/latency.c build/libveto.a \
 *      -lpcre2-8 -lyaml -lsqlite3 -lm -lpthread -o build/bench_latency
 *   build/bench_latency            prints "compile_ms X", "decision_us Y", "evaluator_us Z"
 *
 * The engine (and the standard library it compiles once) is made before
 * any timing starts: that cost is per process, not per compile.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veto.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* Policy p of 100, each of 10 rules, one file each: the shapes real rule
 * sets have (type and action selection, attribute tests, tags, helper
 * functions, messages). */
static char *gen_rules(int p, size_t *len)
{
    size_t cap = 1 << 14, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    {
        n += (size_t)snprintf(s + n, cap - n,
                              "policy gen.p%d\n  kind: plan\n  id: \"GEN-%03d\"\n"
                              "  title: \"generated policy %d\"\n  severity: medium\n"
                              "  enforcement: soft\n\nuse tf\n\n"
                              "func limit%d(r) = r.after.size ?? 0\n\n",
                              p, p, p, p);
        for (int r = 0; r < 10; r++) {
            if (cap - n < 4096) {
                cap *= 2;
                char *t = realloc(s, cap);
                if (!t) {
                    free(s);
                    return NULL;
                }
                s = t;
            }
            n += (size_t)snprintf(
                s + n, cap - n,
                "deny for r in tf.changes(\"aws_type_%d\", [\"create\", \"update\"])\n"
                "  when r.after.attr_%d == \"value-%d\" and limit%d(r) > %d and "
                "not is_defined(tf.tag(r, \"owner\"))\n"
                "  message \"${r.address} breaks rule %d of policy %d\"\n\n",
                (p * 10 + r) % 37, r, p, p, r * 10, r, p);
        }
    }
    *len = n;
    return s;
}

static const char three_rules[] =
    "policy lat.three\n  kind: plan\n  title: \"three rules\"\n  severity: high\n"
    "  enforcement: hard\n\nuse tf\n\n"
    "deny for r in tf.changes(\"aws_s3_bucket\", [\"create\", \"update\"])\n"
    "  when r.after.acl in [\"public-read\", \"public-read-write\"]\n"
    "  message \"bucket ${r.address} is public\"\n\n"
    "deny for r in tf.changes(\"aws_s3_bucket\", [\"create\", \"update\"])\n"
    "  when r.after.force_destroy == true\n"
    "  message \"bucket ${r.address} can be force-destroyed\"\n\n"
    "warn for r in tf.with_actions([\"create\", \"update\"])\n"
    "  when not is_defined(tf.tag(r, \"owner\"))\n"
    "  message \"${r.address} has no owner tag\"\n";

static const char one_resource[] =
    "{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":\"aws_s3_bucket.logs\","
    "\"mode\":\"managed\",\"type\":\"aws_s3_bucket\",\"name\":\"logs\",\"provider_name\":"
    "\"registry.terraform.io/hashicorp/aws\",\"change\":{\"actions\":[\"create\"],\"before\":"
    "null,\"after\":{\"bucket\":\"logs\",\"acl\":\"public-read\",\"force_destroy\":false,"
    "\"tags\":{\"owner\":\"platform\"}},\"after_unknown\":{\"arn\":true,\"id\":true},"
    "\"before_sensitive\":false,\"after_sensitive\":{\"tags\":{}}}}]}";

/* Compiles n sources (names "gen-I.veto" when n > 1). */
static veto_program *compile_n(veto_engine *e, const char *name, char *const *srcs,
                               const size_t *lens, int n)
{
    veto_diags *d = veto_diags_new();
    veto_compiler *c = veto_compiler_new(e);
    veto_program *p = NULL;
    bool ok = c != NULL;
    for (int i = 0; i < n && ok; i++) {
        char nm[64];
        if (n > 1)
            snprintf(nm, sizeof nm, "gen-%d.veto", i);
        else
            snprintf(nm, sizeof nm, "%s", name);
        ok = veto_compiler_add_source(c, nm, srcs[i], lens[i], d) == VETO_OK;
    }
    if (ok)
        p = veto_compiler_finish(c, d);
    else if (c)
        veto_compiler_free(c);
    if (!p) {
        char *t = veto_diags_render(d, 0);
        fprintf(stderr, "bench_latency: %s does not compile:\n%s\n", name, t ? t : "");
        free(t);
    }
    veto_diags_free(d);
    return p;
}

int main(void)
{
    veto_engine *e = veto_engine_new();
    if (!e)
        return 1;
    char *srcs[100];
    size_t lens[100];
    for (int i = 0; i < 100; i++)
        if (!(srcs[i] = gen_rules(i, &lens[i])))
            return 1;
    double t[301];
    for (int i = 0; i < 15; i++) {
        double t0 = now();
        veto_program *p = compile_n(e, "generated", srcs, lens, 100);
        t[i] = now() - t0;
        if (!p)
            return 1;
        if (i == 0 && veto_program_policy_count(p) != 100) {
            fprintf(stderr, "bench_latency: expected 100 policies\n");
            return 1;
        }
        veto_program_free(p);
    }
    printf("compile_ms %.2f\n", median(t, 15) * 1e3);
    for (int i = 0; i < 100; i++)
        free(srcs[i]);

    char *three = (char *)three_rules;
    size_t three_len = sizeof three_rules - 1;
    veto_program *p = compile_n(e, "three.veto", &three, &three_len, 1);
    veto_diags *d = veto_diags_new();
    veto_doc *doc =
        veto_doc_load_json(e, "one.json", one_resource, sizeof one_resource - 1, NULL, d);
    if (!p || !doc)
        return 1;
    veto_decision *dec = veto_eval(p, doc, NULL);
    if (!dec || veto_decision_result_count(dec) != 1) {
        fprintf(stderr, "bench_latency: expected one result from the 3-rule policy\n");
        return 1;
    }
    char *want = veto_decision_json(dec, 0); /* what the evaluator must give too */
    veto_decision_free(dec);
    if (!want)
        return 1;
    enum { BATCH = 200, BATCHES = 301 };
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now();
        for (int i = 0; i < BATCH; i++)
            veto_decision_free(veto_eval(p, doc, NULL));
        t[b] = (now() - t0) / BATCH;
    }
    printf("decision_us %.3f\n", median(t, BATCHES) * 1e6);
    /* The same through a reused evaluator: what a caller evaluating many
     * inputs pays. The results must be the same. */
    veto_evaluator *ev = veto_evaluator_new(p);
    if (!ev)
        return 1;
    dec = veto_evaluator_run(ev, doc, NULL);
    char *got = dec ? veto_decision_json(dec, 0) : NULL;
    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr, "bench_latency: the evaluator's decision differs from veto_eval's\n");
        return 1;
    }
    free(got);
    free(want);
    veto_decision_free(dec);
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now();
        for (int i = 0; i < BATCH; i++)
            veto_decision_free(veto_evaluator_run(ev, doc, NULL));
        t[b] = (now() - t0) / BATCH;
    }
    printf("evaluator_us %.3f\n", median(t, BATCHES) * 1e6);
    veto_evaluator_free(ev);
    veto_doc_free(doc);
    veto_diags_free(d);
    veto_program_free(p);
    veto_engine_free(e);
    return 0;
}
