/* report_junit.c — JUnit XML, the format CI systems (Jenkins, GitLab,
 * Azure DevOps, CircleCI) ingest as test results. One <testsuite> per
 * input; one <testcase> per result, and one passing <testcase> for each
 * evaluated policy that produced none. What fails the gate is a
 * <failure> (an evaluation error an <error>); waived and overridden
 * results are <skipped> with the reason; warnings pass unless --fail-on
 * warn. The shape is checked against tests/gate/junit.xsd. */
#include <string.h>

#include "report/report.h"
#include "report/views.h"

/* XML text or attribute value: escapes markup and drops the characters
 * XML 1.0 forbids (C0 controls other than tab, newline, CR). */
static void junit_esc(Buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\n':
            buf_puts(b, "&#10;");
            break;
        case '\t':
            buf_puts(b, "&#9;");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                buf_putc(b, '?');
            else
                buf_putc(b, (char)c);
        }
    }
}

typedef struct JunitCount {
    uint32_t tests, failures, errors, skipped;
} JunitCount;

static JunitCount junit_count(const veto_decision *d)
{
    JunitCount c = {0, 0, 0, 0};
    for (uint32_t pi = 0; pi < d->prog->npolicies; pi++)
        if (report_policy_ran(d, pi) && report_policy_results(d, pi) == 0)
            c.tests++;
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        c.tests++;
        if (r->status == ST_ERROR)
            c.errors++;
        else if (report_fails(d, r))
            c.failures++;
        else if (r->status == ST_WAIVED || r->status == ST_OVERRIDDEN)
            c.skipped++;
    }
    return c;
}

static void junit_case(Buf *b, const veto_decision *d, const Result *r)
{
    const Policy *pol = &d->prog->policies[r->policy];
    buf_puts(b, "    <testcase name=\"");
    junit_esc(b, pol->id);
    if (r->address) {
        buf_putc(b, ' ');
        junit_esc(b, r->address);
    }
    buf_puts(b, "\" classname=\"");
    junit_esc(b, pol->name);
    buf_putc(b, '"');
    if (r->tf_file) {
        buf_puts(b, " file=\"");
        junit_esc(b, r->tf_file);
        buf_printf(b, "\" line=\"%u\"", r->tf_line);
    }
    buf_puts(b, ">\n");
    Buf loc = BUF_INIT;
    report_location(&loc, r);
    if (r->status == ST_ERROR) {
        buf_puts(b, "      <error message=\"");
        junit_esc(b, r->message);
        buf_puts(b, "\" type=\"evaluation-error\">");
        junit_esc(b, loc.p);
        buf_puts(b, "</error>\n");
    } else if (report_fails(d, r)) {
        buf_puts(b, "      <failure message=\"");
        junit_esc(b, r->message);
        buf_printf(b, "\" type=\"%s\">", result_status_name(r->status));
        buf_printf(b, "%s %s (severity %s, enforcement %s)&#10;", report_label(d, r), pol->id,
                   severity_name(pol->severity), enforcement_name(pol->enforcement));
        junit_esc(b, r->message);
        buf_puts(b, "&#10;at ");
        junit_esc(b, loc.p);
        buf_puts(b, "</failure>\n");
    } else if (r->status == ST_WAIVED) {
        const DecWaiver *w = &d->waivers[r->waiver_ix];
        buf_puts(b, "      <skipped message=\"waived by ");
        junit_esc(b, w->id);
        buf_puts(b, " until ");
        junit_esc(b, w->expires);
        buf_puts(b, " (owner ");
        junit_esc(b, w->owner);
        buf_puts(b, "): ");
        junit_esc(b, w->reason);
        buf_puts(b, "\"/>\n      <system-out>");
        junit_esc(b, r->message);
        buf_puts(b, "</system-out>\n");
    } else if (r->status == ST_OVERRIDDEN) {
        const DecOverride *o = &d->overrides[r->override_ix];
        buf_puts(b, "      <skipped message=\"overridden by ");
        junit_esc(b, o->by);
        buf_puts(b, ": ");
        junit_esc(b, o->reason);
        buf_puts(b, "\"/>\n      <system-out>");
        junit_esc(b, r->message);
        buf_puts(b, "</system-out>\n");
    } else {
        buf_printf(b, "      <system-out>%s: ", report_label(d, r));
        junit_esc(b, r->message);
        buf_puts(b, "</system-out>\n");
    }
    buf_free(&loc);
    buf_puts(b, "    </testcase>\n");
}

void report_junit(Buf *b, ReportDecs d, size_t n)
{
    JunitCount all = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        JunitCount c = junit_count(d[i]);
        all.tests += c.tests;
        all.failures += c.failures;
        all.errors += c.errors;
        all.skipped += c.skipped;
    }
    buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    buf_printf(b,
               "<testsuites name=\"veto\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
               "skipped=\"%u\">\n",
               all.tests, all.failures, all.errors, all.skipped);
    for (size_t i = 0; i < n; i++) {
        const veto_decision *dec = d[i];
        JunitCount c = junit_count(dec);
        buf_puts(b, "  <testsuite name=\"");
        junit_esc(b, report_input(dec));
        buf_printf(b, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n", c.tests,
                   c.failures, c.errors, c.skipped);
        buf_puts(b, "    <properties>\n");
        buf_printf(b, "      <property name=\"veto.version\" value=\"%s\"/>\n", VETO_VERSION);
        buf_printf(b, "      <property name=\"veto.kind\" value=\"%s\"/>\n",
                   policy_kind_name(dec->kind));
        buf_printf(b, "      <property name=\"veto.outcome\" value=\"%s\"/>\n",
                   veto_outcome_name(dec->outcome));
        const char *ph = decision_policy_hash(dec);
        if (ph[0])
            buf_printf(b, "      <property name=\"veto.policy_set_sha256\" value=\"%s\"/>\n", ph);
        if (dec->input_hash[0])
            buf_printf(b, "      <property name=\"veto.input_sha256\" value=\"%s\"/>\n",
                       dec->input_hash);
        for (uint32_t k = 0; k < dec->nnotes; k++) {
            buf_printf(b, "      <property name=\"veto.warning.%s\" value=\"", dec->notes[k].code);
            junit_esc(b, dec->notes[k].message);
            buf_puts(b, "\"/>\n");
        }
        buf_puts(b, "    </properties>\n");
        for (uint32_t pi = 0; pi < dec->prog->npolicies; pi++) {
            if (!report_policy_ran(dec, pi))
                continue;
            const Policy *pol = &dec->prog->policies[pi];
            if (report_policy_results(dec, pi) == 0) {
                buf_puts(b, "    <testcase name=\"");
                junit_esc(b, pol->id);
                buf_puts(b, "\" classname=\"");
                junit_esc(b, pol->name);
                buf_puts(b, "\"/>\n");
                continue;
            }
            for (uint32_t r = 0; r < dec->nresults; r++)
                if (dec->results[r].policy == pi)
                    junit_case(b, dec, &dec->results[r]);
        }
        buf_puts(b, "  </testsuite>\n");
    }
    buf_puts(b, "</testsuites>\n");
}
