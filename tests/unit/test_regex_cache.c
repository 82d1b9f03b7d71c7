/* test_regex_cache.c — the per-evaluation RegexCache (stdlib/regex.c):
 * its slot table is made by the first pattern cached, so an unused cache
 * (most evaluations) costs no table, no clearing loop and no leak; once
 * made, the cache answers repeated patterns with the same compiled code,
 * drops everything at its bound (96 patterns) and reports bad patterns
 * with the same messages as regex_compile. Through the public API: a
 * reused evaluator and veto_eval give the same decisions for dynamic
 * patterns, run after run, with a bad pattern in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_testlib.h"
#include "harness.h"
#include "veto.h"
#include "vm/regex.h"

TEST(unused_cache_has_no_table)
{
    RegexCache *c = regex_cache_new();
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK(!regex_cache_has_table(c));
    CHECK_INT(regex_cache_count(c), 0);
    regex_cache_clear(c); /* empty: nothing to do, and nothing made */
    regex_cache_clear(c);
    CHECK(!regex_cache_has_table(c));
    CHECK_INT(regex_cache_count(c), 0);
    /* match data does not need the table either */
    char err[200];
    Regex *re = regex_compile("(a)(b)", 6, err, sizeof err);
    CHECK(re != NULL);
    if (re) {
        pcre2_match_data *md = regex_cache_match_data(c, re);
        CHECK(md != NULL);
        CHECK(regex_cache_match_data(c, re) == md); /* reused */
        CHECK(!regex_cache_has_table(c));
        regex_free(re);
    }
    regex_cache_free(c); /* ASan: nothing leaks, nothing freed twice */
    regex_cache_free(NULL);
    regex_cache_clear(NULL);
    CHECK_INT(regex_cache_count(NULL), 0);
}

TEST(bad_pattern_first_makes_no_table)
{
    RegexCache *c = regex_cache_new();
    char err[200], want[200];
    CHECK(regex_compile("a{2,1}", 6, want, sizeof want) == NULL);
    err[0] = '\0';
    CHECK(regex_cache_get(c, "a{2,1}", 6, err, sizeof err) == NULL);
    CHECK_STR(err, want); /* the same message as compiling it directly */
    CHECK(strstr(err, "invalid regex at offset") == err);
    CHECK(!regex_cache_has_table(c));
    CHECK_INT(regex_cache_count(c), 0);
    regex_cache_free(c);
}

TEST(first_use_then_hits)
{
    RegexCache *c = regex_cache_new();
    char err[200];
    const Regex *re = regex_cache_get(c, "^a+$", 4, err, sizeof err);
    CHECK(re != NULL);
    CHECK(regex_cache_has_table(c));
    CHECK_INT(regex_cache_count(c), 1);
    CHECK(regex_cache_get(c, "^a+$", 4, err, sizeof err) == re); /* a hit: same code */
    CHECK_INT(regex_cache_count(c), 1);
    if (re) {
        CHECK_INT(regex_search(re, "aaa", 3, err, sizeof err), 1);
        CHECK_INT(regex_search(re, "aab", 3, err, sizeof err), 0);
    }
    /* same text up to a length is another pattern */
    const Regex *re2 = regex_cache_get(c, "^a+$x", 4, err, sizeof err);
    CHECK(re2 == re);
    const Regex *re3 = regex_cache_get(c, "^a+", 3, err, sizeof err);
    CHECK(re3 != NULL && re3 != re);
    CHECK_INT(regex_cache_count(c), 2);
    /* a bad pattern on a cache with a table: error, nothing added */
    CHECK(regex_cache_get(c, "(", 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "missing closing parenthesis") != NULL);
    CHECK_INT(regex_cache_count(c), 2);
    regex_cache_free(c);
}

TEST(clear_non_empty_keeps_table)
{
    RegexCache *c = regex_cache_new();
    char err[200];
    CHECK(regex_cache_get(c, "x", 1, err, sizeof err) != NULL);
    CHECK(regex_cache_get(c, "y", 1, err, sizeof err) != NULL);
    CHECK_INT(regex_cache_count(c), 2);
    regex_cache_clear(c);
    CHECK_INT(regex_cache_count(c), 0);
    CHECK(regex_cache_has_table(c)); /* kept for the next pattern */
    regex_cache_clear(c);            /* now empty: a no-op */
    CHECK_INT(regex_cache_count(c), 0);
    const Regex *re = regex_cache_get(c, "x", 1, err, sizeof err);
    CHECK(re != NULL);
    CHECK_INT(regex_cache_count(c), 1);
    if (re)
        CHECK_INT(regex_search(re, "axb", 3, err, sizeof err), 1);
    regex_cache_free(c);
}

