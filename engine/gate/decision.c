/* decision.c — building a decision record: results and their status under
 * the enforcement levels, the outcome, the hashes and context, and the
 * gate step (waivers, overrides, .tf locations, --fail-on). The views are
 * report_*.c; overrides, waivers and the .tf scanner have their own files
 * and only write into the record through the functions declared in
 * decision.h. */
#include "gate/decision.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/sha256.h"
#include "input/json_read.h"

/* Bytes of the decision arena's first chunk, allocated with the record:
 * a decision of a couple of results (their array, messages, addresses,
 * evidence) then costs one malloc and one free, both served from malloc's
 * per-thread cache (blocks up to 1032 bytes). Bigger decisions go on in
 * malloc'd chunks of DECISION_CHUNK. */
#define DECISION_INLINE (1016u - sizeof(veto_decision))
#define DECISION_CHUNK  (16u * 1024u)
_Static_assert(sizeof(veto_decision) + 256 <= 1016, "the record leaves room for its first results");

veto_decision *decision_new(const Program *p, PolicyKind kind)
{
    /* Only the record is zeroed: the arena's bytes are written before read. */
    veto_decision *d = malloc(sizeof *d + DECISION_INLINE);
    if (!d)
        return NULL;
    memset(d, 0, sizeof *d);
    arena_init_buf(&d->arena, d + 1, DECISION_INLINE, DECISION_CHUNK);
    d->prog = p;
    d->kind = kind;
    return d;
}

