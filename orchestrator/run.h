/* run.h — the run lifecycle.
 *
 *   queued -> planning -> checking -> awaiting_approval -> applying -> finished
 *   (and failed | rejected | discarded | stale)
 *
 * Owns: the order of the gates — access before anything, then the stack
 * lock, the plan command, the plan policies (enforcement levels, overrides),
 * the approval policy over the reviews, a freshness check, the apply
 * command and the outputs — and recovering runs whose veto process died.
 * Every move goes through store_run_move, so it is recorded with its time
 * and actor before the next step starts. Does not own: scheduling many
 * stacks (batch.c), drift checks (drift.c).
 */
#ifndef VETO_ORCH_RUN_H
#define VETO_ORCH_RUN_H

#include "session.h"

/* How a command ended; the CLI maps these to exit codes one to one. */
typedef enum RunOutcome {
    RUN_DONE = 0,    /* finished (applied, or nothing to apply) */
    RUN_BLOCKED = 1, /* refused or stopped by a gate: access, lock, policy, rejection, stale */
    RUN_USAGE = 2,   /* a usage or configuration error */
    RUN_FAILED = 3,  /* a command failed or timed out, or the store or engine failed */
    RUN_WAITING = 4, /* awaiting approval or a manual `veto apply` */
} RunOutcome;

typedef struct RunOptions {
    const char *override_reason; /* accept soft-mandatory failures (needs access "override") */
    long wait_lock;              /* seconds to wait for a locked stack; 0 refuses at once */
    const char *trigger;         /* manual (default), all, trigger, drift */
    int64_t batch;               /* batch id shared by runs started together */
} RunOptions;

/* Marks runs whose veto process is gone as failed (or, when still queued,
 * discarded), which also frees their locks. Returns 0, or -1 on a store
 * error. Called by session_open. */
int run_recover(Session *s);

/* Access check, then a new run of st carried through as far as it can go
 * now. *run_id is set when a run was created (0 otherwise). */
RunOutcome run_stack(Session *s, const CfgStack *st, const RunOptions *o, int64_t *run_id);

/* Carries a queued run (already access-checked) through its lifecycle. */
RunOutcome run_execute(Session *s, int64_t id, const RunOptions *o);

/* `veto approve` / `veto reject`: records the session actor's review of a
 * run awaiting approval, re-evaluates the approval policies, and applies
 * when approved and the stack applies automatically. */
RunOutcome run_review(Session *s, int64_t id, const char *verdict, const char *comment);

/* `veto apply RUN`: applies an approved run awaiting a manual apply. */
RunOutcome run_apply(Session *s, int64_t id);

#endif
