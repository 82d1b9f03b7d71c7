/* eval_core.h — the evaluator's pieces shared by whole-document evaluation
 * (eval.c) and resource-by-resource streaming (stream.c): turning a rule's
 * EMITs into results, runtime errors into error results, the `data` global,
 * and the policy kind of an options struct. Internal to the engine.
 */
#ifndef VETO_EVAL_CORE_H
#define VETO_EVAL_CORE_H

#include "base/buf.h"
#include "gate/decision.h"
#include "gate/explain_trace.h"
#include "veto.h"
#include "vm/program.h"
#include "vm/vm.h"

#define EVAL_DEFAULT_MEM_CAP ((size_t)1 << 30)
/* First chunk of the evaluation arena: below malloc's mmap threshold, so a
 * small evaluation reuses heap memory instead of mapping (and faulting in)
 * fresh pages each call. Larger evaluations add chunks as they go. */
#define EVAL_CHUNK (64u * 1024u)

typedef struct EvalState {
    veto_decision *dec;
    const Program *prog;
    Buf text;
    const Vm *vm;       /* for evidence read from a rule's lets */
    uint32_t base;      /* stack index of the running rule's frame */
    Explainer *explain; /* opt->explain: NULL when off */
} EvalState;

/* VmEmitFn for the evaluator: ud is an EvalState; adds one result (message,
 * address, evidence) to st->dec. st->base must be the stack index of the
 * running rule's frame. */
void eval_emit(void *ud, uint32_t ri, Value binding, Value message);

/* Adds the Vm's runtime error as an error result of `policy`. */
void eval_error(EvalState *st, Vm *vm, uint32_t policy);

/* The PolicyKind named by kind (NULL: plan); PK__COUNT when unknown. */
PolicyKind eval_kind(const char *kind);

/* The `data` global: an object of opt's named documents, in a. */
Value eval_data(Arena *a, const veto_eval_options *opt, const KeyTable *keys);

/* Points vm at what a policy reads: `input` (root), opt's context and
 * `data` (built in a) and opt's hooks. Every way of evaluating sets a Vm up
 * through this, so they all see the same globals. */
void eval_bind(Vm *vm, Arena *a, Value root, const veto_eval_options *opt);

/* Bytes of the evaluation arena a one-shot evaluation takes from its own
 * stack frame: what a small input needs, so it makes no malloc'd chunk. */
#define EVAL_STACK_CHUNK (4u * 1024u)

/* Sets up vm and arena (capped by opt->mem_cap; first: its first chunk,
 * EVAL_STACK_CHUNK bytes, 16-aligned, borrowed) to evaluate p on input
 * with opt. False on out of memory, with both freed. */
bool eval_setup(Vm *vm, Arena *arena, void *first, const Program *p, const veto_doc *input,
                const veto_eval_options *opt);

/* Runs the rules of policy pi on vm with a fresh step budget, adding its
 * results (vm->emit must be eval_emit or call it) and, when a rule raises
 * a runtime error, that error to st->dec. False after an error: vm->err,
 * vm->fuel and vm->arena still show it until the next call. */
bool eval_policy(EvalState *st, Vm *vm, uint32_t pi);

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

#endif
