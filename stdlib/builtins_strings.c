/* builtins_strings.c — string builtins: case, trimming, splitting and
 * joining, searching, replacing, substrings by code point, repeat, and
 * sprintf/format.
 *
 * Strings are UTF-8 and not NUL-terminated. Positions and lengths that a
 * policy sees (substring, index_of, padding widths) count code points; an
 * invalid byte counts as one. Results that are slices of an argument point
 * into it (arguments outlive the evaluation's use of the result); new text
 * is built in ctx->arena. Owns no state.
 */
#include "builtin_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "input/json_read.h"

/* Strings longer than this are refused by the builtins that multiply text
 * (repeat, replace, format padding): a policy has no business making them. */
#define STRINGS_MAX_RESULT (64u * 1024 * 1024)

static Value strings_slice(const char *s, size_t n) { return value_str(s, (uint32_t)n); }

static const char *strings_find(const char *hay, size_t hn, const char *needle, size_t nn)
{
    if (nn == 0)
        return hay;
    return memmem(hay, hn, needle, nn);
}

/* ---- case -------------------------------------------------------------- */

/* Simple case mapping for ASCII, Latin-1, basic Greek and Cyrillic: the
 * ranges where upper and lower forms have the same UTF-8 length, so the
 * result is never longer than the input. Locale-free on purpose: the same
 * policy must give the same answer everywhere. */
static uint32_t strings_to_lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F))
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

static uint32_t strings_to_upper(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) ||
        (c >= 0x430 && c <= 0x44F))
        return c - 32;
    if (c >= 0x450 && c <= 0x45F)
        return c - 80;
    return c;
}

static bool strings_case(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                         uint32_t (*map)(uint32_t), Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s;
    size_t n;
    if (!builtin_str_arg(ctx, fn, args, 0, &s, &n))
        return false;
    char *r = arena_alloc(ctx->arena, n + 1);
    if (!r)
        return builtin_oom(ctx, fn);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(s + i, n - i, &cp);
        uint32_t m = (cp == 0xFFFD && len == 1) ? cp : map(cp);
        if (m == cp) {
            memcpy(r + o, s + i, len); /* keeps invalid bytes as they were */
            o += len;
        } else {
            o += builtin_utf8_encode(m, r + o);
        }
        i += len;
    }
    r[o] = '\0';
    *out = value_str(r, (uint32_t)o);
    return true;
}

static bool strings_lower(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_case(ctx, "lower", args, argc, strings_to_lower, out);
}

static bool strings_upper(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_case(ctx, "upper", args, argc, strings_to_upper, out);
}

/* ---- trimming ---------------------------------------------------------- */

static bool strings_in_cutset(uint32_t cp, const char *cut, size_t cn)
{
    if (!cut)
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f';
    for (size_t i = 0; i < cn;) {
        uint32_t c;
        i += utf8_next(cut + i, cn - i, &c);
        if (c == cp)
            return true;
    }
    return false;
}

/* trim(s) strips ASCII whitespace; trim(s, chars) strips any of the code
 * points in chars, from both ends. */
static bool strings_trim(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s, *cut = NULL;
    size_t n, cn = 0;
    if (!builtin_str_arg(ctx, "trim", args, 0, &s, &n))
        return false;
    if (argc > 1 && !builtin_str_arg(ctx, "trim", args, 1, &cut, &cn))
        return false;
    size_t b = 0, e = n;
    while (b < e) {
        uint32_t cp;
        size_t len = utf8_next(s + b, e - b, &cp);
        if (!strings_in_cutset(cp, cut, cn))
            break;
        b += len;
    }
    while (e > b) {
        /* step back to the start of the last code point */
        size_t st = e - 1;
        while (st > b && ((unsigned char)s[st] & 0xC0) == 0x80 && e - st < 4)
            st--;
        uint32_t cp;
        size_t len = utf8_next(s + st, e - st, &cp);
        if (st + len != e) { /* not a whole code point: treat the last byte alone */
            st = e - 1;
            utf8_next(s + st, 1, &cp);
        }
        if (!strings_in_cutset(cp, cut, cn))
            break;
        e = st;
    }
    *out = strings_slice(s + b, e - b);
    return true;
}

