/* yaml_read.h — YAML text to Values, through libyaml's event parser. (Not yaml.h:
 * that name is libyaml's own header, which -Iengine would shadow.)
 *
 * The reader builds the same Values the JSON reader does (json.h): strings
 * copied into the arena (NUL-terminated), object keys tagged with their
 * interned id when `keys` is given, integers as V_INT or V_BIGNUM, the
 * rest as V_FLOAT. The input buffer may be freed once yaml_read returns.
 *
 * Decisions:
 *   - scalars resolve by the YAML 1.2 core schema: null (null Null NULL ~
 *     and the empty scalar), bool (true True TRUE false False FALSE), int
 *     (decimal, 0o octal, 0x hex), float (1.5, 1e3, .5, .inf, -.inf, .nan);
 *     anything else, and every quoted or block scalar, is a string;
 *   - the tags !!str !!int !!float !!bool !!null !!map !!seq are honoured
 *     (a scalar that does not fit its tag is an error); !!binary,
 *     !!timestamp and unknown tags keep the node as it is, scalars as
 *     strings; CloudFormation's short tags (!Ref, !GetAtt, !Sub, ...)
 *     become their long form ({"Ref": x}, {"Fn::GetAtt": [a, b]}, ...);
 *   - anchors and aliases: an alias shares the anchored Value (no copy),
 *     and the nodes aliases stand for are counted; more than
 *     max_alias_nodes in one call is an error, so a "billion laughs"
 *     document fails at once instead of growing without bound; an alias
 *     to an undefined or still-open anchor is an error;
 *   - merge keys (`<<: *base`, `<<: [*a, *b]`): the merged mappings' keys
 *     go where `<<` stands, skipping keys the mapping sets itself; among
 *     several merged mappings the first that has a key wins;
 *   - duplicate keys in one mapping are an error at the second key; keys
 *     must be scalars (their text is the key: `1: x` has the key "1");
 *   - nesting deeper than max_depth (counting what aliases stand for) is
 *     an error, never a stack overflow;
 *   - a stream of several documents reads as an array of them; empty
 *     documents (a trailing `---`) are skipped;
 *   - positions are 1-based lines and columns (columns count characters,
 *     as libyaml does).
 */
#ifndef VETO_YAML_H
#define VETO_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "vm/value.h"

#define YAML_DEFAULT_MAX_DEPTH       512
#define YAML_DEFAULT_MAX_ALIAS_NODES 1000000u

typedef struct YamlReadOptions {
    uint32_t max_depth;       /* 0 = YAML_DEFAULT_MAX_DEPTH */
    uint64_t max_alias_nodes; /* 0 = YAML_DEFAULT_MAX_ALIAS_NODES */
    const KeyTable *keys;     /* may be NULL: no key ids */
    bool always_array;        /* the result is the array of documents, even for one */
} YamlReadOptions;

typedef struct YamlError {
    size_t offset;     /* character offset of the error */
    uint32_t line;     /* 1-based */
    uint32_t col;      /* 1-based, characters */
    char message[200]; /* e.g. "duplicate key 'name' (first at line 2, column 3)" */
} YamlError;

/* Parses a YAML stream from buf[0..len) into *out: its one document, or
 * (with several, or with always_array) the array of its documents; a
 * stream with no document gives null (or []). *ndocs (may be NULL) gets
 * the number of documents. On failure returns false, fills err and sets
 * *out to undefined; the arena may hold partial garbage. */
bool yaml_read(Arena *arena, const char *buf, size_t len, const YamlReadOptions *opt, Value *out,
               uint32_t *ndocs, YamlError *err);

#endif
