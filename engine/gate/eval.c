/* eval.c — one evaluation (veto_eval, the reusable veto_evaluator and
 * veto_eval_expr): every policy of the asked kind against an input, on the
 * calling thread through eval_core.h, or split over threads by
 * eval_parallel.c when that pays.
 *
 * Owns the evaluation arena (capped by mem_cap) and the Vm: made and freed
 * per call by veto_eval, kept and reset between runs by a veto_evaluator.
 * Borrows the program and the documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "gate/decision.h"
#include "gate/eval_core.h"
#include "gate/eval_parallel.h"
#include "gate/explain_trace.h"
#include "input/json_read.h"
#include "lang/compiler.h"
#include "vm/ops.h"
#include "vm/vm.h"

/* Runs every policy of dec's kind on a Vm set up by eval_setup or
 * evaluator_prepare, adding results to dec; text is scratch for messages
 * (left allocated for reuse). Does not finish the decision. */
static void eval_policies(veto_decision *dec, const Program *p, Vm *vm, Buf *text,
                          const veto_doc *input, const veto_eval_options *opt)
{
    EvalState st = {dec, p, *text, vm, 0, NULL};
    vm->emit = eval_emit;
    vm->emit_ud = &st;
    if (opt && opt->explain) {
        st.explain = explain_new(p, dec, opt->explain, opt->explain_address,
                                 input ? &input->root : NULL, opt->hooks);
        if (st.explain)
            vm->hooks = explain_hooks(st.explain);
    }
    for (uint32_t pi = 0; pi < p->npolicies; pi++)
        if (p->policies[pi].kind == dec->kind)
            eval_policy_inline(&st, vm, pi);
    explain_free(st.explain);
    *text = st.text;
}

veto_decision *veto_eval(const veto_program *p, const veto_doc *input, const veto_eval_options *opt)
{
    PolicyKind kind = eval_kind(opt ? opt->kind : NULL);
    if (kind == PK__COUNT)
        return NULL;
    /* A large input with many policies: split them over threads. NULL when
     * that does not apply or could differ from one thread's decision. */
    veto_decision *dec = eval_parallel(p, kind, input, opt);
    if (!dec) {
        if (!(dec = decision_new(p, kind)))
            return NULL;
        Arena arena;
        _Alignas(16) unsigned char first[EVAL_STACK_CHUNK];
        Vm vm;
        if (!eval_setup_inline(&vm, &arena, first, p, input, opt)) {
            veto_decision_free(dec);
            return NULL;
        }
        Buf text = BUF_INIT;
        eval_policies(dec, p, &vm, &text, input, opt);
        buf_free(&text);
        vm_free(&vm);
        arena_free(&arena);
    }
    decision_finish(dec);
    decision_set_docs(dec, input, opt ? opt->context : NULL);
    return dec;
}

/* Reusable evaluation state: what veto_eval makes and frees per call, kept
 * between runs and reset instead. */
struct veto_evaluator {
    const Program *prog;
    Arena arena; /* the evaluation arena: reset per run, keeps its first chunk */
    Vm vm;       /* stack, globals and regex cache live as long as the evaluator */
    Buf text;    /* scratch for message text */
};

veto_evaluator *veto_evaluator_new(const veto_program *p)
{
    if (!p)
        return NULL;
    veto_evaluator *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->prog = p;
    arena_init(&ev->arena, EVAL_CHUNK);
    if (!vm_init(&ev->vm, p, &ev->arena, 0)) {
        veto_evaluator_free(ev);
        return NULL;
    }
    return ev;
}

void veto_evaluator_free(veto_evaluator *ev)
{
    if (!ev)
        return;
    vm_free(&ev->vm);
    arena_free(&ev->arena);
    buf_free(&ev->text);
    free(ev);
}

veto_decision *veto_evaluator_run(veto_evaluator *ev, const veto_doc *input,
                                  const veto_eval_options *opt)
{
    PolicyKind kind = eval_kind(opt ? opt->kind : NULL);
    if (!ev || kind == PK__COUNT)
        return NULL;
    const Program *p = ev->prog;
    veto_decision *dec = decision_new(p, kind);
    if (!dec)
        return NULL;
    Vm *vm = &ev->vm;
    arena_reset(&ev->arena); /* what the last run left: nothing refers to it any more */
    arena_set_cap(&ev->arena, opt && opt->mem_cap ? opt->mem_cap : EVAL_DEFAULT_MEM_CAP);
    vm_reset(vm, opt ? opt->fuel : 0);
    eval_bind(vm, &ev->arena, input ? input->root : value_undef(), opt);
    eval_policies(dec, p, vm, &ev->text, input, opt);
    decision_finish(dec);
    decision_set_docs(dec, input, opt ? opt->context : NULL);
    return dec;
}

char *veto_eval_expr(veto_engine *e, const char *expr, const veto_doc *input,
                     const veto_eval_options *opt, veto_diags *d)
{
    veto_program *p = compiler_compile_expr(e, expr, d);
    if (!p)
        return NULL;
    Arena arena;
    _Alignas(16) unsigned char first[EVAL_STACK_CHUNK];
    Vm vm;
    if (!eval_setup(&vm, &arena, first, p, input, opt)) {
        veto_program_free(p);
        return NULL;
    }
    Value v;
    char *out = NULL;
    if (vm_call(&vm, p->globals[p->expr_func].func, &v)) {
        Buf b = BUF_INIT;
        if (v.kind == V_UNDEF)
            buf_puts(&b, "undefined");
        else
            json_write(&b, v, JSON_REDACT);
        out = buf_take(&b);
    } else {
        const Function *f = &p->funcs[vm.err_func];
        const Source *src = p->sources[f->source];
        uint32_t off = vm.err_pc < f->ncode ? f->offsets[vm.err_pc] : f->off;
        diag_add(d, DIAG_ERROR, src, off, 1, NULL, "%s", vm.err);
    }
    vm_free(&vm);
    arena_free(&arena);
    veto_program_free(p);
    return out;
}
