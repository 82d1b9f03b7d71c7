/* test_eval_parallel.c — veto_eval splitting one input's policies over
 * threads gives the decision one thread gives, byte for byte in the json,
 * text and sarif views: many results, runtime errors in some policies
 * (one after results of its own), sensitive values, evidence, shared
 * globals, and the cases where a thread could differ — a step budget or a
 * memory cap reached, evidence read from a global another policy computed
 * — for which it must fall back to one thread. Also: when it does not
 * split at all (jobs 1, explanations, a small input, few policies). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "compile_testlib.h"
#include "gate/decision.h"
#include "gate/eval_core.h"
#include "gate/eval_parallel.h"
#include "harness.h"
#include "veto.h"

static veto_engine *engine;

/* Six plan policies and one approval policy. `heavy` is a file-level let
 * several policies share (one loop over every resource); t.err raises an
 * error after results of its own; t.div raises one at once. */
static const char policy_src[] =
    "policy t.many\n  kind: plan\n  title: \"many\"\n  severity: high\n  enforcement: hard\n\n"
    "let heavy = [r.name for r in input.resource_changes if r.change.after.size > 0]\n"
    "let public = [r.address for r in input.resource_changes if r.change.after.acl == "
    "\"public-read\"]\n\n"
    "deny for r in input.resource_changes\n  when r.change.after.acl == \"public-read\"\n"
    "  message \"${r.address} is public\"\n\n"
    "warn for r in input.resource_changes\n  when r.change.after.size > 90\n"
    "  message \"${r.address} is big: ${r.change.after.size}\"\n\n"
    "policy t.secret\n  kind: plan\n  title: \"secret\"\n  enforcement: soft\n\n"
    "deny for r in input.resource_changes\n  when r.change.after.size % 50 == 0\n"
    "  message \"${r.address} has password ${r.change.after.password}\"\n\n"
    "policy t.err\n  kind: plan\n  title: \"err\"\n  enforcement: advisory\n\n"
    "deny for r in input.resource_changes\n  when r.change.after.size > 97\n"
    "  message \"${r.address} before the error\"\n\n"
    "deny for r in input.resource_changes\n  when 100 / (r.change.after.size - 50) > 1\n"
    "  message \"${r.address} never all\"\n\n"
    "warn when true\n  message \"not reached\"\n\n"
    "policy t.shared\n  kind: plan\n  title: \"shared\"\n\n"
    "warn when count(heavy) > 10\n  message \"heavy ${count(heavy)}\"\n\n"
    "deny when count(public) > 10\n  message \"too many public: ${count(public)}\"\n\n"
    "policy t.div\n  kind: plan\n  title: \"div\"\n\n"
    "deny when 1 / (count(public) - count(public)) > 0\n  message \"never\"\n\n"
    "warn when count(heavy) > 0\n  message \"not reached either\"\n\n"
    "policy t.tail\n  kind: plan\n  title: \"tail\"\n  enforcement: soft\n\n"
    "deny for r in input.resource_changes\n"
    "  when r.change.after.tags.owner == \"team-3\" and count(heavy) > 0\n\n"
    "warn for r in input.resource_changes\n  when r.name in heavy and r.change.after.size == 1\n"
    "  message \"${r.name} is small\"\n\n"
    "policy t.approve\n  kind: approval\n  title: \"approve\"\n\n"
    "approve when count(heavy) > 0\n  message \"ok\"\n";

/* A global only one policy computes, which a later policy's rule names
 * as evidence (the first name of its condition) without computing it
 * (`and` stops at the false count([]) == 1): the evidence exists only when
 * the earlier policy ran on the same Vm first. t.a then takes a while (80 x 4000 iterations), so
 * another thread takes t.b meanwhile. */
static const char evidence_src[] =
    "policy t.a\n  kind: plan\n  title: \"a\"\n\n"
    "let g = count(input.resource_changes)\n\n"
    "warn when g > 0\n  message \"a sees ${g}\"\n\n"
    "warn for r in input.resource_changes\n  when r.change.after.size < 2 and\n"
    "    count([s for s in input.resource_changes if s.name == r.name]) > 1\n"
    "  message \"duplicate\"\n\n"
    "policy t.b\n  kind: plan\n  title: \"b\"\n\n"
    "deny when not (count([]) == 1 and g > 0)\n  message \"b fires\"\n\n"
    "policy t.c\n  kind: plan\n  title: \"c\"\n\n"
    "warn for r in input.resource_changes\n  when r.change.after.size == 3\n"
    "  message \"${r.address}\"\n\n"
    "policy t.d\n  kind: plan\n  title: \"d\"\n\n"
    "deny when not (count([]) == 1 and g > 0)\n  message \"d fires\"\n";

