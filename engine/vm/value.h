/* value.h — the VM's value representation, shared by the JSON reader,
 * the VM, the builtins and the output writers.
 *
 * A Value is 16 bytes: a kind, taint flags, a length and one payload word.
 * Values are plain data: they never own memory. Strings, arrays and
 * objects point into an Arena (or into the input buffer, for strings the
 * JSON reader did not need to unescape), and live as long as that arena
 * or buffer. Strings are NOT NUL-terminated; always use `n`.
 *
 * Object members carry their key as text plus an interned key id (`kid`)
 * from the engine's KeyTable: every attribute name a policy mentions is
 * interned when the policy is compiled, and the input reader tags matching
 * keys with the same id, so `r.after.acl` compares integers, not strings.
 * kid 0 means "not interned"; two keys are equal when both ids are
 * non-zero and equal, or when either id is 0 and the texts are equal.
 *
 * Numbers keep the integer/float distinction: V_INT is an exact int64,
 * V_FLOAT a double, and V_BIGNUM an integer literal too large for int64,
 * kept as its decimal text (u.s, n) so it round-trips exactly.
 *
 * V_SET is an array kept sorted by value_compare() with no duplicates.
 * V_UNDEF is "undefined": what a path into a missing attribute yields.
 */
#ifndef VETO_VALUE_H
#define VETO_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef enum ValueKind {
    V_UNDEF = 0, /* missing: never stored inside arrays or objects */
    V_NULL,
    V_BOOL,
    V_INT,
    V_FLOAT,
    V_BIGNUM,
    V_STR,
    V_ARR,
    V_SET,
    V_OBJ,
    V_KIND_COUNT
} ValueKind;

/* Taint flags. A sensitive value is shown as REDACTED_MARKER by every
 * writer; operations that derive a value from a sensitive one taint the
 * result (concatenation, interpolation, builtins). */
#define VF_SENSITIVE 0x01u
#define VF_UNKNOWN   0x02u /* "known after apply" (after_unknown) */

#define REDACTED_MARKER "(sensitive)"

typedef struct Member Member;

typedef struct Value {
    uint8_t kind;   /* ValueKind */
    uint8_t flags;  /* VF_* taint */
    uint16_t spare; /* reserved; keep zero */
    uint32_t n;     /* string byte length, or element/member count */
    union {
        bool b;          /* V_BOOL */
        int64_t i;       /* V_INT */
        double f;        /* V_FLOAT */
        const char *s;   /* V_STR, V_BIGNUM (decimal text) */
        struct Value *a; /* V_ARR, V_SET: n elements */
        Member *o;       /* V_OBJ: n members, in input/insertion order */
    } u;
} Value;

struct Member {
    const char *key; /* key text, not NUL-terminated */
    uint32_t klen;   /* key length */
    uint32_t kid;    /* interned id from the KeyTable, 0 if none */
    Value val;
};

/* Constructors: cheap, no allocation. */
static inline Value value_undef(void)
{
    Value v = {0};
    return v;
}
static inline Value value_null(void)
{
    Value v = {0};
    v.kind = V_NULL;
    return v;
}
static inline Value value_bool(bool b)
{
    Value v = {0};
    v.kind = V_BOOL;
    v.u.b = b;
    return v;
}
static inline Value value_int(int64_t i)
{
    Value v = {0};
    v.kind = V_INT;
    v.u.i = i;
    return v;
}
static inline Value value_float(double f)
{
    Value v = {0};
    v.kind = V_FLOAT;
    v.u.f = f;
    return v;
}
static inline Value value_str(const char *s, uint32_t n)
{
    Value v = {0};
    v.kind = V_STR;
    v.u.s = s;
    v.n = n;
    return v;
}
static inline bool value_is_true(Value v) { return v.kind == V_BOOL && v.u.b; }

/* ---- key interning (engine lifetime) ---------------------------------- */

/* Append-only table of interned key strings. Ids start at 1. Growing it is
 * not thread-safe: intern while compiling; look up from any thread once
 * compilation is over. Owns copies of the key texts. */
typedef struct KeyTable KeyTable;

KeyTable *keys_new(void);
void keys_free(KeyTable *t);
uint32_t keys_intern(KeyTable *t, const char *s, size_t len);       /* 0 on OOM */
uint32_t keys_lookup(const KeyTable *t, const char *s, size_t len); /* 0 if absent */
const char *keys_text(const KeyTable *t, uint32_t id, uint32_t *len_out);
uint32_t keys_count(const KeyTable *t);

/* ---- operations (value.c) --------------------------------------------- */

const char *value_kind_name(ValueKind k); /* "string", "number", ... as the language names them */

/* Member lookup by key; returns NULL when absent. kid may be 0. */
const Member *value_get(Value obj, const char *key, uint32_t klen, uint32_t kid);

/* Structural equality: 1 == 1.0, objects compare as unordered maps,
 * taint flags are ignored. */
bool value_equal(Value a, Value b);

/* Total order used for sets, sort() and deterministic output:
 * null < bool < number < string < array < set < object; numbers by value. */
int value_compare(Value a, Value b);

/* Sort and deduplicate `n` values into a new set allocated in `arena`. */
Value value_make_set(Arena *arena, const Value *items, uint32_t n);

/* Numeric view of V_INT/V_FLOAT/V_BIGNUM; false if not a number. */
bool value_to_double(Value v, double *out);
static inline bool value_is_number(Value v)
{
    return v.kind == V_INT || v.kind == V_FLOAT || v.kind == V_BIGNUM;
}

/* 64-bit hash consistent with value_equal (used by unique/sets/caches). */
uint64_t value_hash(Value v);

#endif
