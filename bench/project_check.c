/* project_check.c — runs one policy set on one input twice, loaded in full
 * (veto_doc_load_file) and projected (veto_doc_load_file_projected), and
 * compares the JSON decision records byte for byte. tests/run-projection.sh
 * builds it against libveto.a.
 *
 *   project_check [--paths] [--stream] [--kind KIND] INPUT POLICY_PATH...
 *
 * Exit 0: identical (or both loads failed alike); 1: they differ (both
 * records are printed); 2: usage or compile error. --paths prints the
 * analysed path tree first.
 *
 * --stream also checks the streamability analysis (project.h): it prints
 * "stream POLICY" or "whole POLICY: reason" for each policy, then evaluates
 * the program once per element of input.resource_changes on a document
 * holding just that element (every other top-level member unchanged),
 * stable-sorts the streamable policies' results by rule (so by policy, rule,
 * element) and compares them field by field with the whole-document
 * evaluation. A policy that raises a runtime error either way is left out
 * (streaming falls back to the whole document then) and reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "paths.h"
#include "program.h"
#include "project.h"
#include "veto.h"

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static int same_result(const Result *a, const Result *b)
{
    return a->kind == b->kind && a->status == b->status && a->policy == b->policy &&
           a->rule == b->rule && same_str(a->message, b->message) &&
           same_str(a->address, b->address) && same_str(a->file, b->file) && a->line == b->line &&
           a->col == b->col && same_str(a->evidence_path, b->evidence_path) &&
           same_str(a->evidence_value, b->evidence_value);
}

static void print_result(const char *tag, const Result *r)
{
    printf("%s: policy %u rule %u %s | %s | %s=%s\n", tag, r->policy, r->rule,
           r->message ? r->message : "", r->address ? r->address : "-",
           r->evidence_path ? r->evidence_path : "-", r->evidence_value ? r->evidence_value : "-");
}

/* The --stream check; returns 0 when the streamed results equal the whole
 * document's, 1 otherwise. */
static int stream_check(const veto_program *p, veto_doc *full, const char *kind)
{
    uint8_t *ok = calloc(p->npolicies + 1, 1);
    const char **why = calloc(p->npolicies + 1, sizeof *why);
    uint8_t *err = calloc(p->npolicies + 1, 1);
    if (!ok || !why || !err || project_stream_policies(p, ok, why) == UINT32_MAX) {
        printf("stream analysis failed\n");
        free(ok);
        free(why);
        free(err);
        return 1;
    }
    for (uint32_t i = 0; i < p->npolicies; i++)
        if (ok[i])
            printf("stream %s\n", p->policies[i].name);
        else
            printf("whole %s: %s\n", p->policies[i].name, why[i]);
    veto_eval_options opt = {0};
    opt.kind = kind;
    veto_decision *whole = veto_eval(p, full, &opt);
    const Member *rcm =
        full->root.kind == V_OBJ ? value_get(full->root, "resource_changes", 16, 0) : NULL;
    int rc = 0;
    Result *got = NULL;
    size_t ngot = 0, capgot = 0;
    if (whole && rcm && rcm->val.kind == V_ARR) {
        Value rcs = rcm->val;
        uint32_t nm = full->root.n;
        Member *ms = malloc((nm ? nm : 1) * sizeof *ms);
        veto_decision **decs = calloc(rcs.n + 1, sizeof *decs);
        for (uint32_t i = 0; ms && decs && i < rcs.n; i++) {
            memcpy(ms, full->root.u.o, nm * sizeof *ms);
            Value one = rcs;
            one.n = 1;
            one.u.a = &rcs.u.a[i];
            ms[rcm - full->root.u.o].val = one;
            /* the full document with its root swapped for the one-element
             * root (a veto_doc is larger than its public part: doc.c) */
            Value saved = full->root;
            full->root.u.o = ms;
            decs[i] = veto_eval(p, full, &opt);
            full->root = saved;
            if (!decs[i])
                continue;
            for (uint32_t k = 0; k < decs[i]->nresults; k++) {
                Result *r = &decs[i]->results[k];
                if (r->kind == RES_ERROR)
                    err[r->policy] = 1;
                if (!ok[r->policy] || r->kind != RES_RULE)
                    continue;
                if (ngot == capgot) {
                    capgot = capgot ? capgot * 2 : 64;
                    got = realloc(got, capgot * sizeof *got);
                }
                got[ngot++] = *r;
            }
        }
        /* stable insertion-free sort: by rule index, element order kept */
        Result *sorted = malloc((ngot ? ngot : 1) * sizeof *sorted);
        size_t ns = 0;
        for (uint32_t ri = 0; sorted && ri < p->nrules; ri++)
            for (size_t k = 0; k < ngot; k++)
                if (got[k].rule == ri)
                    sorted[ns++] = got[k];
        for (uint32_t k = 0; k < whole->nresults; k++)
            if (whole->results[k].kind == RES_ERROR)
                err[whole->results[k].policy] = 1;
        size_t j = 0;
        for (uint32_t k = 0; k < whole->nresults && !rc; k++) {
            const Result *w = &whole->results[k];
            if (!ok[w->policy] || err[w->policy])
                continue;
            while (j < ns && err[sorted[j].policy])
                j++;
            if (j >= ns || !same_result(w, &sorted[j])) {
                printf("streamed results differ at whole-document result %u:\n", k);
                print_result("whole", w);
                if (j < ns)
                    print_result("streamed", &sorted[j]);
                rc = 1;
            }
            j++;
        }
        while (!rc && j < ns && err[sorted[j].policy])
            j++;
        if (!rc && j < ns) {
            printf("streaming gives %zu more results\n", ns - j);
            print_result("streamed", &sorted[j]);
            rc = 1;
        }
        for (uint32_t i = 0; i < p->npolicies; i++)
            if (ok[i] && err[i])
                printf("error in %s: would fall back to the whole document\n", p->policies[i].name);
        for (uint32_t i = 0; decs && i < rcs.n; i++)
            veto_decision_free(decs[i]);
        free(decs);
        free(ms);
        free(sorted);
    }
    free(got);
    veto_decision_free(whole);
    free(ok);
    free(why);
    free(err);
    return rc;
}