static bool strings_trim_affix(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                               bool prefix, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s, *a;
    size_t n, an;
    if (!builtin_str_arg(ctx, fn, args, 0, &s, &n) || !builtin_str_arg(ctx, fn, args, 1, &a, &an))
        return false;
    if (an <= n && prefix && memcmp(s, a, an) == 0)
        *out = strings_slice(s + an, n - an);
    else if (an <= n && !prefix && memcmp(s + n - an, a, an) == 0)
        *out = strings_slice(s, n - an);
    else
        *out = strings_slice(s, n);
    return true;
}

static bool strings_trim_prefix(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_trim_affix(ctx, "trim_prefix", args, argc, true, out);
}

static bool strings_trim_suffix(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_trim_affix(ctx, "trim_suffix", args, argc, false, out);
}

/* ---- split / join ------------------------------------------------------ */

/* split(s, sep): the pieces between separators (Go's strings.Split): an
 * empty s gives [""], an empty sep splits into code points. */
static bool strings_split(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s, *sep;
    size_t n, sn;
    if (!builtin_str_arg(ctx, "split", args, 0, &s, &n) ||
        !builtin_str_arg(ctx, "split", args, 1, &sep, &sn))
        return false;
    ValVec vec = {0};
    if (sn == 0) {
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t len = utf8_next(s + i, n - i, &cp);
            if (!builtin_vec_push(ctx, "split", &vec, strings_slice(s + i, len)))
                return false;
            i += len;
        }
    } else {
        size_t i = 0;
        for (;;) {
            const char *hit = strings_find(s + i, n - i, sep, sn);
            size_t end = hit ? (size_t)(hit - s) : n;
            if (!builtin_vec_push(ctx, "split", &vec, strings_slice(s + i, end - i)))
                return false;
            if (!hit)
                break;
            i = end + sn;
        }
    }
    *out = builtin_arr(vec.items, (uint32_t)vec.n);
    return true;
}

/* join(array_of_strings, sep). */
static bool strings_join(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value xs = args[0];
    if (xs.kind != V_ARR && xs.kind != V_SET)
        return builtin_type_error(ctx, "join", 1, "an array of strings", xs);
    const char *sep;
    size_t sn;
    if (!builtin_str_arg(ctx, "join", args, 1, &sep, &sn))
        return false;
    size_t total = 0;
    for (uint32_t k = 0; k < xs.n; k++) {
        if (xs.u.a[k].kind != V_STR)
            return builtin_error(ctx, "join: element %u must be a string, got %s", (unsigned)k,
                                 builtin_type_name(xs.u.a[k]));
        total += xs.u.a[k].n + (k ? sn : 0);
    }
    if (total > UINT32_MAX)
        return builtin_error(ctx, "join: result string too long");
    char *r = arena_alloc(ctx->arena, total + 1);
    if (!r)
        return builtin_oom(ctx, "join");
    size_t o = 0;
    for (uint32_t k = 0; k < xs.n; k++) {
        if (k && sn) {
            memcpy(r + o, sep, sn);
            o += sn;
        }
        if (xs.u.a[k].n)
            memcpy(r + o, xs.u.a[k].u.s, xs.u.a[k].n);
        o += xs.u.a[k].n;
    }
    r[o] = '\0';
    *out = value_str(r, (uint32_t)o);
    return true;
}

/* ---- searching --------------------------------------------------------- */

/* replace(s, old, new): every non-overlapping occurrence, left to right;
 * an empty old leaves s unchanged. */
static bool strings_replace(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s, *old, *rep;
    size_t n, on, rn;
    if (!builtin_str_arg(ctx, "replace", args, 0, &s, &n) ||
        !builtin_str_arg(ctx, "replace", args, 1, &old, &on) ||
        !builtin_str_arg(ctx, "replace", args, 2, &rep, &rn))
        return false;
    if (on == 0) {
        *out = strings_slice(s, n);
        return true;
    }
    Buf b = BUF_INIT;
    size_t i = 0;
    for (;;) {
        const char *hit = strings_find(s + i, n - i, old, on);
        size_t end = hit ? (size_t)(hit - s) : n;
        buf_append(&b, s + i, end - i);
        if (!hit)
            break;
        buf_append(&b, rep, rn);
        i = end + on;
        if (b.len > STRINGS_MAX_RESULT)
            break;
    }
    bool ok;
    if (b.failed)
        ok = builtin_oom(ctx, "replace");
    else if (b.len > STRINGS_MAX_RESULT)
        ok = builtin_error(ctx, "replace: result longer than %u bytes", STRINGS_MAX_RESULT);
    else
        ok = builtin_new_str(ctx, "replace", b.p, b.len, out);
    buf_free(&b);
    return ok;
}

