/* json_read.h — JSON text to Values (json_read.c); the way back is
 * vm/json_write.h.
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
 */
#ifndef VETO_JSON_READ_H
#define VETO_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "vm/json_write.h"
#include "vm/value.h"

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

/* Streaming one member of the root object: its value must be an array,
 * whose elements are read one at a time, each into elem_arena (reset before
 * each element) with the projection of `key`[*], and handed to elem. */
typedef struct JsonStream {
    const char *key; /* the root member to stream ("resource_changes") */
    uint32_t klen;
    Arena *elem_arena;                   /* borrowed: holds one element at a time */
    bool (*elem)(void *ud, Value value); /* false stops the read (JSON_STREAM_FAIL) */
    void *ud;
    bool release; /* buf is a private read-only file mapping: give consumed pages back */
    /* Root members the projection may name but documents seldom have
     * (NULL-terminated; may be NULL): the elements are streamed while the
     * document is read even when these were not seen before the array; if
     * one turns up after it, the read ends with JSON_STREAM_NO. */
    const char *const *rare;
    /* What evaluating an element reads (may be NULL: proj), a tree proj
     * covers (paths_covers): the root members it names are the ones the
     * elements need to see, so the elements stream while the document is
     * read when those came before the array; members only proj names may
     * come anywhere, they are kept in *out as usual. */
    const struct PathNode *early;
    /* Set by the reader: */
    Value root;    /* before the first element: the root object as the elements must see
                    * it (every member the projection keeps, this one an empty array) */
    size_t nelems; /* elements handed to elem */
    bool deferred; /* a needed member followed the array: it was streamed after the end */
    bool stopped;  /* elem returned false */
    bool absent;   /* the root has no such member (nothing streamed; *out is the whole
                    * projected document) */
} JsonStream;

typedef enum JsonStreamResult {
    JSON_STREAM_OK,   /* read; every element was handed over */
    JSON_STREAM_NO,   /* not streamable: the root is not an object, or the member is not
                       * an array, appears twice, is not needed, or a needed member
                       * repeats after it; read the document another way */
    JSON_STREAM_FAIL, /* invalid JSON, out of memory or stopped; err as json_read_projected */
} JsonStreamResult;

/* Like json_read_projected (same documents accepted, same projection), but
 * the elements of the root member s->key are streamed as JsonStream says
 * instead of kept: *out (on JSON_STREAM_OK) is the root object with that
 * member's value an empty array. The elements are handed over in order,
 * while the document is read when every other member the projection needs
 * came before the array, else after the document's end (a second pass
 * over the array's bytes). On JSON_STREAM_NO and JSON_STREAM_FAIL elements
 * may already have been handed over: whatever they produced is void. */
JsonStreamResult json_read_stream(Arena *arena, const char *buf, size_t len,
                                  const JsonReadOptions *opt, const struct PathNode *proj,
                                  JsonStream *s, Value *out, JsonError *err);

#endif
