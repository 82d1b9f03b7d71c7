/* explain.h — why a rule fired, or did not (docs/EXPLAIN.md).
 *
 * Three parts, one subsystem:
 *   - compile time (explain_plan): for each rule, the "probes" worth
 *     showing — each top-level `and` condition of its `when`, the paths,
 *     names and calls those conditions compare, and its `let`s — and the
 *     evidence path; codegen.c fills in the pc range of each probe's code.
 *     The RuleExplain lives in the program arena, immutable afterwards.
 *   - evaluation (Explainer): a VM step hook that watches the rule's own
 *     frame, records the value on the stack when control leaves a probe's
 *     pc range, and on EMIT copies the record, rendered and redacted, into
 *     the decision. explain_evidence needs no hook: it reads the evidence
 *     path from the binding (or a let) when a rule fires.
 *   - views: veto_decision_explain_text / _json (veto.h).
 */
#ifndef VETO_EXPLAIN_H
#define VETO_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/compiler.h"
#include "gate/decision.h"
#include "vm/vm.h"

typedef enum ProbeKind {
    PROBE_COND,  /* a top-level conjunct of `when` */
    PROBE_VALUE, /* a path, name or call a condition reads */
    PROBE_LET,   /* a rule `let` clause's value */
} ProbeKind;

typedef struct Probe {
    uint32_t start, end; /* pc range of its code in the rule function; start == end: none */
    uint32_t off, len;   /* source span shown */
    uint8_t kind;        /* ProbeKind */
    uint16_t cond;       /* the condition it belongs to (PROBE_COND ordinal) */
    const char *name;    /* PROBE_LET: the let's name */
} Probe;

typedef enum EvidenceKind {
    EV_NONE,
    EV_PATH,   /* ev_keys from the binding value */
    EV_LOCAL,  /* a rule `let`, in local slot ev_index */
    EV_GLOBAL, /* a file-level `let`, global ev_index */
} EvidenceKind;

typedef struct RuleExplain {
    Probe *probes;
    uint32_t nprobes;
    uint32_t loop_pc;            /* pc of the rule's ITER_NEXT, or UINT32_MAX without `for` */
    uint32_t iter_slot;          /* the binding's key/value are locals iter_slot+2/+3 */
    uint32_t emit_pc;            /* pc of EMIT */
    const char *var;             /* binding variable, or NULL */
    uint32_t coll_off, coll_len; /* the collection iterated */
    uint8_t ev_kind;             /* EvidenceKind */
    uint32_t ev_index;           /* EV_LOCAL slot, EV_GLOBAL index */
    const char *ev_name;         /* EV_LOCAL/EV_GLOBAL: the name (resolved by codegen) */
    const Value *ev_keys;        /* EV_PATH: keys (strings) and indexes (ints) */
    uint32_t ev_nkeys;
    /* EV_PATH: the program key (Program.keys) of each string key, so the
     * evidence lookup can try where the rule's own FIELD found it (the
     * Vm's key_hint); UINT32_MAX for an index or a key the program did not
     * have yet when the rule was planned. NULL in a program loaded from a
     * bundle. Without it, a key is looked up by text. */
    const uint32_t *ev_keyix;
    const char *ev_path; /* display: "after.acl", "absent" */
} RuleExplain;

/* ---- compile time ------------------------------------------------------ */

/* Plans the probes and evidence of `rule` (AST_RULE). Returns the record
 * in the program arena, with *nodes (compile arena) parallel to probes:
 * codegen sets probes[i].start/end when it generates nodes[i]. */
RuleExplain *explain_plan(Compiler *c, Unit *u, AstNode *rule, AstNode ***nodes);

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
