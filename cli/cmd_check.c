/* cmd_check.c — `veto check PATH...`: compile policies, report diagnostics. */
#include "cli_io.h"
#include "commands.h"

#include <stdio.h>

static const char check_usage[] =
    "Usage: veto check [options] PATH...\n"
    "\n"
    "Compile policy files, or every *.veto file under a directory, and report\n"
    "every error and warning as file:line:col with the source line and a caret.\n"
    "Prints \"N policies OK\" when there is no error.\n"
    "\n"
    "Options:\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 no errors (warnings allowed), 2 errors or a usage error.\n";

enum { OPT_HELP = 1 };

static const CliOption check_options[] = {
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static int check_run(int argc, char **argv)
{
    CliParser p;
    CliList paths = {0};
    const char *value;
    int opt, rc = EXIT_USAGE;
    cli_parser_init(&p, "check", argc, argv, check_options);
    while ((opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            goto out;
        if (opt == OPT_HELP) {
            rc = cli_print_usage(&cmd_check);
            goto out;
        }
        if (cli_list_push(&paths, value) != 0)
            goto out;
    }
    if (paths.count == 0) {
        rc = cli_usage_error("check", "no policy PATH given");
        goto out;
    }
    veto_engine *e = veto_engine_new();
    if (!e) {
        fprintf(stderr, "veto: out of memory\n");
        goto out;
    }
    veto_program *prog = cli_compile(e, &paths);
    if (prog) {
        size_t n = veto_program_policy_count(prog);
        printf("%zu %s OK\n", n, n == 1 ? "policy" : "policies");
        rc = EXIT_PASS;
        veto_program_free(prog);
    }
    veto_engine_free(e);
out:
    cli_list_free(&paths);
    return rc;
}

const CliCommand cmd_check = {
    "check",
    "compile policies and report errors",
    check_usage,
    check_run,
};
