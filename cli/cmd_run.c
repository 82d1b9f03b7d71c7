/* cmd_run.c — `veto run STACK... | --all`: run stacks through access, lock,
 * plan, plan policies, approval and apply (orchestrator/run.c, batch.c). */
#include "../orchestrator/batch.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char run_usage[] =
    "Usage: veto run STACK... [options]\n"
    "       veto run --all [options]\n"
    "\n"
    "Run stacks: check the access policy, lock the stack, run its plan command,\n"
    "evaluate its plan policies, wait for the approval policy to approve the\n"
    "reviews, then run its apply command and capture its outputs. Several\n"
    "stacks (or --all) run in dependency order, independent ones in parallel;\n"
    "a stack that does not finish stops its dependents, not its siblings.\n"
    "\n"
    "Options:\n"
    "  -a, --all              run every stack\n"
    "  -j, --jobs N           run at most N stacks at once (default 4)\n"
    "      --override REASON  accept soft-mandatory policy failures (access action\n"
    "                         \"override\" must allow it); hard ones never pass\n"
    "      --wait SECONDS     wait that long for a locked stack instead of refusing\n"
    "      --as NAME          act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                         GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE      the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH       the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status:\n"
    "  0  every run finished (applied, or nothing to apply)\n"
    "  1  a run was refused or stopped: access denied, stack locked, plan denied\n"
    "     by policy, rejected, stale, or discarded because a dependency failed\n"
    "  2  usage or configuration error (unknown stack, bad config, policies that\n"
    "     do not compile)\n"
    "  3  a command failed or timed out, or the store failed\n"
    "  4  a run awaits approval (veto approve RUN) or a manual apply (veto apply RUN)\n";

enum { OPT_ALL = CLI_ORCH_OPT_FIRST, OPT_JOBS, OPT_OVERRIDE, OPT_WAIT };

static const CliOption run_options[] = {
    {"all", 'a', 0, OPT_ALL}, {"jobs", 'j', 1, OPT_JOBS}, {"override", 0, 1, OPT_OVERRIDE},
    {"wait", 0, 1, OPT_WAIT}, CLI_ORCH_ACTOR_OPTIONS,
};

static int run_main(int argc, char **argv)
{
    CliParser p;
    CliList stacks = {0};
    CliOrchArgs oa = {0};
    const char *value;
    int opt, rc = 0, all = 0;
    uint64_t jobs = 4, wait = 0;
    RunOptions ro;
    memset(&ro, 0, sizeof ro);
    cli_parser_init(&p, "run", argc, argv, run_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            cli_list_free(&stacks);
            return cli_print_usage(&cmd_run);
        case CLI_POSITIONAL:
            rc = cli_list_push(&stacks, value) ? EXIT_USAGE : 0;
            break;
        case OPT_ALL:
            all = 1;
            break;
        case OPT_JOBS:
            rc = cli_orch_parse_jobs("run", value, &jobs);
            break;
        case OPT_OVERRIDE:
            if (!*value)
                rc = cli_usage_error("run", "--override needs a reason");
            ro.override_reason = value;
            break;
        case OPT_WAIT:
            rc = cli_parse_count("run", "--wait", value, &wait) ? EXIT_USAGE : 0;
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    if (rc == 0)
        rc = cli_orch_check_choice("run", all, stacks.count);
    if (rc != 0) {
        cli_list_free(&stacks);
        return rc;
    }
    ro.wait_lock = (long)wait;
    Session *s = cli_orch_open("run", &oa, 1);
    if (!s) {
        cli_list_free(&stacks);
        return EXIT_USAGE;
    }
    char *selected = calloc(s->cfg->nstacks + 1, 1);
    const CfgStack *one = NULL;
    for (size_t i = 0; selected && i < stacks.count; i++) {
        const CfgStack *st = config_stack(s->cfg, stacks.items[i]);
        if (!st) {
            rc = cli_orch_unknown_stack("run", s->cfg, stacks.items[i]);
            break;
        }
        selected[st - s->cfg->stacks] = 1;
        one = st;
    }
    if (!selected) {
        fprintf(stderr, "veto: out of memory\n");
        rc = EXIT_USAGE;
    } else if (rc == 0) {
        if (all)
            memset(selected, 1, s->cfg->nstacks);
        if (!all && stacks.count == 1) {
            int64_t id;
            rc = (int)run_stack(s, one, &ro, &id);
        } else {
            rc = (int)batch_run(s, selected, &ro, (int)jobs);
        }
    }
    free(selected);
    session_close(s);
    cli_list_free(&stacks);
    return rc;
}

const CliCommand cmd_run = {
    "run",
    "run stacks through access, plan, policy, approval and apply",
    run_usage,
    run_main,
};
