/* run.c — the run lifecycle; see run.h. Messages for people go through
 * session_say; everything that happens is also a store event. */
#include "run.h"

#include "gate.h"
#include "plan.h"
#include "proc.h"
#include "sbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_LOG_TAIL 16384

/* ---- helpers ------------------------------------------------------------ */

static const CfgStack *run_stack_of(Session *s, const StoreRun *r)
{
    const CfgStack *st = config_stack(s->cfg, r->stack);
    if (!st)
        session_say(s, "veto: run %lld belongs to stack '%s', which is no longer in %s",
                    (long long)r->id, r->stack, s->cfg->path);
    return st;
}

/* Environment and secrets for one command of a stack. */
typedef struct RunEnv {
    char **env;
    size_t nenv;
    char **secrets;
    size_t nsecrets;
    int oom;
} RunEnv;

static void run_env_push(char ***v, size_t *n, char *item, int *oom)
{
    if (!item) {
        *oom = 1;
        return;
    }
    char **g = realloc(*v, (*n + 1) * sizeof *g);
    if (!g) {
        free(item);
        *oom = 1;
        return;
    }
    *v = g;
    g[(*n)++] = item;
}

static void run_env_clear(RunEnv *e)
{
    for (size_t i = 0; i < e->nenv; i++)
        free(e->env[i]);
    free(e->env);
    for (size_t i = 0; i < e->nsecrets; i++)
        free(e->secrets[i]);
    free(e->secrets);
    memset(e, 0, sizeof *e);
}

/* NAME in upper case with every other character than A-Z, 0-9 as '_'. */
static void run_env_name(Sbuf *b, const char *s)
{
    for (; *s; s++)
        sbuf_putc(b, isalnum((unsigned char)*s) ? (char)toupper((unsigned char)*s) : '_');
}

/* A stored output value as an environment value: strings as they are,
 * anything else as compact JSON. */
static char *run_output_text(const char *value_json)
{
    char err[64];
    Jd *j = jd_parse(value_json, strlen(value_json), err, sizeof err);
    char *t = j && j->type == JD_STR ? strdup(j->text) : strdup(value_json);
    jd_free(j);
    return t;
}

static void run_env_build(Session *s, const CfgStack *st, int64_t run_id, const char *phase,
                          RunEnv *e)
{
    memset(e, 0, sizeof *e);
    for (size_t i = 0; i < st->nenv; i++) {
        run_env_push(&e->env, &e->nenv, session_fmt("%s=%s", st->env[i].name, st->env[i].value),
                     &e->oom);
        if (st->env[i].sensitive)
            run_env_push(&e->secrets, &e->nsecrets, strdup(st->env[i].value), &e->oom);
    }
    run_env_push(&e->env, &e->nenv, session_fmt("VETO_RUN_ID=%lld", (long long)run_id), &e->oom);
    run_env_push(&e->env, &e->nenv, session_fmt("VETO_STACK=%s", st->name), &e->oom);
    run_env_push(&e->env, &e->nenv, session_fmt("VETO_ACTOR=%s", s->actor ? s->actor : ""),
                 &e->oom);
    run_env_push(&e->env, &e->nenv, session_fmt("VETO_PHASE=%s", phase), &e->oom);
    run_env_push(&e->env, &e->nenv, strdup("TF_IN_AUTOMATION=1"), &e->oom);
    /* The outputs of the stack's dependencies: VETO_OUT_<STACK>_<NAME>. */
    for (size_t i = 0; i < st->ndeps; i++) {
        StoreOutput *o = NULL;
        size_t n = 0;
        if (store_outputs_get(s->store, st->deps[i], &o, &n) != STORE_OK)
            continue;
        for (size_t k = 0; k < n; k++) {
            char *value = run_output_text(o[k].value_json);
            Sbuf b = {0};
            sbuf_puts(&b, "VETO_OUT_");
            run_env_name(&b, st->deps[i]);
            sbuf_putc(&b, '_');
            run_env_name(&b, o[k].name);
            sbuf_putc(&b, '=');
            sbuf_puts(&b, value ? value : "");
            run_env_push(&e->env, &e->nenv, sbuf_take(&b), &e->oom);
            if (o[k].sensitive && value)
                run_env_push(&e->secrets, &e->nsecrets, strdup(value), &e->oom);
            free(value);
        }
        store_outputs_free(o, n);
    }
}

