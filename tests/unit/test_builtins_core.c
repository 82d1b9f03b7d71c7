/* test_builtins_core.c — the builtin table and the core and number
 * builtins (count … to_set; abs, floor, ceil, round, parse_size). */
#include "builtins_testlib.h"

TEST(table_sorted_unique_and_found)
{
    uint32_t n = builtin_count();
    CHECK(n > 80);
    for (uint32_t k = 0; k < n; k++) {
        const BuiltinDef *d = builtin_at(k);
        CHECK(d != NULL && d->fn != NULL && d->signature != NULL);
        CHECK(d->min_args <= d->max_args);
        if (k > 0)
            CHECK(strcmp(builtin_at(k - 1)->name, d->name) < 0);
        CHECK(builtin_find(d->name, strlen(d->name)) == d);
        CHECK_INT(builtin_index(d), k);
        /* the signature starts with the name */
        CHECK(strncmp(d->signature, d->name, strlen(d->name)) == 0);
    }
    CHECK(builtin_at(n) == NULL);
    CHECK(builtin_find("nope", 4) == NULL);
    CHECK(builtin_find("coun", 4) == NULL);
    CHECK(builtin_find("countx", 6) == NULL);
    CHECK(builtin_find("count(", 5) != NULL); /* length-delimited, not NUL */
    CHECK(builtin_find("json.decode", 11) != NULL);
}

TEST(count)
{
    EXPECT("count", "[[1,2,3]]", "3");
    EXPECT("count", "[[]]", "0");
    EXPECT("count", "[{\"a\":1}]", "1");
    EXPECT("count", "[{\"$set\":[1,1,2]}]", "2");
    EXPECT("count", "[\"héllo\"]", "5");
    EXPECT("count", "[\"\"]", "0");
    EXPECT("count", "[\"\\ud83d\\ude00x\"]", "2");
    EXPECT("count", "[\"$undef\"]", "undefined");
    EXPECT("count", "[1]",
           "error: count: argument 1 must be an array, set, object or string, got number");
    EXPECT("count", "[null]",
           "error: count: argument 1 must be an array, set, object or string, got null");
    EXPECT("length", "[\"abc\"]", "3");
    EXPECT("length", "[true]",
           "error: length: argument 1 must be an array, set, object or string, got boolean");
}

TEST(sum)
{
    EXPECT("sum", "[[1,2,3]]", "6");
    EXPECT("sum", "[[]]", "0");
    EXPECT("sum", "[[1,2.5]]", "3.5");
    EXPECT("sum", "[[0.5,0.5]]", "1.0");
    EXPECT("sum", "[{\"$set\":[1,2]}]", "3");
    EXPECT_FLOAT("sum", "[[9223372036854775807,1]]", 9223372036854775808.0);
    EXPECT("sum", "[[-9223372036854775807,-1]]", "-9223372036854775808");
    EXPECT("sum", "[[1,\"2\"]]", "error: sum: element 1 must be a number, got string");
    EXPECT("sum", "[\"$undef\"]", "undefined");
    EXPECT("sum", "[{}]", "error: sum: argument 1 must be an array of numbers, got object");
}

TEST(min_max)
{
    EXPECT("min", "[[3,1,2]]", "1");
    EXPECT("max", "[[3,1,2]]", "3");
    EXPECT("min", "[[]]", "undefined");
    EXPECT("max", "[[]]", "undefined");
    EXPECT("min", "[[2,1.5]]", "1.5");
    EXPECT("max", "[[1,1.0]]", "1");
    EXPECT("min", "[[\"b\",\"a\"]]", "\"a\"");
    EXPECT("max", "[[1,\"a\",null]]", "\"a\"");
    EXPECT("min", "[{\"$set\":[5,4]}]", "4");
    EXPECT("min", "[\"$undef\"]", "undefined");
    EXPECT("max", "[\"x\"]", "error: max: argument 1 must be an array or set, got string");
}

TEST(types)
{
    EXPECT("type_of", "[1]", "\"number\"");
    EXPECT("type_of", "[1.5]", "\"number\"");
    EXPECT("type_of", "[\"s\"]", "\"string\"");
    EXPECT("type_of", "[true]", "\"boolean\"");
    EXPECT("type_of", "[null]", "\"null\"");
    EXPECT("type_of", "[[]]", "\"array\"");
    EXPECT("type_of", "[{}]", "\"object\"");
    EXPECT("type_of", "[{\"$set\":[]}]", "\"set\"");
    EXPECT("type_of", "[\"$undef\"]", "\"undefined\"");
    EXPECT("is_string", "[\"s\"]", "true");
    EXPECT("is_string", "[1]", "false");
    EXPECT("is_string", "[\"$undef\"]", "false");
    EXPECT("is_number", "[1e300]", "true");
    EXPECT("is_number", "[123456789012345678901234567890]", "true");
    EXPECT("is_bool", "[false]", "true");
    EXPECT("is_array", "[[]]", "true");
    EXPECT("is_array", "[{\"$set\":[]}]", "false");
    EXPECT("is_set", "[{\"$set\":[]}]", "true");
    EXPECT("is_object", "[{}]", "true");
    EXPECT("is_null", "[null]", "true");
    EXPECT("is_null", "[\"$undef\"]", "false");
    EXPECT("is_defined", "[null]", "true");
    EXPECT("is_defined", "[\"$undef\"]", "false");
    EXPECT("is_defined", "[false]", "true");
}