void decision_add(veto_decision *d, ResultKind kind, uint32_t policy, uint32_t rule,
                  const char *message, size_t mlen, const char *address, size_t alen,
                  const char *file, uint32_t line, uint32_t col)
{
    if (d->nresults >= d->cap) {
        /* 2, 4, 8, ...: a small decision keeps to its inline chunk */
        uint32_t cap = d->cap ? d->cap * 2 : 2;
        Result *grown = cap > d->cap ? arena_realloc(&d->arena, d->results, d->cap * sizeof(Result),
                                                     cap * sizeof(Result))
                                     : NULL;
        if (!grown) {
            d->oom = true;
            return;
        }
        d->results = grown;
        d->cap = cap;
    }
    Result *r = &d->results[d->nresults++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->policy = policy;
    r->rule = rule;
    r->message = arena_strndup(&d->arena, message ? message : "", message ? mlen : 0);
    r->address = address ? arena_strndup(&d->arena, address, alen) : NULL;
    r->file = file;
    r->line = line;
    r->col = col;
    r->override_ix = -1;
    r->waiver_ix = -1;
    if (kind == RES_ERROR)
        d->errors++;
    else
        d->counts[d->prog->rules[rule].kind]++;
    if (d->arena.failed)
        d->oom = true;
}

void decision_add_copy(veto_decision *d, const Result *r)
{
    uint32_t before = d->nresults;
    decision_add(d, r->kind, r->policy, r->rule, r->message, r->message ? strlen(r->message) : 0,
                 r->address, r->address ? strlen(r->address) : 0, r->file, r->line, r->col);
    if (d->nresults == before)
        return;
    Result *c = &d->results[before];
    c->evidence_path = r->evidence_path; /* program-owned, as explain_evidence sets it */
    if (r->evidence_value) {
        c->evidence_value = arena_strndup(&d->arena, r->evidence_value, strlen(r->evidence_value));
        if (!c->evidence_value)
            d->oom = true;
    }
}

/* The status of a result before any waiver or override. */
static ResultStatus decision_base_status(const veto_decision *d, const Result *r)
{
    if (r->kind == RES_ERROR)
        return ST_ERROR;
    const Program *p = d->prog;
    RuleKind rk = p->rules[r->rule].kind;
    Enforcement e = p->policies[r->policy].enforcement;
    switch (rk) {
    case RK_DENY:
        if (d->kind == PK_PLAN || d->kind == PK_DRIFT)
            return e == ENF_ADVISORY ? ST_ADVISORY : ST_FAIL;
        return ST_FAIL; /* access: deny wins */
    case RK_WARN:
        return ST_WARN;
    case RK_REJECT:
        return ST_FAIL;
    default:
        return ST_PASS;
    }
}

void decision_outcome(veto_decision *d)
{
    bool fail = false, warn = false;
    memset(d->status, 0, sizeof d->status);
    for (uint32_t i = 0; i < d->nresults; i++) {
        ResultStatus s = d->results[i].status;
        d->status[s]++;
        if (s == ST_FAIL)
            fail = true;
        else if (s == ST_WARN || s == ST_ADVISORY)
            warn = true;
    }
    if (warn && d->fail_on_warn)
        fail = true;
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

void decision_finish(veto_decision *d)
{
    for (uint32_t i = 0; i < d->nresults; i++)
        d->results[i].status = decision_base_status(d, &d->results[i]);
    decision_outcome(d);
}

const char *decision_policy_hash(const veto_decision *d)
{
    if (!d->prog)
        return "";
    char tmp[65];
    veto_program_hash(d->prog, tmp); /* bundle.c: computes once, then reads the cache */
    return d->prog->hash;
}

void decision_sha256_hex(const void *data, size_t n, char out[65])
{
    uint8_t md[SHA256_LEN];
    sha256(data, n, md);
    sha256_hex(md, out);
}

/* A YYYY-MM-DD prefix of s, copied into the arena, or NULL. */
static const char *decision_date_prefix(Arena *a, const char *s, size_t n)
{
    if (n < 10)
        return NULL;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return NULL;
    }
    return arena_strndup(a, s, 10);
}

void decision_set_docs(veto_decision *d, const veto_doc *input, const veto_doc *context)
{
    if (input) {
        if (input->name)
            d->input_name = arena_strndup(&d->arena, input->name, strlen(input->name));
        /* The bytes of the input, hashed once when it was loaded. */
        memcpy(d->input_hash, veto_doc_hash(input), 65);
    }
    if (context && context->root.kind == V_OBJ) {
        static const char *const keys[] = {"actor", "time", "stack", "run"};
        Member ms[4];
        uint32_t n = 0;
        for (int k = 0; k < 4; k++) {
            const Member *m = value_get(context->root, keys[k], (uint32_t)strlen(keys[k]), 0);
            if (m)
                ms[n++] = *m;
        }
        Value obj = {0};
        obj.kind = V_OBJ;
        obj.n = n;
        obj.u.o = ms;
        Buf b = BUF_INIT;
        json_write(&b, obj, JSON_SORT_KEYS | JSON_REDACT);
        d->context_json = b.p ? arena_strndup(&d->arena, b.p, b.len) : NULL;
        buf_free(&b);
        const Member *t = value_get(context->root, "time", 4, 0);
        if (t && t->val.kind == V_OBJ)
            t = value_get(t->val, "date", 4, 0);
        if (t && t->val.kind == V_STR && !(t->val.flags & VF_SENSITIVE))
            d->context_date = decision_date_prefix(&d->arena, t->val.u.s, t->val.n);
    }
    if (d->arena.failed)
        d->oom = true;
}

void decision_note(veto_decision *d, const char *code, const char *fmt, ...)
{
    ARENA_GROW(&d->arena, d->notes, d->nnotes, d->notes_cap);
    if (!d->notes) {
        d->oom = true;
        return;
    }
    Buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    DecNote *n = &d->notes[d->nnotes++];
    n->code = code;
    n->message = arena_strndup(&d->arena, b.p ? b.p : "", b.len);
    buf_free(&b);
    if (d->arena.failed)
        d->oom = true;
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

const char *result_status_name(ResultStatus s)
{
    static const char *const names[ST__COUNT] = {"pass",       "fail",   "warn", "advisory",
                                                 "overridden", "waived", "error"};
    return (unsigned)s < ST__COUNT ? names[s] : "error";
}

veto_outcome veto_report_outcome(const veto_decision *const *decs, size_t n)
{
    veto_outcome worst = VETO_PASS;
    for (size_t i = 0; i < n; i++)
        if (decs[i] && decs[i]->outcome > worst)
            worst = decs[i]->outcome;
    return worst;
}