/* contains(string, substring), contains(array_or_set, element),
 * contains(object, key): the same question as the `in` operator, asked
 * with the container first. */
static bool strings_contains(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value c = args[0], x = args[1];
    switch (c.kind) {
    case V_STR:
        if (x.kind != V_STR)
            return builtin_type_error(ctx, "contains", 2, "a string when argument 1 is a string",
                                      x);
        *out = value_bool(strings_find(c.u.s, c.n, x.u.s, x.n) != NULL);
        return true;
    case V_ARR:
    case V_SET:
        for (uint32_t k = 0; k < c.n; k++) {
            if (value_equal(c.u.a[k], x)) {
                *out = value_bool(true);
                return true;
            }
        }
        *out = value_bool(false);
        return true;
    case V_OBJ:
        if (x.kind != V_STR)
            return builtin_type_error(ctx, "contains", 2, "a string when argument 1 is an object",
                                      x);
        *out = value_bool(value_get(c, x.u.s, x.n, 0) != NULL);
        return true;
    default:
        return builtin_type_error(ctx, "contains", 1, "a string, array, set or object", c);
    }
}

static bool strings_affix_test(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                               bool prefix, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s, *a;
    size_t n, an;
    if (!builtin_str_arg(ctx, fn, args, 0, &s, &n) || !builtin_str_arg(ctx, fn, args, 1, &a, &an))
        return false;
    bool r = an <= n && memcmp(prefix ? s : s + n - an, a, an) == 0;
    *out = value_bool(r);
    return true;
}

static bool strings_starts_with(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_affix_test(ctx, "starts_with", args, argc, true, out);
}

static bool strings_ends_with(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_affix_test(ctx, "ends_with", args, argc, false, out);
}

/* index_of(string, sub) → code-point index of the first occurrence or -1;
 * index_of(array, x) → index of the first equal element or -1. */
static bool strings_index_of(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value c = args[0], x = args[1];
    if (c.kind == V_ARR) {
        for (uint32_t k = 0; k < c.n; k++) {
            if (value_equal(c.u.a[k], x)) {
                *out = value_int(k);
                return true;
            }
        }
        *out = value_int(-1);
        return true;
    }
    if (c.kind != V_STR)
        return builtin_type_error(ctx, "index_of", 1, "a string or array", c);
    if (x.kind != V_STR)
        return builtin_type_error(ctx, "index_of", 2, "a string", x);
    const char *hit = strings_find(c.u.s, c.n, x.u.s, x.n);
    *out = value_int(hit ? (int64_t)builtin_utf8_count(c.u.s, (size_t)(hit - c.u.s)) : -1);
    return true;
}

/* substring(s, start, len) in code points: start past the end gives "",
 * a negative len (or one past the end) takes the rest; a negative start is
 * an error. */
static bool strings_substring(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s;
    size_t n;
    int64_t start, len = -1;
    if (!builtin_str_arg(ctx, "substring", args, 0, &s, &n) ||
        !builtin_int_arg(ctx, "substring", args, 1, &start) ||
        (argc > 2 && !builtin_int_arg(ctx, "substring", args, 2, &len)))
        return false;
    if (start < 0)
        return builtin_error(ctx, "substring: start must not be negative, got %lld",
                             (long long)start);
    size_t b = builtin_utf8_offset(s, n, (size_t)start);
    size_t e = len < 0 ? n : b + builtin_utf8_offset(s + b, n - b, (size_t)len);
    *out = strings_slice(s + b, e - b);
    return true;
}

