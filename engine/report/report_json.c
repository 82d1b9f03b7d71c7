/* report_json.c — the decision record as JSON, the view every other one
 * is checked against; its shape is docs/decision.schema.json. One input:
 * the record itself. Several: {"veto_version", "outcome", "inputs",
 * "decisions": [record, ...]}. Field order is fixed; two-space indent. */
#include <string.h>

#include "input/json_read.h"
#include "report/report.h"
#include "report/views.h"

/* A small pretty-printing writer: keys, values and nesting. */
typedef struct Jw {
    Buf *b;
    int depth;
    int first; /* no member/element written yet at this level */
} Jw;

static void jw_indent(Jw *w)
{
    buf_putc(w->b, '\n');
    for (int i = 0; i < w->depth; i++)
        buf_puts(w->b, "  ");
}

/* Before a member or element: the comma and the line break. */
static void jw_item(Jw *w)
{
    if (!w->first)
        buf_putc(w->b, ',');
    w->first = 0;
    jw_indent(w);
}

static void jw_key(Jw *w, const char *key)
{
    jw_item(w);
    json_write_string(w->b, key, strlen(key));
    buf_puts(w->b, ": ");
}

static void jw_open(Jw *w, char c)
{
    buf_putc(w->b, c);
    w->depth++;
    w->first = 1;
}

static void jw_close(Jw *w, char c)
{
    w->depth--;
    if (!w->first)
        jw_indent(w);
    buf_putc(w->b, c);
    w->first = 0;
}

static void jw_str(Jw *w, const char *s)
{
    if (s)
        json_write_string(w->b, s, strlen(s));
    else
        buf_puts(w->b, "null");
}

