/* gate.c — the documents policies see, and their verdicts; see gate.h. */
#include "gate.h"

#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gate_result_clear(GateResult *g)
{
    free(g->json);
    free(g->text);
    jd_free(g->dec);
    memset(g, 0, sizeof *g);
}

char *gate_messages(const GateResult *g, const char *rule)
{
    Sbuf b = {0};
    const Jd *results = jd_get(g->dec, "results");
    for (size_t i = 0; results && results->type == JD_ARR && i < results->n; i++) {
        const Jd *r = results->items[i];
        const char *rr = jd_str(jd_get(r, "rule"));
        if (!rr || strcmp(rr, rule) != 0)
            continue;
        const char *m = jd_str(jd_get(r, "message"));
        const char *addr = jd_str(jd_get(r, "address"));
        if (b.len)
            sbuf_puts(&b, "; ");
        if (addr && m && !strstr(m, addr))
            sbuf_printf(&b, "%s: ", addr);
        sbuf_puts(&b, m ? m : "(no message)");
    }
    return sbuf_take(&b);
}

static void gate_strings(Sbuf *b, char *const *v, size_t n)
{
    sbuf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sbuf_putc(b, ',');
        sbuf_json_str(b, v[i]);
    }
    sbuf_putc(b, ']');
}

void gate_stack_json(Sbuf *b, const CfgStack *st)
{
    sbuf_puts(b, "{\"name\":");
    sbuf_json_str(b, st->name);
    sbuf_puts(b, ",\"labels\":");
    gate_strings(b, st->labels, st->nlabels);
    sbuf_puts(b, ",\"dir\":");
    sbuf_json_str(b, st->dir_display);
    sbuf_puts(b, ",\"depends_on\":");
    gate_strings(b, st->deps, st->ndeps);
    sbuf_putc(b, '}');
}

static void gate_actor_json(Sbuf *b, const Session *s)
{
    sbuf_puts(b, "{\"name\":");
    sbuf_json_str(b, s->actor);
    sbuf_puts(b, ",\"teams\":");
    gate_strings(b, s->teams, s->nteams);
    sbuf_putc(b, '}');
}

/* context: actor, time (the orchestrator's clock now), stack, run, labels. */
static char *gate_context(const Session *s, const CfgStack *st, int64_t run_id)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32], date[16];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    Sbuf b = {0};
    sbuf_puts(&b, "{\"actor\":");
    gate_actor_json(&b, s);
    sbuf_printf(&b,
                ",\"time\":{\"rfc3339\":\"%s\",\"date\":\"%s\",\"weekday\":\"%s\","
                "\"hour\":%d,\"minute\":%d,\"unix\":%lld,\"zone\":\"UTC\"}",
                stamp, date, days[tm.tm_wday % 7], tm.tm_hour, tm.tm_min, (long long)now);
    sbuf_puts(&b, ",\"stack\":");
    sbuf_json_str(&b, st ? st->name : NULL);
    if (run_id)
        sbuf_printf(&b, ",\"run\":%lld", (long long)run_id);
    else
        sbuf_puts(&b, ",\"run\":null");
    sbuf_puts(&b, ",\"labels\":");
    if (st)
        gate_strings(&b, st->labels, st->nlabels);
    else
        sbuf_puts(&b, "[]");
    sbuf_putc(&b, '}');
    return sbuf_take(&b);
}

/* Writes "key":<json text or null>. */
static void gate_raw(Sbuf *b, const char *key, const char *json)
{
    sbuf_printf(b, ",\"%s\":%s", key, json && *json ? json : "null");
}

/* The run as policies see it. */
static void gate_run_json(Sbuf *b, const StoreRun *r)
{
    sbuf_printf(b, "{\"id\":%lld,\"stack\":", (long long)r->id);
    sbuf_json_str(b, r->stack);
    sbuf_puts(b, ",\"author\":");
    sbuf_json_str(b, r->author);
    sbuf_puts(b, ",\"trigger\":");
    sbuf_json_str(b, r->trigger);
    sbuf_puts(b, ",\"state\":");
    sbuf_json_str(b, run_state_name(r->state));
    sbuf_puts(b, ",\"plan_hash\":");
    sbuf_json_str(b, r->plan_hash);
    sbuf_puts(b, ",\"created_at\":");
    sbuf_json_str(b, r->created_at);
    sbuf_putc(b, '}');
}

