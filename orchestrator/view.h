/* view.h — what `veto stacks`, `veto runs` and `veto show` print.
 *
 * Owns: rendering store records for people (aligned text) and for
 * programs (JSON). Log tails are stored already redacted; outputs marked
 * sensitive are shown as "(sensitive)". Does not own: reading options.
 */
#ifndef VETO_ORCH_VIEW_H
#define VETO_ORCH_VIEW_H

#include "session.h"

/* Each returns malloc'd text, or NULL with *err. */
char *view_stacks(Session *s, int json, char **err);
char *view_runs(Session *s, const char *stack, unsigned state_mask, size_t limit, int json,
                char **err);
char *view_show(Session *s, int64_t id, int json, char **err);

#endif
