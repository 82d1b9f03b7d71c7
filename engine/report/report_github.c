/* report_github.c — GitHub Actions workflow commands: one annotation per
 * finding (::error for what fails the gate, ::warning for warnings and
 * advisories, ::notice for waived and overridden findings), pointing at
 * the .tf line when --source-dir found the resource. Gate warnings and
 * evaluation errors are annotations too; the summary closes as a notice.
 * Escaping follows the runner: in data, % CR LF become %25 %0D %0A; in
 * property values also : and , become %3A %2C. */
#include <string.h>

#include "report/report.h"
#include "report/views.h"

static void gh_data(Buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '%')
            buf_puts(b, "%25");
        else if (*s == '\r')
            buf_puts(b, "%0D");
        else if (*s == '\n')
            buf_puts(b, "%0A");
        else
            buf_putc(b, *s);
    }
}

static void gh_prop(Buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == ':')
            buf_puts(b, "%3A");
        else if (*s == ',')
            buf_puts(b, "%2C");
        else if (*s == '%')
            buf_puts(b, "%25");
        else if (*s == '\r')
            buf_puts(b, "%0D");
        else if (*s == '\n')
            buf_puts(b, "%0A");
        else
            buf_putc(b, *s);
    }
}

static void gh_result(Buf *b, const veto_decision *d, const Result *r, int many)
{
    const Policy *pol = &d->prog->policies[r->policy];
    const char *cmd = report_fails(d, r)                                 ? "error"
                      : r->status == ST_WARN || r->status == ST_ADVISORY ? "warning"
                                                                         : "notice";
    buf_printf(b, "::%s ", cmd);
    if (r->tf_file) {
        buf_puts(b, "file=");
        gh_prop(b, r->tf_file);
        buf_printf(b, ",line=%u,", r->tf_line);
    }
    Buf t = BUF_INIT;
    buf_printf(&t, "%s %s (%s, %s)", report_label(d, r), pol->id, severity_name(pol->severity),
               enforcement_name(pol->enforcement));
    buf_puts(b, "title=");
    gh_prop(b, t.p);
    buf_free(&t);
    buf_puts(b, "::");
    Buf m = BUF_INIT;
    if (r->address && r->status != ST_ERROR)
        buf_printf(&m, "%s: ", r->address);
    buf_puts(&m, r->message);
    if (r->waiver_ix >= 0) {
        const DecWaiver *w = &d->waivers[r->waiver_ix];
        buf_printf(&m, "\nwaived by %s until %s (owner %s): %s", w->id, w->expires, w->owner,
                   w->reason);
    }
    if (r->override_ix >= 0) {
        const DecOverride *o = &d->overrides[r->override_ix];
        buf_printf(&m, "\noverridden by %s: %s", o->by, o->reason);
    }
    buf_puts(&m, "\npolicy rule: ");
    report_location(&m, r);
    if (many)
        buf_printf(&m, "\ninput: %s", report_input(d));
    gh_data(b, m.p);
    buf_free(&m);
    buf_putc(b, '\n');
}

void report_github(Buf *b, ReportDecs d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const veto_decision *dec = d[i];
        for (uint32_t r = 0; r < dec->nresults; r++)
            if (dec->results[r].status != ST_PASS)
                gh_result(b, dec, &dec->results[r], n > 1);
        for (uint32_t k = 0; k < dec->nnotes; k++) {
            buf_puts(b, "::warning title=Veto ");
            gh_prop(b, dec->notes[k].code);
            buf_puts(b, "::");
            gh_data(b, dec->notes[k].message);
            buf_putc(b, '\n');
        }
        Buf s = BUF_INIT;
        if (n > 1)
            buf_printf(&s, "%s: ", report_input(dec));
        report_summary(&s, dec);
        buf_printf(b, "::%s title=Veto::",
                   dec->outcome == VETO_PASS   ? "notice"
                   : dec->outcome == VETO_WARN ? "warning"
                                               : "error");
        gh_data(b, s.p);
        buf_free(&s);
        buf_putc(b, '\n');
    }
}
