/* eval_core.c — what every way of evaluating shares (eval_core.h): one
 * policy's rules run on a prepared Vm, EMITs turned into results, runtime
 * errors into error results that stop only the policy that raised them.
 * Used by veto_eval (eval.c), the split evaluation (eval_parallel.c) and
 * streaming (stream.c). Owns nothing beyond one call.
 */
#include "gate/eval_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "input/json_read.h"
#include "vm/ops.h"

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

bool eval_setup(Vm *vm, Arena *arena, void *first, const Program *p, const veto_doc *input,
                const veto_eval_options *opt)
{
    return eval_setup_inline(vm, arena, first, p, input, opt);
}

bool eval_policy(EvalState *st, Vm *vm, uint32_t pi) { return eval_policy_inline(st, vm, pi); }
