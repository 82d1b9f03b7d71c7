/* builtins_regex.c — the regex.* builtins: regex.match (also spelled
 * regex_match), regex.find_all, regex.replace, regex.captures and
 * regex.is_valid.
 *
 * Argument order is always subject first, pattern second — the order of
 * `s =~ pattern`. Patterns are PCRE2 in UTF mode, searched unanchored
 * (use ^ and $ to anchor). Patterns known only at run time are compiled
 * through the evaluation's RegexCache (ctx->regex); without one (constant
 * folding, tests) they are compiled for the call and freed after it.
 * Results are built in ctx->arena, as slices of the subject when possible.
 */
#include "builtin_impl.h"
#include "vm/regex.h"

#include <string.h>

/* A compiled pattern for one call, from the cache or owned by the call. */
typedef struct RegexUse {
    const Regex *re;
    Regex *owned;         /* non-NULL when compiled without a cache */
    pcre2_match_data *md; /* from the cache, or owned when owned != NULL */
} RegexUse;

static bool regex_use_begin(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t pi,
                            RegexUse *u)
{
    memset(u, 0, sizeof *u);
    if (args[pi].kind != V_STR)
        return builtin_type_error(ctx, fn, pi + 1, "a string (regex pattern)", args[pi]);
    char err[200];
    if (ctx->regex) {
        u->re = regex_cache_get(ctx->regex, args[pi].u.s, args[pi].n, err, sizeof err);
    } else {
        u->owned = regex_compile(args[pi].u.s, args[pi].n, err, sizeof err);
        u->re = u->owned;
    }
    if (!u->re)
        return builtin_error(ctx, "%s: %s", fn, err);
    u->md = regex_cache_match_data(u->owned ? NULL : ctx->regex, u->re);
    if (!u->md) {
        regex_free(u->owned);
        u->owned = NULL;
        return builtin_oom(ctx, fn);
    }
    return true;
}

static void regex_use_end(RegexUse *u)
{
    if (u->owned) {
        pcre2_match_data_free(u->md);
        regex_free(u->owned);
    }
    memset(u, 0, sizeof *u);
}

