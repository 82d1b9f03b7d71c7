/* cmd_runs.c — `veto runs [STACK]`: the runs, newest first
 * (orchestrator/view.c). */
#include "../orchestrator/view.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
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

enum { OPT_HELP = 1, OPT_STATE, OPT_LIMIT, OPT_FORMAT, OPT_CONFIG, OPT_STORE };

static const CliOption runs_options[] = {
    {"state", 's', 1, OPT_STATE},
    {"limit", 'n', 1, OPT_LIMIT},
    {"format", 'f', 1, OPT_FORMAT},
    {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static void runs_say(void *ud, const char *line)
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

static int runs_main(int argc, char **argv)
{
    CliParser p;
    const char *value, *config = NULL, *store = NULL, *stack = NULL;
    int opt, rc = 0, json = 0;
    unsigned mask = 0;
    uint64_t limit = 0;
    cli_parser_init(&p, "runs", argc, argv, runs_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
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
        case OPT_CONFIG:
            config = value;
            break;
        default:
            store = value;
        }
    }
    if (rc != 0)
        return rc;
    char *err = NULL;
    Session *s = session_start(config, store, NULL, 0, runs_say, NULL, &err);
    if (!s) {
        orch_print_error("runs", err);
        free(err);
        return EXIT_USAGE;
    }
    if (stack && !config_stack(s->cfg, stack)) {
        const char *near = config_suggest_stack(s->cfg, stack);
        if (near)
            rc = cli_usage_error("runs", "unknown stack '%s'; did you mean '%s'?", stack, near);
        else
            rc = cli_usage_error("runs", "unknown stack '%s' (veto stacks lists them)", stack);
    } else {
        char *text = view_runs(s, stack, mask, (size_t)limit, json, &err);
        if (text) {
            fputs(text, stdout);
            free(text);
        } else {
            fprintf(stderr, "veto runs: %s\n", err);
            free(err);
            rc = 3;
        }
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
