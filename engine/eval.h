/* eval.h — the evaluator's pieces shared by whole-document evaluation
 * (eval.c) and resource-by-resource streaming (stream.c): turning a rule's
 * EMITs into results, runtime errors into error results, the `data` global,
 * and the policy kind of an options struct. Internal to the engine.
 */
#ifndef VETO_EVAL_H
#define VETO_EVAL_H

#include "buf.h"
#include "decision.h"
#include "explain.h"
#include "program.h"
#include "veto.h"
#include "vm.h"

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

#endif
