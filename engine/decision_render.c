/* decision_render.c — the views of a decision record: JSON (the record
 * itself, stable field order) and text for people. Both print only what
 * the record holds, which is already redacted. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "decision.h"
#include "json.h"

static const char *render_label(const veto_decision *d, const Result *r)
{
    if (r->kind == RES_ERROR)
        return "ERROR";
    const Program *p = d->prog;
    RuleKind rk = p->rules[r->rule].kind;
    if (rk == RK_DENY && (d->kind == PK_PLAN || d->kind == PK_DRIFT) &&
        p->policies[r->policy].enforcement == ENF_ADVISORY)
        return "ADVISORY";
    switch (rk) {
    case RK_DENY:
        return "DENY";
    case RK_WARN:
        return "WARN";
    case RK_ALLOW:
        return "ALLOW";
    case RK_APPROVE:
        return "APPROVE";
    case RK_REJECT:
        return "REJECT";
    default:
        return "TRIGGER";
    }
}

static void render_location(Buf *b, const Result *r)
{
    buf_printf(b, "%s:%u:%u", r->file ? r->file : "?", r->line, r->col);
}

char *veto_decision_json(const veto_decision *d, int pretty)
{
    const Program *p = d->prog;
    const char *nl = pretty ? "\n" : "";
    const char *i1 = pretty ? "  " : "", *i2 = pretty ? "    " : "", *i3 = pretty ? "      " : "";
    const char *sp = pretty ? " " : "";
    Buf b = BUF_INIT;
    buf_printf(&b, "{%s%s\"veto_version\":%s\"%s\",%s", nl, i1, sp, VETO_VERSION, nl);
    buf_printf(&b, "%s\"kind\":%s\"%s\",%s", i1, sp, policy_kind_name(d->kind), nl);
    buf_printf(&b, "%s\"outcome\":%s\"%s\",%s", i1, sp, veto_outcome_name(d->outcome), nl);
    if (d->verdict)
        buf_printf(&b, "%s\"verdict\":%s\"%s\",%s", i1, sp, d->verdict, nl);
    buf_printf(&b, "%s\"summary\":%s{", i1, sp);
    buf_printf(&b, "\"policies\":%s%u", sp, d->policies_evaluated);
    for (int k = 0; k < RK__COUNT; k++) {
        bool relevant = false;
        switch (d->kind) {
        case PK_PLAN:
        case PK_DRIFT:
            relevant = k == RK_DENY || k == RK_WARN;
            break;
        case PK_ACCESS:
            relevant = k == RK_ALLOW || k == RK_DENY;
            break;
        case PK_APPROVAL:
            relevant = k == RK_APPROVE || k == RK_REJECT;
            break;
        default:
            relevant = k == RK_TRIGGER;
            break;
        }
        if (relevant)
            buf_printf(&b, ",%s\"%s\":%s%u", sp, rule_kind_name((RuleKind)k), sp, d->counts[k]);
    }
    buf_printf(&b, ",%s\"error\":%s%u},%s", sp, sp, d->errors, nl);
    buf_printf(&b, "%s\"results\":%s[", i1, sp);
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        const Policy *pol = &p->policies[r->policy];
        buf_printf(&b, "%s%s%s{%s", i ? "," : "", nl, i2, nl);
        buf_printf(&b, "%s\"policy_id\":%s", i3, sp);
        json_write_string(&b, pol->id, strlen(pol->id));
        buf_printf(&b, ",%s%s\"policy\":%s", nl, i3, sp);
        json_write_string(&b, pol->name, strlen(pol->name));
        buf_printf(&b, ",%s%s\"rule\":%s\"%s\",%s", nl, i3, sp,
                   r->kind == RES_ERROR ? "error" : rule_kind_name(p->rules[r->rule].kind), nl);
        buf_printf(&b, "%s\"severity\":%s\"%s\",%s", i3, sp, severity_name(pol->severity), nl);
        buf_printf(&b, "%s\"enforcement\":%s\"%s\",%s", i3, sp, enforcement_name(pol->enforcement),
                   nl);
        buf_printf(&b, "%s\"title\":%s", i3, sp);
        if (pol->title)
            json_write_string(&b, pol->title, strlen(pol->title));
        else
            buf_puts(&b, "null");
        buf_printf(&b, ",%s%s\"message\":%s", nl, i3, sp);
        json_write_string(&b, r->message, strlen(r->message));
        buf_printf(&b, ",%s%s\"address\":%s", nl, i3, sp);
        if (r->address)
            json_write_string(&b, r->address, strlen(r->address));
        else
            buf_puts(&b, "null");
        buf_printf(&b, ",%s%s\"maps\":%s[", nl, i3, sp);
        for (uint32_t m = 0; m < pol->nmaps; m++) {
            if (m)
                buf_printf(&b, ",%s", sp);
            json_write_string(&b, pol->maps[m], strlen(pol->maps[m]));
        }
        buf_printf(&b, "],%s%s\"location\":%s", nl, i3, sp);
        Buf loc = BUF_INIT;
        render_location(&loc, r);
        json_write_string(&b, loc.p ? loc.p : "", loc.len);
        buf_free(&loc);
        buf_printf(&b, "%s%s}", nl, i2);
    }
    buf_printf(&b, "%s%s]%s}%s", d->nresults ? nl : "", d->nresults ? i1 : "", nl,
               pretty ? "\n" : "");
    return buf_take(&b);
}

char *veto_decision_text(const veto_decision *d, int color)
{
    const Program *p = d->prog;
    Buf b = BUF_INIT;
    const char *reset = color ? "\033[0m" : "";
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        const Policy *pol = &p->policies[r->policy];
        const char *label = render_label(d, r);
        const char *col = "";
        if (color) {
            if (!strcmp(label, "DENY") || !strcmp(label, "ERROR") || !strcmp(label, "REJECT"))
                col = "\033[1;31m";
            else if (!strcmp(label, "WARN") || !strcmp(label, "ADVISORY"))
                col = "\033[1;33m";
            else
                col = "\033[1;32m";
        }
        buf_printf(&b, "%s%-8s%s %-8s %s", col, label, reset, severity_name(pol->severity),
                   pol->id);
        if (r->address)
            buf_printf(&b, "  %s", r->address);
        buf_printf(&b, "\n         %s\n         at ", r->message);
        render_location(&b, r);
        buf_putc(&b, '\n');
    }
    if (d->nresults)
        buf_putc(&b, '\n');
    buf_printf(&b, "%s: %u polic%s", veto_outcome_name(d->outcome), d->policies_evaluated,
               d->policies_evaluated == 1 ? "y" : "ies");
    switch (d->kind) {
    case PK_PLAN:
    case PK_DRIFT:
        buf_printf(&b, ", %u denied, %u warned", d->counts[RK_DENY], d->counts[RK_WARN]);
        break;
    case PK_ACCESS:
        buf_printf(&b, ", %u allow, %u deny", d->counts[RK_ALLOW], d->counts[RK_DENY]);
        break;
    case PK_APPROVAL:
        buf_printf(&b, ", %u approve, %u reject", d->counts[RK_APPROVE], d->counts[RK_REJECT]);
        break;
    default:
        buf_printf(&b, ", %u triggered", d->counts[RK_TRIGGER]);
        break;
    }
    buf_printf(&b, ", %u error%s", d->errors, d->errors == 1 ? "" : "s");
    if (d->verdict)
        buf_printf(&b, " (verdict: %s)", d->verdict);
    buf_putc(&b, '\n');
    return buf_take(&b);
}
