/* test_diag.c — sources (positions, lines, loading) and diagnostics
 * (rendering, colour, the error cap, typo suggestions). */
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/source.h"
#include "harness.h"

static Source *src_of(const char *text) { return source_new("p.veto", text, strlen(text)); }

TEST(source_positions)
{
    Source *s = src_of("ab\ncdé f\n\nx");
    CHECK_INT(s->nlines, 4);
    uint32_t line, col;
    source_position(s, 0, &line, &col);
    CHECK_INT(line, 1);
    CHECK_INT(col, 1);
    source_position(s, 3, &line, &col);
    CHECK_INT(line, 2);
    CHECK_INT(col, 1);
    /* `é` is two bytes but one column */
    source_position(s, 8, &line, &col);
    CHECK_INT(line, 2);
    CHECK_INT(col, 5);
    source_position(s, 11, &line, &col);
    CHECK_INT(line, 4);
    CHECK_INT(col, 1);
    source_position(s, 999, &line, &col); /* past the end: last position */
    CHECK_INT(line, 4);
    CHECK_INT(col, 2);
    size_t n;
    const char *l = source_line(s, 2, &n);
    CHECK(l && n == 6 && memcmp(l, "cdé f", 6) == 0);
    l = source_line(s, 3, &n);
    CHECK(l && n == 0);
    CHECK(source_line(s, 5, &n) == NULL);
    source_free(s);
}

TEST(source_crlf_and_empty)
{
    Source *s = src_of("a\r\nb");
    size_t n;
    const char *l = source_line(s, 1, &n);
    CHECK(l && n == 1 && l[0] == 'a');
    source_free(s);
    s = source_new(NULL, "", 0);
    CHECK_STR(s->name, "<string>");
    CHECK_INT(s->nlines, 1);
    CHECK(s->text[0] == '\0');
    source_free(s);
}

TEST(source_load_errors)
{
    char err[256] = "";
    Source *s = source_load_file("/nonexistent/dir/x.veto", err, sizeof err);
    CHECK(s == NULL);
    CHECK_STR(err, "cannot open /nonexistent/dir/x.veto: No such file or directory");
    s = source_load_file("/tmp", err, sizeof err);
    CHECK(s == NULL);
    CHECK_STR(err, "cannot read /tmp: Is a directory");
    s = source_load_file("tests/unit/harness.h", err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        CHECK_STR(s->name, "tests/unit/harness.h");
        CHECK(s->len > 100 && s->text[s->len] == '\0');
        source_free(s);
    }
}

TEST(render_basic)
{
    DiagList d = {0};
    Source *s = src_of("policy x\ndeny when cuont(xs) > 2\n");
    diag_add(&d, DIAG_ERROR, s, 19, 5, "did you mean `count`?", "unknown function `%s`", "cuont");
    char *r = diag_render(&d, 0);
    CHECK_STR(r, "p.veto:2:11: error: unknown function `cuont`\n"
                 "   2 | deny when cuont(xs) > 2\n"
                 "     |           ^~~~~\n"
                 "     = hint: did you mean `count`?\n");
    free(r);
    CHECK_INT(d.errors, 1);
    diag_clear(&d);
    source_free(s);
}

TEST(render_gutter_tabs_utf8)
{
    /* line 12: the gutter (three spaces and the number) widens with it */
    char text[256] = "";
    for (int i = 0; i < 11; i++)
        strcat(text, "\n");
    strcat(text, "\tlet é = xx\n");
    Source *s = src_of(text);
    DiagList d = {0};
    size_t off = strstr(text, "xx") - text;
    diag_add(&d, DIAG_WARNING, s, off, 2, NULL, "unused");
    diag_add(&d, DIAG_NOTE, s, off - 5, 2, NULL, "declared here");
    char *r = diag_render(&d, 0);
    CHECK_STR(r, "p.veto:12:10: warning: unused\n"
                 "   12 | \tlet é = xx\n"
                 "      | \t        ^~\n"
                 "p.veto:12:6: note: declared here\n"
                 "   12 | \tlet é = xx\n"
                 "      | \t    ^\n");
    free(r);
    CHECK_INT(d.warnings, 1);
    CHECK_INT(d.errors, 0);
    diag_clear(&d);
    source_free(s);
}

