/* plan.c — read-outs of a Terraform plan JSON; see plan.h. */
#include "plan.h"

#include "base/sha256.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plan_sha256(const char *bytes, size_t len, char out[72])
{
    uint8_t md[SHA256_LEN];
    sha256(bytes, len, md);
    memcpy(out, "sha256:", 7);
    sha256_hex(md, out + 7);
}

const char *plan_action_word(const Jd *actions)
{
    if (!actions || actions->type != JD_ARR || actions->n == 0)
        return "unknown";
    if (actions->n == 1)
        return jd_str(actions->items[0]) ? jd_str(actions->items[0]) : "unknown";
    if (actions->n == 2) {
        const char *a = jd_str(actions->items[0]), *b = jd_str(actions->items[1]);
        if (a && b &&
            ((strcmp(a, "create") == 0 && strcmp(b, "delete") == 0) ||
             (strcmp(a, "delete") == 0 && strcmp(b, "create") == 0)))
            return "replace";
    }
    return "unknown";
}

/* A small ordered counter map: name -> count. */
typedef struct PlanCount {
    char *name;
    long n;
    struct PlanCount *sub; /* per-type: the action counts */
    size_t nsub;
} PlanCount;

static PlanCount *plan_bump(PlanCount **v, size_t *n, const char *name, int *oom)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].name, name) == 0) {
            (*v)[i].n++;
            return &(*v)[i];
        }
    PlanCount *g = realloc(*v, (*n + 1) * sizeof *g);
    if (!g) {
        *oom = 1;
        return NULL;
    }
    *v = g;
    PlanCount *c = &g[(*n)++];
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    c->n = 1;
    if (!c->name)
        *oom = 1;
    return c;
}

static int plan_count_cmp(const void *a, const void *b)
{
    return strcmp(((const PlanCount *)a)->name, ((const PlanCount *)b)->name);
}

static void plan_counts_write(Sbuf *b, PlanCount *v, size_t n)
{
    qsort(v, n, sizeof *v, plan_count_cmp);
    sbuf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sbuf_putc(b, ',');
        sbuf_json_str(b, v[i].name);
        sbuf_putc(b, ':');
        if (v[i].sub)
            plan_counts_write(b, v[i].sub, v[i].nsub);
        else
            sbuf_printf(b, "%ld", v[i].n);
    }
    sbuf_putc(b, '}');
}

static void plan_counts_free(PlanCount *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        plan_counts_free(v[i].sub, v[i].nsub);
    }
    free(v);
}

/* Collects the string and number leaves of value. */
static void plan_leaves(const Jd *value, char ***out, size_t *n, int *oom)
{
    if (!value)
        return;
    if (value->type == JD_STR || value->type == JD_NUM) {
        char **g = realloc(*out, (*n + 1) * sizeof *g);
        if (!g) {
            *oom = 1;
            return;
        }
        *out = g;
        g[*n] = strdup(value->text);
        if (!g[*n])
            *oom = 1;
        else
            (*n)++;
        return;
    }
    for (size_t i = 0; i < value->n && (value->type == JD_ARR || value->type == JD_OBJ); i++)
        plan_leaves(value->items[i], out, n, oom);
}

/* Walks value alongside its sensitivity mask (true, or a structure of the
 * same shape with true at the sensitive places). */
static void plan_sensitive(const Jd *value, const Jd *mask, char ***out, size_t *n, int *oom)
{
    if (!value || !mask)
        return;
    if (mask->type == JD_BOOL) {
        if (mask->boolean)
            plan_leaves(value, out, n, oom);
        return;
    }
    if (mask->type == JD_OBJ && value->type == JD_OBJ) {
        for (size_t i = 0; i < mask->n; i++)
            plan_sensitive(jd_get(value, mask->keys[i]), mask->items[i], out, n, oom);
    } else if (mask->type == JD_ARR && value->type == JD_ARR) {
        for (size_t i = 0; i < mask->n && i < value->n; i++)
            plan_sensitive(value->items[i], mask->items[i], out, n, oom);
    }
}

int plan_info(const Jd *plan, const char *text, size_t len, PlanInfo *out)
{
    memset(out, 0, sizeof *out);
    plan_sha256(text, len, out->hash);
    PlanCount *actions = NULL, *types = NULL;
    size_t nactions = 0, ntypes = 0;
    int oom = 0;
    const Jd *rcs = jd_get(plan, "resource_changes");
    for (size_t i = 0; rcs && rcs->type == JD_ARR && i < rcs->n; i++) {
        const Jd *rc = rcs->items[i];
        const Jd *change = jd_get(rc, "change");
        const char *word = plan_action_word(jd_get(change, "actions"));
        const char *type = jd_str(jd_get(rc, "type"));
        plan_bump(&actions, &nactions, word, &oom);
        PlanCount *t = plan_bump(&types, &ntypes, type ? type : "unknown", &oom);
        if (t)
            plan_bump(&t->sub, &t->nsub, word, &oom);
        if (strcmp(word, "create") == 0 || strcmp(word, "update") == 0 ||
            strcmp(word, "delete") == 0 || strcmp(word, "replace") == 0)
            out->changes++;
        plan_sensitive(jd_get(change, "after"), jd_get(change, "after_sensitive"), &out->secrets,
                       &out->nsecrets, &oom);
        plan_sensitive(jd_get(change, "before"), jd_get(change, "before_sensitive"), &out->secrets,
                       &out->nsecrets, &oom);
    }
    const Jd *ocs = jd_get(plan, "output_changes");
    for (size_t i = 0; ocs && ocs->type == JD_OBJ && i < ocs->n; i++) {
        const Jd *change = ocs->items[i];
        plan_sensitive(jd_get(change, "after"), jd_get(change, "after_sensitive"), &out->secrets,
                       &out->nsecrets, &oom);
    }
    Sbuf b = {0};
    sbuf_puts(&b, "{\"actions\":");
    plan_counts_write(&b, actions, nactions);
    sbuf_puts(&b, ",\"types\":");
    plan_counts_write(&b, types, ntypes);
    sbuf_printf(&b, ",\"changes\":%ld}", out->changes);
    plan_counts_free(actions, nactions);
    plan_counts_free(types, ntypes);
    out->summary = sbuf_take(&b);
    if (!out->summary || oom) {
        plan_info_clear(out);
        return -1;
    }
    return 0;
}

void plan_info_clear(PlanInfo *pi)
{
    free(pi->summary);
    for (size_t i = 0; i < pi->nsecrets; i++)
        free(pi->secrets[i]);
    free(pi->secrets);
    memset(pi, 0, sizeof *pi);
}

char *plan_drift_summary(const Jd *plan, long *count)
{
    const Jd *rd = jd_get(plan, "resource_drift");
    Sbuf b = {0};
    *count = 0;
    sbuf_putc(&b, '[');
    for (size_t i = 0; rd && rd->type == JD_ARR && i < rd->n; i++) {
        const Jd *e = rd->items[i];
        if (i)
            sbuf_putc(&b, ',');
        sbuf_puts(&b, "{\"address\":");
        sbuf_json_str(&b, jd_str(jd_get(e, "address")));
        sbuf_puts(&b, ",\"action\":");
        sbuf_json_str(&b, plan_action_word(jd_get(jd_get(e, "change"), "actions")));
        sbuf_putc(&b, '}');
        (*count)++;
    }
    sbuf_putc(&b, ']');
    return sbuf_take(&b);
}
