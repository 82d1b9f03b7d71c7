/* cmd_stacks.c — `veto stacks`: each stack's last run, lock and drift
 * (orchestrator/view.c). */
#include "../orchestrator/view.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

#include <string.h>

static const char stacks_usage[] =
    "Usage: veto stacks [options]\n"
    "\n"
    "List the configured stacks with their dependencies, last run and its\n"
    "state, who holds the lock, and the last drift check.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT  text (default) or json\n"
    "  -C, --config FILE    the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH     the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help           show this help\n";

enum { OPT_FORMAT = CLI_ORCH_OPT_FIRST };

static const CliOption stacks_options[] = {
    {"format", 'f', 1, OPT_FORMAT},
    CLI_ORCH_OPTIONS,
};

static int stacks_main(int argc, char **argv)
{
    CliParser p;
    CliOrchArgs oa = {0};
    const char *value;
    int opt, rc = 0, json = 0;
    cli_parser_init(&p, "stacks", argc, argv, stacks_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            return cli_print_usage(&cmd_stacks);
        case CLI_POSITIONAL:
            rc = cli_usage_error("stacks", "unexpected argument '%s'", value);
            break;
        case OPT_FORMAT:
            if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0)
                rc = cli_usage_error("stacks", "--format must be text or json, not '%s'", value);
            json = strcmp(value, "json") == 0;
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    if (rc != 0)
        return rc;
    Session *s = cli_orch_open("stacks", &oa, 0);
    if (!s)
        return EXIT_USAGE;
    char *err = NULL;
    char *text = view_stacks(s, json, &err);
    rc = cli_orch_print_view("stacks", text, err, 3);
    session_close(s);
    return rc;
}

const CliCommand cmd_stacks = {
    "stacks",
    "list stacks with their last run, lock and drift",
    stacks_usage,
    stacks_main,
};