/* Runs one match from `start`; 1 match, 0 none, -1 error (ctx->err set). */
static int regex_exec(BuiltinCtx *ctx, const char *fn, RegexUse *u, const char *s, size_t n,
                      size_t start, uint32_t opts)
{
    int rc = pcre2_match(u->re->code, (PCRE2_SPTR)s, n, start, opts, u->md, u->re->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    char err[200];
    regex_error_text(rc, err, sizeof err);
    builtin_error(ctx, "%s: %s", fn, err);
    return -1;
}

static bool regex_match_impl(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                             Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a string", args[0]);
    RegexUse u;
    if (!regex_use_begin(ctx, fn, args, 1, &u))
        return false;
    int r = regex_exec(ctx, fn, &u, args[0].u.s, args[0].n, 0, 0);
    regex_use_end(&u);
    if (r < 0)
        return false;
    *out = value_bool(r == 1);
    return true;
}

static bool regex_match_b(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return regex_match_impl(ctx, "regex.match", args, argc, out);
}

static bool regex_match_alias(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return regex_match_impl(ctx, "regex_match", args, argc, out);
}

/* Every non-overlapping match, left to right, as strings. After an empty
 * match the next try must not be empty at the same place (pcre2demo's
 * rule), else it advances one code point; so "a*" on "baa" gives
 * ["", "aa", ""]. */
static bool regex_find_all(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "regex.find_all";
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a string", args[0]);
    RegexUse u;
    if (!regex_use_begin(ctx, fn, args, 1, &u))
        return false;
    const char *s = args[0].u.s;
    size_t n = args[0].n, start = 0;
    uint32_t opts = 0;
    ValVec vec = {0};
    bool ok = true;
    while (start <= n) {
        int r = regex_exec(ctx, fn, &u, s, n, start, opts);
        if (r < 0) {
            ok = false;
            break;
        }
        if (r == 0) {
            if (opts == 0 || start >= n)
                break;
            /* the empty-at-start retry failed: step over one code point */
            uint32_t cp;
            start += utf8_next(s + start, n - start, &cp);
            opts = 0;
            continue;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(u.md);
        if (!builtin_vec_push(ctx, fn, &vec, value_str(s + ov[0], (uint32_t)(ov[1] - ov[0])))) {
            ok = false;
            break;
        }
        opts = ov[0] == ov[1] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
        start = ov[1];
    }
    regex_use_end(&u);
    if (ok)
        *out = builtin_arr(vec.items, (uint32_t)vec.n);
    return ok;
}

/* The first match as [whole, group1, ...]; a group that did not take part
 * is null; no match is undefined. */
static bool regex_captures(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "regex.captures";
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a string", args[0]);
    RegexUse u;
    if (!regex_use_begin(ctx, fn, args, 1, &u))
        return false;
    const char *s = args[0].u.s;
    int r = regex_exec(ctx, fn, &u, s, args[0].n, 0, 0);
    bool ok = r >= 0;
    if (r == 0)
        *out = value_undef();
    if (r == 1) {
        uint32_t groups = u.re->ncap + 1;
        Value *items = builtin_new_values(ctx, fn, groups);
        ok = items != NULL;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(u.md);
        uint32_t have = pcre2_get_ovector_count(u.md);
        for (uint32_t g = 0; ok && g < groups; g++) {
            if (g < have && ov[2 * g] != PCRE2_UNSET)
                items[g] = value_str(s + ov[2 * g], (uint32_t)(ov[2 * g + 1] - ov[2 * g]));
            else
                items[g] = value_null();
        }
        if (ok)
            *out = builtin_arr(items, groups);
    }
    regex_use_end(&u);
    return ok;
}

/* regex.replace(s, pattern, replacement): every match replaced; in the
 * replacement $1 or ${1} is a group ($0 the whole match, ${name} a named
 * group), $$ a dollar; an unset group inserts nothing. */
static bool regex_replace(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "regex.replace";
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a string", args[0]);
    if (args[2].kind != V_STR)
        return builtin_type_error(ctx, fn, 3, "a string", args[2]);
    RegexUse u;
    if (!regex_use_begin(ctx, fn, args, 1, &u))
        return false;
    uint32_t opts =
        PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH | PCRE2_SUBSTITUTE_UNSET_EMPTY;
    PCRE2_SIZE cap = (PCRE2_SIZE)args[0].n * 2 + 64;
    bool ok = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *buf = arena_alloc(ctx->arena, cap + 1);
        if (!buf) {
            builtin_oom(ctx, fn);
            break;
        }
        PCRE2_SIZE outlen = cap + 1; /* room for pcre2's terminating NUL */
        int rc = pcre2_substitute(u.re->code, (PCRE2_SPTR)args[0].u.s, args[0].n, 0, opts, u.md,
                                  u.re->mctx, (PCRE2_SPTR)args[2].u.s, args[2].n,
                                  (PCRE2_UCHAR *)buf, &outlen);
        if (rc >= 0) {
            if (outlen > UINT32_MAX) {
                builtin_error(ctx, "%s: result string too long", fn);
                break;
            }
            *out = value_str(buf, (uint32_t)outlen);
            ok = true;
            break;
        }
        if (rc == PCRE2_ERROR_NOMEMORY && attempt == 0) {
            cap = outlen; /* OVERFLOW_LENGTH told us the size needed */
            continue;
        }
        char err[200];
        regex_error_text(rc, err, sizeof err);
        builtin_error(ctx, "%s: %s", fn, err);
        break;
    }
    regex_use_end(&u);
    return ok;
}

/* regex.is_valid(pattern): whether the pattern compiles. */
static bool regex_is_valid(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, "regex.is_valid", 1, "a string", args[0]);
    char err[200];
    Regex *re = regex_compile(args[0].u.s, args[0].n, err, sizeof err);
    *out = value_bool(re != NULL);
    regex_free(re);
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_regex_defs[] = {
    {"regex.captures", 2, 2, P, regex_captures, "regex.captures(s, pattern) -> array"},
    {"regex.find_all", 2, 2, P, regex_find_all, "regex.find_all(s, pattern) -> array"},
    {"regex.is_valid", 1, 1, P, regex_is_valid, "regex.is_valid(pattern) -> bool"},
    {"regex.match", 2, 2, P, regex_match_b, "regex.match(s, pattern) -> bool"},
    {"regex.replace", 3, 3, P, regex_replace, "regex.replace(s, pattern, replacement) -> string"},
    {"regex_match", 2, 2, P, regex_match_alias, "regex_match(s, pattern) -> bool"},
};
const size_t builtins_regex_ndefs = BUILTIN_NELEMS(builtins_regex_defs);
