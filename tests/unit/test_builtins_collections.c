/* test_builtins_collections.c — keys … array.slice: order guarantees,
 * set results, key/paths, and wrong types. */
#include "builtins_testlib.h"

TEST(keys_values)
{
    EXPECT("keys", "[{\"b\":1,\"a\":2}]", "[\"b\",\"a\"]");
    EXPECT("keys", "[{}]", "[]");
    EXPECT("values", "[{\"b\":1,\"a\":[2]}]", "[1,[2]]");
    EXPECT("keys", "[[1]]", "error: keys: argument 1 must be an object, got array");
    EXPECT("values", "[\"$undef\"]", "undefined");
}

TEST(unique_sort_reverse)
{
    EXPECT("unique", "[[3,1,3,2,1]]", "[3,1,2]");
    EXPECT("unique", "[[1,1.0,\"1\"]]", "[1,\"1\"]");
    EXPECT("unique", "[[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]]", "[{\"a\":1,\"b\":2}]");
    EXPECT("unique", "[[]]", "[]");
    EXPECT("unique", "[{\"$set\":[2,1]}]", "[1,2]");
    EXPECT("unique", "[\"ab\"]", "error: unique: argument 1 must be an array or set, got string");
    EXPECT("sort", "[[3,1,2]]", "[1,2,3]");
    EXPECT("sort", "[[\"b\",1,null,[0],true,\"a\"]]", "[null,true,1,\"a\",\"b\",[0]]");
    EXPECT("sort", "[[1.0,1,0.5]]", "[0.5,1.0,1]"); /* stable */
    EXPECT("sort", "[[]]", "[]");
    EXPECT("sort", "[{}]", "error: sort: argument 1 must be an array or set, got object");
    EXPECT("reverse", "[[1,2,3]]", "[3,2,1]");
    EXPECT("reverse", "[[]]", "[]");
    EXPECT("reverse", "[\"héllo\"]", "\"olléh\"");
    EXPECT("reverse", "[1]", "error: reverse: argument 1 must be an array or string, got number");
}

TEST(sort_large)
{
    enum { N = 5000 };
    Value *items = arena_alloc(&tl_arena, N * sizeof(Value)), out;
    for (int k = 0; k < N; k++)
        items[k] = value_int((k * 7919) % N);
    Value arg = tl_arr(items, N);
    tl_call_v("sort", tl_arr(&arg, 1), 1, &out);
    CHECK(out.n == N);
    int ok = 1;
    for (int k = 0; k < N && out.n == N; k++)
        ok &= out.u.a[k].u.i == k;
    CHECK(ok);
    tl_call_v("unique", tl_arr(&arg, 1), 1, &out);
    CHECK(out.n == N);
}

TEST(flatten_merge)
{
    EXPECT("flatten", "[[1,[2,[3]],[],{\"$set\":[4]}]]", "[1,2,[3],4]");
    EXPECT("flatten", "[[]]", "[]");
    EXPECT("flatten", "[1]", "error: flatten: argument 1 must be an array, got number");
    EXPECT("merge", "[{\"a\":1,\"b\":2},{\"b\":3,\"c\":4}]", "{\"a\":1,\"b\":3,\"c\":4}");
    EXPECT("merge", "[{\"a\":1},{\"a\":2},{\"a\":3}]", "{\"a\":3}");
    EXPECT("merge", "[{}]", "{}");
    EXPECT("merge", "[{\"a\":{\"x\":1}},{\"a\":{\"y\":2}}]", "{\"a\":{\"y\":2}}"); /* shallow */
    EXPECT("merge", "[{}, []]", "error: merge: argument 2 must be an object, got array");
    EXPECT("merge", "[{}, \"$undef\"]", "undefined");
}

TEST(set_algebra)
{
    EXPECT("union", "[[3,1],{\"$set\":[2,1]}]", "[1,2,3]");
    EXPECT("union", "[[]]", "[]");
    EXPECT("union", "[[1],[2],[3,1]]", "[1,2,3]");
    EXPECT("intersection", "[[1,2,3],[2,3,4]]", "[2,3]");
    EXPECT("intersection", "[[1,2,3],[2,3,4],[3]]", "[3]");
    EXPECT("intersection", "[[1],[]]", "[]");
    EXPECT("difference", "[[1,2,3],[2]]", "[1,3]");
    EXPECT("difference", "[[\"a\",\"b\"],{\"$set\":[\"b\",\"c\"]}]", "[\"a\"]");
    EXPECT("difference", "[[1],\"x\"]",
           "error: difference: argument 2 must be a set or array, got string");
    EXPECT("union", "[[1],1]", "error: union: argument 2 must be a set or array, got number");
    Value v;
    tl_call_v("intersection", tl_json("[[1,2],[2]]"), 1, &v);
    CHECK(v.kind == V_SET);
    tl_call_v("union", tl_json("[[1,2],[2]]"), 1, &v);
    CHECK(v.kind == V_SET);
}

