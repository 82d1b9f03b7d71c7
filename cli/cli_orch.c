/* cli_orch.c — the command-line side shared by the orchestrator commands:
 * shared options, opening the session, and the messages they all print.
 * See cli_orch.h. */
#include "cli_orch.h"

#include "../orchestrator/session_open.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_orch_option(CliOrchArgs *a, int opt, const char *value)
{
    if (opt == CLI_ORCH_OPT_AS)
        a->as = value;
    else if (opt == CLI_ORCH_OPT_CONFIG)
        a->config = value;
    else if (opt == CLI_ORCH_OPT_STORE)
        a->store = value;
}

void cli_orch_print_error(const char *cmd, const char *err)
{
    if (!err)
        err = "out of memory";
    size_t n = strlen(err);
    if (strstr(err, ": error: "))
        fprintf(stderr, "%s%s", err, n && err[n - 1] == '\n' ? "" : "\n");
    else
        fprintf(stderr, "veto %s: %s%s", cmd, err, n && err[n - 1] == '\n' ? "" : "\n");
}

/* Progress from the session, one line at a time, to stderr. */
static void cli_orch_say(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
}

Session *cli_orch_open(const char *cmd, const CliOrchArgs *a, int need_actor)
{
    char *err = NULL;
    Session *s = session_start(a->config, a->store, need_actor ? a->as : NULL, need_actor,
                               cli_orch_say, NULL, &err);
    if (!s) {
        cli_orch_print_error(cmd, err);
        free(err);
    }
    return s;
}

int cli_orch_run_id(const char *cmd, const char *run, int64_t *id)
{
    if (!run)
        return cli_usage_error(cmd, "no RUN given (veto runs lists them)");
    char *end = NULL;
    long long v = strtoll(run, &end, 10);
    if (!*run || *end || v <= 0)
        return cli_usage_error(cmd, "RUN must be a run number (see veto runs), not '%s'", run);
    *id = v;
    return 0;
}

int cli_orch_check_choice(const char *cmd, int all, size_t nstacks)
{
    if (all && nstacks)
        return cli_usage_error(cmd, "give STACK names or --all, not both");
    if (!all && nstacks == 0)
        return cli_usage_error(cmd, "no stack given (veto %s STACK, or --all)", cmd);
    return 0;
}

int cli_orch_unknown_stack(const char *cmd, const Config *cfg, const char *stack)
{
    const char *near = config_suggest_stack(cfg, stack);
    if (near)
        return cli_usage_error(cmd, "unknown stack '%s'; did you mean '%s'?", stack, near);
    return cli_usage_error(cmd, "unknown stack '%s' (veto stacks lists them)", stack);
}

int cli_orch_parse_jobs(const char *cmd, const char *value, uint64_t *jobs)
{
    if (cli_parse_count(cmd, "--jobs", value, jobs))
        return EXIT_USAGE;
    if (*jobs > 256)
        return cli_usage_error(cmd, "--jobs must be at most 256");
    return 0;
}

int cli_orch_print_view(const char *cmd, char *text, char *err, int fail_rc)
{
    if (text) {
        fputs(text, stdout);
        free(text);
        return 0;
    }
    fprintf(stderr, "veto %s: %s\n", cmd, err);
    free(err);
    return fail_rc;
}