/* The redacted tail of a command's log, with extra secrets; malloc'd. */
static char *run_log(const RunEnv *e, char *const *more, size_t nmore, const char *log)
{
    size_t n = e->nsecrets + nmore;
    const char **all = calloc(n + 1, sizeof *all);
    if (!all)
        return NULL;
    for (size_t i = 0; i < e->nsecrets; i++)
        all[i] = e->secrets[i];
    for (size_t i = 0; i < nmore; i++)
        all[e->nsecrets + i] = more[i];
    char *red = proc_redact(log ? log : "", all, n);
    free(all);
    char *tail = red ? proc_tail(red, RUN_LOG_TAIL) : NULL;
    free(red);
    return tail;
}

/* Appends a phase's log to the run's stored log tail. */
static void run_log_append(Session *s, int64_t id, const char *phase, const char *log)
{
    StoreRun r;
    if (store_run_get(s->store, id, &r) != STORE_OK)
        return;
    Sbuf b = {0};
    if (r.log_tail && *r.log_tail)
        sbuf_puts(&b, r.log_tail);
    sbuf_printf(&b, "--- %s\n", phase);
    sbuf_puts(&b, log ? log : "");
    if (b.len && sbuf_str(&b)[b.len - 1] != '\n')
        sbuf_putc(&b, '\n');
    char *all = sbuf_take(&b);
    char *tail = all ? proc_tail(all, RUN_LOG_TAIL) : NULL;
    StoreRunSet set = {0};
    set.log_tail = tail;
    if (tail)
        store_run_update(s->store, id, &set);
    free(all);
    free(tail);
    store_run_clear(&r);
}

/* Moves a run to a final state with an error message; says it. */
static RunOutcome run_end(Session *s, int64_t id, const char *stack, unsigned from, RunState to,
                          RunOutcome outcome, const char *msg)
{
    StoreRunSet set = {0};
    set.error = to == RS_FINISHED ? NULL : msg;
    int rc = store_run_move(s->store, id, from, to, s->actor, msg, &set, 0, NULL);
    if (rc != STORE_OK) {
        session_say(s, "veto: %s: run %lld: cannot record '%s': %s", stack, (long long)id,
                    run_state_name(to), store_error(s->store));
        return RUN_FAILED;
    }
    session_say(s, "%s: run %lld %s: %s", stack, (long long)id, run_state_name(to), msg);
    return outcome;
}

static void run_say_lock(Session *s, const char *stack, const StoreLock *l)
{
    if (l->run_id) {
        StoreRun h;
        int have = store_run_get(s->store, l->run_id, &h) == STORE_OK;
        session_say(s, "veto: stack '%s' is locked by run %lld (%s, %s) since %s", stack,
                    (long long)l->run_id, l->holder, have ? run_state_name(h.state) : "?",
                    l->since);
        if (have)
            store_run_clear(&h);
    } else {
        session_say(s, "veto: stack '%s' is locked by %s since %s%s%s", stack, l->holder, l->since,
                    l->reason && *l->reason ? ": " : "", l->reason ? l->reason : "");
    }
}

/* ---- recovery ----------------------------------------------------------- */

int run_recover(Session *s)
{
    StoreRun *runs = NULL;
    size_t n = 0;
    if (store_run_list(s->store, NULL, RS_ACTIVE_MASK | RS_BIT(RS_QUEUED), 0, &runs, &n) !=
        STORE_OK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        StoreRun *r = &runs[i];
        if (r->proc.pid == 0 || store_proc_alive(&r->proc))
            continue;
        char msg[512];
        RunState to = RS_FAILED;
        if (r->state == RS_QUEUED) {
            to = RS_DISCARDED;
            snprintf(msg, sizeof msg,
                     "the veto process that queued it (pid %ld on %s) is gone; run the stack "
                     "again",
                     r->proc.pid, r->proc.host ? r->proc.host : "?");
        } else if (r->state == RS_APPLYING) {
            snprintf(msg, sizeof msg,
                     "interrupted while applying: the veto process (pid %ld on %s) is gone; the "
                     "apply may have partly happened: check the stack, then run it again",
                     r->proc.pid, r->proc.host ? r->proc.host : "?");
        } else {
            snprintf(msg, sizeof msg,
                     "interrupted while %s: the veto process (pid %ld on %s) is gone; nothing "
                     "was applied: run the stack again",
                     run_state_name(r->state), r->proc.pid, r->proc.host ? r->proc.host : "?");
        }
        StoreRunSet set = {0};
        set.error = msg;
        int rc = store_run_move(s->store, r->id, RS_BIT(r->state), to, "veto", msg, &set, 0, NULL);
        if (rc != STORE_OK && rc != STORE_CONFLICT) {
            store_runs_free(runs, n);
            return -1;
        }
    }
    store_runs_free(runs, n);
    return 0;
}

