/* waiver.c — waivers: approved, expiring exceptions for one policy on the
 * resources whose plan address matches a glob (the way plan JSON, which
 * has no comments, can carry a `# checkov:skip`).
 *
 * Owns reading a waivers file (YAML or JSON, through veto_doc_load_file),
 * checking it against a program (unknown policy ids are errors) and
 * applying it to a decision: a matching deny or warn becomes "waived",
 * with the waiver recorded; an expired waiver no longer applies and is a
 * warning in the record, and so is a waiver that matches nothing. Does
 * not own enforcement (decision.c) or overrides (override.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/waiver.h"
#include "stdlib/builtin.h"

#include "base/diag.h"
#include "gate/decision.h"
#include "vm/glob.h"

typedef struct Waiver {
    char *id, *policy_id, *resource, *attribute, *reason, *owner, *ticket, *expires,
        *approved_by; /* owned; attribute, ticket, approved_by may be NULL */
} Waiver;

struct veto_waivers {
    Waiver *items;
    size_t n;
    char *path;
};

static void waiver_clear(Waiver *w)
{
    char **fields[] = {&w->id,    &w->policy_id, &w->resource, &w->attribute,  &w->reason,
                       &w->owner, &w->ticket,    &w->expires,  &w->approved_by};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

void veto_waivers_free(veto_waivers *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        waiver_clear(&w->items[i]);
    free(w->items);
    free(w->path);
    free(w);
}

/* A valid calendar-ish date YYYY-MM-DD (month 1-12, day 1-31). */
static int waiver_is_date(const char *s)
{
    if (strlen(s) != 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 0;
        } else if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* Reads one string field. Returns 0 (absent), 1 (copied into *out), or -1
 * after an error (present but not a non-empty string, or OOM). */
static int waiver_field(Value ent, const char *key, char **out, const char *path, uint32_t n,
                        veto_diags *d)
{
    const Member *m = value_get(ent, key, (uint32_t)strlen(key), 0);
    if (!m || m->val.kind == V_NULL)
        return 0;
    if (m->val.kind != V_STR || m->val.n == 0) {
        diag_add_at(d, DIAG_ERROR, path, 0, 0, "waiver #%u: \"%s\" must be a non-empty string", n,
                    key);
        return -1;
    }
    *out = strndup(m->val.u.s, m->val.n);
    return *out ? 1 : -1;
}

/* Fills w from the entry; returns 0 or -1 after an error. */
static int waiver_read(Waiver *w, Value ent, const char *path, uint32_t n, veto_diags *d)
{
    if (ent.kind != V_OBJ) {
        diag_add_at(d, DIAG_ERROR, path, 0, 0,
                    "waiver #%u is not a mapping (policy_id, resource, reason, owner, expires, "
                    "...)",
                    n);
        return -1;
    }
    static const char *const known[] = {"id",    "policy_id", "resource", "attribute",  "reason",
                                        "owner", "ticket",    "expires",  "approved_by"};
    size_t nknown = sizeof known / sizeof known[0];
    for (uint32_t i = 0; i < ent.n; i++) {
        const Member *m = &ent.u.o[i];
        size_t k = 0;
        while (k < nknown && (strlen(known[k]) != m->klen || memcmp(known[k], m->key, m->klen)))
            k++;
        if (k == nknown) {
            const char *near = diag_suggest(m->key, m->klen, known, nknown);
            diag_add_at(d, DIAG_ERROR, path, 0, 0, "waiver #%u: unknown field \"%.*s\"%s%s%s", n,
                        (int)m->klen, m->key, near ? " (did you mean \"" : "", near ? near : "",
                        near ? "\"?)" : "");
            return -1;
        }
    }
    char **fields[] = {&w->id,    &w->policy_id, &w->resource, &w->attribute,  &w->reason,
                       &w->owner, &w->ticket,    &w->expires,  &w->approved_by};
    for (size_t k = 0; k < nknown; k++)
        if (waiver_field(ent, known[k], fields[k], path, n, d) < 0)
            return -1;
    static const char *const required[] = {"policy_id", "resource", "reason", "owner", "expires"};
    char *const req[] = {w->policy_id, w->resource, w->reason, w->owner, w->expires};
    for (size_t k = 0; k < 5; k++)
        if (!req[k]) {
            diag_add_at(d, DIAG_ERROR, path, 0, 0, "waiver #%u: \"%s\" is required", n,
                        required[k]);
            return -1;
        }
    if (!waiver_is_date(w->expires)) {
        diag_add_at(d, DIAG_ERROR, path, 0, 0,
                    "waiver #%u: \"expires\" must be a date YYYY-MM-DD, not \"%s\"", n, w->expires);
        return -1;
    }
    if (!w->id) {
        size_t len = strlen(path) + 24;
        w->id = malloc(len);
        if (!w->id)
            return -1;
        snprintf(w->id, len, "%s#%u", path, n);
    }
    return 0;
}

veto_waivers *veto_waivers_load(veto_engine *e, const char *path, veto_diags *d)
{
    veto_doc *doc = veto_doc_load_file(e, path, NULL, d);
    if (!doc)
        return NULL;
    Value list = doc->root;
    if (list.kind == V_OBJ) {
        const Member *m = value_get(list, "waivers", 7, 0);
        list = m ? m->val : value_undef();
    }
    veto_waivers *w = calloc(1, sizeof *w);
    int ok = w != NULL;
    if (ok && list.kind != V_ARR) {
        diag_add_at(d, DIAG_ERROR, path, 0, 0,
                    "a waivers file is a list of waivers, or a mapping with the list under "
                    "\"waivers\"");
        ok = 0;
    }
    if (ok) {
        w->path = strdup(path);
        w->items = calloc(list.n ? list.n : 1, sizeof *w->items);
        ok = w->path && w->items;
    }
    for (uint32_t i = 0; ok && i < list.n; i++) {
        if (waiver_read(&w->items[i], list.u.a[i], path, i + 1, d) != 0) {
            waiver_clear(&w->items[i]);
            ok = 0;
        } else {
            w->n++;
        }
    }
    veto_doc_free(doc);
    if (!ok) {
        veto_waivers_free(w);
        return NULL;
    }
    return w;
}

veto_status veto_waivers_check(const veto_waivers *w, const veto_program *p, veto_diags *d)
{
    veto_status st = VETO_OK;
    const char **ids = malloc((p->npolicies + 1) * sizeof *ids);
    if (!ids)
        return VETO_ERR_NOMEM;
    for (uint32_t k = 0; k < p->npolicies; k++)
        ids[k] = p->policies[k].id;
    for (size_t i = 0; w && i < w->n; i++) {
        const Waiver *wv = &w->items[i];
        uint32_t k = 0;
        while (k < p->npolicies && strcmp(ids[k], wv->policy_id) != 0)
            k++;
        if (k < p->npolicies)
            continue;
        const char *near = diag_suggest(wv->policy_id, strlen(wv->policy_id), ids, p->npolicies);
        char hint[300];
        if (near)
            snprintf(hint, sizeof hint, "did you mean '%s'?", near);
        diag_add(d, DIAG_ERROR, NULL, 0, 0, near ? hint : NULL,
                 "%s: waiver %s names unknown policy id '%s'", w->path, wv->id, wv->policy_id);
        st = VETO_ERR_USAGE;
    }
    free(ids);
    return st;
}

/* The waiver's attribute covers the result's evidence path: equal, or a
 * prefix ending at a '.' or '['. Without evidence nothing is covered. */
static int waiver_attribute_covers(const char *attr, const char *path)
{
    if (!path)
        return 0;
    size_t n = strlen(attr);
    return strncmp(attr, path, n) == 0 && (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

static const char *waiver_dup(veto_decision *d, const char *s)
{
    return s ? arena_strndup(&d->arena, s, strlen(s)) : NULL;
}

void waiver_apply(const veto_waivers *w, veto_decision *d, const char *today)
{
    const Program *p = d->prog;
    for (size_t i = 0; i < w->n; i++) {
        const Waiver *wv = &w->items[i];
        ARENA_GROW(&d->arena, d->waivers, d->nwaivers, d->waivers_cap);
        if (!d->waivers) {
            d->oom = true;
            return;
        }
        uint32_t ix = d->nwaivers++;
        DecWaiver *rec = &d->waivers[ix];
        rec->id = waiver_dup(d, wv->id);
        rec->policy_id = waiver_dup(d, wv->policy_id);
        rec->resource = waiver_dup(d, wv->resource);
        rec->attribute = waiver_dup(d, wv->attribute);
        rec->reason = waiver_dup(d, wv->reason);
        rec->owner = waiver_dup(d, wv->owner);
        rec->ticket = waiver_dup(d, wv->ticket);
        rec->expires = waiver_dup(d, wv->expires);
        rec->approved_by = waiver_dup(d, wv->approved_by);
        rec->expired = strcmp(today, wv->expires) > 0; /* ISO dates compare as text */
        rec->matched = 0;
        uint32_t would = 0;
        for (uint32_t r = 0; r < d->nresults; r++) {
            Result *res = &d->results[r];
            if (res->kind != RES_RULE || (d->kind != PK_PLAN && d->kind != PK_DRIFT))
                continue;
            if (res->status != ST_FAIL && res->status != ST_WARN && res->status != ST_ADVISORY)
                continue;
            if (strcmp(p->policies[res->policy].id, wv->policy_id) != 0)
                continue;
            const char *addr = res->address ? res->address : "";
            if (!glob_match(wv->resource, strlen(wv->resource), addr, strlen(addr)))
                continue;
            if (wv->attribute && !waiver_attribute_covers(wv->attribute, res->evidence_path))
                continue;
            if (rec->expired) {
                would++;
                continue;
            }
            res->status = ST_WAIVED;
            res->waiver_ix = (int32_t)ix;
            rec->matched++;
        }
        if (rec->expired)
            decision_note(d, "waiver-expired",
                          "waiver %s (%s on %s, owner %s) expired on %s and no longer applies%s",
                          wv->id, wv->policy_id, wv->resource, wv->owner, wv->expires,
                          would ? "; it would have matched a result" : "");
        else if (rec->matched == 0)
            decision_note(d, "waiver-unmatched", "waiver %s (%s on %s) matched no result", wv->id,
                          wv->policy_id, wv->resource);
    }
}
