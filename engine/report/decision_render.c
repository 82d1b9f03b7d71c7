/* decision_render.c — what the views of a decision share, and the entry
 * points that pick one: veto_report_render(), veto_decision_json(),
 * veto_decision_text(). Each format is its own file (report_*.c); this
 * file holds the labels, locations and summary line they all use. */
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

static const char *const report_formats[] = {"text",   "json", "junit",    "sarif",
                                             "github", "tap",  "markdown", NULL};

int veto_report_format_known(const char *format)
{
    for (const char *const *f = report_formats; *f; f++)
        if (strcmp(*f, format) == 0)
            return 1;
    return 0;
}

char *veto_report_render(const veto_decision *const *decs, size_t n, const char *format, int color)
{
    if (!format || !veto_report_format_known(format))
        return NULL;
    Buf b = BUF_INIT;
    if (strcmp(format, "json") == 0)
        report_json(&b, decs, n);
    else if (strcmp(format, "text") == 0)
        report_text(&b, decs, n, color);
    else if (strcmp(format, "junit") == 0)
        report_junit(&b, decs, n);
    else if (strcmp(format, "sarif") == 0)
        report_sarif(&b, decs, n);
    else if (strcmp(format, "github") == 0)
        report_github(&b, decs, n);
    else if (strcmp(format, "tap") == 0)
        report_tap(&b, decs, n);
    else
        report_markdown(&b, decs, n);
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

char *veto_decision_json(const veto_decision *d, int pretty)
{
    char *s = veto_report_render(&d, 1, "json", 0);
    if (!s || pretty)
        return s;
    /* Compact form: re-read and re-write would need an engine; instead
     * drop the layout whitespace the JSON view adds outside strings. */
    size_t o = 0;
    int in_str = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (in_str) {
            s[o++] = c;
            if (c == '\\' && s[i + 1])
                s[o++] = s[++i];
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            s[o++] = c;
        } else if (c != ' ' && c != '\n') {
            s[o++] = c;
        }
    }
    s[o] = '\0';
    return s;
}

char *veto_decision_text(const veto_decision *d, int color)
{
    return veto_report_render(&d, 1, "text", color);
}
