/* explain_trace.h — recording, during an evaluation, why a rule fired or
 * did not (docs/EXPLAIN.md), from the plan the compiler made
 * (lang/explain_plan.h).
 *
 * The Explainer is a VM step hook that watches the rule's own frame,
 * records the value on the stack when control leaves a probe's pc range,
 * and on EMIT copies the record, rendered and redacted, into the decision.
 * explain_evidence needs no hook: it reads the evidence path from the
 * binding (or a let) when a rule fires. The records below are what the
 * views (report/explain_view.c) print.
 */
#ifndef VETO_EXPLAIN_TRACE_H
#define VETO_EXPLAIN_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "gate/decision.h"
#include "lang/explain_plan.h"
#include "vm/vm.h"

/* Condition states, as recorded. */
enum { CS_SKIPPED, CS_TRUE, CS_FALSE, CS_UNDEFINED, CS_OTHER };

typedef struct ExplainLine {
    uint8_t kind;      /* ProbeKind */
    uint8_t state;     /* PROBE_COND: CS_* */
    const char *text;  /* the expression (whitespace collapsed), or the let's name */
    const char *value; /* rendered, redacted; NULL when not evaluated */
} ExplainLine;

typedef struct Explanation {
    uint32_t rule;
    bool fired;
    bool selected;          /* FAILS: the address was among the rule's bindings */
    const char *var;        /* binding variable, or NULL (no `for`) */
    const char *binding;    /* its address, or its value rendered */
    const char *origin;     /* "resource_changes[3]", or NULL */
    const char *collection; /* the iterated expression */
    ExplainLine *lines;
    uint32_t nlines;
    struct Explanation *next; /* ExplainLog.misses */
} Explanation;

typedef struct ExplainLog {
    int mode;
    const char *address;
    Explanation *misses, *tail;
    uint32_t nmisses;
} ExplainLog;

/* ---- evaluation --------------------------------------------------------- */

typedef struct Explainer Explainer;

/* mode: VETO_EXPLAIN_RESULTS or _FAILS; address: the resource for FAILS.
 * inner: hooks to call as well (coverage), or NULL. Borrowed. */
Explainer *explain_new(const Program *p, veto_decision *dec, int mode, const char *address,
                       const Value *input, const VmHooks *inner);
void explain_free(Explainer *x);
const VmHooks *explain_hooks(Explainer *x);
/* Around each vm_call of a rule function; base is vm->sp before the call. */
void explain_rule_begin(Explainer *x, uint32_t rule, uint32_t base);
void explain_rule_end(Explainer *x, bool ok);
/* From the EMIT callback, after decision_add: explains the new result. */
void explain_emitted(Explainer *x, Result *res);

/* Sets res->evidence_path/_value (decision arena) from the rule's
 * evidence: the binding's path, or a let read from vm (the rule's frame
 * starts at stack index base). Nothing when the rule has none. */
void explain_evidence(veto_decision *dec, Result *res, const Rule *rule, Value binding,
                      const Vm *vm, uint32_t base);

#endif