/* ---- apply -------------------------------------------------------------- */

/* Runs the outputs command and stores what it prints. Returns 0, or -1
 * with a message in msg. */
static int run_outputs(Session *s, const CfgStack *st, int64_t id, const RunEnv *env, char *msg,
                       size_t msglen)
{
    if (!st->outputs_cmd[0])
        return 0;
    ProcSpec spec = {st->outputs_cmd, st->dir,     (const char *const *)env->env,
                     env->nenv,       st->timeout, 1};
    ProcResult res;
    char err[512];
    if (proc_run(&spec, &res, err, sizeof err) != 0) {
        snprintf(msg, msglen, "outputs command could not start: %s", err);
        return -1;
    }
    char *log = run_log(env, NULL, 0, res.log);
    run_log_append(s, id, "outputs", log);
    free(log);
    int rc = 0;
    if (res.status != 0 || res.timed_out || res.interrupted) {
        char how[128];
        proc_describe(&res, st->timeout, how, sizeof how);
        snprintf(msg, msglen, "outputs command failed (%s)", how);
        rc = -1;
    } else {
        Jd *j = jd_parse(res.out, res.out_len, err, sizeof err);
        if (!j || j->type != JD_OBJ) {
            snprintf(msg, msglen, "outputs command did not print a JSON object: %s",
                     j ? "not an object" : err);
            rc = -1;
        } else {
            StoreOutput *o = calloc(j->n + 1, sizeof *o);
            for (size_t i = 0; o && i < j->n; i++) {
                const Jd *v = j->items[i];
                const Jd *val = jd_get(v, "value");
                Sbuf b = {0};
                jd_write(&b, v->type == JD_OBJ && val ? val : v);
                o[i].name = j->keys[i];
                o[i].value_json = sbuf_take(&b);
                const Jd *sens = jd_get(v, "sensitive");
                o[i].sensitive = sens && sens->type == JD_BOOL && sens->boolean;
            }
            if (!o || store_outputs_set(s->store, st->name, id, o, j->n) != STORE_OK) {
                snprintf(msg, msglen, "cannot store the outputs: %s",
                         o ? store_error(s->store) : "out of memory");
                rc = -1;
            } else {
                session_say(s, "%s: run %lld: %zu output%s captured", st->name, (long long)id, j->n,
                            j->n == 1 ? "" : "s");
            }
            for (size_t i = 0; o && i < j->n; i++)
                free(o[i].value_json);
            free(o);
        }
        jd_free(j);
    }
    proc_result_clear(&res);
    return rc;
}

/* The approval gate and then the apply, from checking or awaiting. The
 * approval verdict is evaluated here, right before applying, every time:
 * no path applies a run its approval policies do not approve. */
