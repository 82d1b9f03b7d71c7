/* builtin_impl.h — private to stdlib/: what the builtin files share.
 *
 * Each builtins_*.c file keeps its functions static and exports one array
 * of BuiltinDef (in any order); builtin_table.c merges them into the one
 * sorted table behind builtin_find(). The helpers below (builtin_util.c)
 * give every builtin the same argument checks and error wording:
 *
 *     "lower: argument 1 must be a string, got number"
 *
 * Nothing here is part of the engine's interface; the VM includes only
 * builtin.h.
 */
#ifndef VETO_BUILTIN_IMPL_H
#define VETO_BUILTIN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/utf8.h"
#include "builtin.h"

/* ---- per-file definition tables (merged by builtin_table.c) ----------- */

#define BUILTIN_DEFS(file)                                                                         \
    extern const BuiltinDef builtins_##file##_defs[];                                              \
    extern const size_t builtins_##file##_ndefs

BUILTIN_DEFS(core);
BUILTIN_DEFS(strings);
BUILTIN_DEFS(regex);
BUILTIN_DEFS(glob);
BUILTIN_DEFS(collections);
BUILTIN_DEFS(numbers);
BUILTIN_DEFS(net);
BUILTIN_DEFS(encoding);
BUILTIN_DEFS(time);
BUILTIN_DEFS(semver);
BUILTIN_DEFS(cloud);
BUILTIN_DEFS(sensitive);
BUILTIN_DEFS(tf);

#define BUILTIN_NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- arguments --------------------------------------------------------- */

/* True when any argument is undefined: most builtins then return undefined. */
bool builtin_any_undef(const Value *args, uint32_t argc);

#define BUILTIN_UNDEF_IN(args, argc, out)                                                          \
    do {                                                                                           \
        if (builtin_any_undef((args), (argc))) {                                                   \
            *(out) = value_undef();                                                                \
            return true;                                                                           \
        }                                                                                          \
    } while (0)

/* The language's name for v's type: "string", "number", ..., "undefined". */
const char *builtin_type_name(Value v);

/* "FN: argument N must be WANT, got TYPE"; returns false. argi is 1-based. */
bool builtin_type_error(BuiltinCtx *ctx, const char *fn, uint32_t argi, const char *want,
                        Value got);
/* "FN: out of memory"; returns false. */
bool builtin_oom(BuiltinCtx *ctx, const char *fn);

/* Checked accessors: false (with the error set) when args[i] has the wrong type.
 * builtin_int_arg accepts ints and integral floats within int64. */
bool builtin_str_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, const char **s,
                     size_t *n);
bool builtin_int_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, int64_t *out);
bool builtin_num_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, double *out);

/* ---- results ----------------------------------------------------------- */

/* A string copied into ctx->arena (NUL-terminated for convenience). */
bool builtin_new_str(BuiltinCtx *ctx, const char *fn, const char *s, size_t n, Value *out);
/* n uninitialised Values / Members in ctx->arena (n may be 0: returns a
 * non-NULL dummy). NULL only on OOM, with the error set. */
Value *builtin_new_values(BuiltinCtx *ctx, const char *fn, size_t n);
Member *builtin_new_members(BuiltinCtx *ctx, const char *fn, size_t n);
/* Fills m with key (NUL-terminated, static or arena text) and v, tagging
 * the key with its interned id when the engine knows it. */
void builtin_member(BuiltinCtx *ctx, Member *m, const char *key, Value v);
void builtin_member_n(BuiltinCtx *ctx, Member *m, const char *key, size_t klen, Value v);

static inline Value builtin_arr(Value *items, uint32_t n)
{
    Value v = {0};
    v.kind = V_ARR;
    v.u.a = items;
    v.n = n;
    return v;
}
static inline Value builtin_obj(Member *m, uint32_t n)
{
    Value v = {0};
    v.kind = V_OBJ;
    v.u.o = m;
    v.n = n;
    return v;
}

/* Growable array of Values in an arena, for results of unknown size. */
typedef struct ValVec {
    Value *items;
    size_t n, cap;
} ValVec;
bool builtin_vec_push(BuiltinCtx *ctx, const char *fn, ValVec *vec, Value v);

/* ---- UTF-8 ------------------------------------------------------------- */

/* utf8_next (base/utf8.h) decodes one code point. */
/* Code points in s[0..n), counting each invalid byte as one. */
size_t builtin_utf8_count(const char *s, size_t n);
/* Byte offset of code point `index` (clamped to n). */
size_t builtin_utf8_offset(const char *s, size_t n, size_t index);
/* Writes cp as UTF-8 into out[4]; returns its length. */
size_t builtin_utf8_encode(uint32_t cp, char *out);

/* ---- numbers ----------------------------------------------------------- */

/* Result for a double that should stay an int when it is one and fits. */
Value builtin_number_from_double(double d);

/* Builtins other builtins call directly (not through the table, which
 * lists them all): to_string (builtins_core.c), json.decode
 * (builtins_encoding.c). */
bool core_to_string(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out);
bool enc_json_decode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out);

#endif
