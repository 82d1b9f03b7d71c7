/* cli_orch.h — what the orchestrator subcommands (apply, approve/reject,
 * drift, lock/unlock, run, runs, show, stacks, trigger) share between the
 * command line and a Session.
 *
 * Owns: the options every one of them takes (--as, --config, --store,
 * --help), opening the session with progress on stderr, printing a session
 * error, checking RUN numbers and STACK names and printing what a view
 * returned. Does not own: what any command does once the session is open;
 * that is orchestrator/.
 */
#ifndef VETO_CLI_ORCH_H
#define VETO_CLI_ORCH_H

#include "../orchestrator/session.h"
#include "cli_args.h"

#include <stddef.h>
#include <stdint.h>

/* Option ids shared by the orchestrator commands; a command's own options
 * start at CLI_ORCH_OPT_FIRST. */
enum {
    CLI_ORCH_OPT_HELP = 1,
    CLI_ORCH_OPT_AS,
    CLI_ORCH_OPT_CONFIG,
    CLI_ORCH_OPT_STORE,
    CLI_ORCH_OPT_FIRST,
};

/* The tail of an option table: --config, --store, --help and the
 * terminator; CLI_ORCH_ACTOR_OPTIONS puts --as before them. */
/* clang-format off */
#define CLI_ORCH_OPTIONS                                                   \
    {"config", 'C', 1, CLI_ORCH_OPT_CONFIG},                               \
    {"store", 0, 1, CLI_ORCH_OPT_STORE},                                   \
    {"help", 'h', 0, CLI_ORCH_OPT_HELP},                                   \
    {NULL, 0, 0, 0}
#define CLI_ORCH_ACTOR_OPTIONS {"as", 0, 1, CLI_ORCH_OPT_AS}, CLI_ORCH_OPTIONS
/* clang-format on */

/* The values of the shared options; all borrowed from argv. */
typedef struct CliOrchArgs {
    const char *as;     /* --as, or NULL */
    const char *config; /* --config, or NULL */
    const char *store;  /* --store, or NULL */
} CliOrchArgs;

/* Records the value of a shared option (--as, --config, --store) in a. */
void cli_orch_option(CliOrchArgs *a, int opt, const char *value);

/* Prints a session error: config diagnostics as they are, others after
 * "veto CMD: ". err NULL means out of memory. Borrows err. */
void cli_orch_print_error(const char *cmd, const char *err);

/* session_start with a's values, needing an actor when need_actor (a->as
 * is ignored otherwise), with progress printed to stderr. Returns an owned
 * session (session_close it), or NULL after printing why. */
Session *cli_orch_open(const char *cmd, const CliOrchArgs *a, int need_actor);

/* Checks the RUN argument of cmd (NULL: none given) is a run number and
 * stores it in *id. Returns 0, or EXIT_USAGE after printing why. */
int cli_orch_run_id(const char *cmd, const char *run, int64_t *id);

/* Checks the STACK... | --all choice of cmd. Returns 0, or EXIT_USAGE
 * after printing why. */
int cli_orch_check_choice(const char *cmd, int all, size_t nstacks);

/* Prints that stack names no stack of cfg, with the nearest name if any.
 * Returns EXIT_USAGE. */
int cli_orch_unknown_stack(const char *cmd, const Config *cfg, const char *stack);

/* Parses the value of --jobs (a count, at most 256) into *jobs. Returns 0,
 * or EXIT_USAGE after printing why. */
int cli_orch_parse_jobs(const char *cmd, const char *value, uint64_t *jobs);

/* Prints text (owned, freed) to stdout and returns 0; or, when text is
 * NULL, prints err (owned, freed) after "veto CMD: " and returns fail_rc. */
int cli_orch_print_view(const char *cmd, char *text, char *err, int fail_rc);

#endif
