/* test_builtins_strings.c — lower … sprintf: case, trimming, split/join,
 * searching, substrings by code point, repeat, format directives. */
#include "builtins_testlib.h"

TEST(case_)
{
    EXPECT("lower", "[\"ABC def\"]", "\"abc def\"");
    EXPECT("upper", "[\"abc DEF 1\"]", "\"ABC DEF 1\"");
    EXPECT("lower", "[\"\"]", "\"\"");
    EXPECT("lower", "[\"ÀÉÎ ΣΑ ПРИВЕТ Ё\"]", "\"àéî σα привет ё\"");
    EXPECT("upper", "[\"straße ÿ\"]", "\"STRAßE ÿ\""); /* no multi-char or length-changing maps */
    EXPECT("upper", "[\"😀a\"]", "\"😀A\"");
    EXPECT("lower", "[\"$undef\"]", "undefined");
    EXPECT("lower", "[1]", "error: lower: argument 1 must be a string, got number");
    EXPECT("upper", "[null]", "error: upper: argument 1 must be a string, got null");
}

TEST(invalid_utf8_passes_through)
{
    Value s = value_str("A\xff"
                        "B",
                        3),
          out;
    Value args = tl_arr(&s, 1);
    tl_call_v("lower", args, 1, &out);
    CHECK(out.n == 3 && memcmp(out.u.s,
                               "a\xff"
                               "b",
                               3) == 0);
    tl_call_v("count", args, 1, &out);
    CHECK(out.kind == V_INT && out.u.i == 3);
}

TEST(trim)
{
    EXPECT("trim", "[\"  a b \\t\\n\"]", "\"a b\"");
    EXPECT("trim", "[\"\"]", "\"\"");
    EXPECT("trim", "[\"   \"]", "\"\"");
    EXPECT("trim", "[\"xxaxx\", \"x\"]", "\"a\"");
    EXPECT("trim", "[\"éaé\", \"é\"]", "\"a\"");
    EXPECT("trim", "[\"-_a_-\", \"_-\"]", "\"a\"");
    EXPECT("trim", "[\"\\u00a0a\"]",
           "\"\xc2\xa0"
           "a\""); /* ASCII whitespace only */
    EXPECT("trim", "[1]", "error: trim: argument 1 must be a string, got number");
    EXPECT("trim", "[\"a\", 1]", "error: trim: argument 2 must be a string, got number");
    EXPECT("trim_prefix", "[\"prod-db\", \"prod-\"]", "\"db\"");
    EXPECT("trim_prefix", "[\"prod-db\", \"dev-\"]", "\"prod-db\"");
    EXPECT("trim_prefix", "[\"ab\", \"abc\"]", "\"ab\"");
    EXPECT("trim_suffix", "[\"main.tf\", \".tf\"]", "\"main\"");
    EXPECT("trim_suffix", "[\"main.tf\", \"\"]", "\"main.tf\"");
    EXPECT("trim_suffix", "[\"$undef\", \"x\"]", "undefined");
}

TEST(split_join)
{
    EXPECT("split", "[\"a,b,,c\", \",\"]", "[\"a\",\"b\",\"\",\"c\"]");
    EXPECT("split", "[\"\", \",\"]", "[\"\"]");
    EXPECT("split", "[\"abc\", \",\"]", "[\"abc\"]");
    EXPECT("split", "[\"a::b\", \"::\"]", "[\"a\",\"b\"]");
    EXPECT("split", "[\"héllo\", \"\"]", "[\"h\",\"é\",\"l\",\"l\",\"o\"]");
    EXPECT("split", "[\",\", \",\"]", "[\"\",\"\"]");
    EXPECT("split", "[\"a\", 1]", "error: split: argument 2 must be a string, got number");
    EXPECT("join", "[[\"a\",\"b\",\"c\"], \"-\"]", "\"a-b-c\"");
    EXPECT("join", "[[], \"-\"]", "\"\"");
    EXPECT("join", "[[\"x\"], \", \"]", "\"x\"");
    EXPECT("join", "[{\"$set\":[\"b\",\"a\"]}, \"\"]", "\"ab\"");
    EXPECT("join", "[[\"a\",1], \"-\"]", "error: join: element 1 must be a string, got number");
    EXPECT("join", "[\"ab\", \"-\"]",
           "error: join: argument 1 must be an array of strings, got string");
}