static void jw_kstr(Jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

static void jw_kuint(Jw *w, const char *key, uint32_t v)
{
    jw_key(w, key);
    buf_printf(w->b, "%u", v);
}

static void json_result(Jw *w, const veto_decision *d, const Result *r)
{
    const Policy *pol = &d->prog->policies[r->policy];
    jw_item(w);
    jw_open(w, '{');
    jw_kstr(w, "policy_id", pol->id);
    jw_kstr(w, "policy", pol->name);
    jw_kstr(w, "rule", report_rule(d, r));
    jw_kstr(w, "status", result_status_name(r->status));
    jw_kstr(w, "severity", severity_name(pol->severity));
    jw_kstr(w, "enforcement", enforcement_name(pol->enforcement));
    jw_kstr(w, "title", pol->title);
    jw_kstr(w, "message", r->message);
    jw_kstr(w, "address", r->address);
    jw_key(w, "maps");
    jw_open(w, '[');
    for (uint32_t m = 0; m < pol->nmaps; m++) {
        jw_item(w);
        jw_str(w, pol->maps[m]);
    }
    jw_close(w, ']');
    Buf loc = BUF_INIT;
    report_location(&loc, r);
    jw_kstr(w, "location", loc.p ? loc.p : "");
    buf_free(&loc);
    jw_key(w, "source");
    if (r->tf_file) {
        jw_open(w, '{');
        jw_kstr(w, "file", r->tf_file);
        jw_kuint(w, "line", r->tf_line);
        jw_close(w, '}');
    } else {
        buf_puts(w->b, "null");
    }
    if (r->evidence_path) {
        jw_key(w, "evidence");
        jw_open(w, '{');
        jw_kstr(w, "path", r->evidence_path);
        jw_kstr(w, "value", r->evidence_value);
        jw_close(w, '}');
    }
    if (r->override_ix >= 0) {
        const DecOverride *o = &d->overrides[r->override_ix];
        jw_key(w, "override");
        jw_open(w, '{');
        jw_kstr(w, "by", o->by);
        jw_kstr(w, "reason", o->reason);
        jw_kstr(w, "origin", o->origin);
        jw_close(w, '}');
    }
    if (r->waiver_ix >= 0) {
        const DecWaiver *wv = &d->waivers[r->waiver_ix];
        jw_key(w, "waiver");
        jw_open(w, '{');
        jw_kstr(w, "id", wv->id);
        jw_kstr(w, "reason", wv->reason);
        jw_kstr(w, "owner", wv->owner);
        jw_kstr(w, "ticket", wv->ticket);
        jw_kstr(w, "expires", wv->expires);
        jw_kstr(w, "approved_by", wv->approved_by);
        jw_close(w, '}');
    }
    jw_close(w, '}');
}

static int json_counts_kind(PolicyKind pk, int k)
{
    switch (pk) {
    case PK_PLAN:
    case PK_DRIFT:
        return k == RK_DENY || k == RK_WARN;
    case PK_ACCESS:
        return k == RK_ALLOW || k == RK_DENY;
    case PK_APPROVAL:
        return k == RK_APPROVE || k == RK_REJECT;
    default:
        return k == RK_TRIGGER;
    }
}

static void json_decision(Jw *w, const veto_decision *d)
{
    jw_open(w, '{');
    jw_kstr(w, "veto_version", VETO_VERSION);
    jw_kstr(w, "kind", policy_kind_name(d->kind));
    jw_kstr(w, "input", d->input_name);
    jw_kstr(w, "outcome", veto_outcome_name(d->outcome));
    if (d->verdict)
        jw_kstr(w, "verdict", d->verdict);
    jw_kstr(w, "fail_on", d->fail_on_warn ? "warn" : "fail");
    jw_key(w, "summary");
    jw_open(w, '{');
    jw_kuint(w, "policies", d->policies_evaluated);
    for (int k = 0; k < RK__COUNT; k++)
        if (json_counts_kind(d->kind, k))
            jw_kuint(w, rule_kind_name((RuleKind)k), d->counts[k]);
    jw_kuint(w, "error", d->errors);
    jw_key(w, "status");
    jw_open(w, '{');
    for (int s = 0; s < ST__COUNT; s++)
        jw_kuint(w, result_status_name((ResultStatus)s), d->status[s]);
    jw_close(w, '}');
    jw_close(w, '}');
    jw_key(w, "hashes");
    jw_open(w, '{');
    jw_kstr(w, "algorithm", "sha256");
    const char *ph = decision_policy_hash(d);
    jw_kstr(w, "policy_set", ph[0] ? ph : NULL);
    jw_kstr(w, "input", d->input_hash[0] ? d->input_hash : NULL);
    jw_close(w, '}');
    jw_key(w, "context");
    buf_puts(w->b, d->context_json ? d->context_json : "null");
    jw_key(w, "results");
    jw_open(w, '[');
    for (uint32_t i = 0; i < d->nresults; i++)
        json_result(w, d, &d->results[i]);
    jw_close(w, ']');
    jw_key(w, "overrides");
    jw_open(w, '[');
    for (uint32_t i = 0; i < d->noverrides; i++) {
        const DecOverride *o = &d->overrides[i];
        jw_item(w);
        jw_open(w, '{');
        jw_kstr(w, "policy_id", o->policy_id);
        jw_kstr(w, "by", o->by);
        jw_kstr(w, "reason", o->reason);
        jw_kstr(w, "origin", o->origin);
        jw_kuint(w, "matched", o->matched);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_key(w, "waivers");
    jw_open(w, '[');
    for (uint32_t i = 0; i < d->nwaivers; i++) {
        const DecWaiver *wv = &d->waivers[i];
        jw_item(w);
        jw_open(w, '{');
        jw_kstr(w, "id", wv->id);
        jw_kstr(w, "policy_id", wv->policy_id);
        jw_kstr(w, "resource", wv->resource);
        jw_kstr(w, "attribute", wv->attribute);
        jw_kstr(w, "reason", wv->reason);
        jw_kstr(w, "owner", wv->owner);
        jw_kstr(w, "ticket", wv->ticket);
        jw_kstr(w, "expires", wv->expires);
        jw_kstr(w, "approved_by", wv->approved_by);
        jw_key(w, "expired");
        buf_puts(w->b, wv->expired ? "true" : "false");
        jw_kuint(w, "matched", wv->matched);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    if (d->as_of)
        jw_kstr(w, "waivers_as_of", d->as_of);
    jw_key(w, "warnings");
    jw_open(w, '[');
    for (uint32_t i = 0; i < d->nnotes; i++) {
        jw_item(w);
        jw_open(w, '{');
        jw_kstr(w, "code", d->notes[i].code);
        jw_kstr(w, "message", d->notes[i].message);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_key(w, "errors");
    jw_open(w, '[');
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        if (r->kind != RES_ERROR)
            continue;
        jw_item(w);
        jw_open(w, '{');
        jw_kstr(w, "policy_id", d->prog->policies[r->policy].id);
        jw_kstr(w, "message", r->message);
        Buf loc = BUF_INIT;
        report_location(&loc, r);
        jw_kstr(w, "location", loc.p ? loc.p : "");
        buf_free(&loc);
        jw_close(w, '}');
    }
    if (d->oom) {
        jw_item(w);
        jw_open(w, '{');
        jw_kstr(w, "policy_id", NULL);
        jw_kstr(w, "message", "out of memory while building the decision record");
        jw_kstr(w, "location", NULL);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

void report_json(Buf *b, ReportDecs d, size_t n)
{
    Jw w = {b, 0, 1};
    if (n == 1) {
        json_decision(&w, d[0]);
    } else {
        jw_open(&w, '{');
        jw_kstr(&w, "veto_version", VETO_VERSION);
        jw_kstr(&w, "outcome", veto_outcome_name(veto_report_outcome(d, n)));
        jw_kuint(&w, "inputs", (uint32_t)n);
        jw_key(&w, "decisions");
        jw_open(&w, '[');
        for (size_t i = 0; i < n; i++) {
            jw_item(&w);
            json_decision(&w, d[i]);
        }
        jw_close(&w, ']');
        jw_close(&w, '}');
    }
    buf_putc(b, '\n');
}