/* Loads a JSON text as an engine document; NULL with *err. */
static veto_doc *gate_doc(Session *s, const char *name, const char *text, size_t len, char **err)
{
    veto_diags *d = veto_diags_new();
    veto_doc *doc = d ? veto_doc_load_json(s->engine, name, text, len, NULL, d) : NULL;
    if (!doc) {
        char *t = d ? veto_diags_render(d, 0) : NULL;
        *err = session_fmt("cannot load %s: %s", name, t ? t : "out of memory");
        free(t);
    }
    veto_diags_free(d);
    return doc;
}

/* Evaluates kind over input with context and optional data.outputs. */
static int gate_eval(Session *s, const CfgStack *st, const char *kind, const char *input,
                     size_t input_len, const char *ctx, const char *outputs, GateResult *g,
                     char **err)
{
    memset(g, 0, sizeof *g);
    veto_program *prog = session_program(s, st, err);
    if (!prog)
        return -1;
    veto_doc *in = gate_doc(
        s, strcmp(kind, "plan") == 0 || strcmp(kind, "drift") == 0 ? "plan.json" : "input.json",
        input, input_len, err);
    veto_doc *cx = in ? gate_doc(s, "context.json", ctx, strlen(ctx), err) : NULL;
    veto_doc *out =
        cx && outputs ? gate_doc(s, "outputs.json", outputs, strlen(outputs), err) : NULL;
    int rc = -1;
    if (cx && (out || !outputs)) {
        const char *names[1] = {"outputs"};
        const veto_doc *docs[1] = {out};
        veto_eval_options opt;
        memset(&opt, 0, sizeof opt);
        opt.kind = kind;
        opt.context = cx;
        if (out) {
            opt.data_names = names;
            opt.data_docs = docs;
            opt.ndata = 1;
        }
        veto_decision *dec = veto_eval(prog, in, &opt);
        if (!dec) {
            *err = session_fmt("out of memory evaluating %s policies", kind);
        } else {
            g->outcome = veto_decision_outcome(dec);
            g->json = veto_decision_json(dec, 1);
            g->text = veto_decision_text(dec, 0);
            veto_decision_free(dec);
            char perr[160];
            g->dec = g->json ? jd_parse(g->json, strlen(g->json), perr, sizeof perr) : NULL;
            if (!g->dec || !g->text) {
                *err = session_fmt("cannot read the %s decision", kind);
                gate_result_clear(g);
            } else {
                g->policies = (int)jd_num(jd_get(jd_get(g->dec, "summary"), "policies"), 0);
                const char *v = jd_str(jd_get(g->dec, "verdict"));
                snprintf(g->verdict, sizeof g->verdict, "%s",
                         v ? v : veto_outcome_name(g->outcome));
                rc = 0;
            }
        }
    }
    if (in)
        veto_doc_free(in);
    if (cx)
        veto_doc_free(cx);
    if (out)
        veto_doc_free(out);
    return rc;
}

int gate_access(Session *s, const CfgStack *st, const char *action, const StoreRun *run,
                const char *extra, GateResult *g, char **err)
{
    Sbuf b = {0};
    sbuf_puts(&b, "{\"action\":");
    sbuf_json_str(&b, action);
    sbuf_puts(&b, ",\"actor\":");
    gate_actor_json(&b, s);
    sbuf_puts(&b, ",\"stack\":");
    gate_stack_json(&b, st);
    if (run) {
        sbuf_puts(&b, ",\"run\":");
        gate_run_json(&b, run);
    } else {
        sbuf_puts(&b, ",\"run\":null");
    }
    if (extra && extra[0] == '{' && extra[1] != '}') {
        sbuf_putc(&b, ',');
        sbuf_add(&b, extra + 1, strlen(extra) - 2);
    }
    sbuf_putc(&b, '}');
    char *input = sbuf_take(&b);
    char *ctx = gate_context(s, st, run ? run->id : 0);
    int rc = -1;
    if (!input || !ctx)
        *err = session_fmt("out of memory");
    else
        rc = gate_eval(s, st, "access", input, strlen(input), ctx, NULL, g, err);
    free(input);
    free(ctx);
    if (rc != 0)
        return rc;
    if (g->policies == 0)
        snprintf(g->verdict, sizeof g->verdict, "allow"); /* no access policy: open */
    else if (g->outcome == VETO_ERROR)
        snprintf(g->verdict, sizeof g->verdict, "deny"); /* fail closed */
    return 0;
}

