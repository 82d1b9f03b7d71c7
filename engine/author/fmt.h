/* fmt.h — `veto fmt`: the one canonical layout of the policy language.
 *
 * Owns: the layout rules (docs in fmt.c's header comment), re-attaching
 * comments by byte offset, and the 100-column line fitting. Does not own:
 * the syntax (the AST comes from parse_source, comment positions from the
 * gaps between the lexer's tokens), reading or writing files (cli/cmd_fmt.c).
 *
 * Guarantees, tested over every *.veto file of the repository
 * (tests/unit/test_fmt.c, tests/run-fmt.sh):
 *   - meaning: the AST (ast_dump) of the output equals that of the input;
 *   - idempotence: fmt_source(fmt_source(x)) == fmt_source(x);
 *   - nothing is lost: every comment is kept, strings keep their escapes
 *     and raw form, numbers stay as written, parentheses stay.
 */
#ifndef VETO_FMT_H
#define VETO_FMT_H

#include <stddef.h>

struct veto_diags;

/* The width the layout fits lines into (strings and comments may overflow). */
#define FMT_WIDTH 100

/* Formats one source text. name is used in diagnostics only (copied).
 * Returns the formatted text (malloc'd, NUL-terminated, ending in one
 * newline unless empty; the caller frees it), or NULL when the text has
 * lexical or syntax errors — all reported to d — or on OOM (reported too). */
char *fmt_source(const char *name, const char *text, size_t len, struct veto_diags *d);

#endif
