/* test_value.c — engine/vm/value.c: equality, the total order, hashing, sets,
 * member lookup and kind names, with the numeric edge cases. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "vm/value.h"

static Value big(const char *s)
{
    Value v = value_str(s, (uint32_t)strlen(s));
    v.kind = V_BIGNUM;
    return v;
}
static Value str(const char *s) { return value_str(s, (uint32_t)strlen(s)); }
static Value arr(Value *xs, uint32_t n)
{
    Value v = value_undef();
    v.kind = V_ARR;
    v.u.a = xs;
    v.n = n;
    return v;
}
static Value obj(Member *ms, uint32_t n)
{
    Value v = value_undef();
    v.kind = V_OBJ;
    v.u.o = ms;
    v.n = n;
    return v;
}
static Member mem(const char *k, uint32_t kid, Value v)
{
    Member m;
    m.key = k;
    m.klen = (uint32_t)strlen(k);
    m.kid = kid;
    m.val = v;
    return m;
}
static int sgn(int x) { return (x > 0) - (x < 0); }

/* equal <=> compare == 0, and equal => same hash */
static int consistent(Value a, Value b)
{
    int eq = value_equal(a, b);
    int c = value_compare(a, b);
    int c2 = value_compare(b, a);
    if (eq != (c == 0) || sgn(c) != -sgn(c2))
        return 0;
    if (eq && value_hash(a) != value_hash(b))
        return 0;
    return 1;
}

TEST(kind_names)
{
    CHECK_STR(value_kind_name(V_UNDEF), "undefined");
    CHECK_STR(value_kind_name(V_NULL), "null");
    CHECK_STR(value_kind_name(V_BOOL), "boolean");
    CHECK_STR(value_kind_name(V_INT), "number");
    CHECK_STR(value_kind_name(V_FLOAT), "number");
    CHECK_STR(value_kind_name(V_BIGNUM), "number");
    CHECK_STR(value_kind_name(V_STR), "string");
    CHECK_STR(value_kind_name(V_ARR), "array");
    CHECK_STR(value_kind_name(V_SET), "set");
    CHECK_STR(value_kind_name(V_OBJ), "object");
}

TEST(numbers_equal_across_kinds)
{
    CHECK(value_equal(value_int(1), value_float(1.0)));
    CHECK(value_hash(value_int(1)) == value_hash(value_float(1.0)));
    CHECK(!value_equal(value_int(1), value_float(1.5)));
    CHECK(value_equal(value_float(0.0), value_float(-0.0)));
    CHECK(value_hash(value_float(0.0)) == value_hash(value_float(-0.0)));
    CHECK(value_equal(value_int(0), value_float(-0.0)));
    CHECK(value_hash(value_int(0)) == value_hash(value_float(-0.0)));
    /* 2^53 + 1 is not representable: int must not equal the rounded float */
    int64_t i = (INT64_C(1) << 53) + 1;
    CHECK(!value_equal(value_int(i), value_float((double)i)));
    CHECK(value_compare(value_int(i), value_float((double)i)) > 0);
    CHECK(consistent(value_int(i), value_float((double)i)));
    /* INT64_MAX vs 2^63 as double */
    CHECK(value_compare(value_int(INT64_MAX), value_float(9223372036854775808.0)) < 0);
    CHECK(value_compare(value_int(INT64_MIN), value_float(-9223372036854775808.0)) == 0);
    CHECK(value_compare(value_int(INT64_MIN), value_float(-9223372036854777856.0)) > 0);
    CHECK(value_compare(value_int(-3), value_float(-2.5)) < 0);
    CHECK(value_compare(value_int(-2), value_float(-2.5)) > 0);
    CHECK(value_compare(value_int(2), value_float(2.0000001)) < 0);
    CHECK(value_compare(value_int(5), value_float(INFINITY)) < 0);
    CHECK(value_compare(value_int(5), value_float(-INFINITY)) > 0);
    CHECK(consistent(value_int(7), value_float(7.0)));
}

