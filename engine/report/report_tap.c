/* report_tap.c — TAP version 13 (Test Anything Protocol): a test point
 * per finding and one passing point per evaluated policy without any,
 * each failing point with a YAML block (status, severity, enforcement,
 * policy, address, location, input). Waived and overridden findings are
 * "ok ... # SKIP" with the reason; warnings are ok unless --fail-on warn.
 * Descriptions are one line, with '#' escaped as TAP requires. */
#include <string.h>

#include "input/json_read.h"
#include "report/report.h"
#include "report/views.h"

static void tap_desc(Buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '#')
            buf_puts(b, "\\#");
        else if (*s == '\\')
            buf_puts(b, "\\\\");
        else if (*s == '\n' || *s == '\r')
            buf_putc(b, ' ');
        else
            buf_putc(b, *s);
    }
}

/* A YAML line "  key: "value"" with the value as a JSON (= YAML
 * double-quoted) string. */
static void tap_yaml(Buf *b, const char *key, const char *value)
{
    buf_printf(b, "  %s: ", key);
    json_write_string(b, value ? value : "", value ? strlen(value) : 0);
    buf_putc(b, '\n');
}

static uint32_t tap_count(const veto_decision *d)
{
    uint32_t c = d->nresults;
    for (uint32_t pi = 0; pi < d->prog->npolicies; pi++)
        if (report_policy_ran(d, pi) && report_policy_results(d, pi) == 0)
            c++;
    return c;
}

static void tap_result(Buf *b, const veto_decision *d, const Result *r, uint32_t num, int many)
{
    const Policy *pol = &d->prog->policies[r->policy];
    int fails = report_fails(d, r);
    buf_printf(b, "%s %u - %s ", fails ? "not ok" : "ok", num, report_label(d, r));
    tap_desc(b, pol->id);
    if (r->address) {
        buf_putc(b, ' ');
        tap_desc(b, r->address);
    }
    buf_puts(b, ": ");
    tap_desc(b, r->message);
    if (r->status == ST_WAIVED) {
        const DecWaiver *w = &d->waivers[r->waiver_ix];
        buf_puts(b, " # SKIP waived by ");
        tap_desc(b, w->id);
        buf_puts(b, ": ");
        tap_desc(b, w->reason);
    } else if (r->status == ST_OVERRIDDEN) {
        const DecOverride *o = &d->overrides[r->override_ix];
        buf_puts(b, " # SKIP overridden by ");
        tap_desc(b, o->by);
        buf_puts(b, ": ");
        tap_desc(b, o->reason);
    }
    buf_putc(b, '\n');
    if (!fails && r->status != ST_WARN && r->status != ST_ADVISORY)
        return;
    buf_puts(b, "  ---\n");
    tap_yaml(b, "status", result_status_name(r->status));
    tap_yaml(b, "severity", severity_name(pol->severity));
    tap_yaml(b, "enforcement", enforcement_name(pol->enforcement));
    tap_yaml(b, "policy", pol->name);
    tap_yaml(b, "message", r->message);
    if (r->address)
        tap_yaml(b, "address", r->address);
    Buf loc = BUF_INIT;
    report_location(&loc, r);
    tap_yaml(b, "location", loc.p);
    buf_free(&loc);
    if (r->tf_file) {
        Buf tf = BUF_INIT;
        buf_printf(&tf, "%s:%u", r->tf_file, r->tf_line);
        tap_yaml(b, "source", tf.p);
        buf_free(&tf);
    }
    if (many)
        tap_yaml(b, "input", report_input(d));
    buf_puts(b, "  ...\n");
}

void report_tap(Buf *b, ReportDecs d, size_t n)
{
    uint32_t total = 0, num = 0;
    for (size_t i = 0; i < n; i++)
        total += tap_count(d[i]);
    buf_printf(b, "TAP version 13\n1..%u\n", total);
    for (size_t i = 0; i < n; i++) {
        const veto_decision *dec = d[i];
        buf_puts(b, "# ");
        if (n > 1) {
            tap_desc(b, report_input(dec));
            buf_puts(b, ": ");
        }
        Buf s = BUF_INIT;
        report_summary(&s, dec);
        tap_desc(b, s.p);
        buf_free(&s);
        buf_putc(b, '\n');
        for (uint32_t k = 0; k < dec->nnotes; k++) {
            buf_puts(b, "# warning: ");
            tap_desc(b, dec->notes[k].message);
            buf_putc(b, '\n');
        }
        for (uint32_t pi = 0; pi < dec->prog->npolicies; pi++) {
            if (!report_policy_ran(dec, pi))
                continue;
            if (report_policy_results(dec, pi) == 0) {
                buf_printf(b, "ok %u - ", ++num);
                tap_desc(b, dec->prog->policies[pi].id);
                buf_puts(b, " (no findings)\n");
                continue;
            }
            for (uint32_t r = 0; r < dec->nresults; r++)
                if (dec->results[r].policy == pi)
                    tap_result(b, dec, &dec->results[r], ++num, n > 1);
        }
    }
}