static RunOutcome run_try_apply(Session *s, const CfgStack *st, int64_t id, int manual)
{
    StoreRun r;
    if (store_run_get(s->store, id, &r) != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        return RUN_FAILED;
    }
    unsigned from = RS_BIT(RS_CHECKING) | RS_BIT(RS_AWAITING);
    RunOutcome out = RUN_FAILED;
    char *err = NULL;
    GateResult ap;
    memset(&ap, 0, sizeof ap);
    if (gate_approval(s, st, &r, &ap, &err) != 0) {
        out = run_end(s, id, st->name, from, RS_FAILED, RUN_FAILED, err ? err : "approval failed");
        goto done;
    }
    StoreRunSet set = {0};
    set.approval_json = ap.json;
    store_run_update(s->store, id, &set);
    if (strcmp(ap.verdict, "rejected") == 0) {
        char *why = gate_messages(&ap, "reject");
        char *msg =
            why && *why ? session_fmt("%s", why) : session_fmt("rejected by the approval policy");
        out = run_end(s, id, st->name, from, RS_REJECTED, RUN_BLOCKED, msg ? msg : "rejected");
        free(why);
        free(msg);
        goto done;
    }
    if (strcmp(ap.verdict, "approved") != 0) {
        if (r.state == RS_CHECKING) {
            StoreProc none = {0, 0, NULL};
            StoreRunSet ws = {0};
            ws.proc = &none;
            if (store_run_move(s->store, id, RS_BIT(RS_CHECKING), RS_AWAITING, s->actor,
                               "waiting for approval", &ws, 0, NULL) != STORE_OK) {
                session_say(s, "veto: %s", store_error(s->store));
                goto done;
            }
        }
        char *why = gate_messages(&ap, "error");
        session_say(s, "%s: run %lld awaits approval%s%s (veto approve %lld / veto reject %lld)",
                    st->name, (long long)id, why && *why ? ": " : "", why ? why : "", (long long)id,
                    (long long)id);
        free(why);
        out = RUN_WAITING;
        goto done;
    }
    if (!st->auto_apply && !manual) {
        if (r.state == RS_CHECKING) {
            StoreProc none = {0, 0, NULL};
            StoreRunSet ws = {0};
            ws.proc = &none;
            if (store_run_move(s->store, id, RS_BIT(RS_CHECKING), RS_AWAITING, s->actor,
                               "approved; waiting for a manual apply", &ws, 0, NULL) != STORE_OK) {
                session_say(s, "veto: %s", store_error(s->store));
                goto done;
            }
        }
        session_say(s, "%s: run %lld is approved and waits for `veto apply %lld`", st->name,
                    (long long)id, (long long)id);
        out = RUN_WAITING;
        goto done;
    }
    /* May the run apply? An automatic apply (right after the plan, or
     * after the approving review) is asked for the run's author, whose run
     * it is; `veto apply` for whoever asks. */
    GateResult acc;
    char *reviewer = NULL;
    if (!manual && strcmp(r.author, s->actor) != 0) {
        reviewer = s->actor;
        s->actor = r.author;
        s->teams = config_teams(s->cfg, r.author, &s->nteams);
    }
    int arc = gate_access(s, st, "apply", &r, NULL, &acc, &err);
    if (reviewer) {
        s->actor = reviewer;
        s->teams = config_teams(s->cfg, reviewer, &s->nteams);
    }
    if (arc != 0) {
        session_say(s, "veto: %s", err);
        goto done;
    }
    if (strcmp(acc.verdict, "allow") != 0) {
        char *why = gate_messages(&acc, "deny");
        char *msg = session_fmt("%s may not apply stack '%s'%s%s", manual ? s->actor : r.author,
                                st->name, why && *why ? ": " : "", why ? why : "");
        store_event_add(s->store, id, st->name, s->actor, "access", msg ? msg : "apply refused");
        if (r.state == RS_CHECKING) {
            StoreProc none = {0, 0, NULL};
            StoreRunSet ws = {0};
            ws.proc = &none;
            store_run_move(s->store, id, RS_BIT(RS_CHECKING), RS_AWAITING, s->actor,
                           "approved; the author may not apply: waiting for `veto apply`", &ws, 0,
                           NULL);
        }
        session_say(s, "veto: %s", msg ? msg : "apply refused");
        free(why);
        free(msg);
        gate_result_clear(&acc);
        out = manual ? RUN_BLOCKED : RUN_WAITING; /* the run waits for someone who may */
        goto done;
    }
    gate_result_clear(&acc);
    /* Fresh plan, lock, bump the generation, applying: one transaction. */
    StoreProc self;
    store_proc_self(&self);
    StoreRunSet as = {0};
    as.proc = &self;
    StoreLock held;
    int mv = store_run_move(s->store, id, from, RS_APPLYING, s->actor, "applying", &as, MOVE_APPLY,
                            &held);
    store_proc_clear(&self);
    if (mv == STORE_STALE) {
        session_say(s,
                    "%s: run %lld stale: another run applied to the stack after this plan was "
                    "made; it was not applied: run the stack again",
                    st->name, (long long)id);
        out = RUN_BLOCKED;
        goto done;
    }
    if (mv == STORE_LOCKED) {
        run_say_lock(s, st->name, &held);
        store_lock_clear(&held);
        if (r.state == RS_CHECKING) {
            StoreProc none = {0, 0, NULL};
            StoreRunSet ws = {0};
            ws.proc = &none;
            store_run_move(s->store, id, RS_BIT(RS_CHECKING), RS_AWAITING, s->actor,
                           "approved; the stack is locked: waiting for `veto apply`", &ws, 0, NULL);
        }
        out = RUN_BLOCKED;
        goto done;
    }
    if (mv != STORE_OK) {
        session_say(s, "veto: %s: run %lld: %s", st->name, (long long)id, store_error(s->store));
        out = mv == STORE_CONFLICT ? RUN_BLOCKED : RUN_FAILED;
        goto done;
    }
    session_say(s, "%s: run %lld applying", st->name, (long long)id);
    RunEnv env;
    run_env_build(s, st, id, "apply", &env);
    ProcSpec spec = {st->apply_cmd, st->dir,     (const char *const *)env.env,
                     env.nenv,      st->timeout, 0};
    ProcResult res;
    char perr[512];
    if (env.oom) {
        out = run_end(s, id, st->name, RS_BIT(RS_APPLYING), RS_FAILED, RUN_FAILED, "out of memory");
    } else if (proc_run(&spec, &res, perr, sizeof perr) != 0) {
        char *msg = session_fmt("apply command could not start: %s", perr);
        out = run_end(s, id, st->name, RS_BIT(RS_APPLYING), RS_FAILED, RUN_FAILED, msg);
        free(msg);
    } else {
        char *log = run_log(&env, NULL, 0, res.log);
        run_log_append(s, id, "apply", log);
        free(log);
        if (res.status != 0 || res.timed_out || res.interrupted) {
            char how[128];
            proc_describe(&res, st->timeout, how, sizeof how);
            char *msg = session_fmt("apply command failed (%s)", how);
            out = run_end(s, id, st->name, RS_BIT(RS_APPLYING), RS_FAILED, RUN_FAILED, msg);
            free(msg);
        } else {
            char msg[600];
            if (run_outputs(s, st, id, &env, msg, sizeof msg) != 0)
                out = run_end(s, id, st->name, RS_BIT(RS_APPLYING), RS_FAILED, RUN_FAILED, msg);
            else
                out =
                    run_end(s, id, st->name, RS_BIT(RS_APPLYING), RS_FINISHED, RUN_DONE, "applied");
        }
        proc_result_clear(&res);
    }
    run_env_clear(&env);
done:
    free(err);
    gate_result_clear(&ap);
    store_run_clear(&r);
    return out;
}

