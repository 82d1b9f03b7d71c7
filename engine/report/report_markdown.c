/* report_markdown.c — a pull-request comment (GitHub-flavoured Markdown):
 * a heading with the outcome, the summary, a table of what fails the
 * gate, then collapsed <details> blocks for warnings and advisories,
 * waived and overridden findings, gate warnings and the record's hashes
 * and context. Cell text is escaped so a message cannot break the table
 * or inject HTML. */
#include <string.h>

#include "report/report.h"
#include "report/views.h"

/* Table-cell text: | escaped, newlines as <br>, HTML special characters
 * as entities, and Markdown's inline markers escaped. */
static void md_cell(Buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '|':
            buf_puts(b, "\\|");
            break;
        case '\n':
            buf_puts(b, "<br>");
            break;
        case '\r':
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '*':
        case '_':
        case '`':
        case '[':
        case ']':
        case '\\':
        case '~':
            buf_putc(b, '\\');
            buf_putc(b, *s);
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

/* Identifiers (policy ids, addresses) as code spans, which need no
 * escaping but '|'; with a backtick inside, as escaped cell text. */
static void md_code(Buf *b, const char *s)
{
    if (!s || !*s)
        return;
    if (strchr(s, '`') || strchr(s, '\n') || strchr(s, '<')) {
        md_cell(b, s);
        return;
    }
    buf_putc(b, '`');
    for (; *s; s++) {
        if (*s == '|')
            buf_puts(b, "\\|");
        else
            buf_putc(b, *s);
    }
    buf_putc(b, '`');
}

static const char *md_icon(const veto_decision *d, const Result *r)
{
    if (report_fails(d, r))
        return ":x:";
    switch (r->status) {
    case ST_WARN:
    case ST_ADVISORY:
        return ":warning:";
    case ST_WAIVED:
    case ST_OVERRIDDEN:
        return ":white_circle:";
    default:
        return ":white_check_mark:";
    }
}

static const char *md_outcome_icon(veto_outcome o)
{
    switch (o) {
    case VETO_PASS:
        return ":white_check_mark:";
    case VETO_WARN:
        return ":warning:";
    case VETO_FAIL:
        return ":x:";
    default:
        return ":boom:";
    }
}

typedef int (*MdFilter)(const veto_decision *d, const Result *r);

static int md_failing(const veto_decision *d, const Result *r) { return report_fails(d, r); }

static int md_warning(const veto_decision *d, const Result *r)
{
    return !report_fails(d, r) && (r->status == ST_WARN || r->status == ST_ADVISORY);
}

static int md_excepted(const veto_decision *d, const Result *r)
{
    (void)d;
    return r->status == ST_WAIVED || r->status == ST_OVERRIDDEN;
}

static uint32_t md_count(const veto_decision *d, MdFilter f)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->nresults; i++)
        n += f(d, &d->results[i]) != 0;
    return n;
}

static void md_table(Buf *b, const veto_decision *d, MdFilter f, int why)
{
    buf_printf(b, "| | Severity | Policy | Resource | %s |\n| --- | --- | --- | --- | --- |\n",
               why ? "Message / exception" : "Message");
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        if (!f(d, r))
            continue;
        const Policy *pol = &d->prog->policies[r->policy];
        buf_printf(b, "| %s %s | %s | ", md_icon(d, r), report_label(d, r),
                   severity_name(pol->severity));
        md_code(b, pol->id);
        buf_puts(b, " | ");
        if (r->address)
            md_code(b, r->address);
        if (r->tf_file) {
            buf_puts(b, "<br>");
            md_code(b, r->tf_file);
            buf_printf(b, ":%u", r->tf_line);
        }
        buf_puts(b, " | ");
        md_cell(b, r->message);
        if (r->waiver_ix >= 0) {
            const DecWaiver *w = &d->waivers[r->waiver_ix];
            buf_puts(b, "<br>waived by ");
            md_cell(b, w->id);
            buf_puts(b, " until ");
            md_cell(b, w->expires);
            buf_puts(b, " (owner ");
            md_cell(b, w->owner);
            if (w->ticket) {
                buf_puts(b, ", ticket ");
                md_cell(b, w->ticket);
            }
            buf_puts(b, "): ");
            md_cell(b, w->reason);
        }
        if (r->override_ix >= 0) {
            const DecOverride *o = &d->overrides[r->override_ix];
            buf_puts(b, "<br>overridden by ");
            md_cell(b, o->by);
            buf_puts(b, ": ");
            md_cell(b, o->reason);
        }
        buf_puts(b, " |\n");
    }
}

static void md_decision(Buf *b, const veto_decision *d, int many)
{
    if (many) {
        buf_printf(b, "#### %s ", md_outcome_icon(d->outcome));
        md_cell(b, report_input(d));
        buf_putc(b, '\n');
    }
    buf_puts(b, "\n**");
    Buf s = BUF_INIT;
    report_summary(&s, d);
    md_cell(b, s.p);
    buf_free(&s);
    buf_puts(b, "**\n\n");
    uint32_t nfail = md_count(d, md_failing);
    if (nfail) {
        md_table(b, d, md_failing, 0);
        buf_putc(b, '\n');
    } else {
        buf_puts(b, "Nothing fails the gate.\n\n");
    }
    uint32_t nwarn = md_count(d, md_warning), nexc = md_count(d, md_excepted);
    if (nwarn) {
        buf_printf(b, "<details>\n<summary>Warnings and advisories (%u)</summary>\n\n", nwarn);
        md_table(b, d, md_warning, 0);
        buf_puts(b, "\n</details>\n\n");
    }
    if (nexc) {
        buf_printf(b, "<details>\n<summary>Waived and overridden (%u)</summary>\n\n", nexc);
        md_table(b, d, md_excepted, 1);
        buf_puts(b, "\n</details>\n\n");
    }
    if (d->nnotes) {
        buf_printf(b, "<details>\n<summary>Gate warnings (%u)</summary>\n\n", d->nnotes);
        for (uint32_t k = 0; k < d->nnotes; k++) {
            buf_puts(b, "- ");
            md_cell(b, d->notes[k].message);
            buf_putc(b, '\n');
        }
        buf_puts(b, "\n</details>\n\n");
    }
    buf_puts(b, "<details>\n<summary>Decision record</summary>\n\n");
    buf_printf(b, "- Veto %s, %s policies, outcome **%s**\n", VETO_VERSION,
               policy_kind_name(d->kind), veto_outcome_name(d->outcome));
    buf_puts(b, "- input: ");
    md_cell(b, report_input(d));
    buf_putc(b, '\n');
    const char *ph = decision_policy_hash(d);
    if (ph[0])
        buf_printf(b, "- policy set sha256: `%s`\n", ph);
    if (d->input_hash[0])
        buf_printf(b, "- input sha256: `%s`\n", d->input_hash);
    if (d->context_json) {
        buf_puts(b, "- context: ");
        md_cell(b, d->context_json);
        buf_putc(b, '\n');
    }
    buf_puts(b, "\n</details>\n");
}

void report_markdown(Buf *b, ReportDecs d, size_t n)
{
    veto_outcome o = veto_report_outcome(d, n);
    buf_printf(b, "### %s Veto: %s\n", md_outcome_icon(o), veto_outcome_name(o));
    for (size_t i = 0; i < n; i++) {
        if (n > 1)
            buf_putc(b, '\n');
        md_decision(b, d[i], n > 1);
    }
}
