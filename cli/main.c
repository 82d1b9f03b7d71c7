/* main.c — the veto binary: finds the subcommand and runs it.
 *
 * Owns: the top-level usage text, `veto help`, `--help`/`--version` before a
 * command, unknown-command messages, and checking that stdout was written.
 * Each subcommand lives in its own cmd_*.c file (see commands.h).
 */
#include "cli_args.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const CliCommand *const main_commands[] = {
    &cmd_check,  &cmd_eval,    &cmd_fmt,   &cmd_disasm,  &cmd_expr,   &cmd_test,  &cmd_fixture,
    &cmd_build,  &cmd_version, &cmd_run,   &cmd_approve, &cmd_reject, &cmd_apply, &cmd_lock,
    &cmd_unlock, &cmd_trigger, &cmd_drift, &cmd_stacks,  &cmd_runs,   &cmd_show,  &cmd_graph,
};
#define MAIN_NCOMMANDS (sizeof main_commands / sizeof main_commands[0])

static void main_usage(FILE *f)
{
    fputs("Usage: veto COMMAND [options] [ARGS]\n"
          "\n"
          "Veto is a policy-as-code engine: policies written in its own language are\n"
          "compiled to bytecode and run against Terraform plan JSON and other documents.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < MAIN_NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", main_commands[i]->name, main_commands[i]->summary);
    fputs("  help      show the help of a command\n"
          "\n"
          "Options:\n"
          "  -h, --help       show this help\n"
          "  -V, --version    print the version\n"
          "\n"
          "Run 'veto help COMMAND' or 'veto COMMAND --help' for a command's options.\n"
          "\n"
          "Exit status:\n"
          "  0  success; for eval: the decision is pass or warn\n"
          "  1  eval: the decision is fail (a deny that counts); test: a test failed;\n"
          "     fmt --check: some file is not formatted; run/apply: blocked by policy\n"
          "  2  usage error, unreadable or malformed input, or a policy compile error\n"
          "  3  eval: a policy raised a runtime error (outcome \"error\"); run: failed\n"
          "  4  run, approve, apply: waiting for an approval or a manual apply\n",
          f);
}

static const CliCommand *main_find(const char *name)
{
    for (size_t i = 0; i < MAIN_NCOMMANDS; i++)
        if (strcmp(main_commands[i]->name, name) == 0)
            return main_commands[i];
    return NULL;
}

/* Reports an unknown command, suggesting the nearest one. */
static int main_unknown(const char *name)
{
    const char *best = strcmp("help", name) ? NULL : "help";
    size_t best_d = 3;
    for (size_t i = 0; i < MAIN_NCOMMANDS; i++) {
        size_t d = cli_edit_distance(name, strlen(name), main_commands[i]->name);
        if (d < best_d) {
            best = main_commands[i]->name;
            best_d = d;
        }
    }
    if (best)
        fprintf(stderr, "veto: unknown command '%s'; did you mean '%s'?\n", name, best);
    else
        fprintf(stderr, "veto: unknown command '%s'\n", name);
    fputs("Run 'veto --help' for the list of commands.\n", stderr);
    return EXIT_USAGE;
}

/* `veto help [COMMAND]`. */
static int main_help(int argc, char **argv)
{
    if (argc > 2)
        return cli_usage_error("help", "one COMMAND at most");
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        main_usage(stdout);
        return EXIT_PASS;
    }
    const CliCommand *cmd = main_find(argv[1]);
    return cmd ? cli_print_usage(cmd) : main_unknown(argv[1]);
}

static int main_dispatch(int argc, char **argv)
{
    if (argc < 2) {
        main_usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return main_help(1, argv + 1);
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return cmd_version.run(1, argv + 1);
    if (strcmp(name, "help") == 0)
        return main_help(argc - 1, argv + 1);
    if (name[0] == '-') {
        fprintf(stderr,
                "veto: unknown option '%s'\n"
                "Run 'veto --help' for usage.\n",
                name);
        return EXIT_USAGE;
    }
    const CliCommand *cmd = main_find(name);
    return cmd ? cmd->run(argc - 1, argv + 1) : main_unknown(name);
}

int main(int argc, char **argv)
{
    int rc = main_dispatch(argc, argv);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "veto: cannot write to stdout: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    return rc;
}