/* ---- plan and check ----------------------------------------------------- */

/* Takes the lock and moves queued -> planning, waiting for the lock when
 * asked. Returns RUN_DONE when the run is planning. */
static RunOutcome run_lock_and_plan(Session *s, const CfgStack *st, int64_t id, const RunOptions *o)
{
    StoreProc self;
    store_proc_self(&self);
    StoreRunSet set = {0};
    set.proc = &self;
    long waited = 0;
    int said = 0;
    for (;;) {
        StoreLock held;
        int rc = store_run_move(s->store, id, RS_BIT(RS_QUEUED), RS_PLANNING, s->actor, "planning",
                                &set, MOVE_TAKE_LOCK | MOVE_SET_GEN, &held);
        if (rc == STORE_OK)
            break;
        if (rc != STORE_LOCKED) {
            store_proc_clear(&self);
            session_say(s, "veto: %s: run %lld: %s", st->name, (long long)id,
                        store_error(s->store));
            return rc == STORE_CONFLICT ? RUN_BLOCKED : RUN_FAILED;
        }
        if (waited >= o->wait_lock) {
            run_say_lock(s, st->name, &held);
            char *msg = held.run_id
                            ? session_fmt("stack locked by run %lld (%s) since %s",
                                          (long long)held.run_id, held.holder, held.since)
                            : session_fmt("stack locked by %s since %s%s%s", held.holder,
                                          held.since, *held.reason ? ": " : "", held.reason);
            store_lock_clear(&held);
            store_proc_clear(&self);
            run_end(s, id, st->name, RS_BIT(RS_QUEUED), RS_DISCARDED, RUN_BLOCKED,
                    msg ? msg : "stack locked");
            free(msg);
            return RUN_BLOCKED;
        }
        if (!said) {
            run_say_lock(s, st->name, &held);
            session_say(s, "%s: run %lld waits up to %lds for the lock", st->name, (long long)id,
                        o->wait_lock);
            said = 1;
        }
        store_lock_clear(&held);
        sleep(1);
        waited++;
        if (run_recover(s) != 0) {
            store_proc_clear(&self);
            session_say(s, "veto: %s", store_error(s->store));
            return RUN_FAILED;
        }
    }
    store_proc_clear(&self);
    session_say(s, "%s: run %lld planning", st->name, (long long)id);
    return RUN_DONE;
}