TEST(default_)
{
    EXPECT("default", "[\"$undef\", 5]", "5");
    EXPECT("default", "[null, 5]", "5");
    EXPECT("default", "[false, 5]", "false");
    EXPECT("default", "[0, 5]", "0");
    EXPECT("default", "[\"$undef\", \"$undef\"]", "undefined");
}

TEST(to_string)
{
    EXPECT("to_string", "[\"x\"]", "\"x\"");
    EXPECT("to_string", "[12]", "\"12\"");
    EXPECT("to_string", "[1.5]", "\"1.5\"");
    EXPECT("to_string", "[true]", "\"true\"");
    EXPECT("to_string", "[null]", "\"null\"");
    EXPECT("to_string", "[{\"b\":1,\"a\":[1,\"x\"]}]", "\"{\\\"a\\\":[1,\\\"x\\\"],\\\"b\\\":1}\"");
    EXPECT("to_string", "[{\"$set\":[2,1]}]", "\"[1,2]\"");
    EXPECT("to_string", "[\"$undef\"]", "undefined");
}

TEST(to_number)
{
    EXPECT("to_number", "[\"12\"]", "12");
    EXPECT("to_number", "[\"-12\"]", "-12");
    EXPECT("to_number", "[\"+7\"]", "7");
    EXPECT("to_number", "[\"1.5\"]", "1.5");
    EXPECT_FLOAT("to_number", "[\"1e3\"]", 1000.0);
    EXPECT_FLOAT("to_number", "[\"99999999999999999999\"]", 1e20);
    EXPECT("to_number", "[\"\"]", "undefined");
    EXPECT("to_number", "[\" 12\"]", "undefined");
    EXPECT("to_number", "[\"12abc\"]", "undefined");
    EXPECT("to_number", "[\"0x10\"]", "undefined");
    EXPECT("to_number", "[\"nan\"]", "undefined");
    EXPECT("to_number", "[\"1e999\"]", "undefined");
    EXPECT("to_number", "[\".\"]", "undefined");
    EXPECT("to_number", "[\"5.\"]", "5.0");
    EXPECT("to_number", "[true]", "1");
    EXPECT("to_number", "[false]", "0");
    EXPECT("to_number", "[null]", "0");
    EXPECT("to_number", "[3.25]", "3.25");
    EXPECT("to_number", "[[1]]",
           "error: to_number: argument 1 must be a string, number, boolean or null, got array");
    EXPECT("to_number", "[\"$undef\"]", "undefined");
}

TEST(to_set)
{
    EXPECT("to_set", "[[3,1,3,2]]", "[1,2,3]");
    EXPECT("to_set", "[[]]", "[]");
    EXPECT("to_set", "[[1,1.0]]", "[1]");
    EXPECT("to_set", "[\"x\"]", "error: to_set: argument 1 must be an array or set, got string");
    Value v;
    tl_call_v("to_set", tl_json("[[\"b\",\"a\"]]"), 1, &v);
    CHECK(v.kind == V_SET);
}

TEST(numbers)
{
    EXPECT("abs", "[-3]", "3");
    EXPECT("abs", "[-3.5]", "3.5");
    EXPECT("abs", "[0]", "0");
    EXPECT_FLOAT("abs", "[-9223372036854775808]", 9223372036854775808.0);
    EXPECT("abs", "[\"1\"]", "error: abs: argument 1 must be a number, got string");
    EXPECT("floor", "[2.7]", "2");
    EXPECT("floor", "[-2.1]", "-3");
    EXPECT("floor", "[5]", "5");
    EXPECT("ceil", "[2.1]", "3");
    EXPECT("ceil", "[-2.7]", "-2");
    EXPECT("round", "[2.5]", "3");
    EXPECT("round", "[-2.5]", "-3");
    EXPECT("round", "[2.4999]", "2");
    EXPECT_FLOAT("round", "[1e300]", 1e300);
    EXPECT("round", "[\"$undef\"]", "undefined");
    EXPECT("round", "[null]", "error: round: argument 1 must be a number, got null");
}

TEST(parse_size)
{
    EXPECT("parse_size", "[\"10GB\"]", "10000000000");
    EXPECT("parse_size", "[\"10GiB\"]", "10737418240");
    EXPECT("parse_size", "[\"512Mi\"]", "536870912");
    EXPECT("parse_size", "[\"1.5KiB\"]", "1536");
    EXPECT("parse_size", "[\"100\"]", "100");
    EXPECT("parse_size", "[\"100B\"]", "100");
    EXPECT("parse_size", "[\"2 k\"]", "2000");
    EXPECT("parse_size", "[\"1eib\"]", "1152921504606846976");
    EXPECT("parse_size", "[\"8EiB\"]", "undefined"); /* past int64 */
    EXPECT("parse_size", "[\"10XB\"]", "undefined");
    EXPECT("parse_size", "[\"\"]", "undefined");
    EXPECT("parse_size", "[\"GB\"]", "undefined");
    EXPECT("parse_size", "[\"-1GB\"]", "undefined");
    EXPECT("parse_size", "[\"1..5GB\"]", "undefined");
    EXPECT("parse_size", "[4096]", "4096");
    EXPECT("parse_size", "[[1]]", "error: parse_size: argument 1 must be a string, got array");
}

int main(void)
{
    RUN(table_sorted_unique_and_found);
    RUN(count);
    RUN(sum);
    RUN(min_max);
    RUN(types);
    RUN(default_);
    RUN(to_string);
    RUN(to_number);
    RUN(to_set);
    RUN(numbers);
    RUN(parse_size);
    tl_done();
    return harness_done();
}
