/* drift.c — refresh-only plans, drift policies, drift records; see drift.h. */
#include "drift.h"

#include "gate.h"
#include "plan.h"
#include "proc.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

RunOutcome drift_check(Session *s, const CfgStack *st, int remediate)
{
    char *err = NULL;
    GateResult acc;
    if (!session_program(s, st, &err) || gate_access(s, st, "drift", NULL, NULL, &acc, &err) != 0) {
        session_say(s, "veto: %s", err);
        free(err);
        return RUN_USAGE;
    }
    if (strcmp(acc.verdict, "allow") != 0) {
        gate_refused(s, st, 0, "check drift on", "refused", &acc);
        return RUN_BLOCKED;
    }
    gate_result_clear(&acc);
    StoreProc self;
    store_proc_self(&self);
    StoreLock held;
    int lr = store_lock_take(s->store, st->name, s->actor, "drift check", &self, &held);
    store_proc_clear(&self);
    if (lr == STORE_LOCKED) {
        session_say(s,
                    "veto: stack '%s' is locked by %s since %s (%s); try the drift check "
                    "later",
                    st->name, held.holder, held.since,
                    held.run_id ? "a run" : (*held.reason ? held.reason : "by hand"));
        store_lock_clear(&held);
        return RUN_BLOCKED;
    }
    if (lr != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        return RUN_FAILED;
    }
    session_say(s, "%s: drift check", st->name);
    const char *env[4];
    char e_stack[300], e_actor[300];
    snprintf(e_stack, sizeof e_stack, "VETO_STACK=%s", st->name);
    snprintf(e_actor, sizeof e_actor, "VETO_ACTOR=%s", s->actor);
    size_t nenv = 0;
    char **all = calloc(st->nenv + 5, sizeof *all);
    if (!all) {
        store_lock_release(s->store, st->name, s->actor, 0);
        session_say(s, "veto: out of memory");
        return RUN_FAILED;
    }
    for (size_t i = 0; i < st->nenv; i++)
        all[nenv++] = session_fmt("%s=%s", st->env[i].name, st->env[i].value);
    env[0] = e_stack;
    env[1] = e_actor;
    env[2] = "VETO_PHASE=drift";
    env[3] = "TF_IN_AUTOMATION=1";
    for (size_t i = 0; i < 4; i++)
        all[nenv++] = strdup(env[i]);
    ProcSpec spec = {st->drift_cmd, st->dir, (const char *const *)all, nenv, st->timeout, 1};
    ProcResult res;
    char perr[512];
    RunOutcome out = RUN_FAILED;
    int ran = proc_run(&spec, &res, perr, sizeof perr) == 0;
    for (size_t i = 0; i < nenv; i++)
        free(all[i]);
    free(all);
    StoreDrift d;
    memset(&d, 0, sizeof d);
    d.stack = st->name;
    d.actor = s->actor;
    Jd *plan = NULL;
    size_t off = 0;
    char jerr[200] = "";
    if (!ran) {
        session_say(s, "veto: %s: drift command could not start: %s", st->name, perr);
    } else if (res.status != 0 || res.timed_out || res.interrupted) {
        char how[128];
        proc_describe(&res, st->timeout, how, sizeof how);
        session_say(s, "veto: %s: drift command failed (%s)", st->name, how);
        if (res.log_len)
            session_say(s, "%s", res.log);
    } else if (!(plan = jd_parse_trailing_object(res.out, res.out_len, &off, jerr, sizeof jerr))) {
        session_say(s, "veto: %s: drift command did not print plan JSON: %s", st->name, jerr);
    } else {
        long drifted = 0;
        char *summary = plan_drift_summary(plan, &drifted);
        GateResult g;
        memset(&g, 0, sizeof g);
        if (gate_plan(s, st, "drift", 0, res.out + off, res.out_len - off, &g, &err) != 0) {
            session_say(s, "veto: %s", err);
        } else {
            d.outcome = (char *)veto_outcome_name(g.outcome);
            d.drifted = drifted;
            d.summary = summary;
            d.decision = g.json;
            int64_t did = 0;
            if (store_drift_add(s->store, &d, &did) != STORE_OK) {
                session_say(s, "veto: %s", store_error(s->store));
            } else {
                session_say(s, "%s: %ld resource%s drifted; drift policies: %s", st->name, drifted,
                            drifted == 1 ? "" : "s", veto_outcome_name(g.outcome));
                if (g.outcome != VETO_PASS && g.text)
                    session_say(s, "%s", g.text);
                out = drifted > 0 || g.outcome == VETO_FAIL ? RUN_BLOCKED
                      : g.outcome == VETO_ERROR             ? RUN_FAILED
                                                            : RUN_DONE;
                if (remediate && drifted > 0) {
                    store_lock_release(s->store, st->name, s->actor, 0);
                    RunOptions ro;
                    memset(&ro, 0, sizeof ro);
                    ro.trigger = "drift";
                    int64_t run_id = 0;
                    out = run_stack(s, st, &ro, &run_id);
                    if (run_id)
                        store_drift_set_run(s->store, did, run_id);
                    gate_result_clear(&g);
                    free(summary);
                    jd_free(plan);
                    proc_result_clear(&res);
                    free(err);
                    return out;
                }
            }
        }
        gate_result_clear(&g);
        free(summary);
    }
    jd_free(plan);
    if (ran)
        proc_result_clear(&res);
    free(err);
    /* Release only our own lock (a manual one taken for the drift check). */
    StoreLock l;
    if (store_lock_get(s->store, st->name, &l) == STORE_OK) {
        if (l.run_id == 0 && strcmp(l.reason, "drift check") == 0)
            store_lock_release(s->store, st->name, s->actor, 0);
        store_lock_clear(&l);
    }
    return out;
}
