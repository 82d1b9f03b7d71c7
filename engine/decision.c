/* decision.c — building a decision record and deciding its outcome; the
 * views (JSON, text) are in decision_render.c. */
#include "decision.h"

#include <stdlib.h>
#include <string.h>

veto_decision *decision_new(const Program *p, PolicyKind kind)
{
    veto_decision *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    arena_init(&d->arena, 16 * 1024);
    d->prog = p;
    d->kind = kind;
    return d;
}

void decision_add(veto_decision *d, ResultKind kind, uint32_t policy, uint32_t rule,
                  const char *message, size_t mlen, const char *address, size_t alen,
                  const char *file, uint32_t line, uint32_t col)
{
    ARENA_GROW(&d->arena, d->results, d->nresults, d->cap);
    if (!d->results) {
        d->oom = true;
        return;
    }
    Result *r = &d->results[d->nresults++];
    r->kind = kind;
    r->policy = policy;
    r->rule = rule;
    r->message = arena_strndup(&d->arena, message ? message : "", message ? mlen : 0);
    r->address = address ? arena_strndup(&d->arena, address, alen) : NULL;
    r->file = file;
    r->line = line;
    r->col = col;
    if (kind == RES_ERROR)
        d->errors++;
    else
        d->counts[d->prog->rules[rule].kind]++;
    if (d->arena.failed)
        d->oom = true;
}

void decision_finish(veto_decision *d)
{
    const Program *p = d->prog;
    bool fail = false, warn = false;
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        if (r->kind != RES_RULE)
            continue;
        RuleKind rk = p->rules[r->rule].kind;
        Enforcement e = p->policies[r->policy].enforcement;
        if (rk == RK_DENY && (d->kind == PK_PLAN || d->kind == PK_DRIFT)) {
            if (e == ENF_ADVISORY)
                warn = true;
            else
                fail = true;
        } else if (rk == RK_WARN) {
            warn = true;
        }
    }
    switch (d->kind) {
    case PK_ACCESS:
        if (d->counts[RK_DENY] > 0 || d->counts[RK_ALLOW] == 0) {
            d->verdict = "deny";
            fail = true;
        } else {
            d->verdict = "allow";
        }
        break;
    case PK_APPROVAL:
        if (d->counts[RK_REJECT] > 0) {
            d->verdict = "rejected";
            fail = true;
        } else if (d->counts[RK_APPROVE] > 0) {
            d->verdict = "approved";
        } else {
            d->verdict = "waiting";
            fail = true;
        }
        break;
    case PK_TRIGGER:
        d->verdict = d->counts[RK_TRIGGER] ? "run" : "none";
        break;
    default:
        break;
    }
    if (d->errors > 0 || d->oom)
        d->outcome = VETO_ERROR;
    else if (fail)
        d->outcome = VETO_FAIL;
    else if (warn)
        d->outcome = VETO_WARN;
    else
        d->outcome = VETO_PASS;
}

void veto_decision_free(veto_decision *d)
{
    if (!d)
        return;
    arena_free(&d->arena);
    free(d);
}

veto_outcome veto_decision_outcome(const veto_decision *d) { return d->outcome; }

size_t veto_decision_result_count(const veto_decision *d) { return d->nresults; }

const char *veto_outcome_name(veto_outcome o)
{
    switch (o) {
    case VETO_PASS:
        return "pass";
    case VETO_WARN:
        return "warn";
    case VETO_FAIL:
        return "fail";
    default:
        return "error";
    }
}
