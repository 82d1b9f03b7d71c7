/* view.c — text and JSON views of the store; see view.h. */
#include "view.h"

#include "jdoc.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pads s to width w. */
static void view_cell(Sbuf *b, const char *s, int w)
{
    int n = (int)strlen(s);
    sbuf_puts(b, s);
    for (int i = n; i < w; i++)
        sbuf_putc(b, ' ');
    sbuf_putc(b, ' ');
}

static void view_lock_text(char *buf, size_t len, const StoreLock *l)
{
    if (l->run_id)
        snprintf(buf, len, "run %lld (%s)", (long long)l->run_id, l->holder);
    else
        snprintf(buf, len, "%s%s%s", l->holder, *l->reason ? ": " : "", l->reason);
}

char *view_stacks(Session *s, int json, char **err)
{
    const Config *c = s->cfg;
    Sbuf b = {0};
    if (json)
        sbuf_puts(&b, "[");
    else
        sbuf_puts(&b, "STACK                DEPENDS ON           LAST RUN  STATE              "
                      "LOCKED BY                 DRIFT\n");
    for (size_t i = 0; i < c->nstacks; i++) {
        const CfgStack *st = &c->stacks[i];
        StoreRun *runs = NULL;
        size_t n = 0;
        StoreLock l;
        StoreDrift d;
        if (store_run_list(s->store, st->name, 0, 1, &runs, &n) != STORE_OK) {
            *err = session_fmt("%s", store_error(s->store));
            sbuf_free(&b);
            return NULL;
        }
        int locked = store_lock_get(s->store, st->name, &l) == STORE_OK;
        int drift = store_drift_latest(s->store, st->name, &d) == STORE_OK;
        char deps[256] = "", run[32] = "-", lock[256] = "-", dr[64] = "-";
        for (size_t k = 0; k < st->ndeps; k++) {
            size_t used = strlen(deps);
            snprintf(deps + used, sizeof deps - used, "%s%s", k ? "," : "", st->deps[k]);
        }
        if (n)
            snprintf(run, sizeof run, "%lld", (long long)runs[0].id);
        if (locked)
            view_lock_text(lock, sizeof lock, &l);
        if (drift)
            snprintf(dr, sizeof dr, "%ld drifted (%s)", d.drifted, d.outcome);
        if (json) {
            sbuf_puts(&b, i ? ",\n {\"name\":" : "\n {\"name\":");
            sbuf_json_str(&b, st->name);
            sbuf_puts(&b, ",\"dir\":");
            sbuf_json_str(&b, st->dir_display);
            sbuf_printf(&b, ",\"last_run\":%s", n ? run : "null");
            sbuf_puts(&b, ",\"state\":");
            sbuf_json_str(&b, n ? run_state_name(runs[0].state) : NULL);
            sbuf_puts(&b, ",\"locked_by\":");
            sbuf_json_str(&b, locked ? lock : NULL);
            if (drift)
                sbuf_printf(&b, ",\"drifted\":%ld}", d.drifted);
            else
                sbuf_puts(&b, ",\"drifted\":null}");
        } else {
            view_cell(&b, st->name, 20);
            view_cell(&b, st->ndeps ? deps : "-", 20);
            view_cell(&b, run, 9);
            view_cell(&b, n ? run_state_name(runs[0].state) : "-", 18);
            view_cell(&b, lock, 25);
            sbuf_puts(&b, dr);
            while (b.len && b.p[b.len - 1] == ' ')
                b.p[--b.len] = '\0';
            sbuf_putc(&b, '\n');
        }
        store_runs_free(runs, n);
        if (locked)
            store_lock_clear(&l);
        if (drift)
            store_drift_clear(&d);
    }
    if (json)
        sbuf_puts(&b, "\n]\n");
    char *t = sbuf_take(&b);
    if (!t)
        *err = session_fmt("out of memory");
    return t;
}

