/* test_builtins_regex.c — regex.* builtins, the VM's regex_compile /
 * regex_search, the RegexCache, the match limit, and glob matching. */
#include "builtins_testlib.h"
#include "vm/glob.h"
#include "vm/regex.h"

TEST(regex_match)
{
    EXPECT("regex.match", "[\"prod-db-1\", \"^prod-\"]", "true");
    EXPECT("regex.match", "[\"dev-db\", \"^prod-\"]", "false");
    EXPECT("regex.match", "[\"abc\", \"b\"]", "true"); /* unanchored */
    EXPECT("regex.match", "[\"\", \"^$\"]", "true");
    EXPECT("regex.match", "[\"héllo\", \"^h.llo$\"]", "true"); /* UTF mode: . is one code point */
    EXPECT("regex.match", "[\"x\", \"(\"]",
           "error: regex.match: invalid regex at offset 1: missing closing parenthesis");
    EXPECT("regex.match", "[1, \"x\"]",
           "error: regex.match: argument 1 must be a string, got number");
    EXPECT("regex.match", "[\"x\", 1]",
           "error: regex.match: argument 2 must be a string (regex pattern), got number");
    EXPECT("regex.match", "[\"$undef\", \"x\"]", "undefined");
    EXPECT("regex_match", "[\"abc\", \"^a\"]", "true");
    EXPECT_NOCACHE("regex.match", "[\"abc\", \"c$\"]", "true");
    EXPECT_NOCACHE(
        "regex.match", "[\"abc\", \"[\"]",
        "error: regex.match: invalid regex at offset 1: missing terminating ] for character class");
}

TEST(regex_invalid_utf8_subject)
{
    Value args[2] = {value_str("a\xff"
                               "b",
                               3),
                     value_str("b$", 2)},
          out;
    tl_call_v("regex.match", tl_arr(args, 2), 1, &out);
    CHECK(out.kind == V_BOOL && out.u.b);
}

TEST(regex_find_all)
{
    EXPECT("regex.find_all", "[\"a1b22c333\", \"[0-9]+\"]", "[\"1\",\"22\",\"333\"]");
    EXPECT("regex.find_all", "[\"abc\", \"x\"]", "[]");
    EXPECT("regex.find_all", "[\"baa\", \"a*\"]", "[\"\",\"aa\",\"\"]");
    EXPECT("regex.find_all", "[\"héé\", \"\"]", "[\"\",\"\",\"\",\"\"]");
    EXPECT("regex.find_all", "[\"\", \"x*\"]", "[\"\"]");
    EXPECT_NOCACHE("regex.find_all", "[\"a-b-c\", \"[a-z]\"]", "[\"a\",\"b\",\"c\"]");
}

TEST(regex_captures)
{
    EXPECT("regex.captures", "[\"v1.22.3\", \"^v(\\\\d+)\\\\.(\\\\d+)\"]",
           "[\"v1.22\",\"1\",\"22\"]");
    EXPECT("regex.captures", "[\"abc\", \"x(y)\"]", "undefined");
    EXPECT("regex.captures", "[\"ac\", \"a(b)?c\"]", "[\"ac\",null]");
    EXPECT("regex.captures", "[\"abc\", \"b\"]", "[\"b\"]");
    /* many groups: the cache's shared match data must grow */
    EXPECT("regex.captures",
           "[\"abcdefghijklmnopqrst\", "
           "\"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)(m)(n)(o)(p)(q)(r)(s)(t)\"]",
           "[\"abcdefghijklmnopqrst\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\","
           "\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\",\"r\",\"s\",\"t\"]");
    EXPECT_NOCACHE("regex.captures", "[\"k=v\", \"(\\\\w+)=(\\\\w+)\"]", "[\"k=v\",\"k\",\"v\"]");
}

