/* lexer.h — the hand-written lexer of the policy language (LANGUAGE.md §1).
 *
 * Turns a Source into Tokens one at a time for the lemon parser. Token
 * codes are the TK_* of the generated build/gen/policy_grammar.h; 0
 * (TK_EOF here) is end of input. Lexical errors go to the DiagList with a
 * position; the lexer then carries on where it can (skips a stray byte,
 * closes an unterminated string at the end of its line), so one pass
 * reports every lexical error. Token texts (identifiers, unescaped string
 * contents) are copied into the compile arena and stay valid as long as it.
 *
 * Does not own: the Source, the arena, the diagnostics list (all borrowed).
 */
#ifndef VETO_LEXER_H
#define VETO_LEXER_H

#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/source.h"
#include "policy_tokens.h"

#define TK_EOF 0

/* A token as the lexer hands it to the parser (and the grammar to actions). */
typedef struct Token {
    int type;          /* TK_* */
    uint32_t off, len; /* span in the source */
    const char *text;  /* AST_STRING payload / identifier text (arena, NUL-terminated) */
    uint32_t tlen;     /* byte length of text */
    int64_t ival;      /* integer literals */
    double fval;       /* float literals */
} Token;

/* Brackets ( [ { and interpolations ${ may nest this deep; past it the
 * lexer reports "expression nested too deeply" and ends the input, which
 * keeps the parser's stack and every recursive pass over the AST bounded. */
#define LEX_MAX_NESTING 256

typedef struct Lexer {
    const Source *src; /* borrowed; text is NUL-terminated */
    Arena *arena;      /* token texts */
    DiagList *diags;
    uint32_t pos;      /* next byte to read */
    int prev;          /* type of the previous token (a keyword after `.` is a name) */
    uint32_t prev_end; /* end offset of the previous token (where EOF is reported) */
    int depth;         /* open ( [ { ${ */
    int nmodes;        /* entries in modes[] */
    /* One entry per open `{` or `${`: a `}` closes the innermost one, and
     * closing an interpolation resumes scanning the string around it. */
    struct {
        uint8_t interp;     /* 1 for `${`, 0 for a plain `{` */
        uint8_t quote;      /* the string's quote character (for `${`) */
        uint32_t str_start; /* offset of that string's opening quote */
    } modes[LEX_MAX_NESTING + 1];
    int errors;    /* lexical errors reported */
    int fatal;     /* input abandoned (nesting too deep): only EOF follows */
    int eof_error; /* a string/interpolation ran into the end of input (already reported) */
} Lexer;

void lex_init(Lexer *lx, const Source *src, Arena *arena, DiagList *diags);
/* Reads the next token into *tok and returns its type (TK_EOF at the end,
 * and forever after). */
int lex_next(Lexer *lx, Token *tok);
/* How a token type reads in a message: "`)`", "`when`", "identifier",
 * "end of file". */
const char *lex_token_desc(int type);
/* The operator's spelling ("==", "not in", "and"), or NULL for non-operators. */
const char *lex_token_text(int type);

#endif
