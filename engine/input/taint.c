/* taint.c — Terraform sensitivity masks applied to values; see taint.h. */
#include "input/taint.h"

#include <string.h>

#define TAINT_MAX_DEPTH 512

static Value taint_apply_depth(Arena *arena, Value v, Value mask, int depth)
{
    if (depth > TAINT_MAX_DEPTH || v.kind == V_UNDEF)
        return v;
    if (mask.kind == V_BOOL) {
        if (mask.u.b)
            v.flags |= VF_SENSITIVE;
        return v;
    }
    if (mask.kind == V_OBJ && v.kind == V_OBJ && mask.n > 0) {
        Member *ms = arena_alloc(arena, (v.n ? v.n : 1) * sizeof(Member));
        if (!ms)
            return v;
        for (uint32_t i = 0; i < v.n; i++) {
            ms[i] = v.u.o[i];
            const Member *mm = value_get(mask, ms[i].key, ms[i].klen, ms[i].kid);
            if (mm)
                ms[i].val = taint_apply_depth(arena, ms[i].val, mm->val, depth + 1);
        }
        v.u.o = ms;
        return v;
    }
    if (mask.kind == V_ARR && (v.kind == V_ARR || v.kind == V_SET) && mask.n > 0) {
        Value *items = arena_alloc(arena, (v.n ? v.n : 1) * sizeof(Value));
        if (!items)
            return v;
        for (uint32_t i = 0; i < v.n; i++) {
            items[i] = v.u.a[i];
            if (i < mask.n)
                items[i] = taint_apply_depth(arena, items[i], mask.u.a[i], depth + 1);
        }
        v.u.a = items;
        return v;
    }
    return v;
}

Value taint_apply(Arena *arena, Value v, Value mask)
{
    return taint_apply_depth(arena, v, mask, 0);
}

/* The member of an object by name, writable (documents are ours to edit
 * while loading: nothing else has seen them yet). */
static Member *taint_member(Value obj, const char *key)
{
    if (obj.kind != V_OBJ)
        return NULL;
    return (Member *)value_get(obj, key, (uint32_t)strlen(key), 0);
}

/* obj.value_key tainted by obj.mask_key. */
static void taint_field(Arena *arena, Value obj, const char *value_key, const char *mask_key)
{
    Member *v = taint_member(obj, value_key);
    const Member *m = taint_member(obj, mask_key);
    if (v && m)
        v->val = taint_apply(arena, v->val, m->val);
}

/* A "change" object: before/after with their masks. */
static void taint_change(Arena *arena, Value change)
{
    taint_field(arena, change, "after", "after_sensitive");
    taint_field(arena, change, "before", "before_sensitive");
}

void taint_resource_change(Arena *arena, Value entry)
{
    const Member *c = taint_member(entry, "change");
    if (c)
        taint_change(arena, c->val);
}

static void taint_changes(Arena *arena, Value list)
{
    if (list.kind != V_ARR)
        return;
    for (uint32_t i = 0; i < list.n; i++)
        taint_resource_change(arena, list.u.a[i]);
}

/* planned_values / prior_state modules: resources[].values by
 * sensitive_values, then child_modules recursively. */
static void taint_module(Arena *arena, Value module, int depth)
{
    if (module.kind != V_OBJ || depth > 64)
        return;
    const Member *res = taint_member(module, "resources");
    if (res && res->val.kind == V_ARR)
        for (uint32_t i = 0; i < res->val.n; i++)
            taint_field(arena, res->val.u.a[i], "values", "sensitive_values");
    const Member *kids = taint_member(module, "child_modules");
    if (kids && kids->val.kind == V_ARR)
        for (uint32_t i = 0; i < kids->val.n; i++)
            taint_module(arena, kids->val.u.a[i], depth + 1);
}

void taint_plan(Arena *arena, Value *root)
{
    if (root->kind != V_OBJ)
        return;
    const Member *m;
    if ((m = taint_member(*root, "resource_changes")))
        taint_changes(arena, m->val);
    if ((m = taint_member(*root, "resource_drift")))
        taint_changes(arena, m->val);
    if ((m = taint_member(*root, "output_changes")) && m->val.kind == V_OBJ)
        for (uint32_t i = 0; i < m->val.n; i++)
            taint_change(arena, m->val.u.o[i].val);
    if ((m = taint_member(*root, "planned_values")))
        taint_module(arena,
                     taint_member(m->val, "root_module") ? taint_member(m->val, "root_module")->val
                                                         : value_undef(),
                     0);
    if ((m = taint_member(*root, "prior_state")) && m->val.kind == V_OBJ) {
        const Member *vals = taint_member(m->val, "values");
        if (vals) {
            const Member *rm = taint_member(vals->val, "root_module");
            if (rm)
                taint_module(arena, rm->val, 0);
        }
    }
    /* A state file (terraform show -json of a state) has values at the top. */
    if ((m = taint_member(*root, "values")) && m->val.kind == V_OBJ) {
        const Member *rm = taint_member(m->val, "root_module");
        if (rm)
            taint_module(arena, rm->val, 0);
    }
    /* Sensitive outputs in planned_values.outputs carry "sensitive": true. */
    const Member *pv = taint_member(*root, "planned_values");
    const Member *outs = pv ? taint_member(pv->val, "outputs") : NULL;
    if (outs && outs->val.kind == V_OBJ) {
        for (uint32_t i = 0; i < outs->val.n; i++) {
            Value o = outs->val.u.o[i].val;
            const Member *sens = taint_member(o, "sensitive");
            Member *val = taint_member(o, "value");
            if (sens && value_is_true(sens->val) && val)
                val->val.flags |= VF_SENSITIVE;
        }
    }
}
