/* cmd_apply.c — `veto apply RUN`: apply an approved run that waits for a
 * manual apply (stacks with auto_apply: false, or whose author may not
 * apply). The approval policy and the access policy are asked again, and a
 * stale plan is refused (orchestrator/run.c, run_apply). */
#include "../orchestrator/run.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char apply_usage[] =
    "Usage: veto apply RUN [options]\n"
    "\n"
    "Apply a run awaiting a manual apply. The run's reviews must still satisfy\n"
    "the approval policy, the access policy must allow action \"apply\", and\n"
    "the plan must not be stale (no other run applied to the stack since).\n"
    "\n"
    "Options:\n"
    "      --as NAME      act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                     GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE  the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH   the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 applied, 1 refused, rejected or stale, 2 usage error,\n"
    "3 the apply failed, 4 still awaiting approval.\n";

enum { OPT_HELP = 1, OPT_AS, OPT_CONFIG, OPT_STORE };

static const CliOption apply_options[] = {
    {"as", 0, 1, OPT_AS},
    {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static void apply_say(void *ud, const char *line)
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

static int apply_main(int argc, char **argv)
{
    CliParser p;
    const char *value, *as = NULL, *config = NULL, *store = NULL, *run = NULL;
    int opt, rc = 0;
    cli_parser_init(&p, "apply", argc, argv, apply_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
            return cli_print_usage(&cmd_apply);
        case CLI_POSITIONAL:
            if (run)
                rc = cli_usage_error("apply", "one RUN at a time");
            run = value;
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
    if (rc == 0 && !run)
        rc = cli_usage_error("apply", "no RUN given (veto runs lists them)");
    char *end = NULL;
    long long id = rc == 0 ? strtoll(run, &end, 10) : 0;
    if (rc == 0 && (!*run || *end || id <= 0))
        rc = cli_usage_error("apply", "RUN must be a run number (see veto runs), not '%s'", run);
    if (rc != 0)
        return rc;
    char *err = NULL;
    Session *s = session_start(config, store, as, 1, apply_say, NULL, &err);
    if (!s) {
        orch_print_error("apply", err);
        free(err);
        return EXIT_USAGE;
    }
    rc = (int)run_apply(s, (int64_t)id);
    session_close(s);
    return rc;
}

const CliCommand cmd_apply = {
    "apply",
    "apply an approved run that waits for a manual apply",
    apply_usage,
    apply_main,
};