/* Six policies that each hold about the same memory (a new string per
 * resource): a cap over what two or three of them take but under what
 * all six take is reached on one thread only. */
static const char memory_src[] =
    "policy t.m1\n  kind: plan\n  title: \"m1\"\n\n"
    "warn when count([r.address + \"-1\" for r in input.resource_changes]) > 0\n\n"
    "policy t.m2\n  kind: plan\n  title: \"m2\"\n\n"
    "warn when count([r.address + \"-2\" for r in input.resource_changes]) > 0\n\n"
    "policy t.m3\n  kind: plan\n  title: \"m3\"\n\n"
    "warn when count([r.address + \"-3\" for r in input.resource_changes]) > 0\n\n"
    "policy t.m4\n  kind: plan\n  title: \"m4\"\n\n"
    "warn when count([r.address + \"-4\" for r in input.resource_changes]) > 0\n\n"
    "policy t.m5\n  kind: plan\n  title: \"m5\"\n\n"
    "warn when count([r.address + \"-5\" for r in input.resource_changes]) > 0\n\n"
    "policy t.m6\n  kind: plan\n  title: \"m6\"\n\n"
    "warn when count([r.address + \"-6\" for r in input.resource_changes]) > 0\n";

enum { NRES = 4000 };

/* A plan of NRES resources, over 1 MiB: sizes cycle 0..99, every 7th
 * bucket is public, the password is sensitive. malloc'd. */
static char *make_plan(int nres)
{
    Buf b = BUF_INIT;
    buf_puts(&b, "{\"format_version\":\"1.2\",\"resource_changes\":[");
    for (int i = 0; i < nres; i++) {
        buf_printf(&b,
                   "%s{\"address\":\"aws_s3_bucket.b%d\",\"mode\":\"managed\","
                   "\"type\":\"aws_s3_bucket\",\"name\":\"b%d\",\"change\":{\"actions\":"
                   "[\"create\"],\"before\":null,\"after\":{\"acl\":\"%s\",\"size\":%d,"
                   "\"password\":\"secret-%d\",\"tags\":{\"owner\":\"team-%d\"},"
                   "\"padding\":\"%0120d\"},\"after_sensitive\":{\"password\":true}}}",
                   i ? "," : "", i, i, i % 7 == 0 ? "public-read" : "private", i % 100, i, i % 11,
                   i);
    }
    buf_puts(&b, "]}");
    return buf_take(&b);
}

static veto_doc *load(const char *json)
{
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_json(engine, "plan.json", json, strlen(json), NULL, d);
    veto_diags_free(d);
    return doc;
}

/* The json, text and sarif views of dec, one after the other; frees dec.
 * NULL for a NULL decision. */
static char *views(veto_decision *dec)
{
    if (!dec)
        return NULL;
    const veto_decision *one[1] = {dec};
    char *j = veto_decision_json(dec, 1), *t = veto_decision_text(dec, 0),
         *s = veto_report_render(one, 1, "sarif", 0);
    Buf b = BUF_INIT;
    buf_printf(&b, "%s\n--- text\n%s\n--- sarif\n%s", j ? j : "(null)", t ? t : "(null)",
               s ? s : "(null)");
    free(j);
    free(t);
    free(s);
    veto_decision_free(dec);
    return buf_take(&b);
}

static veto_eval_options options(unsigned jobs, uint64_t fuel, size_t mem_cap)
{
    veto_eval_options o;
    memset(&o, 0, sizeof o);
    o.jobs = jobs;
    o.fuel = fuel;
    o.mem_cap = mem_cap;
    return o;
}

/* veto_eval with 2, 4 and 64 jobs and automatic gives what 1 job gives. */
static int same_for_all_jobs(const veto_program *p, const veto_doc *in, uint64_t fuel, size_t cap)
{
    veto_eval_options o1 = options(1, fuel, cap);
    char *want = views(veto_eval(p, in, &o1));
    int same = want != NULL;
    static const unsigned jobs[] = {0, 2, 4, 64};
    for (size_t i = 0; same && i < sizeof jobs / sizeof jobs[0]; i++) {
        veto_eval_options o = options(jobs[i], fuel, cap);
        char *got = views(veto_eval(p, in, &o));
        if (!got || strcmp(got, want) != 0) {
            fprintf(stderr, "jobs %u (fuel %llu, cap %zu) differs from jobs 1\n", jobs[i],
                    (unsigned long long)fuel, cap);
            same = 0;
        }
        free(got);
    }
    free(want);
    return same;
}