static bool strings_repeat(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s;
    size_t n;
    int64_t times;
    if (!builtin_str_arg(ctx, "repeat", args, 0, &s, &n) ||
        !builtin_int_arg(ctx, "repeat", args, 1, &times))
        return false;
    if (times < 0)
        return builtin_error(ctx, "repeat: count must not be negative, got %lld", (long long)times);
    if (n && (uint64_t)times > STRINGS_MAX_RESULT / n)
        return builtin_error(ctx, "repeat: result longer than %u bytes", STRINGS_MAX_RESULT);
    size_t total = n * (size_t)times;
    char *r = arena_alloc(ctx->arena, total + 1);
    if (!r)
        return builtin_oom(ctx, "repeat");
    for (int64_t k = 0; k < times && n; k++)
        memcpy(r + (size_t)k * n, s, n);
    r[total] = '\0';
    *out = value_str(r, (uint32_t)total);
    return true;
}

/* ---- sprintf / format -------------------------------------------------- */

/* Appends text padded to `width` code points (right-aligned unless left). */
static void strings_pad(Buf *b, const char *s, size_t n, long width, bool left, char fill)
{
    size_t cps = builtin_utf8_count(s, n);
    size_t pad = width > 0 && (size_t)width > cps ? (size_t)width - cps : 0;
    if (!left)
        for (size_t k = 0; k < pad; k++)
            buf_putc(b, fill);
    buf_append(b, s, n);
    if (left)
        for (size_t k = 0; k < pad; k++)
            buf_putc(b, ' ');
}

/* sprintf(fmt, args...): %s (strings as-is, other values as JSON), %v (the
 * same), %q (JSON-quoted), %d (integer), %f/%e/%g (float), %x (hex
 * integer), %% ; flags '-' and '0', width, and '.precision' (digits for
 * %f/%e/%g, code points for %s/%v/%q). Too few or too many arguments are
 * errors: a message with a silent hole is worse than a failed policy. */
static bool strings_format_impl(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                                Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *f;
    size_t fnn;
    if (!builtin_str_arg(ctx, fn, args, 0, &f, &fnn))
        return false;
    Buf b = BUF_INIT, tmp = BUF_INIT;
    uint32_t next = 1;
    bool ok = true;
    for (size_t i = 0; i < fnn && ok;) {
        if (f[i] != '%') {
            const char *pct = memchr(f + i, '%', fnn - i);
            size_t end = pct ? (size_t)(pct - f) : fnn;
            buf_append(&b, f + i, end - i);
            i = end;
            continue;
        }
        i++;
        bool left = false, zero = false;
        while (i < fnn && (f[i] == '-' || f[i] == '0')) {
            if (f[i] == '-')
                left = true;
            else
                zero = true;
            i++;
        }
        long width = 0, prec = -1;
        while (i < fnn && f[i] >= '0' && f[i] <= '9' && width < 10000)
            width = width * 10 + (f[i++] - '0');
        if (i < fnn && f[i] == '.') {
            i++;
            prec = 0;
            while (i < fnn && f[i] >= '0' && f[i] <= '9' && prec < 10000)
                prec = prec * 10 + (f[i++] - '0');
        }
        if (width >= 10000 || prec >= 10000) {
            ok = builtin_error(ctx, "%s: width or precision too large", fn);
            break;
        }
        if (i >= fnn) {
            ok = builtin_error(ctx, "%s: format ends in the middle of a directive", fn);
            break;
        }
        char verb = f[i++];
        if (verb == '%') {
            buf_putc(&b, '%');
            continue;
        }
        if (!strchr("sdvqfegx", verb)) {
            ok = builtin_error(ctx, "%s: unknown directive '%%%c'", fn, verb);
            break;
        }
        if (next >= argc) {
            ok = builtin_error(ctx, "%s: missing argument for '%%%c' (directive %u)", fn, verb,
                               (unsigned)next);
            break;
        }
        Value v = args[next++];
        buf_reset(&tmp);
        switch (verb) {
        case 's':
        case 'v':
        case 'q':
            if (v.kind == V_STR && verb != 'q')
                buf_append(&tmp, v.u.s, v.n);
            else if (v.kind == V_STR)
                json_write_string(&tmp, v.u.s, v.n);
            else
                json_write(&tmp, v, JSON_SORT_KEYS);
            if (prec >= 0 && tmp.p) {
                size_t cut = builtin_utf8_offset(tmp.p, tmp.len, (size_t)prec);
                tmp.len = cut;
            }
            strings_pad(&b, tmp.p ? tmp.p : "", tmp.len, width, left, ' ');
            break;
        case 'd':
        case 'x': {
            int64_t iv;
            if (!builtin_int_arg(ctx, fn, args, next - 1, &iv)) {
                ok = false;
                break;
            }
            int w = (int)width;
            if (verb == 'd')
                left   ? buf_printf(&b, "%-*lld", w, (long long)iv)
                : zero ? buf_printf(&b, "%0*lld", w, (long long)iv)
                       : buf_printf(&b, "%*lld", w, (long long)iv);
            else
                left   ? buf_printf(&b, "%-*llx", w, (unsigned long long)iv)
                : zero ? buf_printf(&b, "%0*llx", w, (unsigned long long)iv)
                       : buf_printf(&b, "%*llx", w, (unsigned long long)iv);
            break;
        }
        default: { /* f e g */
            double d;
            if (!builtin_num_arg(ctx, fn, args, next - 1, &d)) {
                ok = false;
                break;
            }
            if (prec > 100)
                prec = 100;
            int w = (int)width, pr = prec < 0 ? 6 : (int)prec;
/* literal formats only (-Wformat=2), one per flag and verb */
#define STRINGS_FMT_FLOAT(c)                                                                       \
    (left   ? buf_printf(&b, "%-*.*" c, w, pr, d)                                                  \
     : zero ? buf_printf(&b, "%0*.*" c, w, pr, d)                                                  \
            : buf_printf(&b, "%*.*" c, w, pr, d))
            if (verb == 'f')
                STRINGS_FMT_FLOAT("f");
            else if (verb == 'e')
                STRINGS_FMT_FLOAT("e");
            else
                STRINGS_FMT_FLOAT("g");
#undef STRINGS_FMT_FLOAT
            break;
        }
        }
        if (b.len > STRINGS_MAX_RESULT) {
            ok = builtin_error(ctx, "%s: result longer than %u bytes", fn, STRINGS_MAX_RESULT);
            break;
        }
    }
    if (ok && next < argc)
        ok = builtin_error(ctx, "%s: %u argument(s) left over after the format", fn,
                           (unsigned)(argc - next));
    if (ok && (b.failed || tmp.failed))
        ok = builtin_oom(ctx, fn);
    if (ok)
        ok = builtin_new_str(ctx, fn, b.p, b.len, out);
    buf_free(&b);
    buf_free(&tmp);
    return ok;
}

