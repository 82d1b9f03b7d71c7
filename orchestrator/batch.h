/* batch.h — running many stacks at once (`veto run --all`, `veto trigger`).
 *
 * Owns: scheduling a selected set of stacks in dependency order, with
 * independent stacks in parallel processes (at most `jobs` at a time):
 * each stack's run is queued first, runs once every selected dependency has
 * finished, and is discarded when one did not (failed, blocked, refused,
 * waiting) — its siblings go on. Does not own: one run's lifecycle (run.c).
 */
#ifndef VETO_ORCH_BATCH_H
#define VETO_ORCH_BATCH_H

#include "run.h"

/* Runs the stacks whose entry in selected (nstacks flags) is 1. Returns
 * the worst outcome: FAILED over BLOCKED over WAITING over DONE. */
RunOutcome batch_run(Session *s, const char *selected, const RunOptions *o, int jobs);

#endif
