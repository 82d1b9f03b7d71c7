/* cmd_drift.c — `veto drift STACK... | --all`: refresh-only plans, drift
 * policies, drift records, and optional remediation runs
 * (orchestrator/drift.c). */
#include "../orchestrator/drift.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char drift_usage[] =
    "Usage: veto drift STACK... [options]\n"
    "       veto drift --all [options]\n"
    "\n"
    "Check stacks for drift: run each one's drift command (a refresh-only plan\n"
    "that prints plan JSON), evaluate its drift policies (kind drift) over\n"
    "resource_drift, and record the result (veto stacks shows the last one).\n"
    "The stack is locked while it is checked; the access policy decides who\n"
    "may (action \"drift\").\n"
    "\n"
    "Options:\n"
    "  -a, --all          check every stack\n"
    "      --remediate    start a run (trigger \"drift\") for each stack that drifted\n"
    "      --as NAME      act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                     GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE  the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH   the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 no drift, 1 drift found (or the drift policies deny, or the\n"
    "check was refused), 2 usage error, 3 a drift command failed; with\n"
    "--remediate, a drifted stack's run decides as for veto run.\n";

enum { OPT_HELP = 1, OPT_ALL, OPT_REMEDIATE, OPT_AS, OPT_CONFIG, OPT_STORE };

static const CliOption drift_options[] = {
    {"all", 'a', 0, OPT_ALL},
    {"remediate", 0, 0, OPT_REMEDIATE},
    {"as", 0, 1, OPT_AS},
    {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static void drift_say(void *ud, const char *line)
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

static int drift_rank(int rc) { return rc == 0 ? 0 : rc == 4 ? 1 : rc == 1 ? 2 : rc; }

static int drift_main(int argc, char **argv)
{
    CliParser p;
    CliList stacks = {0};
    const char *value, *as = NULL, *config = NULL, *store = NULL;
    int opt, rc = 0, all = 0, remediate = 0;
    cli_parser_init(&p, "drift", argc, argv, drift_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
            cli_list_free(&stacks);
            return cli_print_usage(&cmd_drift);
        case CLI_POSITIONAL:
            rc = cli_list_push(&stacks, value) ? EXIT_USAGE : 0;
            break;
        case OPT_ALL:
            all = 1;
            break;
        case OPT_REMEDIATE:
            remediate = 1;
            break;
        case OPT_AS:
            as = value;
            break;
        case OPT_CONFIG:
            config = value;
            break;
        default:
            store = value;
        }
    }
    if (rc == 0 && all && stacks.count)
        rc = cli_usage_error("drift", "give STACK names or --all, not both");
    if (rc == 0 && !all && stacks.count == 0)
        rc = cli_usage_error("drift", "no stack given (veto drift STACK, or --all)");
    if (rc != 0) {
        cli_list_free(&stacks);
        return rc;
    }
    char *err = NULL;
    Session *s = session_start(config, store, as, 1, drift_say, NULL, &err);
    if (!s) {
        orch_print_error("drift", err);
        free(err);
        cli_list_free(&stacks);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < stacks.count; i++)
        if (!config_stack(s->cfg, stacks.items[i])) {
            const char *near = config_suggest_stack(s->cfg, stacks.items[i]);
            if (near)
                rc = cli_usage_error("drift", "unknown stack '%s'; did you mean '%s'?",
                                     stacks.items[i], near);
            else
                rc = cli_usage_error("drift", "unknown stack '%s' (veto stacks lists them)",
                                     stacks.items[i]);
            break;
        }
    size_t n = all ? s->cfg->nstacks : stacks.count;
    for (size_t i = 0; rc != EXIT_USAGE && i < n; i++) {
        const CfgStack *st = all ? &s->cfg->stacks[i] : config_stack(s->cfg, stacks.items[i]);
        int r = (int)drift_check(s, st, remediate);
        if (drift_rank(r) > drift_rank(rc))
            rc = r;
    }
    session_close(s);
    cli_list_free(&stacks);
    return rc;
}

const CliCommand cmd_drift = {
    "drift",
    "check stacks for drift and record it",
    drift_usage,
    drift_main,
};