RunOutcome run_execute(Session *s, int64_t id, const RunOptions *o)
{
    StoreRun r;
    if (store_run_get(s->store, id, &r) != STORE_OK) {
        session_say(s, "veto: run %lld: %s", (long long)id, store_error(s->store));
        return RUN_FAILED;
    }
    const CfgStack *st = run_stack_of(s, &r);
    store_run_clear(&r);
    if (!st)
        return RUN_USAGE;
    /* Policies compile before anything runs: a broken policy is an error
     * of the configuration, not of the run. */
    char *err = NULL;
    if (!session_program(s, st, &err)) {
        session_say(s, "veto: %s", err);
        run_end(s, id, st->name, RS_BIT(RS_QUEUED), RS_DISCARDED, RUN_USAGE,
                "the stack's policies do not compile");
        free(err);
        return RUN_USAGE;
    }
    RunOutcome out = run_lock_and_plan(s, st, id, o);
    if (out != RUN_DONE)
        return out;
    const unsigned planning = RS_BIT(RS_PLANNING), checking = RS_BIT(RS_CHECKING);
    RunEnv env;
    run_env_build(s, st, id, "plan", &env);
    ProcSpec spec = {st->plan_cmd, st->dir, (const char *const *)env.env, env.nenv, st->timeout, 1};
    ProcResult res;
    char perr[512];
    if (env.oom || proc_run(&spec, &res, perr, sizeof perr) != 0) {
        char *msg =
            session_fmt("plan command could not start: %s", env.oom ? "out of memory" : perr);
        out = run_end(s, id, st->name, planning, RS_FAILED, RUN_FAILED, msg);
        free(msg);
        run_env_clear(&env);
        return out;
    }
    size_t off = 0;
    char jerr[200] = "";
    Jd *plan = NULL;
    if (res.status == 0 && !res.timed_out && !res.interrupted)
        plan = jd_parse_trailing_object(res.out, res.out_len, &off, jerr, sizeof jerr);
    PlanInfo pi;
    memset(&pi, 0, sizeof pi);
    if (plan && plan_info(plan, res.out + off, res.out_len - off, &pi) != 0) {
        jd_free(plan);
        plan = NULL;
        snprintf(jerr, sizeof jerr, "out of memory");
    }
    /* The log: stderr, then what stdout held before the plan JSON. */
    Sbuf lb = {0};
    sbuf_puts(&lb, res.log);
    if (plan)
        sbuf_add(&lb, res.out, off);
    else if (res.out_len)
        sbuf_puts(&lb, res.out);
    char *rawlog = sbuf_take(&lb);
    char *log = run_log(&env, pi.secrets, pi.nsecrets, rawlog);
    free(rawlog);
    run_log_append(s, id, "plan", log);
    free(log);
    if (!plan) {
        char how[128];
        proc_describe(&res, st->timeout, how, sizeof how);
        char *msg = res.status != 0 || res.timed_out || res.interrupted
                        ? session_fmt("plan command failed (%s)", how)
                        : session_fmt("plan command did not print plan JSON: %s", jerr);
        out = run_end(s, id, st->name, planning, RS_FAILED, RUN_FAILED, msg);
        free(msg);
        proc_result_clear(&res);
        run_env_clear(&env);
        return out;
    }
    StoreRunSet set = {0};
    set.plan_hash = pi.hash;
    set.plan_summary = pi.summary;
    char *msg = session_fmt("plan made: %ld change%s (%s)", pi.changes, pi.changes == 1 ? "" : "s",
                            pi.hash);
    if (store_run_move(s->store, id, planning, RS_CHECKING, s->actor, msg, &set, 0, NULL) !=
        STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        out = RUN_FAILED;
        goto out;
    }
    session_say(s, "%s: run %lld checking: %s", st->name, (long long)id, msg);
    GateResult pg;
    if (gate_plan(s, st, "plan", id, res.out + off, res.out_len - off, &pg, &err) != 0) {
        out = run_end(s, id, st->name, checking, RS_FAILED, RUN_FAILED, err);
        goto out;
    }
    StoreRunSet ps = {0};
    ps.policy_json = pg.json;
    ps.policy_text = pg.text;
    ps.policy_outcome = veto_outcome_name(pg.outcome);
    store_run_update(s->store, id, &ps);
    char pmsg[160];
    snprintf(pmsg, sizeof pmsg, "plan policies: %s (%d polic%s)", veto_outcome_name(pg.outcome),
             pg.policies, pg.policies == 1 ? "y" : "ies");
    store_event_add(s->store, id, st->name, s->actor, "policy", pmsg);
    if (pg.outcome == VETO_ERROR || pg.hard_deny || (pg.soft_deny && !o->override_reason)) {
        char *why = gate_messages(&pg, "deny");
        char *errs = gate_messages(&pg, "error");
        char *m = pg.outcome == VETO_ERROR
                      ? session_fmt("plan policies raised an error: %s", errs ? errs : "")
                  : pg.hard_deny
                      ? session_fmt("plan denied by policy: %s", why ? why : "")
                      : session_fmt("plan denied by a soft-mandatory policy (veto run --override "
                                    "REASON may accept it): %s",
                                    why ? why : "");
        session_say(s, "%s", pg.text ? pg.text : "");
        out = run_end(s, id, st->name, checking, RS_FAILED,
                      pg.outcome == VETO_ERROR ? RUN_FAILED : RUN_BLOCKED, m ? m : "denied");
        free(why);
        free(errs);
        free(m);
        gate_result_clear(&pg);
        goto out;
    }
    if (pg.soft_deny) {
        StoreRun cur;
        GateResult acc;
        int ok = store_run_get(s->store, id, &cur) == STORE_OK;
        if (!ok || gate_access(s, st, "override", &cur, NULL, &acc, &err) != 0) {
            out = run_end(s, id, st->name, checking, RS_FAILED, RUN_FAILED,
                          err ? err : store_error(s->store));
            if (ok)
                store_run_clear(&cur);
            gate_result_clear(&pg);
            goto out;
        }
        store_run_clear(&cur);
        if (strcmp(acc.verdict, "allow") != 0) {
            char *why = gate_messages(&acc, "deny");
            char *m = session_fmt("%s may not override soft-mandatory policies on stack '%s'%s%s",
                                  s->actor, st->name, why && *why ? ": " : "", why ? why : "");
            out = run_end(s, id, st->name, checking, RS_FAILED, RUN_BLOCKED, m ? m : "refused");
            free(why);
            free(m);
            gate_result_clear(&acc);
            gate_result_clear(&pg);
            goto out;
        }
        gate_result_clear(&acc);
        StoreRunSet os = {0};
        os.override_by = s->actor;
        os.override_reason = o->override_reason;
        store_run_update(s->store, id, &os);
        char *m = session_fmt("soft-mandatory failures overridden: %s", o->override_reason);
        store_event_add(s->store, id, st->name, s->actor, "override", m ? m : "override");
        session_say(s, "%s: run %lld: %s", st->name, (long long)id, m ? m : "override");
        free(m);
    }
    if (pg.outcome == VETO_WARN)
        session_say(s, "%s", pg.text ? pg.text : "");
    gate_result_clear(&pg);
    if (pi.changes == 0) {
        out = run_end(s, id, st->name, checking, RS_FINISHED, RUN_DONE,
                      "no changes: nothing to apply");
        goto out;
    }
    out = run_try_apply(s, st, id, 0);
out:
    free(msg);
    free(err);
    jd_free(plan);
    plan_info_clear(&pi);
    proc_result_clear(&res);
    run_env_clear(&env);
    return out;
}