char *view_runs(Session *s, const char *stack, unsigned state_mask, size_t limit, int json,
                char **err)
{
    StoreRun *runs = NULL;
    size_t n = 0;
    if (store_run_list(s->store, stack, state_mask, limit, &runs, &n) != STORE_OK) {
        *err = session_fmt("%s", store_error(s->store));
        return NULL;
    }
    Sbuf b = {0};
    if (json) {
        sbuf_putc(&b, '[');
        for (size_t i = 0; i < n; i++) {
            StoreRun *r = &runs[i];
            sbuf_printf(&b, "%s\n {\"id\":%lld,\"stack\":", i ? "," : "", (long long)r->id);
            sbuf_json_str(&b, r->stack);
            sbuf_puts(&b, ",\"state\":");
            sbuf_json_str(&b, run_state_name(r->state));
            sbuf_puts(&b, ",\"author\":");
            sbuf_json_str(&b, r->author);
            sbuf_puts(&b, ",\"trigger\":");
            sbuf_json_str(&b, r->trigger);
            sbuf_printf(&b, ",\"batch\":%lld,\"created_at\":", (long long)r->batch);
            sbuf_json_str(&b, r->created_at);
            sbuf_puts(&b, ",\"updated_at\":");
            sbuf_json_str(&b, r->updated_at);
            sbuf_puts(&b, ",\"plan_hash\":");
            sbuf_json_str(&b, r->plan_hash);
            sbuf_puts(&b, ",\"error\":");
            sbuf_json_str(&b, r->error);
            sbuf_putc(&b, '}');
        }
        sbuf_puts(&b, n ? "\n]\n" : "]\n");
    } else if (n == 0) {
        sbuf_puts(&b, "no runs\n");
    } else {
        sbuf_puts(&b, "RUN    STACK                STATE              AUTHOR       TRIGGER  "
                      "CREATED\n");
        for (size_t i = 0; i < n; i++) {
            char id[32];
            snprintf(id, sizeof id, "%lld", (long long)runs[i].id);
            view_cell(&b, id, 6);
            view_cell(&b, runs[i].stack, 20);
            view_cell(&b, run_state_name(runs[i].state), 18);
            view_cell(&b, runs[i].author, 12);
            view_cell(&b, runs[i].trigger, 8);
            sbuf_puts(&b, runs[i].created_at);
            sbuf_putc(&b, '\n');
        }
    }
    store_runs_free(runs, n);
    char *t = sbuf_take(&b);
    if (!t)
        *err = session_fmt("out of memory");
    return t;
}

/* "create 2, update 1" from {"create":2,"update":1}. */
static void view_counts(Sbuf *b, const Jd *counts)
{
    for (size_t i = 0; counts && counts->type == JD_OBJ && i < counts->n; i++)
        sbuf_printf(b, "%s%s %s", i ? ", " : "", counts->keys[i],
                    counts->items[i]->type == JD_NUM ? counts->items[i]->text : "?");
}

static void view_indent(Sbuf *b, const char *text, const char *pad)
{
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        sbuf_puts(b, pad);
        sbuf_add(b, p, n);
        sbuf_putc(b, '\n');
        p = nl ? nl + 1 : p + n;
    }
}

static void view_show_json(Sbuf *b, const StoreRun *r, StoreReview *rv, size_t nrv, StoreEvent *ev,
                           size_t nev)
{
    sbuf_printf(b, "{\n  \"id\": %lld,\n  \"stack\": ", (long long)r->id);
    sbuf_json_str(b, r->stack);
    sbuf_puts(b, ",\n  \"state\": ");
    sbuf_json_str(b, run_state_name(r->state));
    sbuf_puts(b, ",\n  \"author\": ");
    sbuf_json_str(b, r->author);
    sbuf_puts(b, ",\n  \"trigger\": ");
    sbuf_json_str(b, r->trigger);
    sbuf_puts(b, ",\n  \"created_at\": ");
    sbuf_json_str(b, r->created_at);
    sbuf_puts(b, ",\n  \"plan_hash\": ");
    sbuf_json_str(b, r->plan_hash);
    sbuf_printf(b, ",\n  \"plan_summary\": %s", r->plan_summary ? r->plan_summary : "null");
    sbuf_puts(b, ",\n  \"policy_outcome\": ");
    sbuf_json_str(b, r->policy_outcome);
    sbuf_puts(b, ",\n  \"override\": ");
    if (r->override_by) {
        sbuf_puts(b, "{\"by\": ");
        sbuf_json_str(b, r->override_by);
        sbuf_puts(b, ", \"reason\": ");
        sbuf_json_str(b, r->override_reason);
        sbuf_putc(b, '}');
    } else {
        sbuf_puts(b, "null");
    }
    sbuf_puts(b, ",\n  \"error\": ");
    sbuf_json_str(b, r->error);
    sbuf_puts(b, ",\n  \"reviews\": [");
    for (size_t i = 0; i < nrv; i++) {
        sbuf_puts(b, i ? ",\n    {\"actor\": " : "\n    {\"actor\": ");
        sbuf_json_str(b, rv[i].actor);
        sbuf_printf(b, ", \"teams\": %s, \"verdict\": ", rv[i].teams);
        sbuf_json_str(b, rv[i].verdict);
        sbuf_puts(b, ", \"comment\": ");
        sbuf_json_str(b, rv[i].comment);
        sbuf_puts(b, ", \"time\": ");
        sbuf_json_str(b, rv[i].time);
        sbuf_putc(b, '}');
    }
    sbuf_puts(b, nrv ? "\n  ],\n  \"events\": [" : "],\n  \"events\": [");
    for (size_t i = 0; i < nev; i++) {
        sbuf_printf(b, "%s\n    {\"id\": %lld, \"time\": ", i ? "," : "", (long long)ev[i].id);
        sbuf_json_str(b, ev[i].time);
        sbuf_puts(b, ", \"actor\": ");
        sbuf_json_str(b, ev[i].actor);
        sbuf_puts(b, ", \"kind\": ");
        sbuf_json_str(b, ev[i].kind);
        sbuf_puts(b, ", \"from\": ");
        sbuf_json_str(b, ev[i].from_state);
        sbuf_puts(b, ", \"to\": ");
        sbuf_json_str(b, ev[i].to_state);
        sbuf_puts(b, ", \"message\": ");
        sbuf_json_str(b, ev[i].message);
        sbuf_putc(b, '}');
    }
    sbuf_puts(b, nev ? "\n  ],\n  \"log_tail\": " : "],\n  \"log_tail\": ");
    sbuf_json_str(b, r->log_tail);
    sbuf_puts(b, "\n}\n");
}

