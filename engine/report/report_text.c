/* report_text.c — the decision for people: results grouped by resource
 * (sorted by address; results with no resource last), each with its label,
 * severity, policy id, message and where it comes from, then any gate
 * warnings and the summary line. Colours (only when asked): red for what
 * fails, yellow for warnings and advisories, cyan for waived/overridden. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/views.h"

static const char *text_colour(const veto_decision *d, const Result *r)
{
    if (report_fails(d, r))
        return "\033[1;31m";
    switch (r->status) {
    case ST_WARN:
    case ST_ADVISORY:
        return "\033[1;33m";
    case ST_WAIVED:
    case ST_OVERRIDDEN:
        return "\033[1;36m";
    default:
        return "\033[1;32m";
    }
}

typedef struct TextOrder {
    const veto_decision *d;
    uint32_t ix;
} TextOrder;

/* By address (NULL last), then by position in the record. */
static int text_cmp(const void *a, const void *b)
{
    const TextOrder *x = a, *y = b;
    const char *ax = x->d->results[x->ix].address, *ay = y->d->results[y->ix].address;
    if (ax && ay) {
        int c = strcmp(ax, ay);
        if (c)
            return c;
    } else if (ax || ay) {
        return ax ? -1 : 1;
    }
    return (x->ix > y->ix) - (x->ix < y->ix);
}

static void text_result(Buf *b, const veto_decision *d, const Result *r, int color)
{
    const Policy *pol = &d->prog->policies[r->policy];
    const char *col = color ? text_colour(d, r) : "", *reset = color ? "\033[0m" : "";
    buf_printf(b, "  %s%-10s%s %-8s %s\n", col, report_label(d, r), reset,
               severity_name(pol->severity), pol->id);
    buf_printf(b, "             %s\n             at ", r->message);
    report_location(b, r);
    buf_putc(b, '\n');
    if (r->waiver_ix >= 0) {
        const DecWaiver *w = &d->waivers[r->waiver_ix];
        buf_printf(b, "             waived by %s until %s (owner %s", w->id, w->expires, w->owner);
        if (w->ticket)
            buf_printf(b, ", ticket %s", w->ticket);
        if (w->approved_by)
            buf_printf(b, ", approved by %s", w->approved_by);
        buf_printf(b, "): %s\n", w->reason);
    }
    if (r->override_ix >= 0) {
        const DecOverride *o = &d->overrides[r->override_ix];
        buf_printf(b, "             overridden by %s: %s\n", o->by, o->reason);
    }
}

static void text_decision(Buf *b, const veto_decision *d, int color, int header)
{
    if (header)
        buf_printf(b, "== %s\n", report_input(d));
    TextOrder *order = malloc((d->nresults ? d->nresults : 1) * sizeof *order);
    if (!order) {
        b->failed = 1;
        return;
    }
    for (uint32_t i = 0; i < d->nresults; i++)
        order[i] = (TextOrder){d, i};
    qsort(order, d->nresults, sizeof *order, text_cmp);
    const char *group = NULL;
    int first = 1;
    for (uint32_t k = 0; k < d->nresults; k++) {
        const Result *r = &d->results[order[k].ix];
        if (first || (group == NULL) != (r->address == NULL) ||
            (group && strcmp(group, r->address) != 0)) {
            group = r->address;
            first = 0;
            if (r->address) {
                buf_puts(b, r->address);
                if (r->tf_file)
                    buf_printf(b, "  (%s:%u)", r->tf_file, r->tf_line);
                buf_putc(b, '\n');
            } else {
                buf_puts(b, "(no resource)\n");
            }
        }
        text_result(b, d, r, color);
    }
    free(order);
    if (d->nresults)
        buf_putc(b, '\n');
    for (uint32_t i = 0; i < d->nnotes; i++)
        buf_printf(b, "%swarning:%s %s\n", color ? "\033[1;33m" : "", color ? "\033[0m" : "",
                   d->notes[i].message);
    if (d->oom)
        buf_puts(b, "error: out of memory while building the decision record\n");
    report_summary(b, d);
    buf_putc(b, '\n');
}

void report_text(Buf *b, ReportDecs d, size_t n, int color)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, '\n');
        text_decision(b, d[i], color, n > 1);
    }
    if (n > 1) {
        uint32_t by[4] = {0};
        for (size_t i = 0; i < n; i++)
            by[d[i]->outcome]++;
        buf_printf(b, "\n%s: %zu inputs: %u pass, %u warn, %u fail, %u error\n",
                   veto_outcome_name(veto_report_outcome(d, n)), n, by[VETO_PASS], by[VETO_WARN],
                   by[VETO_FAIL], by[VETO_ERROR]);
    }
}
