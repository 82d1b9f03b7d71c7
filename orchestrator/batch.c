/* batch.c — many stacks in dependency order, in parallel; see batch.h.
 *
 * Each ready stack runs in a forked child (its own store connection, its
 * own copy of the engine), whose exit status is its RunOutcome; the parent
 * only schedules, and discards the queued runs of stacks whose
 * dependencies did not finish.
 */
#include "batch.h"

#include "gate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { B_SKIP, B_QUEUED, B_RUNNING, B_DONE, B_NOT_DONE };

static int batch_rank(RunOutcome o)
{
    switch (o) {
    case RUN_DONE:
        return 0;
    case RUN_WAITING:
        return 1;
    case RUN_BLOCKED:
        return 2;
    case RUN_USAGE:
        return 3;
    default:
        return 4;
    }
}

static RunOutcome batch_worse(RunOutcome a, RunOutcome b)
{
    return batch_rank(b) > batch_rank(a) ? b : a;
}

RunOutcome batch_run(Session *s, const char *selected, const RunOptions *o, int jobs)
{
    const Config *c = s->cfg;
    size_t n = c->nstacks;
    int *state = calloc(n + 1, sizeof *state);
    int64_t *run_id = calloc(n + 1, sizeof *run_id);
    pid_t *pid = calloc(n + 1, sizeof *pid);
    char **why = calloc(n + 1, sizeof *why);
    RunOutcome worst = RUN_DONE;
    if (!state || !run_id || !pid || !why) {
        session_say(s, "veto: out of memory");
        worst = RUN_FAILED;
        goto out;
    }
    if (jobs < 1)
        jobs = 1;
    RunOptions ro = *o;
    if (!ro.trigger)
        ro.trigger = "all";
    if (store_next_batch(s->store, &ro.batch) != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        worst = RUN_FAILED;
        goto out;
    }
    /* Compile every selected stack's policies first: a broken policy stops
     * the batch before anything runs. */
    for (size_t i = 0; i < n; i++) {
        char *err = NULL;
        if (selected[i] && !session_program(s, &c->stacks[i], &err)) {
            session_say(s, "veto: %s", err);
            free(err);
            worst = RUN_USAGE;
            goto out;
        }
    }
    /* Access, then queue: a refused stack never gets a run. */
    StoreProc self;
    store_proc_self(&self);
    for (size_t i = 0; i < n; i++) {
        if (!selected[i])
            continue;
        const CfgStack *st = &c->stacks[i];
        char *err = NULL;
        GateResult acc;
        if (gate_access(s, st, "run", NULL, NULL, &acc, &err) != 0) {
            session_say(s, "veto: %s", err);
            free(err);
            state[i] = B_NOT_DONE;
            why[i] = session_fmt("its policies failed");
            worst = batch_worse(worst, RUN_USAGE);
            continue;
        }
        if (strcmp(acc.verdict, "allow") != 0) {
            gate_refused(s, st, 0, "run", "refused", &acc);
            state[i] = B_NOT_DONE;
            why[i] = session_fmt("was refused by the access policy");
            worst = batch_worse(worst, RUN_BLOCKED);
        } else if (store_run_create(s->store, st->name, s->actor, ro.trigger, ro.batch,
                                    &run_id[i]) != STORE_OK) {
            session_say(s, "veto: %s", store_error(s->store));
            state[i] = B_NOT_DONE;
            why[i] = session_fmt("could not be queued");
            worst = batch_worse(worst, RUN_FAILED);
        } else {
            StoreRunSet set = {0};
            set.proc = &self; /* a queued run belongs to this process until it starts */
            store_run_update(s->store, run_id[i], &set);
            state[i] = B_QUEUED;
            session_say(s, "%s: run %lld queued by %s (batch %lld)", st->name, (long long)run_id[i],
                        s->actor, (long long)ro.batch);
        }
        gate_result_clear(&acc);
    }
    store_proc_clear(&self);
    int running = 0;
    for (;;) {
        /* Discard what can no longer run; start what is ready. */
        int progress = 1;
        while (progress) {
            progress = 0;
            for (size_t i = 0; i < n; i++) {
                if (state[i] != B_QUEUED)
                    continue;
                const CfgStack *st = &c->stacks[i];
                int ready = 1;
                for (size_t k = 0; k < st->ndeps; k++) {
                    size_t d = st->dep_idx[k];
                    if (state[d] == B_SKIP || state[d] == B_DONE)
                        continue;
                    ready = 0;
                    if (state[d] == B_NOT_DONE) {
                        char *msg = session_fmt("dependency '%s' %s", c->stacks[d].name,
                                                why[d] ? why[d] : "did not finish");
                        StoreRunSet set = {0};
                        set.error = msg;
                        store_run_move(s->store, run_id[i], RS_BIT(RS_QUEUED), RS_DISCARDED,
                                       s->actor, msg, &set, 0, NULL);
                        session_say(s, "%s: run %lld discarded: %s", st->name, (long long)run_id[i],
                                    msg ? msg : "");
                        free(msg);
                        state[i] = B_NOT_DONE;
                        why[i] = session_fmt("was discarded");
                        worst = batch_worse(worst, RUN_BLOCKED);
                        progress = 1;
                        break;
                    }
                }
                if (!ready || running >= jobs)
                    continue;
                fflush(stdout);
                fflush(stderr);
                pid_t p = fork();
                if (p < 0) {
                    session_say(s, "veto: cannot start a process: %s", strerror(errno));
                    continue;
                }
                if (p == 0) {
                    char *err = NULL;
                    if (session_reopen_store(s, &err) != 0) {
                        session_say(s, "veto: %s", err);
                        _exit(RUN_FAILED);
                    }
                    RunOutcome r = run_execute(s, run_id[i], &ro);
                    fflush(stdout);
                    fflush(stderr);
                    _exit((int)r);
                }
                pid[i] = p;
                state[i] = B_RUNNING;
                running++;
                progress = 1;
            }
        }
        if (running == 0)
            break;
        int status;
        pid_t w = waitpid(-1, &status, 0);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (state[i] != B_RUNNING || pid[i] != w)
                continue;
            running--;
            RunOutcome r = WIFEXITED(status) ? (RunOutcome)WEXITSTATUS(status) : RUN_FAILED;
            if (WIFEXITED(status) && WEXITSTATUS(status) > RUN_WAITING)
                r = RUN_FAILED;
            worst = batch_worse(worst, r);
            if (r == RUN_DONE) {
                state[i] = B_DONE;
            } else {
                state[i] = B_NOT_DONE;
                why[i] = session_fmt(r == RUN_WAITING   ? "awaits approval or a manual apply"
                                     : r == RUN_BLOCKED ? "was blocked"
                                                        : "failed");
            }
        }
    }
out:
    for (size_t i = 0; why && i < n; i++)
        free(why[i]);
    free(why);
    free(state);
    free(run_id);
    free(pid);
    return worst;
}
