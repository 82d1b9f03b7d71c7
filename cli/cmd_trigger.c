/* cmd_trigger.c — `veto trigger --changed FILE...`: choose the stacks a
 * change affects (trigger policies, or the stacks whose directories hold
 * the changed files and their dependents) and run them in dependency order
 * (orchestrator/trigger.c, batch.c). */
#include "../orchestrator/batch.h"
#include "../orchestrator/trigger.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char trigger_usage[] =
    "Usage: veto trigger --changed FILE... [options]\n"
    "\n"
    "Run the stacks a change affects. When the top-level policies hold trigger\n"
    "policies, they choose (each `trigger` names a stack); otherwise the stacks\n"
    "whose directory holds a changed file run, with every stack that depends on\n"
    "them. FILEs are paths relative to the directory of veto.yaml; they may also\n"
    "follow as plain arguments.\n"
    "\n"
    "Options:\n"
    "  -c, --changed FILE   a changed file (repeatable)\n"
    "  -b, --branch NAME    the branch of the change (seen by trigger policies)\n"
    "      --commit SHA     the commit of the change (seen by trigger policies)\n"
    "  -n, --dry-run        print the chosen stacks, run nothing\n"
    "  -j, --jobs N         run at most N stacks at once (default 4)\n"
    "      --as NAME        act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                       GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE    the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH     the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: as for veto run; 0 also when no stack is affected.\n";

enum { OPT_CHANGED = CLI_ORCH_OPT_FIRST, OPT_BRANCH, OPT_COMMIT, OPT_DRY, OPT_JOBS };

static const CliOption trigger_options[] = {
    {"changed", 'c', 1, OPT_CHANGED}, {"branch", 'b', 1, OPT_BRANCH}, {"commit", 0, 1, OPT_COMMIT},
    {"dry-run", 'n', 0, OPT_DRY},     {"jobs", 'j', 1, OPT_JOBS},     CLI_ORCH_ACTOR_OPTIONS,
};

static int trigger_main(int argc, char **argv)
{
    CliParser p;
    CliList changed = {0};
    CliOrchArgs oa = {0};
    const char *value, *branch = NULL, *commit = NULL;
    int opt, rc = 0, dry = 0;
    uint64_t jobs = 4;
    cli_parser_init(&p, "trigger", argc, argv, trigger_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            cli_list_free(&changed);
            return cli_print_usage(&cmd_trigger);
        case CLI_POSITIONAL:
        case OPT_CHANGED:
            rc = cli_list_push(&changed, value) ? EXIT_USAGE : 0;
            break;
        case OPT_BRANCH:
            branch = value;
            break;
        case OPT_COMMIT:
            commit = value;
            break;
        case OPT_DRY:
            dry = 1;
            break;
        case OPT_JOBS:
            rc = cli_orch_parse_jobs("trigger", value, &jobs);
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    if (rc == 0 && changed.count == 0)
        rc = cli_usage_error("trigger", "no changed file given (--changed FILE)");
    if (rc != 0) {
        cli_list_free(&changed);
        return rc;
    }
    Session *s = cli_orch_open("trigger", &oa, 1);
    if (!s) {
        cli_list_free(&changed);
        return EXIT_USAGE;
    }
    char *err = NULL;
    char *selected = calloc(s->cfg->nstacks + 1, 1);
    int by_policy = 0;
    if (!selected) {
        fprintf(stderr, "veto: out of memory\n");
        rc = EXIT_USAGE;
    } else if (trigger_select(s, branch, commit, changed.items, changed.count, selected, &by_policy,
                              &err) != 0) {
        fprintf(stderr, "veto trigger: %s\n", err);
        free(err);
        rc = EXIT_USAGE;
    } else {
        size_t n = 0;
        for (size_t i = 0; i < s->cfg->nstacks; i++)
            if (selected[i]) {
                printf("%s\n", s->cfg->stacks[i].name);
                n++;
            }
        fflush(stdout);
        fprintf(stderr, "%zu stack%s chosen by %s\n", n, n == 1 ? "" : "s",
                by_policy ? "the trigger policies" : "the changed directories");
        if (!dry && n) {
            RunOptions ro;
            memset(&ro, 0, sizeof ro);
            ro.trigger = "trigger";
            rc = (int)batch_run(s, selected, &ro, (int)jobs);
        }
    }
    free(selected);
    session_close(s);
    cli_list_free(&changed);
    return rc;
}

const CliCommand cmd_trigger = {
    "trigger",
    "run the stacks a change affects",
    trigger_usage,
    trigger_main,
};