char *view_show(Session *s, int64_t id, int json, char **err)
{
    StoreRun r;
    int rc = store_run_get(s->store, id, &r);
    if (rc == STORE_NOTFOUND) {
        *err = session_fmt("no run %lld (see veto runs)", (long long)id);
        return NULL;
    }
    if (rc != STORE_OK) {
        *err = session_fmt("%s", store_error(s->store));
        return NULL;
    }
    StoreReview *rv = NULL;
    StoreEvent *ev = NULL;
    size_t nrv = 0, nev = 0;
    if (store_reviews_list(s->store, id, &rv, &nrv) != STORE_OK ||
        store_events_list(s->store, id, NULL, &ev, &nev) != STORE_OK) {
        *err = session_fmt("%s", store_error(s->store));
        store_run_clear(&r);
        store_reviews_free(rv, nrv);
        return NULL;
    }
    Sbuf b = {0};
    if (json) {
        view_show_json(&b, &r, rv, nrv, ev, nev);
    } else {
        sbuf_printf(&b, "run %lld of stack %s\n", (long long)r.id, r.stack);
        sbuf_printf(&b, "state:     %s\n", run_state_name(r.state));
        sbuf_printf(&b, "author:    %s (%s)\n", r.author, r.trigger);
        sbuf_printf(&b, "created:   %s\n", r.created_at);
        if (r.error)
            sbuf_printf(&b, "error:     %s\n", r.error);
        if (r.plan_hash) {
            char perr[64];
            Jd *sum = r.plan_summary
                          ? jd_parse(r.plan_summary, strlen(r.plan_summary), perr, sizeof perr)
                          : NULL;
            sbuf_printf(&b, "plan:      %s\n", r.plan_hash);
            sbuf_printf(&b, "  changes: %ld", (long)jd_num(jd_get(sum, "changes"), 0));
            if (jd_get(sum, "actions") && jd_get(sum, "actions")->n) {
                sbuf_puts(&b, " (");
                view_counts(&b, jd_get(sum, "actions"));
                sbuf_putc(&b, ')');
            }
            sbuf_putc(&b, '\n');
            const Jd *types = jd_get(sum, "types");
            for (size_t i = 0; types && types->type == JD_OBJ && i < types->n; i++) {
                sbuf_printf(&b, "  %s: ", types->keys[i]);
                view_counts(&b, types->items[i]);
                sbuf_putc(&b, '\n');
            }
            jd_free(sum);
        }
        if (r.policy_outcome) {
            sbuf_printf(&b, "policies:  %s\n", r.policy_outcome);
            if (r.policy_text)
                view_indent(&b, r.policy_text, "  ");
        }
        if (r.override_by)
            sbuf_printf(&b, "override:  by %s: %s\n", r.override_by,
                        r.override_reason ? r.override_reason : "");
        if (r.approval_json) {
            char perr[64];
            Jd *ap = jd_parse(r.approval_json, strlen(r.approval_json), perr, sizeof perr);
            const char *v = jd_str(jd_get(ap, "verdict"));
            int np = (int)jd_num(jd_get(jd_get(ap, "summary"), "policies"), 0);
            sbuf_printf(&b, "approval:  %s\n",
                        np == 0 ? "no approval policy" : (v ? v : "unknown"));
            jd_free(ap);
        }
        sbuf_puts(&b, "reviews:");
        if (!nrv)
            sbuf_puts(&b, "   none\n");
        else
            sbuf_putc(&b, '\n');
        for (size_t i = 0; i < nrv; i++)
            sbuf_printf(&b, "  %s  %-8s %s %s%s%s\n", rv[i].time, rv[i].verdict, rv[i].actor,
                        rv[i].teams, *rv[i].comment ? "  " : "", rv[i].comment);
        sbuf_puts(&b, "timeline:\n");
        for (size_t i = 0; i < nev; i++) {
            char what[96];
            if (strcmp(ev[i].kind, "state") == 0)
                snprintf(what, sizeof what, "%s -> %s", ev[i].from_state ? ev[i].from_state : "",
                         ev[i].to_state ? ev[i].to_state : "");
            else
                snprintf(what, sizeof what, "%s", ev[i].kind);
            sbuf_printf(&b, "  %s  %-10s %-30s %s\n", ev[i].time, ev[i].actor, what, ev[i].message);
        }
        if (r.log_tail && *r.log_tail) {
            sbuf_puts(&b, "log (tail; sensitive values redacted):\n");
            view_indent(&b, r.log_tail, "  | ");
        }
    }
    store_run_clear(&r);
    store_reviews_free(rv, nrv);
    store_events_free(ev, nev);
    char *t = sbuf_take(&b);
    if (!t)
        *err = session_fmt("out of memory");
    return t;
}
