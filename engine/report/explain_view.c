/* explain_view.c — the explanations a decision carries, for people and as
 * JSON (veto_decision_explain_text / _json, veto.h; docs/EXPLAIN.md).
 * Reads a finished decision only; the records are gate/explain_trace.h's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "gate/explain_trace.h"
#include "input/json_read.h"

/* ================================================================== */
/* views                                                               */
/* ================================================================== */

static const char *explain_label(const veto_decision *d, const Result *r)
{
    if (r->kind == RES_ERROR)
        return "ERROR";
    const Program *p = d->prog;
    RuleKind rk = p->rules[r->rule].kind;
    if (rk == RK_DENY && (d->kind == PK_PLAN || d->kind == PK_DRIFT) &&
        p->policies[r->policy].enforcement == ENF_ADVISORY)
        return "ADVISORY";
    static const char *const names[RK__COUNT] = {"DENY",    "WARN",   "ALLOW",
                                                 "APPROVE", "REJECT", "TRIGGER"};
    return rk < RK__COUNT ? names[rk] : "?";
}

static const char *const cs_mark[] = {"- not evaluated", "\xe2\x9c\x93", "\xe2\x9c\x97",
                                      "\xe2\x9c\x97 undefined", "\xe2\x9c\x97 not a boolean"};
static const char *const cs_name[] = {"not evaluated", "true", "false", "undefined", "other"};

static void explain_rule_where(Buf *b, const Program *p, uint32_t rule)
{
    const Rule *r = &p->rules[rule];
    buf_printf(b, "%s:%u:%u", p->sources[r->source]->name, r->line, r->col);
}

/* The body of one explanation, two-space indented. */
static void explain_body_text(Buf *b, const veto_decision *d, const Explanation *e,
                              const char *ev_path, const char *ev_value, int color)
{
    const char *dim = color ? "\033[2m" : "", *reset = color ? "\033[0m" : "";
    if (e->var) {
        if (!e->selected) {
            buf_printf(b, "  not selected: no %s in %s is %s\n", e->var, e->collection,
                       d->explain_log && d->explain_log->address ? d->explain_log->address
                                                                 : "the resource");
            return;
        }
        buf_printf(b, "  for %s = %s", e->var, e->binding ? e->binding : "?");
        if (e->origin)
            buf_printf(b, " %s(%s)%s", dim, e->origin, reset);
        buf_printf(b, "\n      in %s\n", e->collection);
    }
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind == PROBE_LET)
            buf_printf(b, "  let %s = %s\n", l->text, l->value ? l->value : "(not evaluated)");
    }
    bool first = true;
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind == PROBE_COND) {
            const char *mark = cs_mark[l->state];
            const char *mc = !color                   ? ""
                             : l->state == CS_TRUE    ? "\033[32m"
                             : l->state == CS_SKIPPED ? "\033[2m"
                                                      : "\033[31m";
            buf_printf(b, "  %s %s   %s%s%s\n", first ? "when" : " and", l->text, mc, mark, reset);
            first = false;
        } else if (l->kind == PROBE_VALUE) {
            buf_printf(b, "       %s = %s\n", l->text, l->value);
        }
    }
    if (first && e->fired)
        buf_puts(b, "  (no `when`: fires for every binding)\n");
    if (ev_path)
        buf_printf(b, "  evidence: %s = %s\n", ev_path, ev_value ? ev_value : "undefined");
}

char *veto_decision_explain_text(const veto_decision *d, int color)
{
    const Program *p = d->prog;
    Buf b = BUF_INIT;
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        const Policy *pol = &p->policies[r->policy];
        buf_printf(&b, "%s %s", explain_label(d, r), pol->id);
        if (r->address)
            buf_printf(&b, " %s", r->address);
        buf_putc(&b, '\n');
        if (r->kind == RES_ERROR) {
            buf_printf(&b, "  %s\n  at %s:%u:%u\n\n", r->message, r->file ? r->file : "?", r->line,
                       r->col);
            continue;
        }
        buf_printf(&b, "  rule %s %s at ", rule_kind_name(p->rules[r->rule].kind), pol->name);
        explain_rule_where(&b, p, r->rule);
        buf_printf(&b, "\n  message: %s\n", r->message);
        if (r->explain)
            explain_body_text(&b, d, r->explain, r->evidence_path, r->evidence_value, color);
        else if (r->evidence_path)
            buf_printf(&b, "  evidence: %s = %s\n", r->evidence_path,
                       r->evidence_value ? r->evidence_value : "undefined");
        buf_putc(&b, '\n');
    }
    const ExplainLog *log = d->explain_log;
    if (log && log->mode == VETO_EXPLAIN_FAILS) {
        buf_printf(&b, "NOT FIRED for %s: %u rule%s\n\n", log->address ? log->address : "?",
                   log->nmisses, log->nmisses == 1 ? "" : "s");
        for (const Explanation *e = log->misses; e; e = e->next) {
            const Rule *rule = &p->rules[e->rule];
            const Policy *pol = &p->policies[rule->policy];
            buf_printf(&b, "NOT FIRED %s %s\n  rule %s %s at ", rule_kind_name(rule->kind), pol->id,
                       rule_kind_name(rule->kind), pol->name);
            explain_rule_where(&b, p, e->rule);
            buf_putc(&b, '\n');
            explain_body_text(&b, d, e, NULL, NULL, color);
            buf_putc(&b, '\n');
        }
    }
    /* The decision's own summary line closes the explanation. */
    char *summary = veto_decision_text(d, 0);
    if (summary) {
        size_t n = strlen(summary);
        while (n && summary[n - 1] == '\n')
            n--;
        size_t s = n;
        while (s && summary[s - 1] != '\n')
            s--;
        buf_append(&b, summary + s, n - s);
        buf_putc(&b, '\n');
        free(summary);
    }
    return buf_take(&b);
}