RunOutcome run_stack(Session *s, const CfgStack *st, const RunOptions *o, int64_t *run_id)
{
    *run_id = 0;
    char *err = NULL;
    GateResult acc;
    if (gate_access(s, st, "run", NULL, NULL, &acc, &err) != 0) {
        session_say(s, "veto: %s", err);
        free(err);
        return RUN_USAGE;
    }
    if (strcmp(acc.verdict, "allow") != 0) {
        gate_refused(s, st, 0, "run", "run refused", &acc);
        return RUN_BLOCKED;
    }
    gate_result_clear(&acc);
    if (store_run_create(s->store, st->name, s->actor, o->trigger ? o->trigger : "manual", o->batch,
                         run_id) != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        return RUN_FAILED;
    }
    session_say(s, "%s: run %lld queued by %s", st->name, (long long)*run_id, s->actor);
    return run_execute(s, *run_id, o);
}

/* ---- reviews and manual applies ---------------------------------------- */

static int run_load(Session *s, int64_t id, StoreRun *r, const CfgStack **st)
{
    int rc = store_run_get(s->store, id, r);
    if (rc == STORE_NOTFOUND) {
        session_say(s, "veto: no run %lld (see veto runs)", (long long)id);
        return -1;
    }
    if (rc != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        return -1;
    }
    *st = run_stack_of(s, r);
    if (!*st) {
        store_run_clear(r);
        return -1;
    }
    return 0;
}