TEST(replace_contains)
{
    EXPECT("replace", "[\"a.b.c\", \".\", \"/\"]", "\"a/b/c\"");
    EXPECT("replace", "[\"aaa\", \"aa\", \"b\"]", "\"ba\"");
    EXPECT("replace", "[\"abc\", \"\", \"x\"]", "\"abc\"");
    EXPECT("replace", "[\"abc\", \"b\", \"\"]", "\"ac\"");
    EXPECT("replace", "[\"\", \"a\", \"b\"]", "\"\"");
    EXPECT("replace", "[\"a\", \"a\", 1]",
           "error: replace: argument 3 must be a string, got number");
    EXPECT("contains", "[\"hello\", \"ell\"]", "true");
    EXPECT("contains", "[\"hello\", \"\"]", "true");
    EXPECT("contains", "[\"hello\", \"xyz\"]", "false");
    EXPECT("contains", "[[1,2,3], 2.0]", "true");
    EXPECT("contains", "[[1,2,3], \"2\"]", "false");
    EXPECT("contains", "[{\"$set\":[\"a\"]}, \"a\"]", "true");
    EXPECT("contains", "[{\"k\":1}, \"k\"]", "true");
    EXPECT("contains", "[{\"k\":1}, \"v\"]", "false");
    EXPECT("contains", "[\"abc\", 1]",
           "error: contains: argument 2 must be a string when argument 1 is a string, got number");
    EXPECT("contains", "[1, 1]",
           "error: contains: argument 1 must be a string, array, set or object, got number");
    EXPECT("contains", "[[1], \"$undef\"]", "undefined");
    EXPECT("starts_with", "[\"arn:aws:s3\", \"arn:\"]", "true");
    EXPECT("starts_with", "[\"ar\", \"arn\"]", "false");
    EXPECT("starts_with", "[\"x\", \"\"]", "true");
    EXPECT("ends_with", "[\"file.tf\", \".tf\"]", "true");
    EXPECT("ends_with", "[\"file.tf\", \".json\"]", "false");
    EXPECT("ends_with", "[1, \"x\"]", "error: ends_with: argument 1 must be a string, got number");
}

TEST(index_substring_repeat)
{
    EXPECT("index_of", "[\"héllo\", \"l\"]", "2");
    EXPECT("index_of", "[\"abc\", \"z\"]", "-1");
    EXPECT("index_of", "[\"abc\", \"\"]", "0");
    EXPECT("index_of", "[[\"a\",\"b\"], \"b\"]", "1");
    EXPECT("index_of", "[[], 1]", "-1");
    EXPECT("index_of", "[1, 1]",
           "error: index_of: argument 1 must be a string or array, got number");
    EXPECT("substring", "[\"hello\", 1, 3]", "\"ell\"");
    EXPECT("substring", "[\"héllo\", 1, 2]", "\"él\"");
    EXPECT("substring", "[\"hello\", 3]", "\"lo\"");
    EXPECT("substring", "[\"hello\", 3, -1]", "\"lo\"");
    EXPECT("substring", "[\"hello\", 10, 2]", "\"\"");
    EXPECT("substring", "[\"hello\", 2, 100]", "\"llo\"");
    EXPECT("substring", "[\"hello\", 1.0, 1]", "\"e\"");
    EXPECT("substring", "[\"hello\", -1, 1]",
           "error: substring: start must not be negative, got -1");
    EXPECT("substring", "[\"hello\", 1.5, 1]",
           "error: substring: argument 2 must be an integer, got number");
    EXPECT("repeat", "[\"ab\", 3]", "\"ababab\"");
    EXPECT("repeat", "[\"ab\", 0]", "\"\"");
    EXPECT("repeat", "[\"\", 1000000000000]", "\"\"");
    EXPECT("repeat", "[\"ab\", -1]", "error: repeat: count must not be negative, got -1");
    EXPECT_PREFIX("repeat", "[\"ab\", 100000000000]", "error: repeat: result longer than");
}

