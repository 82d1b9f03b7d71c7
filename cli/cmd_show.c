/* cmd_show.c — `veto show RUN`: one run in full: plan summary, policy
 * results, reviews, timeline, log tail (orchestrator/view.c). */
#include "../orchestrator/view.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
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

enum { OPT_HELP = 1, OPT_FORMAT, OPT_CONFIG, OPT_STORE };

static const CliOption show_options[] = {
    {"format", 'f', 1, OPT_FORMAT},
    {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static void show_say(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
}

/* Prints a session error: config diagnostics as they are, others after
 * "veto CMD: ". */
static void orch_print_error(const char *cmd, const char *err)
{
    if (!err)
        err = "out of memory";
    size_t n = strlen(err);
    if (strstr(err, ": error: "))
        fprintf(stderr, "%s%s", err, n && err[n - 1] == '\n' ? "" : "\n");
    else
        fprintf(stderr, "veto %s: %s%s", cmd, err, n && err[n - 1] == '\n' ? "" : "\n");
}

static int show_main(int argc, char **argv)
{
    CliParser p;
    const char *value, *config = NULL, *store = NULL, *run = NULL;
    int opt, rc = 0, json = 0;
    cli_parser_init(&p, "show", argc, argv, show_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
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
        case OPT_CONFIG:
            config = value;
            break;
        default:
            store = value;
        }
    }
    if (rc == 0 && !run)
        rc = cli_usage_error("show", "no RUN given (veto runs lists them)");
    char *end = NULL;
    long long id = rc == 0 ? strtoll(run, &end, 10) : 0;
    if (rc == 0 && (!*run || *end || id <= 0))
        rc = cli_usage_error("show", "RUN must be a run number (see veto runs), not '%s'", run);
    if (rc != 0)
        return rc;
    char *err = NULL;
    Session *s = session_start(config, store, NULL, 0, show_say, NULL, &err);
    if (!s) {
        orch_print_error("show", err);
        free(err);
        return EXIT_USAGE;
    }
    char *text = view_show(s, (int64_t)id, json, &err);
    if (text) {
        fputs(text, stdout);
        free(text);
    } else {
        fprintf(stderr, "veto show: %s\n", err);
        free(err);
        rc = EXIT_USAGE;
    }
    session_close(s);
    return rc;
}

const CliCommand cmd_show = {
    "show",
    "show one run: plan, policies, reviews, timeline, log",
    show_usage,
    show_main,
};
