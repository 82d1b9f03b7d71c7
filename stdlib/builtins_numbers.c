/* builtins_numbers.c — numeric builtins: abs, floor, ceil, round and
 * parse_size ("10GiB" → bytes). (to_number lives with the conversions in
 * builtins_core.c.)
 *
 * Integers stay integers: floor/ceil/round return an int whenever the
 * result fits int64, so `round(x) == 3` and array indexing just work.
 * Owns no state.
 */
#include "builtin_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool num_arg(BuiltinCtx *ctx, const char *fn, const Value *args, double *d)
{
    if (!value_is_number(args[0]))
        return builtin_type_error(ctx, fn, 1, "a number", args[0]);
    value_to_double(args[0], d);
    return true;
}

static bool num_abs(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind == V_INT) {
        int64_t i = args[0].u.i;
        /* |INT64_MIN| does not fit: fall back to float rather than wrap */
        *out = i == INT64_MIN ? value_float(9223372036854775808.0) : value_int(i < 0 ? -i : i);
        return true;
    }
    double d;
    if (!num_arg(ctx, "abs", args, &d))
        return false;
    *out = args[0].kind == V_BIGNUM ? builtin_number_from_double(fabs(d)) : value_float(fabs(d));
    return true;
}

static bool num_rounding(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                         double (*op)(double), Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind == V_INT || args[0].kind == V_BIGNUM) {
        *out = args[0];
        out->flags = 0;
        return true;
    }
    double d;
    if (!num_arg(ctx, fn, args, &d))
        return false;
    *out = builtin_number_from_double(op(d));
    return true;
}

static bool num_floor(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return num_rounding(ctx, "floor", args, argc, floor, out);
}

static bool num_ceil(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return num_rounding(ctx, "ceil", args, argc, ceil, out);
}

/* C's round() is half away from zero: round(2.5) == 3, round(-2.5) == -3. */
static bool num_round(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return num_rounding(ctx, "round", args, argc, round, out);
}

/* parse_size: a non-negative decimal number, optional spaces, an optional
 * unit (case-insensitive): B; K KB M MB G GB T TB P PB E EB (powers of
 * 1000); Ki KiB Mi MiB Gi GiB Ti TiB Pi PiB Ei EiB (powers of 1024).
 * Fractions are allowed ("1.5GiB") and the byte count is truncated.
 * Returns undefined for text that is not a size or does not fit int64. */
static bool num_parse_size_text(const char *s, size_t n, int64_t *bytes)
{
    char num[64];
    size_t i = 0;
    while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'))
        i++;
    if (i == 0 || i >= sizeof num)
        return false;
    memcpy(num, s, i);
    num[i] = '\0';
    if (num[0] == '.' || num[i - 1] == '.' || strchr(num, '.') != strrchr(num, '.'))
        return false;
    size_t u = i;
    while (u < n && s[u] == ' ')
        u++;
    char unit[4] = {0};
    size_t ul = n - u;
    if (ul > 3)
        return false;
    for (size_t k = 0; k < ul; k++)
        unit[k] = (char)tolower((unsigned char)s[u + k]);
    static const char prefixes[] = "kmgtpe";
    double mult = 1;
    if (ul == 0 || strcmp(unit, "b") == 0) {
        mult = 1;
    } else {
        const char *p = strchr(prefixes, unit[0]);
        if (!p || unit[0] == '\0')
            return false;
        int power = (int)(p - prefixes) + 1;
        bool binary;
        if (ul == 1 || strcmp(unit + 1, "b") == 0)
            binary = false;
        else if (strcmp(unit + 1, "i") == 0 || strcmp(unit + 1, "ib") == 0)
            binary = true;
        else
            return false;
        mult = pow(binary ? 1024.0 : 1000.0, power);
    }
    /* Integers are multiplied exactly; only fractions go through double. */
    if (!strchr(num, '.')) {
        char *end;
        unsigned long long v = strtoull(num, &end, 10);
        if (*end || v > (unsigned long long)INT64_MAX)
            return false;
        int64_t r;
        if (mult > 9.2e18 || __builtin_mul_overflow((int64_t)v, (int64_t)mult, &r))
            return false;
        *bytes = r;
        return true;
    }
    double d = strtod(num, NULL) * mult;
    if (!(d < 9.2233720368547758e18))
        return false;
    *bytes = (int64_t)d;
    return true;
}

static bool num_parse_size(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value v = args[0];
    if (v.kind == V_INT) {
        *out = v.u.i >= 0 ? value_int(v.u.i) : value_undef();
        return true;
    }
    if (v.kind != V_STR)
        return builtin_type_error(ctx, "parse_size", 1, "a string", v);
    int64_t bytes;
    *out = num_parse_size_text(v.u.s, v.n, &bytes) ? value_int(bytes) : value_undef();
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_numbers_defs[] = {
    {"abs", 1, 1, P, num_abs, "abs(x) -> number"},
    {"ceil", 1, 1, P, num_ceil, "ceil(x) -> number"},
    {"floor", 1, 1, P, num_floor, "floor(x) -> number"},
    {"parse_size", 1, 1, P, num_parse_size, "parse_size(s) -> number"},
    {"round", 1, 1, P, num_round, "round(x) -> number"},
};
const size_t builtins_numbers_ndefs = BUILTIN_NELEMS(builtins_numbers_defs);
