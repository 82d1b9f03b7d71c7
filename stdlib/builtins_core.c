/* builtins_core.c — the builtins every policy uses: sizes and aggregates
 * (count, length, sum, min, max), type inspection (type_of, is_*),
 * definedness (is_defined, default) and conversions (to_string,
 * to_number, to_set).
 *
 * Owns no state. Results live in ctx->arena or are (parts of) arguments.
 */
#include "builtin_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "input/json_read.h"

/* ---- sizes and aggregates --------------------------------------------- */

static bool core_count_impl(BuiltinCtx *ctx, const char *fn, const Value *args, Value *out)
{
    Value v = args[0];
    switch (v.kind) {
    case V_UNDEF:
        *out = value_undef();
        return true;
    case V_ARR:
    case V_SET:
    case V_OBJ:
        *out = value_int(v.n);
        return true;
    case V_STR:
        /* Code points, not bytes: count("é") is 1, as a policy author expects. */
        *out = value_int((int64_t)builtin_utf8_count(v.u.s, v.n));
        return true;
    default:
        return builtin_type_error(ctx, fn, 1, "an array, set, object or string", v);
    }
}

static bool core_count(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)argc;
    return core_count_impl(ctx, "count", args, out);
}

static bool core_length(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)argc;
    return core_count_impl(ctx, "length", args, out);
}

/* Sum of an array or set of numbers. Integers add exactly; on int64
 * overflow (or a float/bignum element) the sum continues in double. */
static bool core_sum(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value v = args[0];
    if (v.kind != V_ARR && v.kind != V_SET)
        return builtin_type_error(ctx, "sum", 1, "an array of numbers", v);
    int64_t isum = 0;
    double fsum = 0;
    bool is_float = false;
    for (uint32_t k = 0; k < v.n; k++) {
        Value e = v.u.a[k];
        if (!value_is_number(e))
            return builtin_error(ctx, "sum: element %u must be a number, got %s", (unsigned)k,
                                 builtin_type_name(e));
        if (!is_float && e.kind == V_INT) {
            int64_t r;
            if (!__builtin_add_overflow(isum, e.u.i, &r)) {
                isum = r;
                continue;
            }
        }
        if (!is_float) {
            is_float = true;
            fsum = (double)isum;
        }
        double d;
        value_to_double(e, &d);
        fsum += d;
    }
    *out = is_float ? value_float(fsum) : value_int(isum);
    return true;
}

/* min/max over the language's total order (value_compare), so they work on
 * numbers, strings, or anything else; an int stays an int. */
static bool core_extreme(BuiltinCtx *ctx, const char *fn, const Value *args, int sign, Value *out)
{
    Value v = args[0];
    if (v.kind == V_UNDEF) {
        *out = value_undef();
        return true;
    }
    if (v.kind != V_ARR && v.kind != V_SET)
        return builtin_type_error(ctx, fn, 1, "an array or set", v);
    if (v.n == 0) {
        *out = value_undef();
        return true;
    }
    Value best = v.u.a[0];
    for (uint32_t k = 1; k < v.n; k++)
        if (value_compare(v.u.a[k], best) * sign < 0)
            best = v.u.a[k];
    *out = best;
    return true;
}

static bool core_min(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)argc;
    return core_extreme(ctx, "min", args, 1, out);
}

static bool core_max(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)argc;
    return core_extreme(ctx, "max", args, -1, out);
}

/* ---- types ------------------------------------------------------------- */

static bool core_type_of(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)ctx, (void)argc;
    const char *name = builtin_type_name(args[0]);
    *out = value_str(name, (uint32_t)strlen(name));
    return true;
}

/* The predicates are about types, so undefined gives false, not undefined. */
#define CORE_PREDICATE(fname, cond)                                                                \
    static bool core_##fname(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)        \
    {                                                                                              \
        (void)ctx, (void)argc;                                                                     \
        ValueKind k = (ValueKind)args[0].kind;                                                     \
        *out = value_bool(cond);                                                                   \
        return true;                                                                               \
    }

CORE_PREDICATE(is_string, k == V_STR)
CORE_PREDICATE(is_number, k == V_INT || k == V_FLOAT || k == V_BIGNUM)
CORE_PREDICATE(is_bool, k == V_BOOL)
CORE_PREDICATE(is_array, k == V_ARR)
CORE_PREDICATE(is_set, k == V_SET)
CORE_PREDICATE(is_object, k == V_OBJ)
CORE_PREDICATE(is_null, k == V_NULL)
CORE_PREDICATE(is_defined, k != V_UNDEF)

