/* lexer.c — source text to tokens; see lexer.h.
 *
 * Owns: the lexical grammar of LANGUAGE.md §1 (comments, names, keywords,
 * numbers, strings with escapes and interpolation, raw strings, operators),
 * the nesting bound, and the lexical diagnostics.
 * Does not own: the syntax (grammar/policy_grammar.y), the Source, the arena.
 *
 * Interpolation: "a ${x} b" is TSTART("a ") IDENT(x) TEND(" b"). A stack of
 * modes records every open `{` and `${`; a `}` closes the innermost one,
 * and when that is a `${` the lexer goes back to scanning the string, so
 * `${ {"a": 1}.a }` and strings nested inside interpolations just work.
 */
#include "lang/lexer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void lex_init(Lexer *lx, const Source *src, Arena *arena, DiagList *diags)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->arena = arena;
    lx->diags = diags;
    lx->prev = TK_EOF;
}

/* ---- helpers ------------------------------------------------------------ */

static int lex_is_digit(int c) { return c >= '0' && c <= '9'; }
static int lex_is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int lex_is_ident(int c) { return lex_is_ident_start(c) || lex_is_digit(c); }

static unsigned char lex_at(const Lexer *lx, uint32_t i)
{
    /* The text is NUL-terminated, so reading one past the end is the NUL. */
    return i <= lx->src->len ? (unsigned char)lx->src->text[i] : 0;
}

static int lex_at_end(const Lexer *lx, uint32_t i) { return i >= lx->src->len; }

static void lex_error(Lexer *lx, uint32_t off, uint32_t len, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void lex_error(Lexer *lx, uint32_t off, uint32_t len, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(lx->diags, DIAG_ERROR, lx->src, off, len, hint, fmt, ap);
    va_end(ap);
    lx->errors++;
}

/* Length of the well-formed UTF-8 sequence at i (1-4), or 0 when the bytes
 * there are not one (overlong forms, surrogates and > U+10FFFF included). */
static int lex_utf8_len(const Lexer *lx, uint32_t i)
{
    unsigned c = lex_at(lx, i);
    if (c < 0x80)
        return 1;
    unsigned lo = 0x80, hi = 0xBF;
    int n;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    for (int k = 1; k < n; k++) {
        if (lex_at_end(lx, i + (uint32_t)k))
            return 0;
        unsigned b = lex_at(lx, i + (uint32_t)k);
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
            return 0;
    }
    return n;
}

static void lex_put_utf8(Buf *b, uint32_t cp)
{
    char s[4];
    if (cp < 0x80) {
        s[0] = (char)cp;
        buf_append(b, s, 1);
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, s, 2);
    } else if (cp < 0x10000) {
        s[0] = (char)(0xE0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, s, 3);
    } else {
        s[0] = (char)(0xF0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, s, 4);
    }
}

/* Bytes to skip for a malformed UTF-8 sequence at i: the bad byte and the
 * continuation bytes after it, so one slip is one error. */
static uint32_t lex_bad_utf8_len(const Lexer *lx, uint32_t i)
{
    uint32_t n = 1;
    while (!lex_at_end(lx, i + n) && (lex_at(lx, i + n) & 0xC0) == 0x80)
        n++;
    return n;
}

/* Opens a `(`, `[`, `{` or `${` at off. Returns 0 (and ends the input)
 * when that would nest past LEX_MAX_NESTING. */
static int lex_open(Lexer *lx, uint32_t off, uint32_t len)
{
    if (lx->depth >= LEX_MAX_NESTING || lx->nmodes >= LEX_MAX_NESTING) {
        lex_error(lx, off, len, NULL, "expression nested too deeply (more than %d levels)",
                  LEX_MAX_NESTING);
        lx->fatal = 1;
        return 0;
    }
    lx->depth++;
    return 1;
}

static void lex_close(Lexer *lx)
{
    if (lx->depth > 0)
        lx->depth--;
}

/* ---- whitespace and comments ------------------------------------------- */

static void lex_skip_space(Lexer *lx)
{
    for (;;) {
        unsigned c = lex_at(lx, lx->pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            lx->pos++;
        } else if (c == '#') {
            /* A comment may hold any text, but it must be UTF-8: an
             * encoding slip is easier to find here than in a later tool. */
            while (!lex_at_end(lx, lx->pos) && lex_at(lx, lx->pos) != '\n') {
                int n = lex_utf8_len(lx, lx->pos);
                if (n == 0) {
                    lex_error(lx, lx->pos, 1, NULL, "invalid UTF-8 byte 0x%02x in comment",
                              lex_at(lx, lx->pos));
                    n = (int)lex_bad_utf8_len(lx, lx->pos);
                }
                lx->pos += (uint32_t)n;
            }
        } else {
            return;
        }
    }
}