TEST(bignums)
{
    Value b1 = big("18446744073709551616"); /* 2^64 */
    Value b2 = big("18446744073709551617");
    Value nb = big("-18446744073709551616");
    CHECK(value_compare(b1, b2) < 0);
    CHECK(value_compare(nb, b1) < 0);
    CHECK(value_compare(nb, value_int(INT64_MIN)) < 0);
    CHECK(value_compare(b1, value_int(INT64_MAX)) > 0);
    CHECK(value_equal(b1, value_float(18446744073709551616.0)));
    CHECK(value_hash(b1) == value_hash(value_float(18446744073709551616.0)));
    CHECK(!value_equal(b2, value_float(18446744073709551616.0)));
    CHECK(value_compare(b2, value_float(18446744073709551616.0)) > 0);
    CHECK(value_compare(b1, value_float(1e30)) < 0);
    CHECK(value_compare(b1, value_float(1e10)) > 0);
    CHECK(value_compare(nb, value_float(-1e10)) < 0);
    CHECK(value_compare(b1, value_float(INFINITY)) < 0);
    CHECK(value_equal(b1, big("18446744073709551616")));
    CHECK(value_equal(big("000018446744073709551616"), b1));
    /* a bignum whose text fits int64 behaves as that int */
    CHECK(value_equal(big("42"), value_int(42)));
    CHECK(value_hash(big("42")) == value_hash(value_int(42)));
    CHECK(value_equal(big("-9223372036854775808"), value_int(INT64_MIN)));
    CHECK(consistent(b1, b2));
    CHECK(consistent(b1, value_float(18446744073709551616.0)));
    double d = 0;
    CHECK(value_to_double(b1, &d) && d == 18446744073709551616.0);
    CHECK(value_to_double(nb, &d) && d == -18446744073709551616.0);
    CHECK(!value_to_double(str("1"), &d));
    CHECK(value_to_double(value_int(-3), &d) && d == -3.0);
}

TEST(nan_is_total)
{
    Value n = value_float(NAN);
    CHECK(value_compare(n, value_float(-INFINITY)) < 0);
    CHECK(value_compare(n, value_int(INT64_MIN)) < 0);
    CHECK(value_compare(n, n) == 0);
    CHECK(consistent(n, value_float(NAN)));
    CHECK(consistent(n, value_int(0)));
}

TEST(kind_order)
{
    Value xs[] = {value_null(),  value_bool(false), value_bool(true),
                  value_int(-5), value_float(0.5),  str(""),
                  str("a"),      str("ab"),         str("b")};
    size_t n = sizeof xs / sizeof xs[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = value_compare(xs[i], xs[j]);
            CHECK(sgn(c) == (i < j ? -1 : i > j ? 1 : 0));
        }
    Value e[1];
    Value a = arr(e, 0), s = a, o = obj(NULL, 0);
    s.kind = V_SET;
    CHECK(value_compare(str("zzz"), a) < 0);
    CHECK(value_compare(a, s) < 0);
    CHECK(value_compare(s, o) < 0);
    CHECK(!value_equal(a, s));
    CHECK(value_compare(value_undef(), value_null()) < 0);
    CHECK(value_equal(value_undef(), value_undef()));
    CHECK(!value_equal(value_undef(), value_null()));
}

TEST(strings_bytewise)
{
    CHECK(value_compare(str("a"), str("\xc3\xa9")) < 0); /* bytes, not locale */
    Value z1 = value_str("a\0b", 3), z2 = value_str("a\0c", 3);
    CHECK(value_compare(z1, z2) < 0);
    CHECK(!value_equal(z1, z2));
    CHECK(value_equal(str(""), value_str(NULL, 0)));
    CHECK(value_hash(str("abc")) == value_hash(value_str(&"xabc"[1], 3)));
}

TEST(arrays)
{
    Value a1[] = {value_int(1), str("x")};
    Value a2[] = {value_float(1.0), str("x")};
    Value a3[] = {value_int(1), str("y")};
    Value a4[] = {value_int(1)};
    CHECK(value_equal(arr(a1, 2), arr(a2, 2)));
    CHECK(value_hash(arr(a1, 2)) == value_hash(arr(a2, 2)));
    CHECK(value_compare(arr(a1, 2), arr(a3, 2)) < 0);
    CHECK(value_compare(arr(a4, 1), arr(a1, 2)) < 0);
    CHECK(consistent(arr(a1, 2), arr(a4, 1)));
}

