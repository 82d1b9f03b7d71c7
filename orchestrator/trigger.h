/* trigger.h — choosing the stacks a change should run (`veto trigger`).
 *
 * Owns: the selection: the trigger policies of the top-level policy set
 * when there are any (each firing names a stack), else the default — the
 * stacks whose directory holds a changed file, and everything that depends
 * on them. Does not own: running them (batch.c).
 */
#ifndef VETO_ORCH_TRIGGER_H
#define VETO_ORCH_TRIGGER_H

#include "session.h"

/* Fills selected (nstacks flags). *by_policy tells which rule chose.
 * Returns 0, or -1 with *err (an unknown stack named by a policy, a
 * policy error). */
int trigger_select(Session *s, const char *branch, const char *commit, const char *const *changed,
                   size_t nchanged, char *selected, int *by_policy, char **err);

/* 1 when path (relative to the config's directory) lies in dir. */
int trigger_path_in_dir(const char *path, const char *dir);

#endif