static bool strings_sprintf(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_format_impl(ctx, "sprintf", args, argc, out);
}

static bool strings_format(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return strings_format_impl(ctx, "format", args, argc, out);
}

#define P BUILTIN_PURE
const BuiltinDef builtins_strings_defs[] = {
    {"contains", 2, 2, P, strings_contains, "contains(string_or_collection, x) -> bool"},
    {"ends_with", 2, 2, P, strings_ends_with, "ends_with(s, suffix) -> bool"},
    {"format", 1, 255, P, strings_format, "format(fmt, args...) -> string"},
    {"index_of", 2, 2, P, strings_index_of, "index_of(string_or_array, x) -> number"},
    {"join", 2, 2, P, strings_join, "join(array_of_strings, sep) -> string"},
    {"lower", 1, 1, P, strings_lower, "lower(s) -> string"},
    {"repeat", 2, 2, P, strings_repeat, "repeat(s, n) -> string"},
    {"replace", 3, 3, P, strings_replace, "replace(s, old, new) -> string"},
    {"split", 2, 2, P, strings_split, "split(s, sep) -> array"},
    {"sprintf", 1, 255, P, strings_sprintf, "sprintf(fmt, args...) -> string"},
    {"starts_with", 2, 2, P, strings_starts_with, "starts_with(s, prefix) -> bool"},
    {"substring", 2, 3, P, strings_substring, "substring(s, start, len) -> string"},
    {"trim", 1, 2, P, strings_trim, "trim(s, chars?) -> string"},
    {"trim_prefix", 2, 2, P, strings_trim_prefix, "trim_prefix(s, prefix) -> string"},
    {"trim_suffix", 2, 2, P, strings_trim_suffix, "trim_suffix(s, suffix) -> string"},
    {"upper", 1, 1, P, strings_upper, "upper(s) -> string"},
};
const size_t builtins_strings_ndefs = BUILTIN_NELEMS(builtins_strings_defs);
