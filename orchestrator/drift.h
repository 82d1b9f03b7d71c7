/* drift.h — drift checks (`veto drift`).
 *
 * Owns: running a stack's refresh-only plan command under the stack lock,
 * evaluating the drift policies (kind drift) on its resource_drift,
 * recording the result, and optionally starting a remediation run.
 */
#ifndef VETO_ORCH_DRIFT_H
#define VETO_ORCH_DRIFT_H

#include "run.h"

/* Checks st. Returns RUN_DONE when nothing drifted and the drift policies
 * pass, RUN_BLOCKED when drift was found (or the policies deny), RUN_FAILED
 * when the command failed; with remediate, a stack that drifted gets a run
 * whose outcome is returned instead. */
RunOutcome drift_check(Session *s, const CfgStack *st, int remediate);

#endif