static veto_program *prog;
static veto_doc *big;

TEST(split_decision_is_the_sequential_one)
{
    CHECK(prog && big);
    if (!prog || !big)
        return;
    veto_eval_options o2 = options(2, 0, 0);
    /* the parallel path itself, not a fallback to one thread */
    veto_decision *par = eval_parallel(prog, PK_PLAN, big, &o2);
    CHECK(par != NULL);
    if (!par)
        return;
    decision_finish(par);
    decision_set_docs(par, big, NULL);
    CHECK_INT(par->policies_evaluated, 6);
    CHECK(par->nresults > 1000);
    CHECK_INT(par->errors, 2);
    char *got = views(par);
    veto_eval_options o1 = options(1, 0, 0);
    char *want = views(veto_eval(prog, big, &o1));
    CHECK(got && want && strcmp(got, want) == 0);
    /* what the views show: redacted secrets, the error after results, evidence */
    CHECK(want && strstr(want, "secret-") == NULL);
    CHECK(want && strstr(want, "has password (sensitive)") != NULL);
    CHECK(want && strstr(want, "aws_s3_bucket.b98 before the error") != NULL);
    CHECK(want && strstr(want, "division by zero") != NULL);
    CHECK(want && strstr(want, "not reached") == NULL);
    CHECK(want && strstr(want, "\"value\": \"public-read\"") != NULL);
    free(got);
    free(want);
    CHECK(same_for_all_jobs(prog, big, 0, 0));
}

TEST(step_budget_reached_anywhere)
{
    CHECK(prog && big);
    if (!prog || !big)
        return;
    /* From budgets every policy exhausts to budgets only a policy that
     * also computes `heavy` exhausts (on a thread that did not compute it
     * before), to none. */
    static const uint64_t fuels[] = {100, 2000, 4100, 6000, 8100, 9000, 12100, 16000, 30000};
    for (size_t i = 0; i < sizeof fuels / sizeof fuels[0]; i++)
        CHECK(same_for_all_jobs(prog, big, fuels[i], 0));
}

TEST(memory_cap_reached_anywhere)
{
    CHECK(prog && big);
    if (!prog || !big)
        return;
    for (size_t cap = (size_t)16 << 10; cap <= (size_t)16 << 20; cap *= 2)
        CHECK(same_for_all_jobs(prog, big, 0, cap));
}

TEST(memory_cap_reached_by_all_policies_together)
{
    veto_program *p = testlib_compile(engine, "memory.veto", memory_src);
    CHECK(p && big);
    if (!p || !big) {
        veto_program_free(p);
        return;
    }
    /* each policy takes about 4000 * (16 + 32) bytes */
    int errors_seen = 0, clean_seen = 0;
    for (size_t cap = (size_t)128 << 10; cap <= (size_t)2 << 20; cap += (size_t)64 << 10) {
        CHECK(same_for_all_jobs(p, big, 0, cap));
        veto_eval_options o1 = options(1, 0, cap);
        veto_decision *dec = veto_eval(p, big, &o1);
        if (dec && dec->errors > 0 && dec->errors < 6)
            errors_seen++; /* the cap reached after some policies, not all */
        if (dec && dec->errors == 0)
            clean_seen++;
        veto_decision_free(dec);
    }
    CHECK(errors_seen > 0);
    CHECK(clean_seen > 0);
    veto_program_free(p);
}

/* A chain of 70 globals, g1 = g2 + 1, ..., g70 = count(resources): t.a
 * computes g35..g70 (35 nested) and then takes a while; t.b needs g1,
 * 34 nested on one thread (g35 is there) but 70 on a thread that did not
 * run t.a, past the VM's 64: that thread must not decide. */
static char *nesting_src(void)
{
    Buf b = BUF_INIT;
    buf_puts(&b, "policy t.a\n  kind: plan\n  title: \"a\"\n\n");
    for (int i = 1; i < 70; i++)
        buf_printf(&b, "let g%d = g%d + 1\n", i, i + 1);
    buf_puts(&b, "let g70 = count(input.resource_changes)\n\n"
                 "warn when g35 > 0\n  message \"a: ${g35}\"\n\n"
                 "warn for r in input.resource_changes\n  when r.change.after.size < 2 and\n"
                 "    count([s for s in input.resource_changes if s.name == r.name]) > 1\n\n"
                 "policy t.b\n  kind: plan\n  title: \"b\"\n\n"
                 "warn when g1 > 0\n  message \"b: ${g1}\"\n\n"
                 "policy t.c\n  kind: plan\n  title: \"c\"\n\nwarn when g70 > 0\n\n"
                 "policy t.d\n  kind: plan\n  title: \"d\"\n\nwarn when g2 > 0\n");
    return buf_take(&b);
}

