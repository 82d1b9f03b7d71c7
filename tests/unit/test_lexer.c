/* test_lexer.c — every token class and every lexical error class.
 *
 * Tokens are compared as one line of text: operators and keywords as
 * written, `id:x`, `int:42`, `float:1.5`, `str:"..."`, `tstart:"..."`,
 * `tmid:"..."`, `tend:"..."`; errors as the whole rendered diagnostics. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "harness.h"
#include "lang/lexer.h"

static void put_text(Buf *b, const Token *t)
{
    buf_putc(b, '"');
    for (uint32_t i = 0; i < t->tlen; i++) {
        unsigned char c = (unsigned char)t->text[i];
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            buf_printf(b, "\\x%02x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

/* Tokens of `text` (caller frees); *diags receives the rendered errors. */
static char *lex_all(const char *text, size_t len, char **diags)
{
    Source *s = source_new("l.veto", text, len);
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    Lexer lx;
    lex_init(&lx, s, &a, &d);
    Buf b = BUF_INIT;
    Token t;
    int type;
    while ((type = lex_next(&lx, &t)) != TK_EOF) {
        if (b.len)
            buf_putc(&b, ' ');
        switch (type) {
        case TK_IDENT:
            buf_printf(&b, "id:%s", t.text);
            break;
        case TK_INT:
            buf_printf(&b, "int:%lld", (long long)t.ival);
            break;
        case TK_FLOAT:
            buf_printf(&b, "float:%g", t.fval);
            break;
        case TK_STRING:
            buf_puts(&b, "str:");
            put_text(&b, &t);
            break;
        case TK_TSTART:
            buf_puts(&b, "tstart:");
            put_text(&b, &t);
            break;
        case TK_TMID:
            buf_puts(&b, "tmid:");
            put_text(&b, &t);
            break;
        case TK_TEND:
            buf_puts(&b, "tend:");
            put_text(&b, &t);
            break;
        default:
            buf_puts(&b, lex_token_text(type) ? lex_token_text(type) : "?");
            break;
        }
    }
    *diags = diag_render(&d, 0);
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
    return buf_take(&b);
}

/* Checks tokens and that there were no errors. */
static void check_ok(const char *text, const char *want, int line)
{
    char *errs;
    char *got = lex_all(text, strlen(text), &errs);
    int ok = strcmp(got, want) == 0 && errs[0] == '\0';
    if (!ok)
        fprintf(stderr, "test_lexer.c:%d: lexing %s\n  want %s\n  got  %s\n%s", line, text, want,
                got, errs);
    if (!ok)
        harness_cur_failed = 1;
    free(got);
    free(errs);
}
#define OK(text, want) check_ok(text, want, __LINE__)

static void check_err(const char *text, size_t len, const char *want_toks, const char *want_errs,
                      int line)
{
    char *errs;
    char *got = lex_all(text, len, &errs);
    int ok = strcmp(got, want_toks) == 0 && strcmp(errs, want_errs) == 0;
    if (!ok)
        fprintf(stderr,
                "test_lexer.c:%d:\n  want %s\n  got  %s\n  want errors:\n%s  got errors:\n%s", line,
                want_toks, got, want_errs, errs);
    if (!ok)
        harness_cur_failed = 1;
    free(got);
    free(errs);
}
#define ERR(text, toks, errs) check_err(text, strlen(text), toks, errs, __LINE__)

TEST(tokens)
{
    OK("", "");
    OK("  # only a comment\n\t# another", "");
    OK("foo _bar x9 A_b", "id:foo id:_bar id:x9 id:A_b");
    OK("policy module use as let func deny warn allow approve reject trigger",
       "policy module use as let func deny warn allow approve reject trigger");
    OK("for in when message if then else and or not any all true false null like",
       "for in when message if then else and or not any all true false null like");
    /* after `.` a keyword is a name */
    OK("r.after.when.in.not", "id:r . id:after . id:when . id:in . id:not");
    OK("not in", "not in");
    OK("x not  \n in y", "id:x not in id:y");
    OK("not inside", "not id:inside");
    OK("+ - * / % == != < <= > >= =~ !~ ?? = . , : ; ( ) [ ] { }",
       "+ - * / % == != < <= > >= =~ !~ ?? = . , : ; ( ) [ ] { }");
    OK("a<=b>=c==d!=e", "id:a <= id:b >= id:c == id:d != id:e");
    OK("0 42 1_000 9223372036854775807", "int:0 int:42 int:1000 int:9223372036854775807");
    OK("1.5 2e10 1.5e-3 3E+2 1_0.2_5", "float:1.5 float:2e+10 float:0.0015 float:300 float:10.25");
    OK("1.foo", "int:1 . id:foo");
    OK("x # trailing comment\ny", "id:x id:y");
}