TEST(objects_unordered)
{
    Member m1[] = {mem("a", 0, value_int(1)), mem("b", 0, str("x"))};
    Member m2[] = {mem("b", 7, str("x")), mem("a", 3, value_float(1.0))};
    Member m3[] = {mem("b", 0, str("x")), mem("a", 0, value_int(2))};
    Member m4[] = {mem("a", 0, value_int(1))};
    Member m5[] = {mem("a", 0, value_int(1)), mem("c", 0, str("x"))};
    CHECK(value_equal(obj(m1, 2), obj(m2, 2)));
    CHECK(value_compare(obj(m1, 2), obj(m2, 2)) == 0);
    CHECK(value_hash(obj(m1, 2)) == value_hash(obj(m2, 2)));
    CHECK(!value_equal(obj(m1, 2), obj(m3, 2)));
    CHECK(value_compare(obj(m1, 2), obj(m3, 2)) < 0);
    CHECK(!value_equal(obj(m1, 2), obj(m4, 1)));
    CHECK(consistent(obj(m1, 2), obj(m4, 1)));
    CHECK(consistent(obj(m1, 2), obj(m5, 2)));
    CHECK(value_compare(obj(m1, 2), obj(m5, 2)) < 0); /* keys a,b < a,c */
    /* taint is ignored */
    Value t = value_int(1);
    t.flags = VF_SENSITIVE;
    Member m6[] = {mem("a", 0, t), mem("b", 0, str("x"))};
    CHECK(value_equal(obj(m1, 2), obj(m6, 2)));
}

TEST(objects_large)
{
    static char keys[40][16];
    Member a[40], b[40];
    for (int i = 0; i < 40; i++) {
        snprintf(keys[i], sizeof keys[i], "k%02d", i);
        a[i] = mem(keys[i], 0, value_int(i));
        b[39 - i] = mem(keys[i], (uint32_t)i + 1, value_float(i));
    }
    CHECK(value_equal(obj(a, 40), obj(b, 40)));
    CHECK(value_hash(obj(a, 40)) == value_hash(obj(b, 40)));
    b[0].val = value_int(1000);
    CHECK(!value_equal(obj(a, 40), obj(b, 40)));
    CHECK(consistent(obj(a, 40), obj(b, 40)));
    const Member *m = value_get(obj(a, 40), "k33", 3, 0);
    CHECK(m && m->val.u.i == 33);
    CHECK(value_get(obj(a, 40), "k40", 3, 0) == NULL);
}

TEST(get_by_kid_or_text)
{
    Member ms[] = {mem("acl", 5, str("private")), mem("tags", 0, value_null()),
                   mem("", 0, value_int(9))};
    Value o = obj(ms, 3);
    CHECK(value_get(o, "acl", 3, 5) == &ms[0]);
    CHECK(value_get(o, "acl", 3, 0) == &ms[0]);
    CHECK(value_get(o, "tags", 4, 9) == &ms[1]); /* member kid 0: texts decide */
    CHECK(value_get(o, "acl", 3, 6) == NULL);    /* both interned, ids differ */
    CHECK(value_get(o, "", 0, 0) == &ms[2]);
    CHECK(value_get(o, "nope", 4, 0) == NULL);
    CHECK(value_get(value_int(1), "acl", 3, 5) == NULL);
}

TEST(make_set)
{
    Arena ar;
    arena_init(&ar, 0);
    Value sens = str("b");
    sens.flags = VF_SENSITIVE;
    Value items[] = {str("b"),     value_int(2), value_float(2.0), value_undef(), str("a"),
                     value_null(), sens,         value_int(1)};
    Value s = value_make_set(&ar, items, 8);
    CHECK(s.kind == V_SET);
    CHECK_INT(s.n, 5); /* null 1 2 "a" "b" */
    if (s.n == 5) {
        CHECK(s.u.a[0].kind == V_NULL);
        CHECK(value_equal(s.u.a[1], value_int(1)));
        CHECK(value_equal(s.u.a[2], value_int(2)));
        CHECK(value_equal(s.u.a[3], str("a")));
        CHECK(value_equal(s.u.a[4], str("b")));
        CHECK(s.u.a[4].flags & VF_SENSITIVE);
        for (uint32_t i = 1; i < s.n; i++)
            CHECK(value_compare(s.u.a[i - 1], s.u.a[i]) < 0);
    }
    Value empty = value_make_set(&ar, NULL, 0);
    CHECK(empty.kind == V_SET && empty.n == 0);
    /* sets compare elementwise; set != array with same elements */
    Value s2 = value_make_set(&ar, items, 8);
    CHECK(value_equal(s, s2));
    CHECK(value_hash(s) == value_hash(s2));
    Value asarr = s;
    asarr.kind = V_ARR;
    CHECK(!value_equal(s, asarr));
    arena_free(&ar);
}

int main(void)
{
    RUN(kind_names);
    RUN(numbers_equal_across_kinds);
    RUN(bignums);
    RUN(nan_is_total);
    RUN(kind_order);
    RUN(strings_bytewise);
    RUN(arrays);
    RUN(objects_unordered);
    RUN(objects_large);
    RUN(get_by_kid_or_text);
    RUN(make_set);
    return harness_done();
}
