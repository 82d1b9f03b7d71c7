/* builtins_testlib.h — helpers for the builtin unit tests: call a builtin
 * by name with arguments written as JSON text and get the result back as
 * compact JSON text, so a test reads like the docs:
 *
 *   EXPECT("lower", "[\"ABC\"]", "\"abc\"");
 *
 * In argument lists the string "$undef" stands for undefined and an
 * object {"$set": [...]} for a set. Results: JSON text (insertion order),
 * "undefined", or "error: <message>". Included by test_builtins_*.c only.
 */
#ifndef VETO_BUILTINS_TESTLIB_H
#define VETO_BUILTINS_TESTLIB_H

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "harness.h"
#include "input/json_read.h"
#include "stdlib/builtin.h"
#include "vm/regex.h"

static Arena tl_arena;
static int tl_ready;
static RegexCache *tl_cache;
static char tl_out[1 << 16];

static void tl_init(void)
{
    if (!tl_ready) {
        arena_init(&tl_arena, 1 << 16);
        tl_cache = regex_cache_new();
        tl_ready = 1;
    }
}

static inline void tl_done(void)
{
    if (tl_ready) {
        arena_free(&tl_arena);
        regex_cache_free(tl_cache);
        tl_ready = 0;
    }
}

static inline Value tl_arr(Value *items, uint32_t n)
{
    Value v = value_undef();
    v.kind = V_ARR;
    v.u.a = items;
    v.n = n;
    return v;
}

static Value tl_fix(Value v)
{
    if (v.kind == V_STR && v.n == 6 && memcmp(v.u.s, "$undef", 6) == 0)
        return value_undef();
    if (v.kind == V_OBJ && v.n == 1 && v.u.o[0].klen == 4 && memcmp(v.u.o[0].key, "$set", 4) == 0)
        return value_make_set(&tl_arena, v.u.o[0].val.u.a, v.u.o[0].val.n);
    if (v.kind == V_ARR)
        for (uint32_t k = 0; k < v.n; k++)
            v.u.a[k] = tl_fix(v.u.a[k]);
    if (v.kind == V_OBJ)
        for (uint32_t k = 0; k < v.n; k++)
            v.u.o[k].val = tl_fix(v.u.o[k].val);
    return v;
}

/* Parses JSON text into a Value in the test arena (aborts the test binary
 * on a typo in the test itself). */
static inline Value tl_json(const char *text)
{
    tl_init();
    size_t n = strlen(text);
    char *copy = arena_strndup(&tl_arena, text, n);
    Value v;
    JsonError err;
    if (!json_read(&tl_arena, copy, n, NULL, &v, &err)) {
        fprintf(stderr, "bad test JSON: %s: %s\n", text, err.message);
        exit(2);
    }
    return tl_fix(v);
}

static inline const char *tl_show(Value v)
{
    if (v.kind == V_UNDEF)
        return "undefined";
    Buf b = BUF_INIT;
    json_write(&b, v, 0);
    snprintf(tl_out, sizeof tl_out, "%s", b.p ? b.p : "(oom)");
    buf_free(&b);
    return tl_out;
}

/* Calls builtin `name` with the JSON array `args`; with_cache picks
 * whether ctx->regex is set (both paths must work). */
static const char *tl_call_v(const char *name, Value args, int with_cache, Value *result)
{
    tl_init();
    const BuiltinDef *def = builtin_find(name, strlen(name));
    if (!def) {
        snprintf(tl_out, sizeof tl_out, "no such builtin %s", name);
        return tl_out;
    }
    if (args.n < def->min_args || (def->max_args != 255 && args.n > def->max_args)) {
        snprintf(tl_out, sizeof tl_out, "arity %u out of range for %s", (unsigned)args.n, name);
        return tl_out;
    }
    BuiltinCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = &tl_arena;
    ctx.regex = with_cache ? tl_cache : NULL;
    Value out = value_null();
    if (!def->fn(&ctx, args.u.a, args.n, &out)) {
        snprintf(tl_out, sizeof tl_out, "error: %s", ctx.err);
        return tl_out;
    }
    if (result)
        *result = out;
    return tl_show(out);
}

static inline const char *tl_call(const char *name, const char *args_json)
{
    return tl_call_v(name, tl_json(args_json), 1, NULL);
}

/* A float result, compared by value (the writer's float text is not ours). */
#define EXPECT_FLOAT(name, args, want)                                                             \
    do {                                                                                           \
        Value r__ = value_undef();                                                                 \
        const char *got__ = tl_call_v((name), tl_json(args), 1, &r__);                             \
        if (r__.kind != V_FLOAT || r__.u.f != (want))                                              \
            CHECK_STR(got__, #want " (as a float)");                                               \
    } while (0)
#define EXPECT(name, args, want) CHECK_STR(tl_call((name), (args)), (want))
/* The same, without a RegexCache (constant folding / no evaluation). */
#define EXPECT_NOCACHE(name, args, want)                                                           \
    CHECK_STR(tl_call_v((name), tl_json(args), 0, NULL), (want))
/* Only the start of the result must match (long error messages). */
#define EXPECT_PREFIX(name, args, want)                                                            \
    do {                                                                                           \
        const char *got__ = tl_call((name), (args));                                               \
        if (strncmp(got__, (want), strlen(want)) != 0)                                             \
            CHECK_STR(got__, (want));                                                              \
    } while (0)

#endif