static void ej_str(Buf *b, const char *s)
{
    if (s)
        json_write_string(b, s, strlen(s));
    else
        buf_puts(b, "null");
}

static void explain_body_json(Buf *b, const Explanation *e, const char *ind)
{
    buf_printf(b, ",\n%s\"fired\": %s", ind, e->fired ? "true" : "false");
    buf_printf(b, ",\n%s\"binding\": ", ind);
    if (e->var) {
        buf_puts(b, "{\"var\": ");
        ej_str(b, e->var);
        buf_puts(b, ", \"in\": ");
        ej_str(b, e->collection);
        buf_printf(b, ", \"selected\": %s, \"value\": ", e->selected ? "true" : "false");
        ej_str(b, e->binding);
        buf_puts(b, ", \"origin\": ");
        ej_str(b, e->origin);
        buf_putc(b, '}');
    } else {
        buf_puts(b, "null");
    }
    buf_printf(b, ",\n%s\"lets\": [", ind);
    bool any = false;
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind != PROBE_LET)
            continue;
        buf_printf(b, "%s{\"name\": ", any ? ", " : "");
        ej_str(b, l->text);
        buf_puts(b, ", \"value\": ");
        ej_str(b, l->value);
        buf_putc(b, '}');
        any = true;
    }
    buf_printf(b, "],\n%s\"conditions\": [", ind);
    bool first = true;
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind != PROBE_COND)
            continue;
        buf_printf(b, "%s\n%s  {\"expr\": ", first ? "" : ",", ind);
        ej_str(b, l->text);
        buf_printf(b, ", \"result\": \"%s\", \"values\": [", cs_name[l->state]);
        bool fv = true;
        for (uint32_t j = i + 1; j < e->nlines && e->lines[j].kind == PROBE_VALUE; j++) {
            buf_printf(b, "%s{\"expr\": ", fv ? "" : ", ");
            ej_str(b, e->lines[j].text);
            buf_puts(b, ", \"value\": ");
            ej_str(b, e->lines[j].value);
            buf_putc(b, '}');
            fv = false;
        }
        buf_puts(b, "]}");
        first = false;
    }
    buf_printf(b, "%s%s]", first ? "" : "\n", first ? "" : ind);
}

static void explain_head_json(Buf *b, const Program *p, uint32_t rule, const char *ind)
{
    const Rule *r = &p->rules[rule];
    const Policy *pol = &p->policies[r->policy];
    buf_printf(b, "%s\"policy_id\": ", ind);
    ej_str(b, pol->id);
    buf_printf(b, ",\n%s\"policy\": ", ind);
    ej_str(b, pol->name);
    buf_printf(b, ",\n%s\"rule\": \"%s\",\n%s\"location\": ", ind, rule_kind_name(r->kind), ind);
    Buf loc = BUF_INIT;
    explain_rule_where(&loc, p, rule);
    json_write_string(b, loc.p ? loc.p : "", loc.len);
    buf_free(&loc);
}

char *veto_decision_explain_json(const veto_decision *d, int pretty)
{
    (void)pretty; /* always indented: explanations are for reading */
    const Program *p = d->prog;
    Buf b = BUF_INIT;
    buf_printf(&b, "{\n  \"outcome\": \"%s\",\n  \"results\": [", veto_outcome_name(d->outcome));
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        buf_printf(&b, "%s\n    {\n", i ? "," : "");
        if (r->kind == RES_ERROR) {
            buf_puts(&b, "      \"policy_id\": ");
            ej_str(&b, p->policies[r->policy].id);
            buf_puts(&b, ",\n      \"rule\": \"error\",\n      \"message\": ");
            ej_str(&b, r->message);
            buf_puts(&b, "\n    }");
            continue;
        }
        explain_head_json(&b, p, r->rule, "      ");
        buf_puts(&b, ",\n      \"address\": ");
        ej_str(&b, r->address);
        buf_puts(&b, ",\n      \"message\": ");
        ej_str(&b, r->message);
        buf_puts(&b, ",\n      \"evidence\": ");
        if (r->evidence_path) {
            buf_puts(&b, "{\"path\": ");
            ej_str(&b, r->evidence_path);
            buf_puts(&b, ", \"value\": ");
            ej_str(&b, r->evidence_value);
            buf_putc(&b, '}');
        } else {
            buf_puts(&b, "null");
        }
        if (r->explain)
            explain_body_json(&b, r->explain, "      ");
        buf_puts(&b, "\n    }");
    }
    buf_printf(&b, "%s]", d->nresults ? "\n  " : "");
    const ExplainLog *log = d->explain_log;
    if (log && log->mode == VETO_EXPLAIN_FAILS) {
        buf_puts(&b, ",\n  \"address\": ");
        ej_str(&b, log->address);
        buf_puts(&b, ",\n  \"not_fired\": [");
        bool first = true;
        for (const Explanation *e = log->misses; e; e = e->next) {
            buf_printf(&b, "%s\n    {\n", first ? "" : ",");
            explain_head_json(&b, p, e->rule, "      ");
            explain_body_json(&b, e, "      ");
            buf_puts(&b, "\n    }");
            first = false;
        }
        buf_printf(&b, "%s]", first ? "" : "\n  ");
    }
    buf_puts(&b, "\n}\n");
    return buf_take(&b);
}
