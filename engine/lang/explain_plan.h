/* explain_plan.h — what explanations observe, planned by the compiler
 * (explain_plan.c) and kept in the program: for each rule, the "probes"
 * worth showing — each top-level `and` condition of its `when`, the paths,
 * names and calls those conditions compare, and its `let`s — and the
 * evidence path; codegen.c fills in the pc range of each probe's code.
 * The RuleExplain lives in the program arena, immutable afterwards; a
 * bundle stores it (gate/bundle.c). Evaluation reads it in
 * gate/explain_trace.c; nothing here runs at evaluation time.
 */
#ifndef VETO_EXPLAIN_PLAN_H
#define VETO_EXPLAIN_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/units.h"

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

#endif