void gate_refused(Session *s, const CfgStack *st, int64_t run_id, const char *what, const char *oom,
                  GateResult *acc)
{
    char *why = gate_messages(acc, "deny");
    char *msg = session_fmt("%s may not %s stack '%s': %s", s->actor, what, st->name,
                            why && *why ? why : "no access policy allows it");
    store_event_add(s->store, run_id, st->name, s->actor, "access", msg ? msg : oom);
    session_say(s, "veto: %s", msg ? msg : oom);
    free(why);
    free(msg);
    gate_result_clear(acc);
}

/* data.outputs: {DEP: {NAME: VALUE}} for the stack's direct dependencies;
 * sensitive values are given as "(sensitive)". */
static char *gate_outputs(Session *s, const CfgStack *st)
{
    Sbuf b = {0};
    sbuf_putc(&b, '{');
    for (size_t i = 0; i < st->ndeps; i++) {
        StoreOutput *o = NULL;
        size_t n = 0;
        if (store_outputs_get(s->store, st->deps[i], &o, &n) != STORE_OK)
            n = 0;
        if (i)
            sbuf_putc(&b, ',');
        sbuf_json_str(&b, st->deps[i]);
        sbuf_putc(&b, ':');
        sbuf_putc(&b, '{');
        for (size_t k = 0; k < n; k++) {
            if (k)
                sbuf_putc(&b, ',');
            sbuf_json_str(&b, o[k].name);
            sbuf_putc(&b, ':');
            sbuf_puts(&b, o[k].sensitive ? "\"(sensitive)\"" : o[k].value_json);
        }
        sbuf_putc(&b, '}');
        store_outputs_free(o, n);
    }
    sbuf_putc(&b, '}');
    return sbuf_take(&b);
}

int gate_plan(Session *s, const CfgStack *st, const char *kind, int64_t run_id, const char *plan,
              size_t len, GateResult *g, char **err)
{
    char *ctx = gate_context(s, st, run_id);
    char *outputs = gate_outputs(s, st);
    int rc = -1;
    if (!ctx || !outputs)
        *err = session_fmt("out of memory");
    else
        rc = gate_eval(s, st, kind, plan, len, ctx, outputs, g, err);
    free(ctx);
    free(outputs);
    if (rc != 0)
        return rc;
    const Jd *results = jd_get(g->dec, "results");
    for (size_t i = 0; results && results->type == JD_ARR && i < results->n; i++) {
        const char *rule = jd_str(jd_get(results->items[i], "rule"));
        const char *enf = jd_str(jd_get(results->items[i], "enforcement"));
        if (!rule)
            continue;
        if (strcmp(rule, "error") == 0 ||
            (strcmp(rule, "deny") == 0 && enf && strcmp(enf, "hard") == 0))
            g->hard_deny = 1;
        else if (strcmp(rule, "deny") == 0 && enf && strcmp(enf, "soft") == 0)
            g->soft_deny = 1;
    }
    if (g->outcome == VETO_ERROR)
        g->hard_deny = 1;
    return 0;
}

