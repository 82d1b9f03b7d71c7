/* builtin.h — the interface between the VM and builtin functions written in C.
 *
 * A builtin receives its arguments as Values and writes one Value. It
 * allocates only from ctx->arena (the evaluation arena), so its results
 * live exactly as long as the evaluation. It never prints or exits.
 *
 * Conventions every builtin follows:
 *   - an undefined argument makes the result undefined (return true with
 *     *out = undefined), unless the builtin is about definedness;
 *   - a wrong argument type is a runtime error: return false after
 *     builtin_error(ctx, "...") — the VM attaches the policy location;
 *   - the VM taints the result with VF_SENSITIVE when any argument is
 *     sensitive, so builtins need not.
 *
 * Builtins are found by name at compile time (dotted names such as
 * "json.decode" are allowed) and called through a table index.
 */
#ifndef VETO_BUILTIN_H
#define VETO_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "vm/value.h"

typedef struct RegexCache RegexCache;

/* The lists tf.of_type / tf.of_types (builtins_tf.c) have indexed by
 * element type during one evaluation, found by the list's identity (its
 * items pointer and length: values never change once built, and within an
 * evaluation no memory is reused). The indexes live in the evaluation
 * arena, so nothing here is freed: builtin_ctx_reset() forgets them, and
 * must be called whenever the arena is reset (vm_reset does, and
 * vm_forget_globals between the elements of a streamed plan), or a list
 * built later at a reused address would find another list's index. Only
 * lists of BUILTIN_TF_INDEX_MIN elements or more are indexed, so the
 * one-element lists of streaming evaluation never enter. A zeroed
 * TfIndexCache is empty. */
#define BUILTIN_TF_INDEX_SLOTS 8
#define BUILTIN_TF_INDEX_MIN   32u

typedef struct TfTypeIndex TfTypeIndex; /* builtins_tf.c; in the evaluation arena */

typedef struct TfIndexCache {
    const Arena *arena; /* the arena the indexes live in */
    size_t watermark;   /* arena->used after the newest index was built: less means a reset */
    uint32_t n, next;   /* slots in use; the slot to replace when all are */
    struct {
        const Value *items; /* the list's identity: items pointer and length */
        uint32_t len;
        TfTypeIndex *ix;
    } slot[BUILTIN_TF_INDEX_SLOTS];
} TfIndexCache;

typedef struct BuiltinCtx {
    Arena *arena;         /* evaluation arena: allocate results here */
    RegexCache *regex;    /* per-evaluation cache of compiled dynamic patterns */
    const KeyTable *keys; /* engine key table (read-only here) */
    TfIndexCache tfindex; /* per-evaluation type indexes (tf.of_type) */
    char err[256];        /* message of a runtime error */
} BuiltinCtx;

/* Forgets what builtins cached for the evaluation that lives in ctx->arena
 * (the tf type indexes; the regex cache is keyed by pattern text and
 * stays). Call it whenever that arena is reset or replaced. */
void builtin_ctx_reset(BuiltinCtx *ctx);

typedef bool (*BuiltinFn)(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out);

#define BUILTIN_PURE 0x1u /* same args, same result: may be constant-folded */

typedef struct BuiltinDef {
    const char *name; /* as written in policies, e.g. "count", "json.decode" */
    uint8_t min_args;
    uint8_t max_args; /* 255 = variadic */
    uint8_t flags;    /* BUILTIN_* */
    BuiltinFn fn;
    const char *signature; /* e.g. "count(collection) -> number", for docs and errors */
} BuiltinDef;

/* Sets ctx->err (printf-style) and returns false, for `return builtin_error(...)`. */
bool builtin_error(BuiltinCtx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The table of all builtins, sorted by name; builtin_find is a binary search. */
const BuiltinDef *builtin_find(const char *name, size_t len);
const BuiltinDef *builtin_at(uint32_t index);
uint32_t builtin_index(const BuiltinDef *def);
uint32_t builtin_count(void);

/* Regex support shared by the VM (literal patterns) and builtins. */
typedef struct Regex Regex; /* wraps pcre2_code */
Regex *regex_compile(const char *pattern, size_t len, char *err, size_t errlen); /* malloc-owned */
void regex_free(Regex *re);
/* Unanchored search; returns 1 match, 0 no match, -1 error (message in err). */
int regex_search(const Regex *re, const char *subject, size_t len, char *err, size_t errlen);
RegexCache *regex_cache_new(void);
void regex_cache_free(RegexCache *c);
/* Compiled pattern from the cache (compiling it on first use); NULL with err on a bad pattern. */
const Regex *regex_cache_get(RegexCache *c, const char *pattern, size_t len, char *err,
                             size_t errlen);

/* Glob match: '*' any run except '/', '**' any run including '/', '?' one
 * character (not '/'), '[abc]', '[a-z]', '[!x]', '\' escapes. */
bool glob_match(const char *pat, size_t plen, const char *s, size_t slen);

#endif
