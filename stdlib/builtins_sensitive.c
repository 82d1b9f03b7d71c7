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
#include "input/taint.h"

static bool sens_mark_sensitive(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)argc;
    if (args[0].kind == V_UNDEF) {
        *out = value_undef();
        return true;
    }
    *out = taint_apply(ctx->arena, args[0], args[1]);
    return !ctx->arena->failed;
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
