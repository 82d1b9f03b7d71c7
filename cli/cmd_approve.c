/* cmd_approve.c — `veto approve RUN` and `veto reject RUN`: record a review
 * of a run awaiting approval; the approval policy decides what follows
 * (orchestrator/run.c, run_review). */
#include "../orchestrator/run.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum { OPT_HELP = 1, OPT_COMMENT, OPT_AS, OPT_CONFIG, OPT_STORE };

static const CliOption review_options[] = {
    {"comment", 'm', 1, OPT_COMMENT}, {"as", 0, 1, OPT_AS},       {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},       {"help", 'h', 0, OPT_HELP}, {NULL, 0, 0, 0},
};

static void review_say(void *ud, const char *line)
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

/* Parses a run number; prints a usage error for cmd and returns -1 if not one. */
static int review_parse_id(const char *cmd, const char *text, int64_t *id)
{
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || v <= 0) {
        cli_usage_error(cmd, "RUN must be a run number (see veto runs), not '%s'", text);
        return -1;
    }
    *id = v;
    return 0;
}

static int review_main(const CliCommand *self, const char *verdict, int argc, char **argv)
{
    CliParser p;
    const char *value, *as = NULL, *config = NULL, *store = NULL, *comment = "", *run = NULL;
    int opt, rc = 0;
    cli_parser_init(&p, self->name, argc, argv, review_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
            return cli_print_usage(self);
        case CLI_POSITIONAL:
            if (run)
                rc = cli_usage_error(self->name, "one RUN at a time");
            run = value;
            break;
        case OPT_COMMENT:
            comment = value;
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
    int64_t id = 0;
    if (rc == 0 && !run)
        rc = cli_usage_error(self->name, "no RUN given (veto runs lists them)");
    if (rc == 0 && review_parse_id(self->name, run, &id) != 0)
        rc = EXIT_USAGE;
    if (rc != 0)
        return rc;
    char *err = NULL;
    Session *s = session_start(config, store, as, 1, review_say, NULL, &err);
    if (!s) {
        orch_print_error(self->name, err);
        free(err);
        return EXIT_USAGE;
    }
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
