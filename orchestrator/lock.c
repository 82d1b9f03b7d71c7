/* lock.c — locks by hand; see lock.h. */
#include "lock.h"

#include "gate.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Access check for action; says why not. Returns 0 when allowed. */
static int lock_allowed(Session *s, const CfgStack *st, const char *action, const char *reason,
                        RunOutcome *out)
{
    char *err = NULL;
    Sbuf b = {0};
    sbuf_puts(&b, "{\"reason\":");
    sbuf_json_str(&b, reason ? reason : "");
    sbuf_putc(&b, '}');
    char *extra = sbuf_take(&b);
    GateResult acc;
    int rc = gate_access(s, st, action, NULL, extra, &acc, &err);
    free(extra);
    if (rc != 0) {
        session_say(s, "veto: %s", err);
        free(err);
        *out = RUN_USAGE;
        return -1;
    }
    if (strcmp(acc.verdict, "allow") != 0) {
        gate_refused(s, st, 0, action, "refused", &acc);
        *out = RUN_BLOCKED;
        return -1;
    }
    gate_result_clear(&acc);
    return 0;
}

RunOutcome lock_stack(Session *s, const CfgStack *st, const char *reason)
{
    RunOutcome out;
    if (lock_allowed(s, st, "lock", reason, &out) != 0)
        return out;
    StoreLock held;
    int rc = store_lock_take(s->store, st->name, s->actor, reason, NULL, &held);
    if (rc == STORE_LOCKED) {
        if (held.run_id)
            session_say(s, "veto: stack '%s' is already locked by run %lld (%s) since %s", st->name,
                        (long long)held.run_id, held.holder, held.since);
        else
            session_say(s, "veto: stack '%s' is already locked by %s since %s%s%s", st->name,
                        held.holder, held.since, *held.reason ? ": " : "", held.reason);
        store_lock_clear(&held);
        return RUN_BLOCKED;
    }
    if (rc != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        return RUN_FAILED;
    }
    session_say(s, "%s: locked by %s%s%s", st->name, s->actor, reason && *reason ? ": " : "",
                reason ? reason : "");
    return RUN_DONE;
}

RunOutcome unlock_stack(Session *s, const CfgStack *st, int force)
{
    RunOutcome out;
    StoreLock l;
    int rc = store_lock_get(s->store, st->name, &l);
    if (rc == STORE_NOTFOUND) {
        session_say(s, "veto: stack '%s' is not locked", st->name);
        return RUN_USAGE;
    }
    if (rc != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        return RUN_FAILED;
    }
    if (lock_allowed(s, st, "unlock", l.reason, &out) != 0) {
        store_lock_clear(&l);
        return out;
    }
    if (l.run_id && !force) {
        StoreRun r;
        if (store_run_get(s->store, l.run_id, &r) == STORE_OK) {
            int working = (RS_ACTIVE_MASK & RS_BIT(r.state)) && store_proc_alive(&r.proc);
            if (working) {
                session_say(s,
                            "veto: stack '%s' is locked by run %lld, which is %s right now "
                            "(pid %ld); unlocking it could let two runs apply at once. Use "
                            "--force if that process is really gone",
                            st->name, (long long)l.run_id, run_state_name(r.state), r.proc.pid);
                store_run_clear(&r);
                store_lock_clear(&l);
                return RUN_BLOCKED;
            }
            store_run_clear(&r);
        }
    }
    rc = store_lock_release(s->store, st->name, s->actor, 0);
    if (rc != STORE_OK) {
        session_say(s, "veto: %s",
                    rc == STORE_NOTFOUND ? "the lock is already gone" : store_error(s->store));
        store_lock_clear(&l);
        return rc == STORE_NOTFOUND ? RUN_USAGE : RUN_FAILED;
    }
    if (l.run_id)
        session_say(s,
                    "%s: unlocked (was held by run %lld; if another run applies first, that "
                    "run's plan becomes stale)",
                    st->name, (long long)l.run_id);
    else
        session_say(s, "%s: unlocked (was locked by %s)", st->name, l.holder);
    store_lock_clear(&l);
    return RUN_DONE;
}
