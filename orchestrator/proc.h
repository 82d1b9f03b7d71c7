/* proc.h — running a stack's commands: plan, apply, outputs, drift.
 *
 * Owns: fork/exec of `/bin/sh -c CMD` in the stack's directory with extra
 * environment variables, stdin from /dev/null, capturing stdout and stderr
 * (both also into one combined log in arrival order), the timeout (SIGTERM
 * to the command's process group, SIGKILL 5 seconds later), forwarding
 * SIGINT/SIGTERM/SIGHUP received by veto to the command, and redacting
 * sensitive values out of text. Does not own: what the commands mean.
 */
#ifndef VETO_ORCH_PROC_H
#define VETO_ORCH_PROC_H

#include <stddef.h>

typedef struct ProcSpec {
    const char *cmd;        /* run by /bin/sh -c */
    const char *dir;        /* working directory */
    const char *const *env; /* "NAME=VALUE" entries added to veto's environment */
    size_t nenv;
    long timeout;       /* seconds; 0 = none */
    int stdout_is_data; /* 1: stdout is a document, kept out of the combined log */
} ProcSpec;

typedef struct ProcResult {
    int status;      /* exit status; 128 + N when killed by signal N */
    int timed_out;   /* the timeout struck */
    int interrupted; /* veto got SIGINT/SIGTERM/SIGHUP and stopped the command */
    char *out;       /* all of stdout (NUL-terminated) */
    size_t out_len;
    char *log; /* stderr, and stdout unless stdout_is_data, as they arrived */
    size_t log_len;
} ProcResult;

/* Runs spec. Returns 0 when the command ran (whatever its status), or -1
 * with a message in err when it could not be started (no such directory,
 * out of memory, fork failure). Free the result with proc_result_clear. */
int proc_run(const ProcSpec *spec, ProcResult *res, char *err, size_t errlen);
void proc_result_clear(ProcResult *res);

/* A copy of text with every occurrence of each secret (of 4 bytes or
 * more) replaced by "(sensitive)"; malloc'd, NULL on OOM. */
char *proc_redact(const char *text, const char *const *secrets, size_t nsecrets);

/* The last max bytes of text, starting at a line boundary when one is
 * near, with a "[... N bytes omitted]" line in front when cut; malloc'd. */
char *proc_tail(const char *text, size_t max);

/* A one-line description of how the command ended ("exit status 2",
 * "killed by signal 9", "timed out after 30s"), into buf. */
void proc_describe(const ProcResult *res, long timeout, char *buf, size_t len);

#endif
