/* eval.c — one evaluation: run every rule of every policy of the asked
 * kind against an input, turn EMITs into results, and runtime errors into
 * error results that stop only the policy that raised them.
 *
 * Owns the evaluation arena (capped by mem_cap) and the Vm: made and freed
 * per call by veto_eval, kept and reset between runs by a veto_evaluator.
 * Borrows the program and the documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "gate/decision.h"
#include "base/diag.h"
#include "gate/eval.h"
#include "gate/explain_trace.h"
#include "input/json_read.h"
#include "vm/ops.h"
#include "vm/vm.h"

/* The text of a result's message, redacted where sensitive: *len bytes,
 * in the program, the evaluation arena or st->text — decision_add copies
 * it. A plain string (what a template makes) is its own text, as
 * ops_to_text would write it, so the common message needs no scratch. */
static const char *eval_message(EvalState *st, const Policy *pol, const Rule *rule, Value m,
                                size_t *len)
{
    if (m.kind == V_STR && !(m.flags & VF_SENSITIVE)) {
        *len = m.n;
        return m.u.s ? m.u.s : "";
    }
    if (m.kind == V_UNDEF && pol->title) {
        *len = strlen(pol->title);
        return pol->title;
    }
    buf_reset(&st->text);
    if (m.kind == V_UNDEF)
        buf_printf(&st->text, "%s: %s", pol->name, rule_kind_name(rule->kind));
    else
        ops_to_text(&st->text, m);
    *len = st->text.len;
    return st->text.p ? st->text.p : "";
}

void eval_emit(void *ud, uint32_t ri, Value binding, Value message)
{
    EvalState *st = ud;
    const Program *p = st->prog;
    const Rule *rule = &p->rules[ri];
    const Policy *pol = &p->policies[rule->policy];
    size_t mlen;
    const char *msg = eval_message(st, pol, rule, message, &mlen);
    const char *addr = NULL;
    size_t alen = 0;
    if (binding.kind == V_OBJ) {
        const Member *m = value_get(binding, "address", 7, 0);
        if (m && m->val.kind == V_STR && !(m->val.flags & VF_SENSITIVE)) {
            addr = m->val.u.s;
            alen = m->val.n;
        }
    }
    uint32_t before = st->dec->nresults;
    decision_add(st->dec, RES_RULE, rule->policy, ri, msg, mlen, addr, alen,
                 p->sources[rule->source]->name, rule->line, rule->col);
    if (st->dec->nresults > before) {
        Result *res = &st->dec->results[before];
        explain_evidence(st->dec, res, rule, binding, st->vm, st->base);
        if (st->explain)
            explain_emitted(st->explain, res);
    }
}

void eval_error(EvalState *st, Vm *vm, uint32_t policy)
{
    const Program *p = st->prog;
    const Function *f = &p->funcs[vm->err_func < p->nfuncs ? vm->err_func : 0];
    const Source *src = p->sources[f->source];
    uint32_t off = vm->err_pc < f->ncode ? f->offsets[vm->err_pc] : f->off;
    uint32_t line, col;
    source_position(src, off, &line, &col);
    decision_add(st->dec, RES_ERROR, policy, 0, vm->err, strlen(vm->err), NULL, 0, src->name, line,
                 col);
}

PolicyKind eval_kind(const char *kind)
{
    static const char *const names[PK__COUNT] = {"plan", "approval", "access", "trigger", "drift"};
    if (!kind)
        return PK_PLAN;
    for (int i = 0; i < PK__COUNT; i++)
        if (strcmp(kind, names[i]) == 0)
            return (PolicyKind)i;
    return PK__COUNT;
}

/* The `data` global: an object of the named documents. */
Value eval_data(Arena *a, const veto_eval_options *opt, const KeyTable *keys)
{
    Value v = {0};
    v.kind = V_OBJ;
    if (!opt || opt->ndata == 0) {
        v.u.o = NULL;
        return v;
    }
    Member *ms = arena_zalloc(a, opt->ndata * sizeof(Member));
    if (!ms)
        return value_undef();
    for (size_t i = 0; i < opt->ndata; i++) {
        ms[i].key = opt->data_names[i];
        ms[i].klen = (uint32_t)strlen(opt->data_names[i]);
        ms[i].kid = keys ? keys_lookup(keys, ms[i].key, ms[i].klen) : 0;
        ms[i].val = opt->data_docs[i] ? opt->data_docs[i]->root : value_undef();
    }
    v.n = (uint32_t)opt->ndata;
    v.u.o = ms;
    return v;
}

void eval_bind(Vm *vm, Arena *a, Value root, const veto_eval_options *opt)
{
    const Program *p = vm->prog;
    vm->input = root;
    vm->context = opt && opt->context ? opt->context->root : value_undef();
    vm->data = eval_data(a, opt, p->engine ? p->engine->keys : NULL);
    vm->hooks = opt ? opt->hooks : NULL;
}

/* eval_setup, inlined into veto_eval. */
static inline bool eval_setup_inline(Vm *vm, Arena *arena, void *first, const Program *p,
                                     const veto_doc *input, const veto_eval_options *opt)
{
    arena_init_buf(arena, first, EVAL_STACK_CHUNK, EVAL_CHUNK);
    arena_set_cap(arena, opt && opt->mem_cap ? opt->mem_cap : EVAL_DEFAULT_MEM_CAP);
    if (!vm_init(vm, p, arena, opt ? opt->fuel : 0)) {
        vm_free(vm);
        arena_free(arena);
        return false;
    }
    eval_bind(vm, arena, input ? input->root : value_undef(), opt);
    return true;
}

bool eval_setup(Vm *vm, Arena *arena, void *first, const Program *p, const veto_doc *input,
                const veto_eval_options *opt)
{
    return eval_setup_inline(vm, arena, first, p, input, opt);
}

/* eval_policy, inlined into eval_policies' loop: the one-resource
 * evaluation pays for no call per policy. */
static inline bool eval_policy_inline(EvalState *st, Vm *vm, uint32_t pi)
{
    const Program *p = st->prog;
    const Policy *pol = &p->policies[pi];
    st->dec->policies_evaluated++;
    vm->fuel = vm->fuel_limit;
    for (uint32_t r = 0; r < pol->nrules; r++) {
        Value ignored;
        st->base = vm->sp;
        if (st->explain)
            explain_rule_begin(st->explain, pol->first_rule + r, vm->sp);
        bool ok = vm_call(vm, p->rules[pol->first_rule + r].func, &ignored);
        if (st->explain)
            explain_rule_end(st->explain, ok);
        if (!ok) {
            eval_error(st, vm, pi);
            vm->failed = false;
            return false;
        }
    }
    return true;
}

bool eval_policy(EvalState *st, Vm *vm, uint32_t pi) { return eval_policy_inline(st, vm, pi); }

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

veto_program *compiler_compile_expr(veto_engine *e, const char *expr, veto_diags *d);

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