TEST(regex_replace)
{
    EXPECT("regex.replace", "[\"a1b22\", \"[0-9]+\", \"#\"]", "\"a#b#\"");
    EXPECT("regex.replace", "[\"john smith\", \"(\\\\w+) (\\\\w+)\", \"$2, ${1}\"]",
           "\"smith, john\"");
    EXPECT("regex.replace", "[\"abc\", \"x\", \"y\"]", "\"abc\"");
    EXPECT("regex.replace", "[\"abc\", \"b\", \"$$\"]", "\"a$c\"");
    EXPECT("regex.replace", "[\"ac\", \"a(b)?\", \"[$1]\"]", "\"[]c\"");
    EXPECT("regex.replace", "[\"\", \"^\", \"x\"]", "\"x\"");
    /* output much longer than the first guess: the retry path */
    EXPECT("regex.replace", "[\"aaaa\", \"a\", \"0123456789012345678901234567890123456789\"]",
           "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234"
           "567890123456789012345678901234567890123456789012345678901234567890123456789\"");
    EXPECT_PREFIX("regex.replace", "[\"a\", \"a\", \"$9\"]",
                  "error: regex.replace: regex match failed:");
    EXPECT("regex.replace", "[\"a\", \"a\", 1]",
           "error: regex.replace: argument 3 must be a string, got number");
    EXPECT_NOCACHE("regex.replace", "[\"a.b\", \"\\\\.\", \"/\"]", "\"a/b\"");
}

TEST(regex_is_valid)
{
    EXPECT("regex.is_valid", "[\"^a+$\"]", "true");
    EXPECT("regex.is_valid", "[\"(\"]", "false");
    EXPECT("regex.is_valid", "[3]",
           "error: regex.is_valid: argument 1 must be a string, got number");
}

TEST(regex_catastrophic_pattern_errors)
{
    char subject[64];
    memset(subject, 'a', 40);
    subject[40] = '!';
    subject[41] = '\0';
    char args[200];
    snprintf(args, sizeof args, "[\"%s\", \"^(a+)+$\"]", subject);
    EXPECT_PREFIX("regex.match", args, "error: regex.match: regex match limit exceeded");
    char err[200];
    Regex *re = regex_compile("^(a|aa)+$", 9, err, sizeof err);
    CHECK(re != NULL);
    if (re) {
        CHECK_INT(regex_search(re, subject, 41, err, sizeof err), -1);
        CHECK(strstr(err, "limit") != NULL);
        regex_free(re);
    }
}

TEST(regex_compile_search)
{
    char err[200] = "";
    Regex *re = regex_compile("^arn:aws:iam::\\d{12}:", 20, err, sizeof err);
    CHECK(re != NULL);
    if (re) {
        CHECK_INT(regex_search(re, "arn:aws:iam::123456789012:root", 30, err, sizeof err), 1);
        CHECK_INT(regex_search(re, "arn:aws:iam::12:root", 20, err, sizeof err), 0);
        CHECK_INT(regex_search(re, "", 0, err, sizeof err), 0);
        regex_free(re);
    }
    CHECK(regex_compile("a{2,1}", 6, err, sizeof err) == NULL);
    CHECK(strstr(err, "invalid regex at offset") == err);
    /* patterns with NULs are length-delimited */
    re = regex_compile("a\0b", 3, err, sizeof err);
    CHECK(re != NULL);
    if (re) {
        CHECK_INT(regex_search(re, "xa\0b", 4, err, sizeof err), 1);
        CHECK_INT(regex_search(re, "xa", 2, err, sizeof err), 0);
        regex_free(re);
    }
    regex_free(NULL);
}

TEST(regex_cache_bounded)
{
    RegexCache *c = regex_cache_new();
    char err[200], pat[32];
    const Regex *first = regex_cache_get(c, "^x", 2, err, sizeof err);
    CHECK(first != NULL);
    CHECK(regex_cache_get(c, "^x", 2, err, sizeof err) == first); /* same pattern, same code */
    for (int k = 0; k < 1000; k++) {
        int n = snprintf(pat, sizeof pat, "^p%d$", k);
        const Regex *re = regex_cache_get(c, pat, (size_t)n, err, sizeof err);
        CHECK(re != NULL);
        if (re) {
            char subj[32];
            int sn = snprintf(subj, sizeof subj, "p%d", k);
            CHECK_INT(regex_search(re, subj, (size_t)sn, err, sizeof err), 1);
        }
    }
    CHECK(regex_cache_get(c, "(", 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "missing closing parenthesis") != NULL);
    regex_cache_free(c);
    regex_cache_free(NULL);
}

