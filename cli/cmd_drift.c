/* cmd_drift.c — `veto drift STACK... | --all`: refresh-only plans, drift
 * policies, drift records, and optional remediation runs
 * (orchestrator/drift.c). */
#include "../orchestrator/drift.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

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

enum { OPT_ALL = CLI_ORCH_OPT_FIRST, OPT_REMEDIATE };

static const CliOption drift_options[] = {
    {"all", 'a', 0, OPT_ALL},
    {"remediate", 0, 0, OPT_REMEDIATE},
    CLI_ORCH_ACTOR_OPTIONS,
};

static int drift_rank(int rc) { return rc == 0 ? 0 : rc == 4 ? 1 : rc == 1 ? 2 : rc; }

static int drift_main(int argc, char **argv)
{
    CliParser p;
    CliList stacks = {0};
    CliOrchArgs oa = {0};
    const char *value;
    int opt, rc = 0, all = 0, remediate = 0;
    cli_parser_init(&p, "drift", argc, argv, drift_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
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
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    if (rc == 0)
        rc = cli_orch_check_choice("drift", all, stacks.count);
    if (rc != 0) {
        cli_list_free(&stacks);
        return rc;
    }
    Session *s = cli_orch_open("drift", &oa, 1);
    if (!s) {
        cli_list_free(&stacks);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < stacks.count; i++)
        if (!config_stack(s->cfg, stacks.items[i])) {
            rc = cli_orch_unknown_stack("drift", s->cfg, stacks.items[i]);
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
