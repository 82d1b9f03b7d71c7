/* cmd_version.c — `veto version` (also `veto --version`). */
#include "cli_args.h"
#include "commands.h"
#include "veto.h"

#include <stdio.h>

static const char version_usage[] = "Usage: veto version\n"
                                    "\n"
                                    "Print the version of veto and exit.\n";

static int version_run(int argc, char **argv)
{
    static const CliOption options[] = {{"help", 'h', 0, 1}, {NULL, 0, 0, 0}};
    CliParser p;
    const char *value;
    int opt;
    cli_parser_init(&p, "version", argc, argv, options);
    while ((opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            return EXIT_USAGE;
        if (opt == CLI_POSITIONAL)
            return cli_usage_error("version", "unexpected argument '%s'", value);
        return cli_print_usage(&cmd_version);
    }
    printf("veto %s\n", VETO_VERSION);
    return EXIT_PASS;
}

const CliCommand cmd_version = {
    "version",
    "print the version",
    version_usage,
    version_run,
};
