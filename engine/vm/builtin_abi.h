/* builtin_abi.h — what the VM calls a builtin with: the context, the
 * function type and the table entry. The builtins themselves, and the
 * table of them, are the standard library's (stdlib/builtin.h); the VM
 * reaches them only through Program.builtins, which the compiler (or the
 * bundle loader) points at that table, so nothing here names the stdlib.
 */
#ifndef VETO_BUILTIN_ABI_H
#define VETO_BUILTIN_ABI_H

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
 * stays). Call it whenever that arena is reset or replaced. The indexes
 * themselves went with the arena; slots past n are never read. */
static inline void builtin_ctx_reset(BuiltinCtx *ctx) { ctx->tfindex.n = ctx->tfindex.next = 0; }

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

#endif
