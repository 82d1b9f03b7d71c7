/* cmd_approve.c — `veto approve RUN` and `veto reject RUN`: record a review
 * of a run awaiting approval; the approval policy decides what follows
 * (orchestrator/run.c, run_review). */
#include "../orchestrator/run.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

static const char approve_usage[] =
    "Usage: veto approve RUN [--comment TEXT] [options]\n"
    "\n"
    "Approve a run awaiting approval. The access policy decides who may review\n"
    "(action \"approve\"); an author approving their own run also needs action\n"
    "\"self_approve\". The approval policy then looks at every review so far;\n"
    "when it approves and the stack applies automatically, the run applies now.\n"
    "\n"
    "Options:\n"
    "  -m, --comment TEXT  a comment kept with the review\n"
    "      --as NAME       act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                      GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE   the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH    the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 applied, 1 refused, rejected or stale, 2 usage error,\n"
    "3 the apply failed, 4 still awaiting approval or a manual apply.\n";

static const char reject_usage[] =
    "Usage: veto reject RUN [--comment TEXT] [options]\n"
    "\n"
    "Reject a run awaiting approval. The access policy decides who may review\n"
    "(action \"approve\"); the approval policy then decides: with the usual\n"
    "policies one rejection ends the run as rejected, and it never applies.\n"
    "\n"
    "Options:\n"
    "  -m, --comment TEXT  why (kept with the review)\n"
    "      --as NAME       act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                      GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE   the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH    the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 1 rejected (or refused), 2 usage error, 4 still awaiting\n"
    "approval (the policy did not count the rejection).\n";

enum { OPT_COMMENT = CLI_ORCH_OPT_FIRST };

static const CliOption review_options[] = {
    {"comment", 'm', 1, OPT_COMMENT},
    CLI_ORCH_ACTOR_OPTIONS,
};

static int review_main(const CliCommand *self, const char *verdict, int argc, char **argv)
{
    CliParser p;
    CliOrchArgs oa = {0};
    const char *value, *comment = "", *run = NULL;
    int opt, rc = 0;
    cli_parser_init(&p, self->name, argc, argv, review_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            return cli_print_usage(self);
        case CLI_POSITIONAL:
            if (run)
                rc = cli_usage_error(self->name, "one RUN at a time");
            run = value;
            break;
        case OPT_COMMENT:
            comment = value;
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    int64_t id = 0;
    if (rc == 0)
        rc = cli_orch_run_id(self->name, run, &id);
    if (rc != 0)
        return rc;
    Session *s = cli_orch_open(self->name, &oa, 1);
    if (!s)
        return EXIT_USAGE;
    rc = (int)run_review(s, id, verdict, comment);
    session_close(s);
    return rc;
}

static int approve_main(int argc, char **argv)
{
    return review_main(&cmd_approve, "approve", argc, argv);
}

static int reject_main(int argc, char **argv)
{
    return review_main(&cmd_reject, "reject", argc, argv);
}

const CliCommand cmd_approve = {
    "approve",
    "approve a run awaiting approval",
    approve_usage,
    approve_main,
};

const CliCommand cmd_reject = {
    "reject",
    "reject a run awaiting approval",
    reject_usage,
    reject_main,
};