TEST(bound_drops_everything)
{
    RegexCache *c = regex_cache_new();
    char err[200], pat[32];
    for (int k = 0; k < 96; k++) {
        int n = snprintf(pat, sizeof pat, "^q%d$", k);
        CHECK(regex_cache_get(c, pat, (size_t)n, err, sizeof err) != NULL);
    }
    CHECK_INT(regex_cache_count(c), 96);
    const Regex *again = regex_cache_get(c, "^q5$", 4, err, sizeof err); /* a hit */
    CHECK(again != NULL);
    CHECK_INT(regex_cache_count(c), 96);
    /* the 97th pattern: everything dropped, then it is cached */
    const Regex *re = regex_cache_get(c, "^new$", 5, err, sizeof err);
    CHECK(re != NULL);
    CHECK_INT(regex_cache_count(c), 1);
    if (re)
        CHECK_INT(regex_search(re, "new", 3, err, sizeof err), 1);
    const Regex *back = regex_cache_get(c, "^q5$", 4, err, sizeof err); /* compiled anew */
    CHECK(back != NULL);
    CHECK_INT(regex_cache_count(c), 2);
    if (back) {
        CHECK_INT(regex_search(back, "q5", 2, err, sizeof err), 1);
        CHECK_INT(regex_search(back, "q6", 2, err, sizeof err), 0);
    }
    regex_cache_free(c);
}

/* ---- through the public API ------------------------------------------------- */

static const char policy_src[] =
    "policy t.re\n  kind: plan\n  title: \"re\"\n  severity: high\n  enforcement: hard\n\n"
    "deny for r in input.items ?? []\n"
    "  when r.name =~ input.pattern\n"
    "  message \"${r.name} matches ${input.pattern}\"\n\n"
    "warn for r in input.items ?? []\n"
    "  when regex.match(r.name, \"^static-[0-9]+$\")\n"
    "  message \"${r.name} is static\"\n";

static const char *const inputs[] = {
    "{\"pattern\":\"^a\",\"items\":[{\"name\":\"a1\"},{\"name\":\"b\"},{\"name\":\"static-1\"}]}",
    "{\"items\":[{\"name\":\"a1\"}]}", /* no pattern: no dynamic regex at all */
    "{\"pattern\":\"[\",\"items\":[{\"name\":\"a1\"}]}",
    "{\"pattern\":\"1$\",\"items\":[{\"name\":\"a1\"},{\"name\":\"static-1\"},{\"name\":\"c2\"}]}",
    "{\"pattern\":\"^a\",\"items\":[{\"name\":\"a1\"},{\"name\":\"b\"},{\"name\":\"static-1\"}]}",
};
enum { NINPUTS = sizeof inputs / sizeof inputs[0] };

static char *json_of(veto_decision *dec)
{
    char *j = dec ? veto_decision_json(dec, 0) : NULL;
    veto_decision_free(dec);
    return j;
}

TEST(evaluator_reuse_same_as_eval)
{
    veto_engine *e = veto_engine_new();
    CHECK(e != NULL);
    if (!e)
        return;
    veto_diags *d = veto_diags_new();
    veto_program *p = testlib_compile(e, "re.veto", policy_src);
    CHECK(p != NULL);
    veto_doc *docs[NINPUTS] = {0};
    char *want[NINPUTS] = {0};
    for (int i = 0; p && i < NINPUTS; i++) {
        docs[i] = veto_doc_load_json(e, "in.json", inputs[i], strlen(inputs[i]), NULL, d);
        CHECK(docs[i] != NULL);
        want[i] = docs[i] ? json_of(veto_eval(p, docs[i], NULL)) : NULL;
        CHECK(want[i] != NULL);
    }
    veto_evaluator *ev = p ? veto_evaluator_new(p) : NULL;
    CHECK(!p || ev != NULL);
    if (ev && want[0] && want[2] && want[3]) {
        /* what the decisions say, so "the same" is not "the same mistake" */
        CHECK(strstr(want[0], "a1 matches ^a") != NULL);
        CHECK(strstr(want[0], "b matches") == NULL);
        CHECK(strstr(want[0], "static-1 is static") != NULL);
        CHECK(strstr(want[2], "invalid regex") != NULL);
        CHECK(strstr(want[3], "a1 matches 1$") != NULL);
        CHECK(strstr(want[3], "static-1 matches 1$") != NULL);
        CHECK(strstr(want[3], "c2 matches") == NULL);
        CHECK_STR(want[4], want[0]);
        for (int round = 0; round < 3; round++)
            for (int i = 0; i < NINPUTS; i++) {
                char *got = json_of(veto_evaluator_run(ev, docs[i], NULL));
                CHECK_STR(got, want[i]);
                free(got);
            }
    }
    veto_evaluator_free(ev);
    for (int i = 0; i < NINPUTS; i++) {
        veto_doc_free(docs[i]);
        free(want[i]);
    }
    veto_program_free(p);
    veto_diags_free(d);
    veto_engine_free(e);
}

int main(void)
{
    RUN(unused_cache_has_no_table);
    RUN(bad_pattern_first_makes_no_table);
    RUN(first_use_then_hits);
    RUN(clear_non_empty_keeps_table);
    RUN(bound_drops_everything);
    RUN(evaluator_reuse_same_as_eval);
    return harness_done();
}
