/* json.h — JSON text to Values and back.
 *
 * The reader builds Values straight into an arena — no intermediate tree —
 * and is strict RFC 8259 (it accepts every y_ and rejects every n_ file of
 * JSONTestSuite). Strings with no escapes point into the input buffer,
 * which therefore must outlive the values; strings with escapes are
 * unescaped into the arena. Object keys are tagged with their interned id
 * from `keys` when the key is already in the table (the reader never adds
 * keys). Integers that fit int64 become V_INT, larger integers V_BIGNUM
 * (exact text), the rest V_FLOAT. Duplicate keys: the last one wins.
 * Nesting deeper than max_depth is an error, never a stack overflow.
 *
 * The writer prints Values as JSON; with JSON_REDACT a value carrying
 * VF_SENSITIVE prints as the string REDACTED_MARKER, at any depth.
 */
#ifndef VETO_JSON_H
#define VETO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "value.h"

#define JSON_DEFAULT_MAX_DEPTH 512

typedef struct JsonReadOptions {
    uint32_t max_depth;   /* 0 = JSON_DEFAULT_MAX_DEPTH */
    const KeyTable *keys; /* may be NULL: no key ids */
} JsonReadOptions;

typedef struct JsonError {
    size_t offset;     /* byte offset of the error */
    uint32_t line;     /* 1-based */
    uint32_t col;      /* 1-based, bytes */
    char message[200]; /* e.g. "expected ',' or '}' after object member" */
} JsonError;

/* Parses exactly one JSON value (surrounding whitespace allowed) from
 * buf[0..len). On failure returns false and fills err; the arena may hold
 * partial garbage (reset it). */
bool json_read(Arena *arena, const char *buf, size_t len, const JsonReadOptions *opt, Value *out,
               JsonError *err);

struct PathNode;

/* Like json_read, but keeps only what the projection tree `proj` (paths.h)
 * needs: other members are validated and skipped without allocating. It
 * accepts exactly the documents json_read accepts; on failure the message
 * may be less precise, so callers re-read with json_read for diagnostics. */
bool json_read_projected(Arena *arena, const char *buf, size_t len, const JsonReadOptions *opt,
                         const struct PathNode *proj, Value *out, JsonError *err);

#define JSON_PRETTY    0x1u /* two-space indent, one member per line */
#define JSON_REDACT    0x2u /* sensitive values print as REDACTED_MARKER */
#define JSON_SORT_KEYS 0x4u /* canonical: object keys sorted bytewise */

/* Appends v as JSON. V_UNDEF prints as null. Floats print with the
 * shortest representation that round-trips ("%.17g" trimmed), always with
 * a '.', 'e' or as an integer-valued float "1.0". Sets print as arrays. */
void json_write(Buf *out, Value v, unsigned flags);
/* Appends s as a quoted JSON string with the needed escapes (control
 * characters as \u00XX; valid UTF-8 passes through; invalid bytes become
 * U+FFFD). */
void json_write_string(Buf *out, const char *s, size_t n);

#endif