/* ---- names and keywords -------------------------------------------------- */

static const struct {
    const char *word;
    int type;
} lex_keywords[] = {
    {"policy", TK_POLICY}, {"module", TK_MODULE},   {"use", TK_USE},       {"as", TK_AS},
    {"let", TK_LET},       {"func", TK_FUNC},       {"deny", TK_DENY},     {"warn", TK_WARN},
    {"allow", TK_ALLOW},   {"approve", TK_APPROVE}, {"reject", TK_REJECT}, {"trigger", TK_TRIGGER},
    {"for", TK_FOR},       {"in", TK_IN},           {"when", TK_WHEN},     {"message", TK_MESSAGE},
    {"if", TK_IF},         {"then", TK_THEN},       {"else", TK_ELSE},     {"and", TK_AND},
    {"or", TK_OR},         {"not", TK_NOT},         {"any", TK_ANY},       {"all", TK_ALL},
    {"true", TK_TRUE},     {"false", TK_FALSE},     {"null", TK_NULL},     {"like", TK_LIKE},
};

static int lex_keyword(const char *s, size_t n)
{
    /* Every identifier of every source (the embedded tf module included)
     * comes here: compare the first byte before anything else. */
    for (size_t i = 0; i < sizeof lex_keywords / sizeof lex_keywords[0]; i++) {
        const char *w = lex_keywords[i].word;
        if (w[0] == s[0] && strncmp(w, s, n) == 0 && w[n] == '\0')
            return lex_keywords[i].type;
    }
    return TK_IDENT;
}

static int lex_name(Lexer *lx, Token *t)
{
    uint32_t start = lx->pos;
    while (lex_is_ident(lex_at(lx, lx->pos)))
        lx->pos++;
    const char *s = lx->src->text + start;
    size_t n = lx->pos - start;
    /* After `.` every word is a field name: `r.after.when` is a path. */
    int type = lx->prev == TK_DOT ? TK_IDENT : lex_keyword(s, n);
    if (type == TK_NOT) {
        /* `not in` is one operator; only blanks may separate the words. */
        uint32_t p = lx->pos;
        while (lex_at(lx, p) == ' ' || lex_at(lx, p) == '\t' || lex_at(lx, p) == '\n' ||
               lex_at(lx, p) == '\r')
            p++;
        if (lex_at(lx, p) == 'i' && lex_at(lx, p + 1) == 'n' && !lex_is_ident(lex_at(lx, p + 2))) {
            lx->pos = p + 2;
            type = TK_NOTIN;
        }
    }
    if (type == TK_IDENT) {
        t->text = arena_strndup(lx->arena, s, n);
        t->tlen = (uint32_t)n;
    }
    return type;
}

/* ---- numbers --------------------------------------------------------------- */

/* Digits with `_` separators from lx->pos; returns 0 if an `_` is not
 * between two digits. */
static int lex_digits(Lexer *lx)
{
    int ok = 1;
    uint32_t start = lx->pos;
    while (lex_is_digit(lex_at(lx, lx->pos)) || lex_at(lx, lx->pos) == '_') {
        if (lex_at(lx, lx->pos) == '_' &&
            (lx->pos == start || !lex_is_digit(lex_at(lx, lx->pos + 1))))
            ok = 0;
        lx->pos++;
    }
    return ok;
}