TEST(strings)
{
    OK("\"\"", "str:\"\"");
    OK("\"plain\"", "str:\"plain\"");
    OK("\"a\\\"b\\\\c\\/d\\ne\\tf\\rg\\bh\\fi\\$j\"",
       "str:\"a\\\"b\\\\c/d\\x0ae\\x09f\\x0dg\\x08h\\x0ci$j\"");
    OK("\"\\u00e9\\u20AC\"", "str:\"é€\"");
    OK("\"\\ud83d\\ude00\"", "str:\"😀\"");
    OK("\"é😀 ok\"", "str:\"é😀 ok\"");
    OK("\"costs $5\"", "str:\"costs $5\"");
    OK("`raw \\d+ ${x} \"q\"`", "str:\"raw \\\\d+ ${x} \\\"q\\\"\"");
    OK("`two\nlines`", "str:\"two\\x0alines\"");
}

TEST(nul_in_string)
{
    char *errs;
    Source *s = source_new("l.veto", "\"a\\u0000b\"", 10);
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    Lexer lx;
    lex_init(&lx, s, &a, &d);
    Token t;
    int ok =
        lex_next(&lx, &t) == TK_STRING && t.tlen == 3 && memcmp(t.text, "a\0b", 3) == 0 && d.n == 0;
    if (!ok)
        harness_cur_failed = 1;
    if (!ok)
        fprintf(stderr, "test_lexer.c:%d: \\u0000 not kept in string\n", __LINE__);
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
    (void)errs;
}

TEST(interpolation)
{
    OK("\"a ${x} b\"", "tstart:\"a \" id:x tend:\" b\"");
    OK("\"${x}\"", "tstart:\"\" id:x tend:\"\"");
    OK("\"${a}-${b.c}!\"", "tstart:\"\" id:a tmid:\"-\" id:b . id:c tend:\"!\"");
    OK("\"${ {\"a\": 1}.a }\"", "tstart:\"\" { str:\"a\" : int:1 } . id:a tend:\"\"");
    OK("\"x${ \"in${n}ner\" }y\"", "tstart:\"x\" tstart:\"in\" id:n tend:\"ner\" tend:\"y\"");
    OK("\"\\${not} ${1}\"", "tstart:\"${not} \" int:1 tend:\"\"");
    OK("\"${ f({}) }\" {}", "tstart:\"\" id:f ( { } ) tend:\"\" { }");
}

TEST(errors)
{
    ERR("x = \"abc\ny", "id:x = str:\"abc\" id:y",
        "l.veto:1:5: error: unterminated string\n"
        "   1 | x = \"abc\n"
        "     |     ^\n"
        "     = hint: strings end on the line they start; write \\n for a newline\n");
    ERR("\"abc", "str:\"abc\"",
        "l.veto:1:1: error: unterminated string\n"
        "   1 | \"abc\n"
        "     | ^\n"
        "     = hint: strings end on the line they start; write \\n for a newline\n");
    ERR("`abc", "str:\"abc\"",
        "l.veto:1:1: error: unterminated raw string\n"
        "   1 | `abc\n"
        "     | ^\n");
    ERR("\"a ${x", "tstart:\"a \" id:x",
        "l.veto:1:1: error: unterminated string interpolation\n"
        "   1 | \"a ${x\n"
        "     | ^\n");
    ERR("\"a\\qb\"", "str:\"ab\"",
        "l.veto:1:3: error: invalid escape sequence `\\q`\n"
        "   1 | \"a\\qb\"\n"
        "     |   ^~\n"
        "     = hint: valid escapes: \\\" \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX \\$\n");
    ERR("\"\\u12G4\"", "str:\"G4\"",
        "l.veto:1:2: error: invalid unicode escape `\\u12`\n"
        "   1 | \"\\u12G4\"\n"
        "     |  ^~~~\n"
        "     = hint: write \\u followed by exactly 4 hex digits, as in \\u00e9\n");
    ERR("\"\\ud800x\"", "str:\"x\"",
        "l.veto:1:2: error: unpaired surrogate `\\ud800` in string\n"
        "   1 | \"\\ud800x\"\n"
        "     |  ^~~~~~\n"
        "     = hint: a high surrogate must be followed by a \\uDC00-\\uDFFF escape\n");
    ERR("\"\\udc00\"", "str:\"\"",
        "l.veto:1:2: error: unpaired surrogate `\\udc00` in string\n"
        "   1 | \"\\udc00\"\n"
        "     |  ^~~~~~\n");
    ERR("a @ b", "id:a id:b",
        "l.veto:1:3: error: unexpected character `@`\n"
        "   1 | a @ b\n"
        "     |   ^\n");
    ERR("a && b ! c", "id:a id:b id:c",
        "l.veto:1:3: error: unexpected character `&&`\n"
        "   1 | a && b ! c\n"
        "     |   ^~\n"
        "     = hint: use `and`\n"
        "l.veto:1:8: error: unexpected character `!`\n"
        "   1 | a && b ! c\n"
        "     |        ^\n"
        "     = hint: use `not`\n");
    ERR("é x", "id:x",
        "l.veto:1:1: error: unexpected character `é`\n"
        "   1 | é x\n"
        "     | ^\n");
    ERR("x \xff y", "id:x id:y",
        "l.veto:1:3: error: invalid UTF-8 byte 0xff\n"
        "   1 | x \xff y\n"
        "     |   ^\n");
    ERR("\"a\xc3(\"", "str:\"a(\"",
        "l.veto:1:3: error: invalid UTF-8 byte 0xc3 in string\n"
        "   1 | \"a\xc3(\"\n"
        "     |   ^\n");
    ERR("# \xed\xa0\x80 surrogate\nx", "id:x",
        "l.veto:1:3: error: invalid UTF-8 byte 0xed in comment\n"
        "   1 | # \xed\xa0\x80 surrogate\n"
        "     |   ^\n");
    ERR("let n = 9223372036854775808", "let id:n = int:0",
        "l.veto:1:9: error: integer literal out of range\n"
        "   1 | let n = 9223372036854775808\n"
        "     |         ^~~~~~~~~~~~~~~~~~~\n"
        "     = hint: integers are 64-bit: at most 9223372036854775807\n");
    ERR("1e999", "float:0",
        "l.veto:1:1: error: float literal out of range\n"
        "   1 | 1e999\n"
        "     | ^~~~~\n");
    ERR("1__0 2_", "int:10 int:2",
        "l.veto:1:1: error: misplaced `_` in number\n"
        "   1 | 1__0 2_\n"
        "     | ^~~~\n"
        "     = hint: `_` may only separate digits, as in 1_000\n"
        "l.veto:1:6: error: misplaced `_` in number\n"
        "   1 | 1__0 2_\n"
        "     |      ^~\n"
        "     = hint: `_` may only separate digits, as in 1_000\n");
    ERR("12abc", "int:12",
        "l.veto:1:3: error: invalid suffix `abc` on number\n"
        "   1 | 12abc\n"
        "     |   ^~~\n");
    check_err("a\0b", 3, "id:a id:b",
              "l.veto:1:2: error: unexpected control character 0x00\n"
              "   1 | a\n"
              "     |  ^\n",
              __LINE__);
}

