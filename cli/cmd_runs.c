/* cmd_runs.c — `veto runs [STACK]`: the runs, newest first
 * (orchestrator/view.c). */
#include "../orchestrator/view.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

#include <string.h>

static const char runs_usage[] =
    "Usage: veto runs [STACK] [options]\n"
    "\n"
    "List runs, newest first: all of them, or those of one stack.\n"
    "\n"
    "Options:\n"
    "  -s, --state STATE    only runs in STATE (queued, planning, checking,\n"
    "                       awaiting_approval, applying, finished, failed,\n"
    "                       rejected, discarded, stale); repeatable\n"
    "  -n, --limit N        at most N runs\n"
    "  -f, --format FORMAT  text (default) or json\n"
    "  -C, --config FILE    the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH     the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help           show this help\n";

enum { OPT_STATE = CLI_ORCH_OPT_FIRST, OPT_LIMIT, OPT_FORMAT };

static const CliOption runs_options[] = {
    {"state", 's', 1, OPT_STATE},
    {"limit", 'n', 1, OPT_LIMIT},
    {"format", 'f', 1, OPT_FORMAT},
    CLI_ORCH_OPTIONS,
};

static int runs_main(int argc, char **argv)
{
    CliParser p;
    CliOrchArgs oa = {0};
    const char *value, *stack = NULL;
    int opt, rc = 0, json = 0;
    unsigned mask = 0;
    uint64_t limit = 0;
    cli_parser_init(&p, "runs", argc, argv, runs_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            return cli_print_usage(&cmd_runs);
        case CLI_POSITIONAL:
            if (stack)
                rc = cli_usage_error("runs", "one STACK at most");
            stack = value;
            break;
        case OPT_STATE: {
            int st = run_state_parse(value);
            if (st < 0)
                rc = cli_usage_error("runs", "unknown state '%s' (see veto runs --help)", value);
            else
                mask |= RS_BIT(st);
            break;
        }
        case OPT_LIMIT:
            rc = cli_parse_count("runs", "--limit", value, &limit) ? EXIT_USAGE : 0;
            break;
        case OPT_FORMAT:
            if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0)
                rc = cli_usage_error("runs", "--format must be text or json, not '%s'", value);
            json = strcmp(value, "json") == 0;
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    if (rc != 0)
        return rc;
    Session *s = cli_orch_open("runs", &oa, 0);
    if (!s)
        return EXIT_USAGE;
    if (stack && !config_stack(s->cfg, stack)) {
        rc = cli_orch_unknown_stack("runs", s->cfg, stack);
    } else {
        char *err = NULL;
        char *text = view_runs(s, stack, mask, (size_t)limit, json, &err);
        rc = cli_orch_print_view("runs", text, err, 3);
    }
    session_close(s);
    return rc;
}

const CliCommand cmd_runs = {
    "runs",
    "list runs, newest first",
    runs_usage,
    runs_main,
};
