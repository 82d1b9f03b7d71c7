/* report.c — what the views of a decision share (report.h): labels,
 * locations, the summary line, the list of "test points". The views are
 * report_*.c, one file per format; render.c picks one. */
#include <stdio.h>
#include <string.h>

#include "report/report.h"

const char *report_label(const veto_decision *d, const Result *r)
{
    switch (r->status) {
    case ST_ERROR:
        return "ERROR";
    case ST_ADVISORY:
        return "ADVISORY";
    case ST_WAIVED:
        return "WAIVED";
    case ST_OVERRIDDEN:
        return "OVERRIDDEN";
    default:
        break;
    }
    switch (d->prog->rules[r->rule].kind) {
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

const char *report_rule(const veto_decision *d, const Result *r)
{
    return r->kind == RES_ERROR ? "error" : rule_kind_name(d->prog->rules[r->rule].kind);
}

void report_location(Buf *b, const Result *r)
{
    buf_printf(b, "%s:%u:%u", r->file ? r->file : "?", r->line, r->col);
}

const char *report_input(const veto_decision *d) { return d->input_name ? d->input_name : "input"; }

int report_fails(const veto_decision *d, const Result *r)
{
    switch (r->status) {
    case ST_FAIL:
    case ST_ERROR:
        return 1;
    case ST_WARN:
    case ST_ADVISORY:
        return d->fail_on_warn;
    default:
        return 0;
    }
}

uint32_t report_policy_results(const veto_decision *d, uint32_t pi)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->nresults; i++)
        n += d->results[i].policy == pi;
    return n;
}

int report_policy_ran(const veto_decision *d, uint32_t pi)
{
    return d->prog->policies[pi].kind == d->kind;
}

void report_summary(Buf *b, const veto_decision *d)
{
    buf_printf(b, "%s: %u polic%s", veto_outcome_name(d->outcome), d->policies_evaluated,
               d->policies_evaluated == 1 ? "y" : "ies");
    switch (d->kind) {
    case PK_PLAN:
    case PK_DRIFT:
        buf_printf(b, ", %u denied, %u warned", d->counts[RK_DENY], d->counts[RK_WARN]);
        break;
    case PK_ACCESS:
        buf_printf(b, ", %u allow, %u deny", d->counts[RK_ALLOW], d->counts[RK_DENY]);
        break;
    case PK_APPROVAL:
        buf_printf(b, ", %u approve, %u reject", d->counts[RK_APPROVE], d->counts[RK_REJECT]);
        break;
    default:
        buf_printf(b, ", %u triggered", d->counts[RK_TRIGGER]);
        break;
    }
    buf_printf(b, ", %u error%s", d->errors, d->errors == 1 ? "" : "s");
    if (d->status[ST_WAIVED])
        buf_printf(b, ", %u waived", d->status[ST_WAIVED]);
    if (d->status[ST_OVERRIDDEN])
        buf_printf(b, ", %u overridden", d->status[ST_OVERRIDDEN]);
    if (d->verdict)
        buf_printf(b, " (verdict: %s)", d->verdict);
}