static int lex_number(Lexer *lx, Token *t)
{
    uint32_t start = lx->pos;
    int ok = lex_digits(lx);
    int is_float = 0;
    if (lex_at(lx, lx->pos) == '.' && lex_is_digit(lex_at(lx, lx->pos + 1))) {
        is_float = 1;
        lx->pos++;
        ok &= lex_digits(lx);
    }
    unsigned e = lex_at(lx, lx->pos);
    if (e == 'e' || e == 'E') {
        unsigned s = lex_at(lx, lx->pos + 1);
        if (lex_is_digit(s) || ((s == '+' || s == '-') && lex_is_digit(lex_at(lx, lx->pos + 2)))) {
            is_float = 1;
            lx->pos += lex_is_digit(s) ? 1 : 2;
            ok &= lex_digits(lx);
        }
    }
    uint32_t end = lx->pos;
    if (lex_is_ident(lex_at(lx, lx->pos))) {
        uint32_t s = lx->pos;
        while (lex_is_ident(lex_at(lx, lx->pos)))
            lx->pos++;
        lex_error(lx, s, lx->pos - s, NULL, "invalid suffix `%.*s` on number", (int)(lx->pos - s),
                  lx->src->text + s);
    }
    if (!ok)
        lex_error(lx, start, end - start, "`_` may only separate digits, as in 1_000",
                  "misplaced `_` in number");

    const char *p = lx->src->text + start;
    if (!is_float) {
        int64_t v = 0;
        int overflow = 0;
        for (uint32_t i = 0; i < end - start; i++) {
            if (p[i] == '_')
                continue;
            int d = p[i] - '0';
            if (v > (INT64_MAX - d) / 10) {
                overflow = 1;
                break;
            }
            v = v * 10 + d;
        }
        if (overflow) {
            lex_error(lx, start, end - start, "integers are 64-bit: at most 9223372036854775807",
                      "integer literal out of range");
            v = 0;
        }
        t->ival = v;
        return TK_INT;
    }
    /* strtod wants the digits without separators. */
    Buf b = BUF_INIT;
    for (uint32_t i = 0; i < end - start; i++)
        if (p[i] != '_')
            buf_putc(&b, p[i]);
    double d = b.p ? strtod(b.p, NULL) : 0.0;
    buf_free(&b);
    if (isinf(d)) {
        lex_error(lx, start, end - start, NULL, "float literal out of range");
        d = 0.0;
    }
    t->fval = d;
    return TK_FLOAT;
}

/* ---- strings ------------------------------------------------------------------ */