RunOutcome run_review(Session *s, int64_t id, const char *verdict, const char *comment)
{
    StoreRun r;
    const CfgStack *st;
    if (run_load(s, id, &r, &st) != 0)
        return RUN_USAGE;
    RunOutcome out = RUN_BLOCKED;
    char *err = NULL;
    if (r.state != RS_AWAITING) {
        session_say(s, "veto: run %lld is %s; only a run awaiting approval can be reviewed",
                    (long long)id, run_state_name(r.state));
        goto done;
    }
    const int approve = strcmp(verdict, "approve") == 0;
    Sbuf extra = {0};
    sbuf_puts(&extra, "{\"review\":{\"verdict\":");
    sbuf_json_str(&extra, verdict);
    sbuf_puts(&extra, ",\"comment\":");
    sbuf_json_str(&extra, comment ? comment : "");
    sbuf_puts(&extra, "}}");
    char *ex = sbuf_take(&extra);
    GateResult acc;
    int arc = gate_access(s, st, "approve", &r, ex, &acc, &err);
    if (arc == 0 && strcmp(acc.verdict, "allow") == 0 && approve &&
        strcmp(r.author, s->actor) == 0) {
        /* No self-approval unless an access policy explicitly allows
         * action "self_approve". */
        GateResult self;
        int src = gate_access(s, st, "self_approve", &r, ex, &self, &err);
        if (src != 0) {
            arc = src;
        } else if (self.policies == 0 || strcmp(self.verdict, "allow") != 0) {
            char *m = session_fmt("%s may not approve their own run %lld (no access policy "
                                  "allows action \"self_approve\")",
                                  s->actor, (long long)id);
            store_event_add(s->store, id, st->name, s->actor, "access", m ? m : "self-approval");
            session_say(s, "veto: %s", m ? m : "self-approval refused");
            free(m);
            gate_result_clear(&self);
            gate_result_clear(&acc);
            free(ex);
            goto done;
        }
        gate_result_clear(&self);
    }
    free(ex);
    if (arc != 0) {
        session_say(s, "veto: %s", err);
        out = RUN_USAGE;
        goto done;
    }
    if (strcmp(acc.verdict, "allow") != 0) {
        gate_refused(s, st, id, "review runs of", "review refused", &acc);
        goto done;
    }
    gate_result_clear(&acc);
    char *teams = session_teams_json(s, s->actor);
    int rc = store_review_add(s->store, id, s->actor, teams ? teams : "[]", verdict, comment);
    free(teams);
    if (rc != STORE_OK) {
        session_say(s, "veto: %s", store_error(s->store));
        out = rc == STORE_CONFLICT ? RUN_BLOCKED : RUN_FAILED;
        goto done;
    }
    session_say(s, "%s: run %lld: %s by %s", st->name, (long long)id,
                approve ? "approved" : "rejected", s->actor);
    out = run_try_apply(s, st, id, 0);
done:
    free(err);
    store_run_clear(&r);
    return out;
}

RunOutcome run_apply(Session *s, int64_t id)
{
    StoreRun r;
    const CfgStack *st;
    if (run_load(s, id, &r, &st) != 0)
        return RUN_USAGE;
    RunOutcome out;
    if (r.state != RS_AWAITING) {
        session_say(s, "veto: run %lld is %s; only a run awaiting approval or apply can be applied",
                    (long long)id, run_state_name(r.state));
        out = RUN_BLOCKED;
    } else {
        out = run_try_apply(s, st, id, 1);
    }
    store_run_clear(&r);
    return out;
}