TEST(group_by)
{
    EXPECT("group_by",
           "[[{\"t\":\"a\",\"n\":1},{\"t\":\"b\",\"n\":2},{\"t\":\"a\",\"n\":3},{\"n\":4}], \"t\"]",
           "{\"a\":[{\"t\":\"a\",\"n\":1},{\"t\":\"a\",\"n\":3}],\"b\":[{\"t\":\"b\",\"n\":2}]}");
    EXPECT("group_by", "[[{\"m\":{\"r\":\"eu\"}},{\"m\":{\"r\":\"us\"}}], [\"m\",\"r\"]]",
           "{\"eu\":[{\"m\":{\"r\":\"eu\"}}],\"us\":[{\"m\":{\"r\":\"us\"}}]}");
    EXPECT("group_by", "[[{\"k\":1},{\"k\":true},{\"k\":1.0}], \"k\"]",
           "{\"1\":[{\"k\":1}],\"true\":[{\"k\":true}],\"1.0\":[{\"k\":1.0}]}");
    EXPECT("group_by", "[[], \"k\"]", "{}");
    EXPECT("group_by", "[[1,2], \"k\"]", "{}");
    EXPECT("group_by", "[[{}], 1]",
           "error: group_by: argument 2 must be a key string or an array of keys, got number");
}

TEST(object_get_remove)
{
    EXPECT("object.get", "[{\"a\":1}, \"a\", 0]", "1");
    EXPECT("object.get", "[{\"a\":1}, \"b\", 0]", "0");
    EXPECT("object.get", "[{\"a\":null}, \"a\", 0]", "null");
    EXPECT("object.get", "[{\"a\":{\"b\":[10,20]}}, [\"a\",\"b\",1], 0]", "20");
    EXPECT("object.get", "[{\"a\":{\"b\":[10,20]}}, [\"a\",\"b\",5], 0]", "0");
    EXPECT("object.get", "[{\"a\":1}, [\"a\",\"b\"], \"d\"]", "\"d\"");
    EXPECT("object.get", "[{\"a\":1}, [], 0]", "{\"a\":1}");
    EXPECT("object.get", "[\"$undef\", \"a\", 7]", "7");
    EXPECT("object.get", "[{\"a\":1}, \"b\", \"$undef\"]", "undefined");
    EXPECT("object.get", "[[1], \"a\", 0]",
           "error: object.get: argument 1 must be an object, got array");
    EXPECT("object.get", "[{}, [true], 0]",
           "error: object.get: argument 2 must be a key string or an array of keys, got boolean");
    EXPECT("object.remove", "[{\"a\":1,\"b\":2,\"c\":3}, [\"a\",\"c\",\"z\"]]", "{\"b\":2}");
    EXPECT("object.remove", "[{\"a\":1,\"b\":2}, \"a\"]", "{\"b\":2}");
    EXPECT("object.remove", "[{\"a\":1}, {\"$set\":[\"a\"]}]", "{}");
    EXPECT("object.remove", "[{\"a\":1}, [1]]",
           "error: object.remove: key 0 must be a string, got number");
}

TEST(arrays)
{
    EXPECT("array.concat", "[[1],[2,3],[]]", "[1,2,3]");
    EXPECT("array.concat", "[[]]", "[]");
    EXPECT("array.concat", "[[1],{}]",
           "error: array.concat: argument 2 must be an array, got object");
    EXPECT("array.slice", "[[0,1,2,3,4], 1, 3]", "[1,2]");
    EXPECT("array.slice", "[[0,1,2,3,4], 3]", "[3,4]");
    EXPECT("array.slice", "[[0,1,2,3,4], -2]", "[3,4]");
    EXPECT("array.slice", "[[0,1,2,3,4], 0, -1]", "[0,1,2,3]");
    EXPECT("array.slice", "[[0,1,2,3,4], 4, 2]", "[]");
    EXPECT("array.slice", "[[0,1,2], -10, 10]", "[0,1,2]");
    EXPECT("array.slice", "[[], 0, 1]", "[]");
    EXPECT("array.slice", "[[1], \"a\"]",
           "error: array.slice: argument 2 must be an integer, got string");
}

int main(void)
{
    tl_init();
    RUN(keys_values);
    RUN(unique_sort_reverse);
    RUN(sort_large);
    RUN(flatten_merge);
    RUN(set_algebra);
    RUN(group_by);
    RUN(object_get_remove);
    RUN(arrays);
    tl_done();
    return harness_done();
}