TEST(global_nesting_reached_on_one_thread_only)
{
    char *src = nesting_src();
    veto_program *p = src ? testlib_compile(engine, "nesting.veto", src) : NULL;
    free(src);
    CHECK(p && big);
    if (!p || !big) {
        veto_program_free(p);
        return;
    }
    veto_eval_options o1 = options(1, 0, 0);
    char *want = views(veto_eval(p, big, &o1));
    CHECK(want && strstr(want, "b: 4069") != NULL); /* 4000 + 69: no error */
    for (int run = 0; run < 10; run++) {
        veto_eval_options o = options(run % 2 ? 4 : 2, 0, 0);
        char *got = views(veto_eval(p, big, &o));
        CHECK(got && want && strcmp(got, want) == 0);
        free(got);
    }
    free(want);
    veto_program_free(p);
}

TEST(evidence_from_a_global_computed_elsewhere)
{
    veto_program *p = testlib_compile(engine, "evidence.veto", evidence_src);
    CHECK(p && big);
    if (!p || !big) {
        veto_program_free(p);
        return;
    }
    veto_eval_options o1 = options(1, 0, 0);
    char *want = views(veto_eval(p, big, &o1));
    /* one thread: t.a computed g, so t.b's evidence shows it */
    const char *b = want ? strstr(want, "\"message\": \"b fires\"") : NULL;
    const char *ev = b ? strstr(b, "\"evidence\": {\n        \"path\": \"g\",\n") : NULL;
    CHECK(ev && ev < strstr(b, "\"policy_id\": \"t.c\""));
    for (int run = 0; run < 20; run++) {
        veto_eval_options o = options(run % 2 ? 4 : 2, 0, 0);
        char *got = views(veto_eval(p, big, &o));
        CHECK(got && want && strcmp(got, want) == 0);
        free(got);
    }
    free(want);
    veto_program_free(p);
}

TEST(stays_on_one_thread_when_it_does_not_pay)
{
    CHECK(prog && big);
    if (!prog || !big)
        return;
    veto_eval_options o = options(1, 0, 0);
    CHECK(eval_parallel(prog, PK_PLAN, big, &o) == NULL); /* asked for one */
    o = options(2, 0, 0);
    o.explain = VETO_EXPLAIN_RESULTS;
    CHECK(eval_parallel(prog, PK_PLAN, big, &o) == NULL); /* explanations: one Vm in order */
    o = options(2, 0, 0);
    CHECK(eval_parallel(prog, PK_APPROVAL, big, &o) == NULL); /* one approval policy */
    char *small_json = make_plan(20);
    veto_doc *small = small_json ? load(small_json) : NULL;
    CHECK(small != NULL);
    if (small)
        CHECK(eval_parallel(prog, PK_PLAN, small, &o) == NULL); /* small input */
    veto_doc_free(small);
    free(small_json);
    /* and the approval decision is still right on a large input */
    veto_eval_options oa = options(0, 0, 0);
    oa.kind = "approval";
    veto_decision *dec = veto_eval(prog, big, &oa);
    CHECK(dec && dec->nresults == 1 && dec->policies_evaluated == 1);
    veto_decision_free(dec);
}

int main(void)
{
    engine = veto_engine_new();
    prog = testlib_compile(engine, "parallel.veto", policy_src);
    char *json = make_plan(NRES);
    big = json ? load(json) : NULL;
    free(json);
    if (big && big->len < ((size_t)1 << 20))
        fprintf(stderr, "the test plan is under 1 MiB: nothing is split\n");
    RUN(split_decision_is_the_sequential_one);
    RUN(step_budget_reached_anywhere);
    RUN(memory_cap_reached_anywhere);
    RUN(memory_cap_reached_by_all_policies_together);
    RUN(global_nesting_reached_on_one_thread_only);
    RUN(evidence_from_a_global_computed_elsewhere);
    RUN(stays_on_one_thread_when_it_does_not_pay);
    veto_doc_free(big);
    veto_program_free(prog);
    veto_engine_free(engine);
    return harness_done();
}
