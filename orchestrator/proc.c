/* proc.c — running commands with a timeout and capturing their output;
 * see proc.h. */
#include "proc.h"

#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_KILL_GRACE_MS 5000

static volatile sig_atomic_t proc_signalled;

static void proc_on_signal(int sig) { proc_signalled = sig; }

static long long proc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: never returns. */
static void proc_child(const ProcSpec *spec, int out_w, int err_w)
{
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    dup2(out_w, 1);
    dup2(err_w, 2);
    close(out_w);
    close(err_w);
    for (size_t i = 0; i < spec->nenv; i++)
        putenv((char *)spec->env[i]);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (chdir(spec->dir) != 0) {
        dprintf(2, "veto: cannot enter directory '%s': %s\n", spec->dir, strerror(errno));
        _exit(126);
    }
    execl("/bin/sh", "sh", "-c", spec->cmd, (char *)NULL);
    dprintf(2, "veto: cannot run /bin/sh: %s\n", strerror(errno));
    _exit(127);
}

int proc_run(const ProcSpec *spec, ProcResult *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    struct stat st;
    if (stat(spec->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "directory '%s' does not exist", spec->dir);
        return -1;
    }
    int out_p[2], err_p[2];
    if (pipe2(out_p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(err_p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        close(out_p[0]);
        close(out_p[1]);
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    proc_signalled = 0;
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = proc_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start a process: %s", strerror(errno));
        close(out_p[0]);
        close(out_p[1]);
        close(err_p[0]);
        close(err_p[1]);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        return -1;
    }
    if (pid == 0)
        proc_child(spec, out_p[1], err_p[1]);
    setpgid(pid, pid); /* also in the parent, so kill(-pid) works at once */
    close(out_p[1]);
    close(err_p[1]);
    Sbuf out = {0}, log = {0};
    struct pollfd fds[2] = {{out_p[0], POLLIN, 0}, {err_p[0], POLLIN, 0}};
    long long start = proc_now_ms();
    long long deadline = spec->timeout > 0 ? start + spec->timeout * 1000LL : -1;
    long long kill_at = -1;
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        long long now = proc_now_ms();
        if (proc_signalled && !res->interrupted) {
            res->interrupted = 1;
            kill(-pid, SIGTERM);
            kill_at = now + PROC_KILL_GRACE_MS;
        }
        if (deadline >= 0 && now >= deadline && !res->timed_out && !res->interrupted) {
            res->timed_out = 1;
            kill(-pid, SIGTERM);
            kill_at = now + PROC_KILL_GRACE_MS;
        }
        if (kill_at >= 0 && now >= kill_at) {
            kill(-pid, SIGKILL);
            kill_at = -1;
        }
        int wait_ms = 1000;
        if (deadline >= 0 && !res->timed_out && deadline - now < wait_ms)
            wait_ms = (int)(deadline - now);
        if (kill_at >= 0 && kill_at - now < wait_ms)
            wait_ms = (int)(kill_at - now);
        if (wait_ms < 0)
            wait_ms = 0;
        int n = poll(fds, 2, wait_ms);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; n > 0 && i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(fds[i].fd, buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0)
                sbuf_add(&out, buf, (size_t)r);
            if (i == 1 || !spec->stdout_is_data)
                sbuf_add(&log, buf, (size_t)r);
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    /* The streams are closed; the shell may linger only if it detached them. */
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, 0);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (proc_signalled && !res->interrupted) {
            res->interrupted = 1;
            kill(-pid, SIGTERM);
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    if (WIFEXITED(status))
        res->status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        res->status = 128 + WTERMSIG(status);
    res->out_len = out.len;
    res->log_len = log.len;
    res->out = sbuf_take(&out);
    res->log = sbuf_take(&log);
    if (!res->out || !res->log) {
        proc_result_clear(res);
        snprintf(err, errlen, "out of memory capturing the command's output");
        return -1;
    }
    return 0;
}

void proc_result_clear(ProcResult *res)
{
    free(res->out);
    free(res->log);
    memset(res, 0, sizeof *res);
}

char *proc_redact(const char *text, const char *const *secrets, size_t nsecrets)
{
    Sbuf b = {0};
    const char *p = text;
    while (*p) {
        size_t best_len = 0;
        for (size_t i = 0; i < nsecrets; i++) {
            size_t n = secrets[i] ? strlen(secrets[i]) : 0;
            if (n >= 4 && n > best_len && strncmp(p, secrets[i], n) == 0)
                best_len = n;
        }
        if (best_len) {
            sbuf_puts(&b, "(sensitive)");
            p += best_len;
        } else {
            sbuf_putc(&b, *p++);
        }
    }
    return sbuf_take(&b);
}

char *proc_tail(const char *text, size_t max)
{
    size_t len = strlen(text);
    if (len <= max)
        return strdup(text);
    const char *start = text + (len - max);
    const char *nl = memchr(start, '\n', max);
    if (nl && (size_t)(nl - start) < max / 4)
        start = nl + 1;
    Sbuf b = {0};
    sbuf_printf(&b, "[... %zu bytes omitted]\n", (size_t)(start - text));
    sbuf_puts(&b, start);
    return sbuf_take(&b);
}

void proc_describe(const ProcResult *res, long timeout, char *buf, size_t len)
{
    if (res->timed_out)
        snprintf(buf, len, "timed out after %lds", timeout);
    else if (res->interrupted)
        snprintf(buf, len, "interrupted (veto received a signal)");
    else if (res->status > 128)
        snprintf(buf, len, "killed by signal %d", res->status - 128);
    else
        snprintf(buf, len, "exit status %d", res->status);
}