TEST(nesting)
{
    /* 256 levels are fine, the 257th is an error and ends the input */
    char buf[1024];
    memset(buf, '(', 256);
    buf[256] = '\0';
    char *errs;
    char *got = lex_all(buf, 256, &errs);
    if (errs[0] != '\0')
        harness_cur_failed = 1;
    free(got);
    free(errs);
    memset(buf, '[', 300);
    buf[300] = '\0';
    got = lex_all(buf, 300, &errs);
    int ok =
        strstr(errs, "l.veto:1:257: error: expression nested too deeply (more than 256 levels)") ==
            errs &&
        strlen(got) == 256 * 2 - 1;
    if (!ok)
        fprintf(stderr, "test_lexer.c:%d: nesting: %s\n", __LINE__, errs);
    if (!ok)
        harness_cur_failed = 1;
    free(got);
    free(errs);
    /* closed brackets do not accumulate */
    Buf b = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        buf_puts(&b, "{(\"${[x]}\")}");
    got = lex_all(b.p, b.len, &errs);
    if (errs[0] != '\0')
        harness_cur_failed = 1;
    free(got);
    free(errs);
    buf_free(&b);
}

TEST(positions)
{
    const char *text = "ab  \"s${x}t\"\n  ?? not\tin";
    Source *s = source_new("l.veto", text, strlen(text));
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    Lexer lx;
    lex_init(&lx, s, &a, &d);
    Token t;
    static const uint32_t want[][3] = {
        {TK_IDENT, 0, 2},     {TK_TSTART, 4, 4}, {TK_IDENT, 8, 1}, {TK_TEND, 9, 3},
        {TK_COALESCE, 15, 2}, {TK_NOTIN, 18, 6}, {TK_EOF, 24, 0},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int type = lex_next(&lx, &t);
        if ((uint32_t)type != want[i][0] || t.off != want[i][1] || t.len != want[i][2]) {
            fprintf(stderr, "test_lexer.c:%d: token %zu: type %d off %u len %u\n", __LINE__, i,
                    type, t.off, t.len);
            ok = 0;
        }
    }
    if (!ok)
        harness_cur_failed = 1;
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
}

int main(void)
{
    RUN(tokens);
    RUN(strings);
    RUN(nul_in_string);
    RUN(interpolation);
    RUN(errors);
    RUN(nesting);
    RUN(positions);
    return harness_done();
}
