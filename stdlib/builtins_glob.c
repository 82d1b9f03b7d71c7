/* builtins_glob.c — the glob.match builtin (also spelled glob_match); the
 * matcher itself is engine/vm/glob.c, which the `like` operator shares. */
#include "builtin_impl.h"
#include "vm/glob.h"

static bool glob_builtin(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                         Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s, *p;
    size_t n, pn;
    if (!builtin_str_arg(ctx, fn, args, 0, &s, &n) || !builtin_str_arg(ctx, fn, args, 1, &p, &pn))
        return false;
    *out = value_bool(glob_match(p, pn, s, n));
    return true;
}

static bool glob_match_b(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return glob_builtin(ctx, "glob.match", args, argc, out);
}

static bool glob_match_alias(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return glob_builtin(ctx, "glob_match", args, argc, out);
}

#define P BUILTIN_PURE
const BuiltinDef builtins_glob_defs[] = {
    {"glob.match", 2, 2, P, glob_match_b, "glob.match(s, pattern) -> bool"},
    {"glob_match", 2, 2, P, glob_match_alias, "glob_match(s, pattern) -> bool"},
};
const size_t builtins_glob_ndefs = BUILTIN_NELEMS(builtins_glob_defs);
