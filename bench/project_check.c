/* project_check.c — runs one policy set on one input twice, loaded in full
 * (veto_doc_load_file) and projected (veto_doc_load_file_projected), and
 * compares the JSON decision records byte for byte. tests/run-projection.sh
 * builds it against libveto.a.
 *
 *   project_check [--paths] [--stream] [--kind KIND] [--context FILE] INPUT POLICY_PATH...
 *
 * Exit 0: identical (or both loads failed alike); 1: they differ (both
 * records are printed); 2: usage or compile error. --paths prints the
 * analysed path tree first.
 *
 * --stream also checks the streaming plan (project.h): it prints "stream
 * POLICY" or "whole POLICY: reason" for each policy with "  rule N:
 * stream|post|whole" for each of its rules, then "  global NAME: CLASS
 * [KINDS]" for the file-level globals and the classified module ones
 * (KINDS: the policy kinds whose POST rules read that fold; CLASS: keep,
 * elem, fold or other). It then does what a
 * streaming evaluator does, driving a Vm directly: for each element of
 * input.resource_changes, on a document holding just that element (every
 * other top-level member unchanged), it runs the STREAM rules and sums the
 * FOLD globals the evaluated kind's POST rules read; then it runs the POST
 * rules once on the document without resource_changes, those globals
 * preset to their sums. The streamed results, put in rule order (element
 * order within a STREAM rule), are compared field by field with the
 * whole-document evaluation's for the streaming policies. A policy that
 * raises a runtime error either way is left out (streaming falls back to
 * the whole document then) and reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "gate/decision.h"
#include "gate/eval_core.h"
#include "gate/paths.h"
#include "gate/project.h"
#include "veto.h"
#include "vm/program.h"
#include "vm/vm.h"

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

/* Sets up vm like eval.c's eval_setup for one run on root. */
static void vm_setup(Vm *vm, Arena *arena, Value root, const veto_eval_options *opt)
{
    arena_reset(arena);
    vm_reset(vm, opt->fuel);
    eval_bind(vm, arena, root, opt);
}

/* Runs the rules of mode `mode` (PJ_RULE_*) of the streaming policies of
 * dec's kind, as eval.c's eval_policies does: results into dec, a runtime
 * error stops that policy. text is message scratch, kept for reuse. */
static void run_rules(const Program *p, const StreamPlan *sp, Vm *vm, veto_decision *dec,
                      uint8_t mode, Buf *text)
{
    EvalState st = {.dec = dec, .prog = p, .text = *text, .vm = vm};
    vm->emit = eval_emit;
    vm->emit_ud = &st;
    for (uint32_t pi = 0; pi < p->npolicies; pi++) {
        const Policy *pol = &p->policies[pi];
        if (pol->kind != dec->kind || !sp->policy[pi])
            continue;
        vm->fuel = vm->fuel_limit;
        for (uint32_t r = 0; r < pol->nrules; r++) {
            uint32_t ri = pol->first_rule + r;
            if (sp->rule[ri] != mode)
                continue;
            Value ignored;
            st.base = vm->sp;
            if (!vm_call(vm, p->rules[ri].func, &ignored)) {
                eval_error(&st, vm, pi);
                vm->failed = false;
                break;
            }
        }
    }
    *text = st.text;
    vm->emit_ud = NULL; /* st dies here */
}

static const char *rule_mode_name(uint8_t m)
{
    return m == PJ_RULE_STREAM ? "stream" : m == PJ_RULE_POST ? "post" : "whole";
}

static void print_plan(const Program *p, const StreamPlan *sp)
{
    static const char *const gnames[] = {"other", "keep", "elem", "fold"};
    for (uint32_t i = 0; i < p->npolicies; i++) {
        const Policy *pol = &p->policies[i];
        if (sp->policy[i])
            printf("stream %s\n", pol->name);
        else
            printf("whole %s: %s\n", pol->name, sp->why[i]);
        for (uint32_t r = 0; r < pol->nrules && pol->first_rule + r < p->nrules; r++)
            printf("  rule %u: %s\n", r + 1, rule_mode_name(sp->rule[pol->first_rule + r]));
    }
    /* file-level globals (bare names) always; module ones (qualified by
     * the module) only when classified */
    for (uint32_t g = 0; g < p->nglobals; g++) {
        const char *name = p->globals[g].name;
        if (strchr(name, '.') && sp->global[g] == PJ_GLOBAL_OTHER)
            continue;
        printf("  global %s: %s", name, gnames[sp->global[g] & 3]);
        for (uint32_t k = 0; k < PK__COUNT; k++)
            if (sp->fold_kinds[g] & (1u << k))
                printf(" %s", policy_kind_name((PolicyKind)k));
        printf("\n");
    }
}

