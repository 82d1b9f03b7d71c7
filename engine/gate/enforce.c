/* enforce.c — the gate applied to a finished decision (veto_decision_gate,
 * veto.h): `.tf` source locations on results, waivers, overrides, then the
 * outcome again. Owns nothing; what it applies is borrowed from the
 * caller (tfsource.c, waiver.c, override.c own those).
 */
#include <string.h>
#include <time.h>

#include "gate/decision.h"
#include "gate/override.h"
#include "gate/waiver.h"
#include "input/tfsource.h"

/* Today's date in UTC, for waiver expiry when neither --today nor the
 * context gives one. */
static void decision_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    if (strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        memcpy(out, "1970-01-01", 11);
}

void veto_decision_gate(veto_decision *d, const veto_gate_options *g)
{
    if (!d || !g)
        return;
    d->fail_on_warn = g->fail_on_warn != 0;
    if (g->tfsource) {
        for (uint32_t i = 0; i < d->nresults; i++) {
            Result *r = &d->results[i];
            const char *file;
            uint32_t line;
            if (r->address && tfsource_lookup(g->tfsource, r->address, &file, &line)) {
                r->tf_file = arena_strndup(&d->arena, file, strlen(file)); /* t may go first */
                r->tf_line = line;
            }
        }
    }
    if (g->waivers) {
        char clock[11];
        const char *today = g->today ? g->today : d->context_date;
        if (!today) {
            decision_today(clock);
            today = clock;
        }
        d->as_of = arena_strndup(&d->arena, today, strlen(today));
        waiver_apply(g->waivers, d, d->as_of);
    }
    if (g->overrides)
        override_apply(g->overrides, d);
    if (d->arena.failed)
        d->oom = true;
    decision_outcome(d);
}
