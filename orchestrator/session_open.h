/* session_open.h — opening a session (session_open.c): the config, the
 * store, and the recovery of runs whose process died, which needs the run
 * lifecycle (run.c) — so opening sits above run.c, and session.c below it.
 */
#ifndef VETO_ORCH_SESSION_OPEN_H
#define VETO_ORCH_SESSION_OPEN_H

#include "session.h"

/* Loads the config and opens the store, then recovers runs whose veto
 * process died (run_recover). Returns NULL with a message (possibly many
 * lines, each an error) in *err (malloc'd). */
Session *session_open(const char *config_path, const char *store_path, char **err);
/* session_open, then session_identify when need_actor; progress goes to
 * say(ud, line). NULL with *err (malloc'd) on failure. */
Session *session_start(const char *config_path, const char *store_path, const char *as,
                       int need_actor, void (*say)(void *, const char *), void *ud, char **err);

#endif