int gate_approval(Session *s, const CfgStack *st, const StoreRun *run, GateResult *g, char **err)
{
    StoreReview *rv = NULL;
    size_t nrv = 0;
    if (store_reviews_list(s->store, run->id, &rv, &nrv) != STORE_OK) {
        *err = session_fmt("%s", store_error(s->store));
        return -1;
    }
    Sbuf b = {0};
    sbuf_puts(&b, "{\"run\":");
    gate_run_json(&b, run);
    sbuf_puts(&b, ",\"stack\":");
    gate_stack_json(&b, st);
    /* plan: the summary by action (as "summary"), by type, the count, the hash. */
    char perr[160];
    Jd *sum = run->plan_summary
                  ? jd_parse(run->plan_summary, strlen(run->plan_summary), perr, sizeof perr)
                  : NULL;
    sbuf_puts(&b, ",\"plan\":{\"summary\":");
    jd_write(&b, jd_get(sum, "actions"));
    sbuf_puts(&b, ",\"types\":");
    jd_write(&b, jd_get(sum, "types"));
    sbuf_printf(&b, ",\"changes\":%ld,\"hash\":", (long)jd_num(jd_get(sum, "changes"), 0));
    sbuf_json_str(&b, run->plan_hash);
    sbuf_putc(&b, '}');
    jd_free(sum);
    /* policy: the plan policies' outcome and results, and any override. */
    Jd *pol = run->policy_json
                  ? jd_parse(run->policy_json, strlen(run->policy_json), perr, sizeof perr)
                  : NULL;
    sbuf_puts(&b, ",\"policy\":{\"outcome\":");
    sbuf_json_str(&b, run->policy_outcome);
    sbuf_puts(&b, ",\"results\":");
    const Jd *results = jd_get(pol, "results");
    sbuf_putc(&b, '[');
    for (size_t i = 0; results && results->type == JD_ARR && i < results->n; i++) {
        static const char *const keep[] = {"policy_id",   "rule",    "severity",
                                           "enforcement", "message", "address"};
        if (i)
            sbuf_putc(&b, ',');
        sbuf_putc(&b, '{');
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
            if (k)
                sbuf_putc(&b, ',');
            sbuf_json_str(&b, keep[k]);
            sbuf_putc(&b, ':');
            jd_write(&b, jd_get(results->items[i], keep[k]));
        }
        sbuf_putc(&b, '}');
    }
    sbuf_puts(&b, "],\"override\":");
    if (run->override_by) {
        sbuf_puts(&b, "{\"by\":");
        sbuf_json_str(&b, run->override_by);
        sbuf_puts(&b, ",\"reason\":");
        sbuf_json_str(&b, run->override_reason);
        sbuf_putc(&b, '}');
    } else {
        sbuf_puts(&b, "null");
    }
    sbuf_putc(&b, '}');
    jd_free(pol);
    int any_reject = 0;
    sbuf_puts(&b, ",\"reviews\":[");
    for (size_t i = 0; i < nrv; i++) {
        if (i)
            sbuf_putc(&b, ',');
        sbuf_puts(&b, "{\"actor\":");
        sbuf_json_str(&b, rv[i].actor);
        gate_raw(&b, "teams", rv[i].teams);
        sbuf_puts(&b, ",\"verdict\":");
        sbuf_json_str(&b, rv[i].verdict);
        sbuf_puts(&b, ",\"comment\":");
        sbuf_json_str(&b, rv[i].comment);
        sbuf_puts(&b, ",\"time\":");
        sbuf_json_str(&b, rv[i].time);
        sbuf_puts(&b, ",\"signed\":false}");
        any_reject |= strcmp(rv[i].verdict, "reject") == 0;
    }
    sbuf_puts(&b, "]}");
    store_reviews_free(rv, nrv);
    char *input = sbuf_take(&b);
    char *ctx = gate_context(s, st, run->id);
    int rc = -1;
    if (!input || !ctx)
        *err = session_fmt("out of memory");
    else
        rc = gate_eval(s, st, "approval", input, strlen(input), ctx, NULL, g, err);
    free(input);
    free(ctx);
    if (rc != 0)
        return rc;
    if (g->policies == 0)
        snprintf(g->verdict, sizeof g->verdict, "%s", any_reject ? "rejected" : "approved");
    else if (g->outcome == VETO_ERROR)
        snprintf(g->verdict, sizeof g->verdict, "waiting"); /* an error never approves */
    return 0;
}

int gate_trigger(Session *s, const char *branch, const char *commit, const char *const *changed,
                 size_t nchanged, GateResult *g, char **err)
{
    Sbuf b = {0};
    sbuf_puts(&b, "{\"branch\":");
    sbuf_json_str(&b, branch);
    sbuf_puts(&b, ",\"commit\":");
    sbuf_json_str(&b, commit);
    sbuf_puts(&b, ",\"changed\":[");
    for (size_t i = 0; i < nchanged; i++) {
        if (i)
            sbuf_putc(&b, ',');
        sbuf_json_str(&b, changed[i]);
    }
    sbuf_puts(&b, "],\"actor\":");
    gate_actor_json(&b, s);
    sbuf_puts(&b, ",\"stacks\":[");
    for (size_t i = 0; i < s->cfg->nstacks; i++) {
        if (i)
            sbuf_putc(&b, ',');
        gate_stack_json(&b, &s->cfg->stacks[i]);
    }
    sbuf_puts(&b, "]}");
    char *input = sbuf_take(&b);
    char *ctx = gate_context(s, NULL, 0);
    int rc = -1;
    if (!input || !ctx)
        *err = session_fmt("out of memory");
    else
        rc = gate_eval(s, NULL, "trigger", input, strlen(input), ctx, NULL, g, err);
    free(input);
    free(ctx);
    return rc;
}