/* The --stream check; returns 0 when the streamed results equal the whole
 * document's, 1 otherwise. */
static int stream_check(const veto_program *p, veto_doc *full, const veto_eval_options *base)
{
    StreamPlan sp;
    if (!project_stream_plan(p, &sp)) {
        printf("stream analysis failed\n");
        return 1;
    }
    print_plan(p, &sp);
    veto_eval_options opt = *base;
    PolicyKind pk = eval_kind(opt.kind);
    veto_decision *whole = veto_eval(p, full, &opt);
    const Member *rcm =
        full->root.kind == V_OBJ ? value_get(full->root, "resource_changes", 16, 0) : NULL;
    int rc = 0;
    if (!whole || !rcm || rcm->val.kind != V_ARR) {
        veto_decision_free(whole);
        project_stream_plan_free(&sp);
        return 0;
    }
    Value rcs = rcm->val;
    uint32_t nm = full->root.n, rix = (uint32_t)(rcm - full->root.u.o), bit = 1u << pk;
    uint8_t *err = calloc(p->npolicies + 1, 1);
    int64_t *sum = calloc(p->nglobals + 1, sizeof *sum);
    uint8_t *sumflags = calloc(p->nglobals + 1, 1);
    Member *ms = malloc((nm ? nm : 1) * sizeof *ms);
    veto_decision *el = decision_new(p, pk), *post = decision_new(p, pk);
    Arena arena;
    Vm vm;
    arena_init(&arena, EVAL_CHUNK);
    Buf text = BUF_INIT;
    bool fold_err = false;
    if (!err || !sum || !sumflags || !ms || !el || !post || !vm_init(&vm, p, &arena, 0)) {
        printf("stream analysis failed: out of memory\n");
        exit(1);
    }
    /* per element: the STREAM rules, and each FOLD global the POST rules
     * of this kind read, summed */
    for (uint32_t i = 0; i < rcs.n; i++) {
        memcpy(ms, full->root.u.o, nm * sizeof *ms);
        Value one = rcs, root = full->root;
        one.n = 1;
        one.u.a = &rcs.u.a[i];
        ms[rix].val = one;
        root.u.o = ms;
        vm_setup(&vm, &arena, root, &opt);
        run_rules(p, &sp, &vm, el, PJ_RULE_STREAM, &text);
        for (uint32_t g = 0; g < p->nglobals; g++) {
            if (sp.global[g] != PJ_GLOBAL_FOLD || !(sp.fold_kinds[g] & bit))
                continue;
            Value v;
            if (vm.globals[g].state == 2) {
                v = vm.globals[g].value;
            } else if (!vm_call(&vm, p->globals[g].func, &v)) {
                printf("error in fold %s on element %u: %s\n", p->globals[g].name, i, vm.err);
                vm.failed = false;
                fold_err = true;
                continue;
            }
            if (v.kind != V_INT) {
                printf("streamed results differ: fold %s is a %s on element %u\n",
                       p->globals[g].name, value_kind_name((ValueKind)v.kind), i);
                rc = 1;
                continue;
            }
            sum[g] += v.u.i;
            sumflags[g] |= v.flags;
        }
    }
    /* once: the POST rules on the document without resource_changes, the
     * folds preset to their sums */
    memcpy(ms, full->root.u.o, nm * sizeof *ms);
    memmove(&ms[rix], &ms[rix + 1], (nm - rix - 1) * sizeof *ms);
    Value root = full->root;
    root.u.o = ms;
    root.n = nm - 1;
    vm_setup(&vm, &arena, root, &opt);
    for (uint32_t g = 0; g < p->nglobals; g++)
        if (sp.global[g] == PJ_GLOBAL_FOLD && (sp.fold_kinds[g] & bit)) {
            vm.globals[g].state = 2;
            vm.globals[g].value = value_int(sum[g]);
            vm.globals[g].value.flags = sumflags[g];
        }
    run_rules(p, &sp, &vm, post, PJ_RULE_POST, &text);
    decision_finish(el);
    decision_finish(post);
    const veto_decision *all[] = {el, post, whole};
    for (int d = 0; d < 3; d++)
        for (uint32_t k = 0; k < all[d]->nresults; k++)
            if (all[d]->results[k].kind == RES_ERROR)
                err[all[d]->results[k].policy] = 1;
    for (uint32_t ri = 0; fold_err && ri < p->nrules; ri++)
        if (sp.rule[ri] == PJ_RULE_POST)
            err[p->rules[ri].policy] = 1;
    /* streamed results in whole-document order: by rule, and within a
     * STREAM rule by element */
    size_t ns = 0;
    Result *sorted = malloc((el->nresults + post->nresults + 1) * sizeof *sorted);
    for (uint32_t ri = 0; sorted && ri < p->nrules; ri++) {
        const veto_decision *src = sp.rule[ri] == PJ_RULE_STREAM ? el
                                   : sp.rule[ri] == PJ_RULE_POST ? post
                                                                 : NULL;
        for (uint32_t k = 0; src && k < src->nresults; k++)
            if (src->results[k].kind == RES_RULE && src->results[k].rule == ri)
                sorted[ns++] = src->results[k];
    }
    size_t j = 0, npost = 0, ncompared = 0;
    for (uint32_t k = 0; k < whole->nresults && !rc; k++) {
        const Result *w = &whole->results[k];
        if (!sp.policy[w->policy] || err[w->policy])
            continue;
        ncompared++;
        npost += w->kind == RES_RULE && sp.rule[w->rule] == PJ_RULE_POST;
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
    if (!rc)
        printf("streamed results equal: %zu, %zu of them from post rules\n", ncompared, npost);
    for (uint32_t i = 0; i < p->npolicies; i++)
        if (sp.policy[i] && err[i])
            printf("error in %s: would fall back to the whole document\n", p->policies[i].name);
    free(sorted);
    buf_free(&text);
    vm_free(&vm);
    arena_free(&arena);
    veto_decision_free(el);
    veto_decision_free(post);
    veto_decision_free(whole);
    free(ms);
    free(sumflags);
    free(sum);
    free(err);
    project_stream_plan_free(&sp);
    return rc;
}

int main(int argc, char **argv)
{
    int show = 0, stream = 0, ai = 1;
    const char *kind = NULL, *ctxpath = NULL;
    for (; ai < argc && argv[ai][0] == '-' && argv[ai][1] == '-'; ai++) {
        if (strcmp(argv[ai], "--paths") == 0)
            show = 1;
        else if (strcmp(argv[ai], "--stream") == 0)
            stream = 1;
        else if (strcmp(argv[ai], "--kind") == 0 && ai + 1 < argc)
            kind = argv[++ai];
        else if (strcmp(argv[ai], "--context") == 0 && ai + 1 < argc)
            ctxpath = argv[++ai];
        else
            break;
    }
    if (argc - ai < 2) {
        fprintf(stderr,
                "usage: project_check [--paths] [--stream] [--kind KIND] [--context FILE] INPUT "
                "POLICY_PATH...\n");
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
    veto_doc *ctx = ctxpath ? veto_doc_load_file(e, ctxpath, NULL, d) : NULL;
    if (ctxpath && !ctx) {
        char *t = veto_diags_render(d, 0);
        fprintf(stderr, "%s", t ? t : "cannot load the context\n");
        free(t);
        veto_diags_free(d);
        veto_program_free(p);
        veto_engine_free(e);
        return 2;
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
        opt.context = ctx;
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
        if (stream && stream_check(p, full, &opt))
            rc = 1;
    }
    veto_doc_free(full);
    veto_doc_free(proj);
    veto_doc_free(ctx);
    veto_diags_free(d1);
    veto_diags_free(d2);
    veto_diags_free(d);
    veto_program_free(p);
    veto_engine_free(e);
    return rc;
}
