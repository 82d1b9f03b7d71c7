/* builtins_sensitive.c — the sensitive taint, as builtins.
 *
 * Terraform marks secret attributes in a plan with a parallel "mask"
 * document (after_sensitive, before_sensitive): `true` where a value is
 * sensitive, objects and arrays mirroring the value's shape. The tf module
 * calls mark_sensitive(after, after_sensitive) so the VALUES carry the
 * taint (VF_SENSITIVE) from then on: paths into a tainted container taint
 * what they return, operators and builtins taint what they derive, and
 * every writer prints REDACTED_MARKER instead. Policies can still compare
 * a secret (`r.after.password == ""`); they can never print one.
 */
#include <string.h>

#include "builtin_impl.h"

static bool sens_mark(BuiltinCtx *ctx, Value v, Value mask, Value *out, int depth)
{
    *out = v;
    if (depth > 512)
        return true;
    if (mask.kind == V_BOOL) {
        if (mask.u.b && v.kind != V_UNDEF)
            out->flags |= VF_SENSITIVE;
        return true;
    }
    if (mask.kind == V_OBJ && v.kind == V_OBJ && mask.n > 0) {
        Member *ms = builtin_new_members(ctx, "mark_sensitive", v.n);
        if (!ms)
            return false;
        for (uint32_t i = 0; i < v.n; i++) {
            ms[i] = v.u.o[i];
            const Member *mm = value_get(mask, ms[i].key, ms[i].klen, ms[i].kid);
            if (mm && !sens_mark(ctx, ms[i].val, mm->val, &ms[i].val, depth + 1))
                return false;
        }
        Value o = builtin_obj(ms, v.n);
        o.flags = v.flags;
        *out = o;
        return true;
    }
    if (mask.kind == V_ARR && (v.kind == V_ARR || v.kind == V_SET) && mask.n > 0) {
        Value *items = builtin_new_values(ctx, "mark_sensitive", v.n);
        if (!items)
            return false;
        for (uint32_t i = 0; i < v.n; i++) {
            items[i] = v.u.a[i];
            if (i < mask.n && !sens_mark(ctx, items[i], mask.u.a[i], &items[i], depth + 1))
                return false;
        }
        Value a = builtin_arr(items, v.n);
        a.kind = v.kind;
        a.flags = v.flags;
        *out = a;
        return true;
    }
    return true;
}

static bool sens_mark_sensitive(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)argc;
    if (args[0].kind == V_UNDEF) {
        *out = value_undef();
        return true;
    }
    return sens_mark(ctx, args[0], args[1], out, 0);
}

/* Any sensitive value within v (the flag on v itself or deeper). */
static bool sens_any(Value v, int depth)
{
    if (v.flags & VF_SENSITIVE)
        return true;
    if (depth > 512)
        return false;
    if (v.kind == V_ARR || v.kind == V_SET) {
        for (uint32_t i = 0; i < v.n; i++)
            if (sens_any(v.u.a[i], depth + 1))
                return true;
    } else if (v.kind == V_OBJ) {
        for (uint32_t i = 0; i < v.n; i++)
            if (sens_any(v.u.o[i].val, depth + 1))
                return true;
    }
    return false;
}

static bool sens_is_sensitive(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)ctx;
    (void)argc;
    *out = value_bool(sens_any(args[0], 0));
    return true;
}

const BuiltinDef builtins_sensitive_defs[] = {
    {"is_sensitive", 1, 1, 0, sens_is_sensitive,
     "is_sensitive(value) -> bool: true when value or anything in it is sensitive"},
    {"mark_sensitive", 2, 2, 0, sens_mark_sensitive,
     "mark_sensitive(value, mask) -> value tainted where mask (Terraform's *_sensitive) is true"},
};
const size_t builtins_sensitive_ndefs = BUILTIN_NELEMS(builtins_sensitive_defs);
