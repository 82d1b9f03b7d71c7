/* session.h — everything one orchestrator command works with: the config,
 * the store, the engine and compiled policies, and who is acting.
 *
 * Owns: finding and loading the config (--config, VETO_CONFIG, ./veto.yaml),
 * opening the store (--store, VETO_STORE, the config's `store`), resolving
 * the actor (--as, VETO_ACTOR, GITHUB_ACTOR, GITLAB_USER_LOGIN) and their
 * teams from the config's people directory, compiling each stack's policy
 * set once, and the progress callback. Does not own: the run lifecycle.
 *
 * The library does not print: progress goes through `say`, which the CLI
 * points at stderr.
 */
#ifndef VETO_ORCH_SESSION_H
#define VETO_ORCH_SESSION_H

#include "config.h"
#include "store.h"
#include "veto.h"

#include <stddef.h>

typedef struct Session {
    Config *cfg;
    Store *store;
    char *store_path;
    veto_engine *engine;
    veto_program **programs; /* per stack, compiled on first use; [nstacks] = top-level set */
    char *actor;             /* NULL until session_identify */
    const char *actor_source;
    char **teams; /* borrowed from cfg */
    size_t nteams;
    void (*say)(void *ud, const char *line);
    void *say_ud;
} Session;

void session_close(Session *s);

/* Sets the actor from as, or from the environment. Returns 0, or -1 with a
 * message in *err (malloc'd). */
int session_identify(Session *s, const char *as, char **err);

/* Reports one line of progress. */
void session_say(Session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The compiled policy set of stack (NULL: the top-level set, for trigger
 * policies). Borrowed. NULL with the compiler's diagnostics in *err. */
veto_program *session_program(Session *s, const struct CfgStack *stack, char **err);

/* After fork: opens a new connection for this process (the parent's is
 * abandoned, never used or closed here). */
int session_reopen_store(Session *s, char **err);

/* The teams of actor name as a JSON array; malloc'd. */
char *session_teams_json(const Session *s, const char *name);

/* "<prefix>veto: ..." helpers for messages: a malloc'd printf. */
char *session_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
