/* override.c — overrides: a person accepting the failures of a
 * soft-mandatory policy for one run, with a reason, as in Sentinel.
 *
 * Owns the list of overrides given on the command line or in an overrides
 * file (JSON or YAML, read with veto_doc_load_file), its checks against a
 * program (unknown id, hard policy) and applying it to a decision. Does
 * not own the enforcement rules themselves (decision.c) or waivers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/override.h"

#include "base/diag.h"
#include "gate/decision.h"

typedef struct Override {
    char *policy_id, *reason, *by, *origin; /* owned */
} Override;

struct veto_overrides {
    Override *items;
    size_t n, cap;
};

veto_overrides *veto_overrides_new(void) { return calloc(1, sizeof(veto_overrides)); }

void veto_overrides_free(veto_overrides *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        free(o->items[i].policy_id);
        free(o->items[i].reason);
        free(o->items[i].by);
        free(o->items[i].origin);
    }
    free(o->items);
    free(o);
}

/* Non-empty after trimming spaces. */
static int override_blank(const char *s)
{
    if (!s)
        return 1;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return *s == '\0';
}

veto_status veto_overrides_add(veto_overrides *o, const char *policy_id, const char *reason,
                               const char *by, const char *origin, veto_diags *d)
{
    const char *where = origin ? origin : "command line";
    if (override_blank(policy_id)) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "%s: an override needs a policy id", where);
        return VETO_ERR_USAGE;
    }
    if (override_blank(reason)) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, "give why the failure is accepted (--reason TEXT)",
                 "%s: the override of %s has no reason", where, policy_id);
        return VETO_ERR_USAGE;
    }
    if (override_blank(by)) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, "give who accepts it (--by NAME)",
                 "%s: the override of %s does not say who gives it", where, policy_id);
        return VETO_ERR_USAGE;
    }
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 4;
        Override *ni = realloc(o->items, nc * sizeof *ni);
        if (!ni)
            return VETO_ERR_NOMEM;
        o->items = ni;
        o->cap = nc;
    }
    Override *ov = &o->items[o->n];
    ov->policy_id = strdup(policy_id);
    ov->reason = strdup(reason);
    ov->by = strdup(by);
    ov->origin = strdup(where);
    if (!ov->policy_id || !ov->reason || !ov->by || !ov->origin) {
        free(ov->policy_id);
        free(ov->reason);
        free(ov->by);
        free(ov->origin);
        return VETO_ERR_NOMEM;
    }
    o->n++;
    return VETO_OK;
}

/* The string member key of obj, or NULL (also when it is not a string). */
static const char *override_str(Value obj, const char *key, char **owned)
{
    const Member *m = value_get(obj, key, (uint32_t)strlen(key), 0);
    if (!m || m->val.kind != V_STR)
        return NULL;
    *owned = strndup(m->val.u.s, m->val.n);
    return *owned;
}

veto_status veto_overrides_load(veto_overrides *o, veto_engine *e, const char *path, veto_diags *d)
{
    veto_doc *doc = veto_doc_load_file(e, path, NULL, d);
    if (!doc)
        return VETO_ERR_PARSE;
    Value list = doc->root;
    if (list.kind == V_OBJ) {
        const Member *m = value_get(list, "overrides", 9, 0);
        list = m ? m->val : value_undef();
    }
    veto_status st = VETO_OK;
    if (list.kind != V_ARR) {
        diag_add_at(d, DIAG_ERROR, path, 0, 0,
                    "an overrides file is a list of {policy_id, reason, by} entries, or an "
                    "object with such a list under \"overrides\"");
        st = VETO_ERR_PARSE;
    }
    for (uint32_t i = 0; st == VETO_OK && i < list.n; i++) {
        Value ent = list.u.a[i];
        if (ent.kind != V_OBJ) {
            diag_add_at(d, DIAG_ERROR, path, 0, 0,
                        "override #%u is not an object with policy_id, reason and by", i + 1);
            st = VETO_ERR_PARSE;
            break;
        }
        char *id = NULL, *reason = NULL, *by = NULL, *origin = NULL;
        const char *pid = override_str(ent, "policy_id", &id);
        if (!pid)
            pid = override_str(ent, "id", &id);
        override_str(ent, "reason", &reason);
        override_str(ent, "by", &by);
        size_t olen = strlen(path) + 24;
        origin = malloc(olen);
        if (origin)
            snprintf(origin, olen, "%s#%u", path, i + 1);
        st = origin ? veto_overrides_add(o, pid, reason, by, origin, d) : VETO_ERR_NOMEM;
        free(id);
        free(reason);
        free(by);
        free(origin);
    }
    veto_doc_free(doc);
    return st;
}

