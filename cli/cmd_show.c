/* cmd_show.c — `veto show RUN`: one run in full: plan summary, policy
 * results, reviews, timeline, log tail (orchestrator/view.c). */
#include "../orchestrator/view.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

#include <string.h>

static const char show_usage[] =
    "Usage: veto show RUN [options]\n"
    "\n"
    "Show one run: its state and author, the plan summary by action and by\n"
    "resource type, the plan policy results, the override if any, the approval\n"
    "verdict and reviews, every recorded event (time, actor, what), and the\n"
    "tail of the command output with sensitive values redacted.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT  text (default) or json\n"
    "  -C, --config FILE    the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH     the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help           show this help\n";

enum { OPT_FORMAT = CLI_ORCH_OPT_FIRST };

static const CliOption show_options[] = {
    {"format", 'f', 1, OPT_FORMAT},
    CLI_ORCH_OPTIONS,
};

static int show_main(int argc, char **argv)
{
    CliParser p;
    CliOrchArgs oa = {0};
    const char *value, *run = NULL;
    int opt, rc = 0, json = 0;
    cli_parser_init(&p, "show", argc, argv, show_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            return cli_print_usage(&cmd_show);
        case CLI_POSITIONAL:
            if (run)
                rc = cli_usage_error("show", "one RUN at a time");
            run = value;
            break;
        case OPT_FORMAT:
            if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0)
                rc = cli_usage_error("show", "--format must be text or json, not '%s'", value);
            json = strcmp(value, "json") == 0;
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    int64_t id = 0;
    if (rc == 0)
        rc = cli_orch_run_id("show", run, &id);
    if (rc != 0)
        return rc;
    Session *s = cli_orch_open("show", &oa, 0);
    if (!s)
        return EXIT_USAGE;
    char *err = NULL;
    char *text = view_show(s, id, json, &err);
    rc = cli_orch_print_view("show", text, err, EXIT_USAGE);
    session_close(s);
    return rc;
}

const CliCommand cmd_show = {
    "show",
    "show one run: plan, policies, reviews, timeline, log",
    show_usage,
    show_main,
};
