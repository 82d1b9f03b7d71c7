/* cmd_apply.c — `veto apply RUN`: apply an approved run that waits for a
 * manual apply (stacks with auto_apply: false, or whose author may not
 * apply). The approval policy and the access policy are asked again, and a
 * stale plan is refused (orchestrator/run.c, run_apply). */
#include "../orchestrator/run.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

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

static const CliOption apply_options[] = {
    CLI_ORCH_ACTOR_OPTIONS,
};

static int apply_main(int argc, char **argv)
{
    CliParser p;
    CliOrchArgs oa = {0};
    const char *value, *run = NULL;
    int opt, rc = 0;
    cli_parser_init(&p, "apply", argc, argv, apply_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            return cli_print_usage(&cmd_apply);
        case CLI_POSITIONAL:
            if (run)
                rc = cli_usage_error("apply", "one RUN at a time");
            run = value;
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    int64_t id = 0;
    if (rc == 0)
        rc = cli_orch_run_id("apply", run, &id);
    if (rc != 0)
        return rc;
    Session *s = cli_orch_open("apply", &oa, 1);
    if (!s)
        return EXIT_USAGE;
    rc = (int)run_apply(s, id);
    session_close(s);
    return rc;
}

const CliCommand cmd_apply = {
    "apply",
    "apply an approved run that waits for a manual apply",
    apply_usage,
    apply_main,
};