TEST(sprintf_)
{
    EXPECT("sprintf", "[\"%s has %d items\", \"bucket\", 3]", "\"bucket has 3 items\"");
    EXPECT("sprintf", "[\"no directives\"]", "\"no directives\"");
    EXPECT("sprintf", "[\"%v|%s\", [1,\"a\"], {\"b\":1,\"a\":2}]",
           "\"[1,\\\"a\\\"]|{\\\"a\\\":2,\\\"b\\\":1}\"");
    EXPECT("sprintf", "[\"%q\", \"a\\\"b\"]", "\"\\\"a\\\\\\\"b\\\"\"");
    EXPECT("sprintf", "[\"%q\", 5]", "\"5\"");
    EXPECT("sprintf", "[\"%5s|%-5s|\", \"ab\", \"cd\"]", "\"   ab|cd   |\"");
    EXPECT("sprintf", "[\"%3s|\", \"éé\"]", "\" éé|\"");
    EXPECT("sprintf", "[\"%.2s\", \"héllo\"]", "\"hé\"");
    EXPECT("sprintf", "[\"%05d|%-4d|%d\", 42, 7, -3]", "\"00042|7   |-3\"");
    EXPECT("sprintf", "[\"%x\", 255]", "\"ff\"");
    EXPECT("sprintf", "[\"%.2f %f\", 3.14159, 1]", "\"3.14 1.000000\"");
    EXPECT("sprintf", "[\"%8.3f|\", 2.5]", "\"   2.500|\"");
    EXPECT("sprintf", "[\"%d\", 2.0]", "\"2\"");
    EXPECT("sprintf", "[\"100%%\"]", "\"100%\"");
    EXPECT("sprintf", "[\"%d\", 2.5]", "error: sprintf: argument 2 must be an integer, got number");
    EXPECT("sprintf", "[\"%d\", \"x\"]",
           "error: sprintf: argument 2 must be an integer, got string");
    EXPECT("sprintf", "[\"%s %s\", \"a\"]",
           "error: sprintf: missing argument for '%s' (directive 2)");
    EXPECT("sprintf", "[\"%s\", \"a\", \"b\"]",
           "error: sprintf: 1 argument(s) left over after the format");
    EXPECT("sprintf", "[\"%y\", 1]", "error: sprintf: unknown directive '%y'");
    EXPECT("sprintf", "[\"abc%\"]", "error: sprintf: format ends in the middle of a directive");
    EXPECT("sprintf", "[\"%s\", \"$undef\"]", "undefined");
    EXPECT_PREFIX("sprintf", "[\"%99999s\", \"a\"]",
                  "error: sprintf: width or precision too large");
    EXPECT("format", "[\"%s=%v\", \"k\", true]", "\"k=true\"");
    EXPECT("format", "[1]", "error: format: argument 1 must be a string, got number");
}

TEST(huge_strings)
{
    size_t n = 1 << 20;
    char *big = arena_alloc(&tl_arena, n);
    memset(big, 'a', n);
    big[n / 2] = ',';
    Value args[2] = {value_str(big, (uint32_t)n), value_str(",", 1)}, out;
    tl_call_v("split", tl_arr(args, 2), 1, &out);
    CHECK(out.kind == V_ARR && out.n == 2 && out.u.a[0].n == n / 2);
    tl_call_v("upper", tl_arr(args, 1), 1, &out);
    CHECK(out.kind == V_STR && out.n == n && out.u.s[0] == 'A');
    tl_call_v("count", tl_arr(args, 1), 1, &out);
    CHECK(out.kind == V_INT && out.u.i == (int64_t)n);
}

int main(void)
{
    tl_init();
    RUN(case_);
    RUN(invalid_utf8_passes_through);
    RUN(trim);
    RUN(split_join);
    RUN(replace_contains);
    RUN(index_substring_repeat);
    RUN(sprintf_);
    RUN(huge_strings);
    tl_done();
    return harness_done();
}
