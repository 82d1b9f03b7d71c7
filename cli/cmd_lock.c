/* cmd_lock.c — `veto lock STACK` and `veto unlock STACK`: hold a stack by
 * hand so no run starts, or release it (orchestrator/lock.c). */
#include "../orchestrator/lock.h"
#include "cli_args.h"
#include "cli_orch.h"
#include "commands.h"

static const char lock_usage[] =
    "Usage: veto lock STACK [--reason TEXT] [options]\n"
    "\n"
    "Lock a stack so that no run starts on it until `veto unlock`. The access\n"
    "policy decides who may (action \"lock\").\n"
    "\n"
    "Options:\n"
    "  -r, --reason TEXT  why (shown to whoever finds the stack locked)\n"
    "      --as NAME      act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                     GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE  the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH   the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 locked, 1 refused or already locked, 2 usage error.\n";

static const char unlock_usage[] =
    "Usage: veto unlock STACK [--force] [options]\n"
    "\n"
    "Release a stack's lock, whether taken by hand or held by a run awaiting\n"
    "approval (if another run then applies first, that run's plan is stale and\n"
    "can never apply). The access policy decides who may (action \"unlock\").\n"
    "A lock held by a run whose veto process is working is kept unless --force.\n"
    "\n"
    "Options:\n"
    "  -f, --force        release even the lock of a working run\n"
    "      --as NAME      act as NAME (default: VETO_ACTOR, GITHUB_ACTOR or\n"
    "                     GITLAB_USER_LOGIN from the environment)\n"
    "  -C, --config FILE  the configuration (default: VETO_CONFIG or ./veto.yaml)\n"
    "      --store PATH   the store (default: VETO_STORE or the config's store)\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 unlocked, 1 refused, 2 usage error or not locked.\n";

enum { OPT_REASON = CLI_ORCH_OPT_FIRST, OPT_FORCE };

static const CliOption lock_options[] = {
    {"reason", 'r', 1, OPT_REASON},
    CLI_ORCH_ACTOR_OPTIONS,
};

static const CliOption unlock_options[] = {
    {"force", 'f', 0, OPT_FORCE},
    CLI_ORCH_ACTOR_OPTIONS,
};

static int lock_main_common(const CliCommand *self, const CliOption *opts, int argc, char **argv)
{
    CliParser p;
    CliOrchArgs oa = {0};
    const char *value, *stack = NULL, *reason = "";
    int opt, rc = 0, force = 0;
    cli_parser_init(&p, self->name, argc, argv, opts);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case CLI_ORCH_OPT_HELP:
            return cli_print_usage(self);
        case CLI_POSITIONAL:
            if (stack)
                rc = cli_usage_error(self->name, "one STACK at a time");
            stack = value;
            break;
        case OPT_REASON:
            reason = value;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        default:
            cli_orch_option(&oa, opt, value);
        }
    }
    if (rc == 0 && !stack)
        rc = cli_usage_error(self->name, "no STACK given");
    if (rc != 0)
        return rc;
    Session *s = cli_orch_open(self->name, &oa, 1);
    if (!s)
        return EXIT_USAGE;
    const CfgStack *st = config_stack(s->cfg, stack);
    if (!st)
        rc = cli_orch_unknown_stack(self->name, s->cfg, stack);
    else if (self == &cmd_lock) {
        rc = (int)lock_stack(s, st, reason);
    } else {
        rc = (int)unlock_stack(s, st, force);
    }
    session_close(s);
    return rc;
}

static int lock_main(int argc, char **argv)
{
    return lock_main_common(&cmd_lock, lock_options, argc, argv);
}

static int unlock_main(int argc, char **argv)
{
    return lock_main_common(&cmd_unlock, unlock_options, argc, argv);
}

const CliCommand cmd_lock = {
    "lock",
    "lock a stack by hand",
    lock_usage,
    lock_main,
};

const CliCommand cmd_unlock = {
    "unlock",
    "release a stack's lock",
    unlock_usage,
    unlock_main,
};