/* The index of the first policy with id, or UINT32_MAX. */
static uint32_t override_find(const veto_program *p, const char *id)
{
    for (uint32_t i = 0; i < p->npolicies; i++)
        if (strcmp(p->policies[i].id, id) == 0)
            return i;
    return UINT32_MAX;
}

veto_status veto_overrides_check(const veto_overrides *o, const veto_program *p, veto_diags *d)
{
    veto_status st = VETO_OK;
    for (size_t i = 0; o && i < o->n; i++) {
        const Override *ov = &o->items[i];
        uint32_t pi = override_find(p, ov->policy_id);
        if (pi == UINT32_MAX) {
            const char **ids = malloc((p->npolicies + 1) * sizeof *ids);
            const char *near = NULL;
            if (ids) {
                for (uint32_t k = 0; k < p->npolicies; k++)
                    ids[k] = p->policies[k].id;
                near = diag_suggest(ov->policy_id, strlen(ov->policy_id), ids, p->npolicies);
            }
            char hint[300];
            if (near)
                snprintf(hint, sizeof hint, "did you mean '%s'?", near);
            diag_add(d, DIAG_ERROR, NULL, 0, 0, near ? hint : NULL,
                     "%s: override of unknown policy id '%s'", ov->origin, ov->policy_id);
            free(ids);
            st = VETO_ERR_USAGE;
        } else if (p->policies[pi].enforcement == ENF_HARD) {
            diag_add(d, DIAG_ERROR, NULL, 0, 0,
                     "a hard-mandatory failure must be fixed; a waiver can except one "
                     "resource with an owner and an expiry date",
                     "%s: policy %s (%s) is hard-mandatory and cannot be overridden", ov->origin,
                     ov->policy_id, p->policies[pi].name);
            st = VETO_ERR_USAGE;
        }
    }
    return st;
}

void override_apply(const veto_overrides *o, veto_decision *d)
{
    const Program *p = d->prog;
    for (size_t i = 0; i < o->n; i++) {
        const Override *ov = &o->items[i];
        ARENA_GROW(&d->arena, d->overrides, d->noverrides, d->overrides_cap);
        if (!d->overrides) {
            d->oom = true;
            return;
        }
        uint32_t ix = d->noverrides++;
        DecOverride *rec = &d->overrides[ix];
        rec->policy_id = arena_strndup(&d->arena, ov->policy_id, strlen(ov->policy_id));
        rec->reason = arena_strndup(&d->arena, ov->reason, strlen(ov->reason));
        rec->by = arena_strndup(&d->arena, ov->by, strlen(ov->by));
        rec->origin = arena_strndup(&d->arena, ov->origin, strlen(ov->origin));
        rec->matched = 0;
        bool advisory = false;
        for (uint32_t r = 0; r < d->nresults; r++) {
            Result *res = &d->results[r];
            if (res->kind != RES_RULE || strcmp(p->policies[res->policy].id, ov->policy_id) != 0)
                continue;
            Enforcement enf = p->policies[res->policy].enforcement;
            if (res->status == ST_ADVISORY)
                advisory = true;
            if (res->status != ST_FAIL || enf != ENF_SOFT || p->rules[res->rule].kind != RK_DENY ||
                (d->kind != PK_PLAN && d->kind != PK_DRIFT))
                continue;
            res->status = ST_OVERRIDDEN;
            res->override_ix = (int32_t)ix;
            rec->matched++;
        }
        if (rec->matched == 0 && advisory)
            decision_note(d, "override-unneeded",
                          "the override of %s (%s) changes nothing: the policy is advisory",
                          ov->policy_id, ov->origin);
        else if (rec->matched == 0)
            decision_note(d, "override-unmatched",
                          "the override of %s (%s) matched no failing result", ov->policy_id,
                          ov->origin);
    }
}
