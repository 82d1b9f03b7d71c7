/* commands.h — the table of veto subcommands that main.c dispatches to.
 *
 * Each cmd_*.c file defines one CliCommand: its name, a one-line summary for
 * `veto --help`, its full usage text for `veto help CMD` / `veto CMD --help`,
 * and run(), which gets argv with argv[0] = the command name and returns the
 * process exit code (see the EXIT_ enum in cli_args.h).
 */
#ifndef VETO_CLI_COMMANDS_H
#define VETO_CLI_COMMANDS_H

typedef struct CliCommand {
    const char *name;
    const char *summary;
    const char *usage;
    int (*run)(int argc, char **argv);
} CliCommand;

extern const CliCommand cmd_check;
extern const CliCommand cmd_eval;
extern const CliCommand cmd_fmt;
extern const CliCommand cmd_disasm;
extern const CliCommand cmd_expr;
extern const CliCommand cmd_test;
extern const CliCommand cmd_fixture;
extern const CliCommand cmd_build;
extern const CliCommand cmd_version;
/* The orchestrator (orchestrator/). */
extern const CliCommand cmd_run;
extern const CliCommand cmd_approve;
extern const CliCommand cmd_reject;
extern const CliCommand cmd_apply;
extern const CliCommand cmd_lock;
extern const CliCommand cmd_unlock;
extern const CliCommand cmd_trigger;
extern const CliCommand cmd_drift;
extern const CliCommand cmd_stacks;
extern const CliCommand cmd_runs;
extern const CliCommand cmd_show;
extern const CliCommand cmd_graph;

/* commands.c: prints the usage of cmd to stdout; returns EXIT_PASS (for --help). */
int cli_print_usage(const CliCommand *cmd);

#endif