static int lex_hex4_digit(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int lex_hex4(const Lexer *lx, uint32_t i, uint32_t *out)
{
    uint32_t v = 0;
    for (uint32_t k = 0; k < 4; k++) {
        unsigned c = lex_at(lx, i + k);
        int d;
        if (c >= '0' && c <= '9')
            d = (int)c - '0';
        else if (c >= 'a' && c <= 'f')
            d = (int)c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = (int)c - 'A' + 10;
        else
            return 0;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return 1;
}

/* Reads a \u escape at lx->pos (the backslash) into b, combining a
 * surrogate pair. Errors point at the escape itself. */
static void lex_unicode_escape(Lexer *lx, Buf *b)
{
    uint32_t at = lx->pos;
    uint32_t cp;
    if (!lex_hex4(lx, at + 2, &cp)) {
        uint32_t n = 2;
        while (n < 6 && lex_hex4_digit(lex_at(lx, at + n)))
            n++;
        lex_error(lx, at, n, "write \\u followed by exactly 4 hex digits, as in \\u00e9",
                  "invalid unicode escape `%.*s`", (int)n, lx->src->text + at);
        lx->pos = at + n;
        return;
    }
    lx->pos = at + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (lex_at(lx, lx->pos) == '\\' && lex_at(lx, lx->pos + 1) == 'u' &&
            lex_hex4(lx, lx->pos + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            lx->pos += 6;
            lex_put_utf8(b, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
            return;
        }
        lex_error(lx, at, 6, "a high surrogate must be followed by a \\uDC00-\\uDFFF escape",
                  "unpaired surrogate `%.6s` in string", lx->src->text + at);
        return;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        lex_error(lx, at, 6, NULL, "unpaired surrogate `%.6s` in string", lx->src->text + at);
        return;
    }
    lex_put_utf8(b, cp);
}

/* Scans string text from lx->pos up to the closing quote or the next
 * `${`. `first` says whether this is the string's opening segment (so the
 * result is STRING/TSTART) or a continuation after `}` (TMID/TEND). */
static int lex_string_body(Lexer *lx, Token *t, uint8_t quote, uint32_t str_start, int first)
{
    Buf b = BUF_INIT;
    int type;
    for (;;) {
        unsigned c = lex_at(lx, lx->pos);
        if (c == quote) {
            lx->pos++;
            type = first ? TK_STRING : TK_TEND;
            break;
        }
        if (((c == 0 && lex_at_end(lx, lx->pos)) || c == '\n') && first && lx->nmodes > 0 &&
            lx->modes[lx->nmodes - 1].interp && lx->modes[lx->nmodes - 1].quote == quote) {
            /* `"a ${x"`: the quote meant to close the outer string, the `}`
             * was forgotten. Say so, and end the outer string here. */
            lex_error(lx, str_start, 1, NULL, "expected `}` to close the interpolation");
            lx->nmodes--;
            lex_close(lx);
            type = TK_TEND;
            break;
        }
        if ((c == 0 && lex_at_end(lx, lx->pos)) || c == '\n') {
            /* Strings end at their line, so the next line lexes normally. */
            lex_error(lx, str_start, 1,
                      "strings end on the line they start; write \\n for a "
                      "newline",
                      "unterminated string");
            if (c == 0)
                lx->eof_error = 1;
            type = first ? TK_STRING : TK_TEND;
            break;
        }
        if (c == '$' && lex_at(lx, lx->pos + 1) == '{') {
            if (!lex_open(lx, lx->pos, 2)) {
                buf_free(&b);
                return TK_EOF;
            }
            lx->modes[lx->nmodes].interp = 1;
            lx->modes[lx->nmodes].quote = quote;
            lx->modes[lx->nmodes].str_start = str_start;
            lx->nmodes++;
            lx->pos += 2;
            type = first ? TK_TSTART : TK_TMID;
            break;
        }
        if (c == '\\') {
            unsigned e = lex_at(lx, lx->pos + 1);
            const char *rep = NULL;
            switch (e) {
            case '"':
                rep = "\"";
                break;
            case '\\':
                rep = "\\";
                break;
            case '/':
                rep = "/";
                break;
            case '$':
                rep = "$";
                break;
            case 'n':
                rep = "\n";
                break;
            case 't':
                rep = "\t";
                break;
            case 'r':
                rep = "\r";
                break;
            case 'b':
                rep = "\b";
                break;
            case 'f':
                rep = "\f";
                break;
            default:
                break;
            }
            if (rep) {
                buf_putc(&b, rep[0]);
                lx->pos += 2;
            } else if (e == 'u') {
                lex_unicode_escape(lx, &b);
            } else if (e == '\n' || (e == 0 && lex_at_end(lx, lx->pos + 1))) {
                lx->pos++; /* the unterminated-string error follows */
            } else {
                int n = lex_utf8_len(lx, lx->pos + 1);
                if (n == 0)
                    n = 1;
                lex_error(lx, lx->pos, 1 + (uint32_t)n,
                          "valid escapes: \\\" \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX \\$",
                          "invalid escape sequence `\\%.*s`", n, lx->src->text + lx->pos + 1);
                lx->pos += 1 + (uint32_t)n;
            }
            continue;
        }
        int n = lex_utf8_len(lx, lx->pos);
        if (n == 0) {
            lex_error(lx, lx->pos, 1, NULL, "invalid UTF-8 byte 0x%02x in string", c);
            lx->pos += lex_bad_utf8_len(lx, lx->pos);
            continue;
        }
        buf_append(&b, lx->src->text + lx->pos, (size_t)n);
        lx->pos += (uint32_t)n;
    }
    t->tlen = (uint32_t)b.len;
    t->text = arena_strndup(lx->arena, b.p ? b.p : "", b.len);
    buf_free(&b);
    return type;
}

static int lex_raw_string(Lexer *lx, Token *t)
{
    uint32_t start = lx->pos++;
    uint32_t body = lx->pos;
    for (;;) {
        if (lex_at_end(lx, lx->pos)) {
            lex_error(lx, start, 1, NULL, "unterminated raw string");
            lx->eof_error = 1;
            break;
        }
        unsigned c = lex_at(lx, lx->pos);
        if (c == '`')
            break;
        int n = lex_utf8_len(lx, lx->pos);
        if (n == 0) {
            lex_error(lx, lx->pos, 1, NULL, "invalid UTF-8 byte 0x%02x in string", c);
            n = (int)lex_bad_utf8_len(lx, lx->pos);
        }
        lx->pos += (uint32_t)n;
    }
    t->tlen = lx->pos - body;
    t->text = arena_strndup(lx->arena, lx->src->text + body, t->tlen);
    if (!lex_at_end(lx, lx->pos))
        lx->pos++; /* closing backtick */
    return TK_STRING;
}

/* ---- the token loop -------------------------------------------------------------- */

/* A character no token starts with. Says what was probably meant. */
static void lex_stray(Lexer *lx)
{
    uint32_t at = lx->pos;
    unsigned c = lex_at(lx, at);
    unsigned d = lex_at(lx, at + 1);
    if (c >= 0x80) {
        int n = lex_utf8_len(lx, at);
        if (n == 0) {
            lex_error(lx, at, 1, NULL, "invalid UTF-8 byte 0x%02x", c);
            lx->pos += lex_bad_utf8_len(lx, at);
        } else {
            lex_error(lx, at, (uint32_t)n, NULL, "unexpected character `%.*s`", n,
                      lx->src->text + at);
            lx->pos += (uint32_t)n;
        }
        return;
    }
    if (c < 0x20 || c == 0x7F) {
        lex_error(lx, at, 1, NULL, "unexpected control character 0x%02x", c);
        lx->pos++;
        return;
    }
    const char *hint = NULL;
    uint32_t n = 1;
    if (c == '&' && d == '&')
        hint = "use `and`", n = 2;
    else if (c == '|' && d == '|')
        hint = "use `or`", n = 2;
    else if (c == '!')
        hint = "use `not`";
    else if (c == '\'')
        hint = "strings use double quotes, or backticks for raw strings";
    lex_error(lx, at, n, hint, "unexpected character `%.*s`", (int)n, lx->src->text + at);
    lx->pos += n;
}

static int lex_token(Lexer *lx, Token *t)
{
    for (;;) {
        lex_skip_space(lx);
        t->off = lx->pos;
        unsigned c = lex_at(lx, lx->pos);
        if (c == 0 && lex_at_end(lx, lx->pos)) {
            /* Each `${` still open is a string that never ended. */
            for (int i = lx->nmodes - 1; i >= 0; i--)
                if (lx->modes[i].interp) {
                    lex_error(lx, lx->modes[i].str_start, 1, NULL,
                              "unterminated string interpolation");
                    lx->eof_error = 1;
                }
            lx->nmodes = 0;
            return TK_EOF;
        }
        if (lex_is_ident_start(c))
            return lex_name(lx, t);
        if (lex_is_digit(c))
            return lex_number(lx, t);
        unsigned d = lex_at(lx, lx->pos + 1);
        lx->pos++;
        switch (c) {
        case '"':
            return lex_string_body(lx, t, '"', t->off, 1);
        case '`':
            lx->pos--;
            return lex_raw_string(lx, t);
        case '+':
            return TK_PLUS;
        case '-':
            return TK_MINUS;
        case '*':
            return TK_STAR;
        case '/':
            return TK_SLASH;
        case '%':
            return TK_PERCENT;
        case '.':
            return TK_DOT;
        case ',':
            return TK_COMMA;
        case ':':
            return TK_COLON;
        case ';':
            return TK_SEMI;
        case '(':
            return lex_open(lx, t->off, 1) ? TK_LPAREN : TK_EOF;
        case '[':
            return lex_open(lx, t->off, 1) ? TK_LBRACKET : TK_EOF;
        case ')':
            lex_close(lx);
            return TK_RPAREN;
        case ']':
            lex_close(lx);
            return TK_RBRACKET;
        case '{':
            if (!lex_open(lx, t->off, 1))
                return TK_EOF;
            lx->modes[lx->nmodes].interp = 0;
            lx->modes[lx->nmodes].quote = 0;
            lx->modes[lx->nmodes].str_start = 0;
            lx->nmodes++;
            return TK_LBRACE;
        case '}':
            lex_close(lx);
            if (lx->nmodes > 0) {
                lx->nmodes--;
                if (lx->modes[lx->nmodes].interp)
                    return lex_string_body(lx, t, lx->modes[lx->nmodes].quote,
                                           lx->modes[lx->nmodes].str_start, 0);
            }
            return TK_RBRACE;
        case '=':
            if (d == '=') {
                lx->pos++;
                return TK_EQ;
            }
            if (d == '~') {
                lx->pos++;
                return TK_MATCH;
            }
            return TK_ASSIGN;
        case '!':
            if (d == '=') {
                lx->pos++;
                return TK_NE;
            }
            if (d == '~') {
                lx->pos++;
                return TK_NOMATCH;
            }
            break;
        case '<':
            if (d == '=') {
                lx->pos++;
                return TK_LE;
            }
            return TK_LT;
        case '>':
            if (d == '=') {
                lx->pos++;
                return TK_GE;
            }
            return TK_GT;
        case '?':
            if (d == '?') {
                lx->pos++;
                return TK_COALESCE;
            }
            break;
        default:
            break;
        }
        lx->pos--;
        lex_stray(lx);
    }
}

int lex_next(Lexer *lx, Token *tok)
{
    memset(tok, 0, sizeof *tok);
    int type = lx->fatal ? TK_EOF : lex_token(lx, tok);
    if (lx->fatal)
        type = TK_EOF;
    if (type == TK_EOF) {
        /* End of input is reported right after the last real token, not on
         * the empty line a trailing newline leaves. */
        tok->off = lx->prev_end;
        tok->len = 0;
    } else {
        tok->len = lx->pos - tok->off;
        lx->prev_end = lx->pos;
    }
    tok->type = type;
    lx->prev = type;
    return type;
}

/* ---- names of tokens ------------------------------------------------------------ */

/* Spelling and message form of every operator and keyword, in one table. */
static const struct {
    int type;
    const char *text; /* as written */
    const char *desc; /* as a message names it */
} lex_spellings[] = {
    {TK_PLUS, "+", "`+`"},
    {TK_MINUS, "-", "`-`"},
    {TK_STAR, "*", "`*`"},
    {TK_SLASH, "/", "`/`"},
    {TK_PERCENT, "%", "`%`"},
    {TK_EQ, "==", "`==`"},
    {TK_NE, "!=", "`!=`"},
    {TK_LT, "<", "`<`"},
    {TK_LE, "<=", "`<=`"},
    {TK_GT, ">", "`>`"},
    {TK_GE, ">=", "`>=`"},
    {TK_MATCH, "=~", "`=~`"},
    {TK_NOMATCH, "!~", "`!~`"},
    {TK_COALESCE, "??", "`??`"},
    {TK_ASSIGN, "=", "`=`"},
    {TK_DOT, ".", "`.`"},
    {TK_COMMA, ",", "`,`"},
    {TK_COLON, ":", "`:`"},
    {TK_SEMI, ";", "`;`"},
    {TK_LPAREN, "(", "`(`"},
    {TK_RPAREN, ")", "`)`"},
    {TK_LBRACKET, "[", "`[`"},
    {TK_RBRACKET, "]", "`]`"},
    {TK_LBRACE, "{", "`{`"},
    {TK_RBRACE, "}", "`}`"},
    {TK_NOTIN, "not in", "`not in`"},
    {TK_POLICY, "policy", "`policy`"},
    {TK_MODULE, "module", "`module`"},
    {TK_USE, "use", "`use`"},
    {TK_AS, "as", "`as`"},
    {TK_LET, "let", "`let`"},
    {TK_FUNC, "func", "`func`"},
    {TK_DENY, "deny", "`deny`"},
    {TK_WARN, "warn", "`warn`"},
    {TK_ALLOW, "allow", "`allow`"},
    {TK_APPROVE, "approve", "`approve`"},
    {TK_REJECT, "reject", "`reject`"},
    {TK_TRIGGER, "trigger", "`trigger`"},
    {TK_FOR, "for", "`for`"},
    {TK_IN, "in", "`in`"},
    {TK_WHEN, "when", "`when`"},
    {TK_MESSAGE, "message", "`message`"},
    {TK_IF, "if", "`if`"},
    {TK_THEN, "then", "`then`"},
    {TK_ELSE, "else", "`else`"},
    {TK_AND, "and", "`and`"},
    {TK_OR, "or", "`or`"},
    {TK_NOT, "not", "`not`"},
    {TK_ANY, "any", "`any`"},
    {TK_ALL, "all", "`all`"},
    {TK_TRUE, "true", "`true`"},
    {TK_FALSE, "false", "`false`"},
    {TK_NULL, "null", "`null`"},
    {TK_LIKE, "like", "`like`"},
};

const char *lex_token_text(int type)
{
    for (size_t i = 0; i < sizeof lex_spellings / sizeof lex_spellings[0]; i++)
        if (lex_spellings[i].type == type)
            return lex_spellings[i].text;
    return NULL;
}

const char *lex_token_desc(int type)
{
    switch (type) {
    case TK_EOF:
        return "end of file";
    case TK_IDENT:
        return "identifier";
    case TK_INT:
        return "integer";
    case TK_FLOAT:
        return "number";
    case TK_STRING:
        return "string";
    case TK_TSTART:
        return "string";
    case TK_TMID:
        return "`}`";
    case TK_TEND:
        return "`}`";
    default:
        break;
    }
    for (size_t i = 0; i < sizeof lex_spellings / sizeof lex_spellings[0]; i++)
        if (lex_spellings[i].type == type)
            return lex_spellings[i].desc;
    return "token";
}