static int glob(const char *p, const char *s) { return glob_match(p, strlen(p), s, strlen(s)); }

TEST(glob_semantics)
{
    CHECK(glob("*.tf", "main.tf"));
    CHECK(!glob("*.tf", "mod/main.tf"));
    CHECK(glob("**.tf", "mod/main.tf"));
    CHECK(glob("modules/**/main.tf", "modules/a/b/main.tf"));
    CHECK(glob("modules/**/main.tf", "modules/main.tf"));
    CHECK(!glob("modules/**/main.tf", "modulesx/main.tf"));
    CHECK(glob("**", ""));
    CHECK(glob("**", "a/b/c"));
    CHECK(glob("*", ""));
    CHECK(!glob("*", "a/b"));
    CHECK(glob("a?c", "abc"));
    CHECK(glob("a?c", "aéc"));
    CHECK(!glob("a?c", "a/c"));
    CHECK(!glob("a?c", "ac"));
    CHECK(glob("[abc]x", "bx"));
    CHECK(!glob("[abc]x", "dx"));
    CHECK(glob("[a-c][0-9]", "b7"));
    CHECK(glob("[!a-c]", "d"));
    CHECK(glob("[^a-c]", "d"));
    CHECK(!glob("[!a-c]", "b"));
    CHECK(!glob("[!a]", "/"));
    CHECK(glob("[]]", "]"));
    CHECK(glob("[é]", "é"));
    CHECK(glob("[a-", "[a-")); /* unclosed class is literal */
    CHECK(glob("\\*", "*"));
    CHECK(!glob("\\*", "x"));
    CHECK(glob("a\\[b", "a[b"));
    CHECK(glob("", ""));
    CHECK(!glob("", "a"));
    CHECK(!glob("abc", "ab"));
    CHECK(glob("*a*b*c*", "xxaxxbxxcxx"));
    CHECK(!glob("*a*b*c*", "xxaxxcxxbxx"));
    CHECK(glob("**/x*y", "a/b/xzzy"));
    CHECK(glob("**x*y", "x/xy"));
}

TEST(glob_no_exponential_blowup)
{
    char s[201], p[64];
    memset(s, 'a', 200);
    s[200] = '\0';
    strcpy(p, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    CHECK(!glob(p, s));
    strcpy(p, "**a**a**a**a**a**a**a**a**a**a**b");
    CHECK(!glob(p, s));
}

TEST(glob_builtin)
{
    EXPECT("glob.match", "[\"env/prod/main.tf\", \"env/*/main.tf\"]", "true");
    EXPECT("glob.match", "[\"env/prod/x/main.tf\", \"env/*/main.tf\"]", "false");
    EXPECT("glob_match", "[\"a.txt\", \"*.txt\"]", "true");
    EXPECT("glob.match", "[\"$undef\", \"*\"]", "undefined");
    EXPECT("glob.match", "[\"a\", 1]",
           "error: glob.match: argument 2 must be a string, got number");
}

int main(void)
{
    tl_init();
    RUN(regex_match);
    RUN(regex_invalid_utf8_subject);
    RUN(regex_find_all);
    RUN(regex_captures);
    RUN(regex_replace);
    RUN(regex_is_valid);
    RUN(regex_catastrophic_pattern_errors);
    RUN(regex_compile_search);
    RUN(regex_cache_bounded);
    RUN(glob_semantics);
    RUN(glob_no_exponential_blowup);
    RUN(glob_builtin);
    tl_done();
    return harness_done();
}