int main(int argc, char **argv)
{
    int show = 0, stream = 0, ai = 1;
    const char *kind = NULL;
    for (; ai < argc && argv[ai][0] == '-' && argv[ai][1] == '-'; ai++) {
        if (strcmp(argv[ai], "--paths") == 0)
            show = 1;
        else if (strcmp(argv[ai], "--stream") == 0)
            stream = 1;
        else if (strcmp(argv[ai], "--kind") == 0 && ai + 1 < argc)
            kind = argv[++ai];
        else
            break;
    }
    if (argc - ai < 2) {
        fprintf(stderr,
                "usage: project_check [--paths] [--stream] [--kind KIND] INPUT POLICY_PATH...\n");
        return 2;
    }
    const char *input = argv[ai++];
    veto_engine *e = veto_engine_new();
    veto_diags *d = veto_diags_new();
    veto_compiler *c = veto_compiler_new(e);
    for (; ai < argc; ai++)
        veto_compiler_add_path(c, argv[ai], d);
    veto_program *p = veto_compiler_finish(c, d);
    if (!p) {
        char *t = veto_diags_render(d, 0);
        fprintf(stderr, "%s", t ? t : "compile failed\n");
        free(t);
        veto_diags_free(d);
        veto_engine_free(e);
        return 2;
    }
    if (show) {
        PathTree *t = paths_analyze(p);
        char *s = t ? paths_describe(t) : NULL;
        printf("%s", s ? s : "(analysis failed)\n");
        free(s);
        paths_free(t);
    }
    veto_diags *d1 = veto_diags_new(), *d2 = veto_diags_new();
    veto_doc *full = veto_doc_load_file(e, input, NULL, d1);
    veto_doc *proj = veto_doc_load_file_projected(e, p, input, NULL, d2);
    int rc = 0;
    if (!full || !proj) {
        char *t1 = veto_diags_render(d1, 0), *t2 = veto_diags_render(d2, 0);
        if ((full != NULL) != (proj != NULL) || strcmp(t1 ? t1 : "", t2 ? t2 : "") != 0) {
            printf("load differs:\nfull: %s\nprojected: %s\n", t1 ? t1 : "", t2 ? t2 : "");
            rc = 1;
        }
        free(t1);
        free(t2);
    } else {
        veto_eval_options opt = {0};
        opt.kind = kind;
        veto_decision *a = veto_eval(p, full, &opt), *b = veto_eval(p, proj, &opt);
        char *ja = a ? veto_decision_json(a, 1) : NULL, *jb = b ? veto_decision_json(b, 1) : NULL;
        if (!ja || !jb || strcmp(ja, jb) != 0) {
            printf("decisions differ:\n--- full\n%s\n--- projected\n%s\n", ja ? ja : "(none)",
                   jb ? jb : "(none)");
            rc = 1;
        }
        free(ja);
        free(jb);
        veto_decision_free(a);
        veto_decision_free(b);
        if (stream && stream_check(p, full, kind))
            rc = 1;
    }
    veto_doc_free(full);
    veto_doc_free(proj);
    veto_diags_free(d1);
    veto_diags_free(d2);
    veto_diags_free(d);
    veto_program_free(p);
    veto_engine_free(e);
    return rc;
}