/* default(x, fallback) is `x ?? fallback`: fallback when x is undefined or null. */
static bool core_default(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)ctx, (void)argc;
    *out = (args[0].kind == V_UNDEF || args[0].kind == V_NULL) ? args[1] : args[0];
    return true;
}

/* ---- conversions ------------------------------------------------------- */

bool core_to_string(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind == V_STR) {
        *out = args[0];
        out->flags = 0; /* the VM re-taints from the arguments */
        return true;
    }
    /* JSON text with sorted keys, so equal values give equal strings. */
    Buf b = BUF_INIT;
    json_write(&b, args[0], JSON_SORT_KEYS);
    bool ok = !b.failed && builtin_new_str(ctx, "to_string", b.p, b.len, out);
    if (b.failed)
        builtin_oom(ctx, "to_string");
    buf_free(&b);
    return ok;
}

/* Parses a decimal number the way JSON writes one (optional sign, digits,
 * fraction, exponent; no spaces, hex, inf or nan). Ints that fit int64
 * stay ints. False when s is not such a number. */
static bool core_parse_number(const char *s, size_t n, Value *out)
{
    char tmp[128];
    if (n == 0 || n >= sizeof tmp)
        return false;
    size_t i = 0;
    bool is_int = true;
    if (s[i] == '-' || s[i] == '+')
        i++;
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.') {
        is_int = false;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        is_int = false;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (ed == 0)
            return false;
    }
    if (i != n)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (is_int) {
        errno = 0;
        long long ll = strtoll(tmp, NULL, 10);
        if (errno == 0) {
            *out = value_int(ll);
            return true;
        }
    }
    double d = strtod(tmp, NULL);
    if (!isfinite(d))
        return false;
    *out = value_float(d);
    return true;
}

/* to_number: numbers as they are; strings parsed (undefined when not a
 * number, so bad data fails a condition instead of the policy); true/false
 * as 1/0 and null as 0, as Rego does. */
static bool core_to_number(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value v = args[0];
    switch (v.kind) {
    case V_INT:
    case V_FLOAT:
    case V_BIGNUM:
        *out = v;
        out->flags = 0;
        return true;
    case V_NULL:
        *out = value_int(0);
        return true;
    case V_BOOL:
        *out = value_int(v.u.b ? 1 : 0);
        return true;
    case V_STR:
        if (!core_parse_number(v.u.s, v.n, out))
            *out = value_undef();
        return true;
    default:
        return builtin_type_error(ctx, "to_number", 1, "a string, number, boolean or null", v);
    }
}

static bool core_to_set(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value v = args[0];
    if (v.kind == V_SET) {
        *out = v;
        return true;
    }
    if (v.kind != V_ARR)
        return builtin_type_error(ctx, "to_set", 1, "an array or set", v);
    *out = value_make_set(ctx->arena, v.u.a, v.n);
    if (ctx->arena->failed)
        return builtin_oom(ctx, "to_set");
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_core_defs[] = {
    {"count", 1, 1, P, core_count, "count(collection_or_string) -> number"},
    {"default", 2, 2, P, core_default, "default(x, fallback) -> any"},
    {"is_array", 1, 1, P, core_is_array, "is_array(x) -> bool"},
    {"is_bool", 1, 1, P, core_is_bool, "is_bool(x) -> bool"},
    {"is_defined", 1, 1, P, core_is_defined, "is_defined(x) -> bool"},
    {"is_null", 1, 1, P, core_is_null, "is_null(x) -> bool"},
    {"is_number", 1, 1, P, core_is_number, "is_number(x) -> bool"},
    {"is_object", 1, 1, P, core_is_object, "is_object(x) -> bool"},
    {"is_set", 1, 1, P, core_is_set, "is_set(x) -> bool"},
    {"is_string", 1, 1, P, core_is_string, "is_string(x) -> bool"},
    {"length", 1, 1, P, core_length, "length(collection_or_string) -> number"},
    {"max", 1, 1, P, core_max, "max(array) -> any"},
    {"min", 1, 1, P, core_min, "min(array) -> any"},
    {"sum", 1, 1, P, core_sum, "sum(array_of_numbers) -> number"},
    {"to_number", 1, 1, P, core_to_number, "to_number(x) -> number"},
    {"to_set", 1, 1, P, core_to_set, "to_set(array) -> set"},
    {"to_string", 1, 1, P, core_to_string, "to_string(x) -> string"},
    {"type_of", 1, 1, P, core_type_of, "type_of(x) -> string"},
};
const size_t builtins_core_ndefs = BUILTIN_NELEMS(builtins_core_defs);
