/* cmd_lock.c — `veto lock STACK` and `veto unlock STACK`: hold a stack by
 * hand so no run starts, or release it (orchestrator/lock.c). */
#include "../orchestrator/lock.h"
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum { OPT_HELP = 1, OPT_REASON, OPT_FORCE, OPT_AS, OPT_CONFIG, OPT_STORE };

static const CliOption lock_options[] = {
    {"reason", 'r', 1, OPT_REASON}, {"as", 0, 1, OPT_AS},       {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},     {"help", 'h', 0, OPT_HELP}, {NULL, 0, 0, 0},
};

static const CliOption unlock_options[] = {
    {"force", 'f', 0, OPT_FORCE}, {"as", 0, 1, OPT_AS},       {"config", 'C', 1, OPT_CONFIG},
    {"store", 0, 1, OPT_STORE},   {"help", 'h', 0, OPT_HELP}, {NULL, 0, 0, 0},
};

static void lock_say(void *ud, const char *line)
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

static int lock_main_common(const CliCommand *self, const CliOption *opts, int argc, char **argv)
{
    CliParser p;
    const char *value, *as = NULL, *config = NULL, *store = NULL, *stack = NULL, *reason = "";
    int opt, rc = 0, force = 0;
    cli_parser_init(&p, self->name, argc, argv, opts);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        switch (opt) {
        case CLI_ERROR:
            rc = EXIT_USAGE;
            break;
        case OPT_HELP:
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
    if (rc == 0 && !stack)
        rc = cli_usage_error(self->name, "no STACK given");
    if (rc != 0)
        return rc;
    char *err = NULL;
    Session *s = session_start(config, store, as, 1, lock_say, NULL, &err);
    if (!s) {
        orch_print_error(self->name, err);
        free(err);
        return EXIT_USAGE;
    }
    const CfgStack *st = config_stack(s->cfg, stack);
    if (!st) {
        const char *near = config_suggest_stack(s->cfg, stack);
        if (near)
            rc = cli_usage_error(self->name, "unknown stack '%s'; did you mean '%s'?", stack, near);
        else
            rc = cli_usage_error(self->name, "unknown stack '%s' (veto stacks lists them)", stack);
    } else if (self == &cmd_lock) {
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
