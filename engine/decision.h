/* decision.h — the decision record (struct veto_decision): what one
 * evaluation found, independent of how it is shown.
 *
 * A decision owns its own arena holding copies of every message and
 * address, so it outlives the evaluation arena. It borrows the Program
 * (policy ids, titles, sources), which must outlive it.
 *
 * Messages are stored already redacted: a sensitive value never enters
 * the record, so no view of it can leak one.
 */
#ifndef VETO_DECISION_H
#define VETO_DECISION_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "program.h"
#include "veto.h"

typedef enum ResultKind { RES_RULE, RES_ERROR } ResultKind;

typedef struct Result {
    ResultKind kind;
    uint32_t policy;     /* policy index */
    uint32_t rule;       /* rule index (RES_RULE) */
    const char *message; /* NUL-terminated, redacted */
    const char *address; /* resource address or NULL */
    const char *file;    /* location of the rule / the error */
    uint32_t line, col;
} Result;

struct veto_decision {
    Arena arena;
    const Program *prog;
    PolicyKind kind;
    Result *results;
    uint32_t nresults, cap;
    veto_outcome outcome;
    const char *verdict; /* kind-specific: "allow", "approved", ... or NULL for plan */
    uint32_t policies_evaluated;
    uint32_t counts[RK__COUNT]; /* results per rule kind */
    uint32_t errors;
    bool oom;
};

veto_decision *decision_new(const Program *p, PolicyKind kind);
/* Copies message and address. */
void decision_add(veto_decision *d, ResultKind kind, uint32_t policy, uint32_t rule,
                  const char *message, size_t mlen, const char *address, size_t alen,
                  const char *file, uint32_t line, uint32_t col);
/* Computes outcome and verdict from the results. */
void decision_finish(veto_decision *d);

#endif
