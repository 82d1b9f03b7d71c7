/* lock.h — locking a stack by hand (`veto lock`, `veto unlock`).
 *
 * Owns: the access checks (actions "lock" and "unlock") and the rules: a
 * lock held by a run whose process is working cannot be taken away without
 * force; releasing the lock of a run awaiting approval lets another run go,
 * and the waiting run then becomes stale if that one applies. The lock
 * itself lives in the store (runs take theirs through store_run_move).
 */
#ifndef VETO_ORCH_LOCK_H
#define VETO_ORCH_LOCK_H

#include "run.h"

RunOutcome lock_stack(Session *s, const CfgStack *st, const char *reason);
RunOutcome unlock_stack(Session *s, const CfgStack *st, int force);

#endif
