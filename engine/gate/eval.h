/* eval.h — the evaluator's pieces shared by whole-document evaluation
 * (eval.c) and resource-by-resource streaming (stream.c): turning a rule's
 * EMITs into results, runtime errors into error results, the `data` global,
 * and the policy kind of an options struct. Internal to the engine.
 */
#ifndef VETO_EVAL_H
#define VETO_EVAL_H

#include "base/buf.h"
#include "gate/decision.h"
#include "gate/explain_trace.h"
#include "vm/program.h"
#include "veto.h"
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

/* eval_parallel.c: the policies of kind on input split over threads, the
 * results merged in the order one thread gives them (decision not yet
 * finished). NULL when that does not pay (small input, few policies,
 * opt->jobs 1, explanations or hooks) or when the decision could differ
 * from one thread's (a limit reached, out of memory): veto_eval then
 * evaluates on the calling thread. */
veto_decision *eval_parallel(const Program *p, PolicyKind kind, const veto_doc *input,
                             const veto_eval_options *opt);

#endif
