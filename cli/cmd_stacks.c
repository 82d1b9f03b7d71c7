/* cmd_stacks.c — `veto stacks`: each stack's last run, lock and drift
 * (orchestrator/view.c). */
#include "../orchestrator/view.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
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

enum { OPT_HELP = 1, OPT_FORMAT, OPT_CONFIG, OPT_STORE };

static const CliOption stacks_options[] = {
    {"format", 'f', 1, OPT_FORMAT},
    {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static void stacks_say(void *ud, const char *line)
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

static int stacks_main(int argc, char **argv)
{
    CliParser p;
    const char *value, *config = NULL, *store = NULL;
    int opt, rc = 0, json = 0;
    cli_parser_init(&p, "stacks", argc, argv, stacks_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
            return cli_print_usage(&cmd_stacks);
        case CLI_POSITIONAL:
            rc = cli_usage_error("stacks", "unexpected argument '%s'", value);
            break;
        case OPT_FORMAT:
            if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0)
                rc = cli_usage_error("stacks", "--format must be text or json, not '%s'", value);
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
    Session *s = session_start(config, store, NULL, 0, stacks_say, NULL, &err);
    if (!s) {
        orch_print_error("stacks", err);
        free(err);
        return EXIT_USAGE;
    }
    char *text = view_stacks(s, json, &err);
    if (text) {
        fputs(text, stdout);
        free(text);
    } else {
        fprintf(stderr, "veto stacks: %s\n", err);
        free(err);
        rc = 3;
    }
    session_close(s);
    return rc;
}

const CliCommand cmd_stacks = {
    "stacks",
    "list stacks with their last run, lock and drift",
    stacks_usage,
    stacks_main,
};
