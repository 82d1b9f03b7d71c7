/* decision.h — the decision record (struct veto_decision): what one
 * evaluation found, independent of how it is shown.
 *
 * A decision owns its own arena holding copies of every message, address,
 * override, waiver and context value, so it outlives the evaluation arena,
 * the input documents and the gate's overrides/waivers. It borrows the
 * Program (policy ids, titles, sources), which must outlive it.
 *
 * Messages are stored already redacted: a sensitive value never enters
 * the record, so no view of it can leak one. The record is built in three
 * steps: eval.c adds results and calls decision_finish() and
 * decision_set_docs(); veto_decision_gate() (gate.c's part, in decision.c)
 * then applies waivers, overrides, .tf locations and --fail-on, and
 * recomputes the outcome. The views (report_*.c) only read it.
 */
#ifndef VETO_DECISION_H
#define VETO_DECISION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "veto.h"
#include "vm/program.h"

/* Explanations (gate/explain_trace.h) hang off a decision; opaque here. */
struct Explanation;
struct ExplainLog;

typedef enum ResultKind { RES_RULE, RES_ERROR } ResultKind;

/* What a result means for the gate, after enforcement, waivers, overrides. */
typedef enum ResultStatus {
    ST_PASS,       /* allow / approve / trigger: an affirmative result */
    ST_FAIL,       /* counts against the gate (hard or soft deny, reject, access deny) */
    ST_WARN,       /* a warn rule */
    ST_ADVISORY,   /* a deny of an advisory policy: reported, never fails */
    ST_OVERRIDDEN, /* a soft deny accepted by an override */
    ST_WAIVED,     /* a deny or warn excepted by a waiver */
    ST_ERROR,      /* the policy raised a runtime error */
    ST__COUNT
} ResultStatus;

typedef struct Result {
    ResultKind kind;
    ResultStatus status;
    uint32_t policy;     /* policy index */
    uint32_t rule;       /* rule index (RES_RULE) */
    const char *message; /* NUL-terminated, redacted */
    const char *address; /* resource address or NULL */
    const char *file;    /* location of the rule / the error (program-owned) */
    uint32_t line, col;
    const char *tf_file; /* --source-dir: the .tf file of the resource block, or NULL */
    uint32_t tf_line;
    int32_t override_ix; /* index into overrides, or -1 */
    int32_t waiver_ix;   /* index into waivers, or -1 */
    /* Reserved for the explain hook: the attribute path and the (redacted)
     * value that decided the result. NULL until that lands. */
    const char *evidence_path;
    const char *evidence_value;
    const struct Explanation *explain; /* --explain: the chain behind it (explain.h), or NULL */
} Result;

/* An override as recorded: copied from the gate's list. */
typedef struct DecOverride {
    const char *policy_id, *reason, *by, *origin; /* origin: "command line" or a file */
    uint32_t matched;                             /* results it turned into ST_OVERRIDDEN */
} DecOverride;

/* A waiver as recorded (only waivers that are in force or expired). */
typedef struct DecWaiver {
    const char *id; /* the entry's id, or "FILE#N" */
    const char *policy_id, *resource, *attribute, *reason, *owner, *ticket, *expires,
        *approved_by; /* attribute may be NULL */
    bool expired;
    uint32_t matched; /* results waived */
} DecWaiver;

/* A warning about the gate itself: an expired or unused waiver, ... */
typedef struct DecNote {
    const char *code;    /* "waiver-expired", "waiver-unmatched", "override-unmatched", ... */
    const char *message; /* for people */
} DecNote;

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
    uint32_t status[ST__COUNT]; /* results per status */
    uint32_t errors;
    bool oom;
    bool fail_on_warn;        /* --fail-on warn was applied */
    const char *input_name;   /* display name of the input, or NULL */
    char input_hash[65];      /* SHA-256 of the input bytes (veto_doc_hash); "" without */
    const char *context_json; /* canonical JSON of actor/time/stack/run, or NULL */
    const char *context_date; /* the context's time.date (YYYY-MM-DD), or NULL */
    const char *as_of;        /* date waivers were checked against, or NULL */
    DecOverride *overrides;
    uint32_t noverrides, overrides_cap;
    DecWaiver *waivers;
    uint32_t nwaivers, waivers_cap;
    DecNote *notes;
    uint32_t nnotes, notes_cap;
    struct ExplainLog *explain_log; /* --explain: mode, address, rules that did not fire */
};

veto_decision *decision_new(const Program *p, PolicyKind kind);
/* Copies message and address. */
void decision_add(veto_decision *d, ResultKind kind, uint32_t policy, uint32_t rule,
                  const char *message, size_t mlen, const char *address, size_t alen,
                  const char *file, uint32_t line, uint32_t col);
/* Appends a copy of r, a result of another decision of the same program
 * and kind not yet finished: message, address and evidence are copied
 * into d, as decision_add and the evaluator would have added them. Sets
 * d->oom when out of memory. */
void decision_add_copy(veto_decision *d, const Result *r);
/* Sets each result's status from its rule and enforcement, then the
 * outcome and verdict. */
void decision_finish(veto_decision *d);
/* Records the input's display name and canonical hash and the context
 * (actor, time, stack, run). Either document may be NULL. */
void decision_set_docs(veto_decision *d, const veto_doc *input, const veto_doc *context);
/* Recomputes the outcome from the statuses (and the kind's verdict). */
void decision_outcome(veto_decision *d);
/* Adds a gate warning (texts copied). */
void decision_note(veto_decision *d, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *result_status_name(ResultStatus s);

/* The policy-set hash of d's program (veto_program_hash), computed on first
 * use and cached on the program: only the views that print it pay for it.
 * "" when d has no program. Valid while the program lives. */
const char *decision_policy_hash(const veto_decision *d);

/* SHA-256 of bytes as 64 hex digits and a NUL (decision.c, engine/base/sha256.c). */
void decision_sha256_hex(const void *data, size_t n, char out[65]);

#endif
