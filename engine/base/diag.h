/* diag.h — diagnostics: errors and warnings with source positions.
 *
 * Every phase (lexer, parser, resolver, compiler, VM, input readers) adds
 * diagnostics to a caller-owned veto_diags list; none prints or exits.
 * A diagnostic copies what it needs (file name, line, column, the source
 * line) when it is added, so it stays valid after its Source is freed.
 *
 * Rendering has one format everywhere:
 *
 *   policies/s3.veto:12:8: error: unknown function `cuont`
 *      12 | deny when cuont(xs) > 2
 *         |           ^~~~~
 *      = hint: did you mean `count`?
 *
 * After DIAG_MAX_ERRORS errors further errors are dropped and one note
 * says so (cascades after a syntax error help nobody).
 */
#ifndef VETO_DIAG_H
#define VETO_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "base/source.h"

#define DIAG_MAX_ERRORS 20

typedef enum DiagSeverity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagSeverity;

typedef struct Diag {
    DiagSeverity severity;
    char *file;      /* owned; NULL when the diagnostic has no position */
    uint32_t line;   /* 1-based; 0 when no position */
    uint32_t col;    /* 1-based, code points */
    uint32_t span;   /* caret width in code points (>= 1) */
    char *line_text; /* owned copy of the source line, or NULL */
    char *message;   /* owned */
    char *hint;      /* owned, or NULL */
} Diag;

/* The public veto_diags (declared opaque in veto.h) is this list. */
struct veto_diags {
    Diag *items;
    size_t n, cap;
    size_t errors;   /* count of DIAG_ERROR (including dropped ones) */
    size_t warnings; /* count of DIAG_WARNING */
    int oom;         /* sticky: a diagnostic could not be stored */
};
typedef struct veto_diags DiagList;

/* Adds a diagnostic at [offset, offset+len) of src (src may be NULL for
 * errors without a position, then offset/len are ignored). hint may be
 * NULL. The message is printf-formatted. */
void diag_add(DiagList *d, DiagSeverity sev, const Source *src, size_t offset, size_t len,
              const char *hint, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void diag_vadd(DiagList *d, DiagSeverity sev, const Source *src, size_t offset, size_t len,
               const char *hint, const char *fmt, va_list ap);
/* Adds a diagnostic with an explicit file:line:col (input documents, YAML). */
void diag_add_at(DiagList *d, DiagSeverity sev, const char *file, uint32_t line, uint32_t col,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Renders all diagnostics in the format above; color adds ANSI colours.
 * Returns a malloc'd string the caller frees. */
char *diag_render(const DiagList *d, int color);
void diag_clear(DiagList *d);

/* The candidate nearest to `name` by edit distance (Damerau-Levenshtein),
 * or NULL if none is close enough to be a plausible typo
 * (distance <= max(1, strlen(name) / 3)). Returns one of candidates. */
const char *diag_suggest(const char *name, size_t name_len, const char *const *candidates,
                         size_t ncandidates);

#endif
