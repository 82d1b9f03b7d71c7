/* store.c — what every store backend shares: state names, freeing records,
 * the clock, process identity; see store.h. Choosing the backend is
 * store_open.c's. */
#include "store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static const char *const store_state_names[RS__COUNT] = {
    "queued",   "planning", "checking", "awaiting_approval", "applying",
    "finished", "failed",   "rejected", "discarded",         "stale",
};

const char *run_state_name(RunState s)
{
    return (unsigned)s < RS__COUNT ? store_state_names[s] : "unknown";
}

int run_state_parse(const char *name)
{
    for (int i = 0; i < RS__COUNT; i++)
        if (strcmp(store_state_names[i], name) == 0)
            return i;
    return -1;
}

int run_state_terminal(RunState s) { return s >= RS_FINISHED; }

void store_proc_clear(StoreProc *p)
{
    free(p->host);
    memset(p, 0, sizeof *p);
}

void store_run_clear(StoreRun *r)
{
    free(r->stack);
    free(r->author);
    free(r->trigger);
    free(r->created_at);
    free(r->updated_at);
    free(r->plan_hash);
    free(r->plan_summary);
    free(r->policy_outcome);
    free(r->policy_json);
    free(r->policy_text);
    free(r->approval_json);
    free(r->override_by);
    free(r->override_reason);
    free(r->error);
    free(r->log_tail);
    store_proc_clear(&r->proc);
    memset(r, 0, sizeof *r);
}

void store_runs_free(StoreRun *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_run_clear(&r[i]);
    free(r);
}

void store_events_free(StoreEvent *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].stack);
        free(e[i].time);
        free(e[i].actor);
        free(e[i].kind);
        free(e[i].from_state);
        free(e[i].to_state);
        free(e[i].message);
    }
    free(e);
}

void store_reviews_free(StoreReview *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].actor);
        free(r[i].teams);
        free(r[i].verdict);
        free(r[i].comment);
        free(r[i].time);
    }
    free(r);
}

void store_lock_clear(StoreLock *l)
{
    free(l->stack);
    free(l->holder);
    free(l->reason);
    free(l->since);
    store_proc_clear(&l->proc);
    memset(l, 0, sizeof *l);
}

void store_outputs_free(StoreOutput *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(o[i].name);
        free(o[i].value_json);
    }
    free(o);
}

void store_drift_clear(StoreDrift *d)
{
    free(d->stack);
    free(d->time);
    free(d->actor);
    free(d->outcome);
    free(d->summary);
    free(d->decision);
    memset(d, 0, sizeof *d);
}

void store_now(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%.19s.%03uZ", base, (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

/* The start time of process pid (field 22 of /proc/PID/stat), or -1. */
static long long store_proc_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* After ")": field 3 (state) is the first; starttime is field 22. */
    p++;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    return p ? strtoll(p + 1, NULL, 10) : -1;
}

static char *store_hostname(void)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    return strdup(host);
}

int store_proc_self(StoreProc *p)
{
    p->pid = (long)getpid();
    p->start = store_proc_start(p->pid);
    p->host = store_hostname();
    return p->host ? 0 : -1;
}

int store_proc_alive(const StoreProc *p)
{
    if (p->pid <= 0)
        return 0;
    char *host = store_hostname();
    int same_host = host && p->host && strcmp(host, p->host) == 0;
    free(host);
    if (!same_host)
        return 1;
    if (kill((pid_t)p->pid, 0) != 0 && errno == ESRCH)
        return 0;
    long long start = store_proc_start(p->pid);
    if (start < 0)
        return 0;
    return p->start <= 0 || start == p->start;
}
