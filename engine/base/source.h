/* source.h — a policy source text and its line-start table.
 *
 * Tokens and AST nodes carry byte offsets only; line and column are
 * computed here, when a diagnostic or a location string is produced.
 * Lines and columns are 1-based; a column counts UTF-8 code points, so a
 * caret lines up under non-ASCII text.
 *
 * A Source owns malloc'd copies of its name and text. The text is always
 * followed by a NUL byte (the lexer relies on it as a sentinel).
 */
#ifndef VETO_SOURCE_H
#define VETO_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct Source {
    char *name;            /* path as given by the user, or "<string>" */
    char *text;            /* NUL-terminated contents */
    size_t len;            /* bytes, excluding the NUL */
    uint32_t *line_starts; /* byte offset of each line's first byte */
    uint32_t nlines;       /* entries in line_starts (>= 1) */
    uint32_t id;           /* index in the owning program's source list */
    uint32_t line_shift;   /* lines of hidden prefix: reported line = real - shift */
} Source;

/* Copies name and text. Returns NULL on OOM. */
Source *source_new(const char *name, const char *text, size_t len);
/* Reads a file. On failure returns NULL and writes a message such as
 * "cannot open policies/x.veto: No such file or directory" to err. */
Source *source_load_file(const char *path, char *err, size_t errlen);
void source_free(Source *s);

/* 1-based line and column (in code points) of a byte offset; offsets past
 * the end map to the last position. */
void source_position(const Source *s, size_t offset, uint32_t *line, uint32_t *col);
/* The text of a 1-based line without its newline; *len receives its length. */
const char *source_line(const Source *s, uint32_t line, size_t *len);

#endif