TEST(render_span_clipped_and_eof)
{
    Source *s = src_of("ab\ncd");
    DiagList d = {0};
    diag_add(&d, DIAG_ERROR, s, 1, 10, NULL, "long span");
    diag_add(&d, DIAG_ERROR, s, 5, 0, NULL, "at end");
    char *r = diag_render(&d, 0);
    CHECK_STR(r, "p.veto:1:2: error: long span\n"
                 "   1 | ab\n"
                 "     |  ^\n"
                 "p.veto:2:3: error: at end\n"
                 "   2 | cd\n"
                 "     |   ^\n");
    free(r);
    diag_clear(&d);
    source_free(s);
}

TEST(render_no_position_and_at)
{
    DiagList d = {0};
    diag_add(&d, DIAG_ERROR, NULL, 0, 0, NULL, "no policies given");
    diag_add_at(&d, DIAG_ERROR, "plan.json", 3, 7, "expected `%s`", ",");
    char *r = diag_render(&d, 0);
    CHECK_STR(r, "error: no policies given\n"
                 "plan.json:3:7: error: expected `,`\n");
    free(r);
    diag_clear(&d);
}

TEST(render_color)
{
    Source *s = src_of("x");
    DiagList d = {0};
    diag_add(&d, DIAG_ERROR, s, 0, 1, NULL, "bad");
    char *r = diag_render(&d, 1);
    CHECK_STR(r, "p.veto:1:1: \x1b[1;31merror\x1b[0m: bad\n"
                 "   1 | x\n"
                 "     | \x1b[1;32m^\x1b[0m\n");
    free(r);
    diag_clear(&d);
    source_free(s);
}

TEST(error_cap)
{
    DiagList d = {0};
    for (int i = 0; i < DIAG_MAX_ERRORS + 5; i++)
        diag_add(&d, DIAG_ERROR, NULL, 0, 0, NULL, "e%d", i);
    CHECK_INT(d.errors, DIAG_MAX_ERRORS + 5);
    CHECK_INT(d.n, DIAG_MAX_ERRORS + 1);
    CHECK(d.items[DIAG_MAX_ERRORS].severity == DIAG_NOTE);
    CHECK_STR(d.items[DIAG_MAX_ERRORS].message, "too many errors; stopping");
    diag_clear(&d);
    CHECK_INT(d.n, 0);
}

TEST(suggest)
{
    const char *names[] = {"count", "sum", "min", "max", "contains", "length", "lower"};
    size_t n = sizeof names / sizeof names[0];
    CHECK_STR(diag_suggest("cuont", 5, names, n), "count"); /* transposition = 1 */
    CHECK_STR(diag_suggest("contians", 8, names, n), "contains");
    CHECK_STR(diag_suggest("lenght", 6, names, n), "length");
    CHECK_STR(diag_suggest("mix", 3, names, n), "min"); /* tie: first wins */
    CHECK(diag_suggest("zzzzz", 5, names, n) == NULL);
    CHECK(diag_suggest("cnt", 3, names, n) == NULL); /* 2 edits > max(1, 1) */
    CHECK_STR(diag_suggest("sum", 3, names, n), "sum");
    CHECK(diag_suggest("x", 1, names, 0) == NULL);
}

int main(void)
{
    RUN(source_positions);
    RUN(source_crlf_and_empty);
    RUN(source_load_errors);
    RUN(render_basic);
    RUN(render_gutter_tabs_utf8);
    RUN(render_span_clipped_and_eof);
    RUN(render_no_position_and_at);
    RUN(render_color);
    RUN(error_cap);
    RUN(suggest);
    return harness_done();
}
