/* value.c — the operations of value.h: kind names, member lookup,
 * equality, the total order, sets and hashing.
 *
 * Owns: the semantics of comparing values. Does not own any memory except
 * what value_make_set() places in the caller's arena (and short-lived
 * malloc scratch while ordering large objects).
 *
 * Numbers compare by exact mathematical value across V_INT, V_FLOAT and
 * V_BIGNUM: int64 against double without rounding either side, bignums by
 * their decimal digits. NaN (arithmetic can make one; JSON cannot) sorts
 * below every other number and equals itself, so the order stays total and
 * sets stay deduplicated.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/value.h"

const char *value_kind_name(ValueKind k)
{
    switch (k) {
    case V_UNDEF:
        return "undefined";
    case V_NULL:
        return "null";
    case V_BOOL:
        return "boolean";
    case V_INT:
    case V_FLOAT:
    case V_BIGNUM:
        return "number";
    case V_STR:
        return "string";
    case V_ARR:
        return "array";
    case V_SET:
        return "set";
    case V_OBJ:
        return "object";
    default:
        return "invalid";
    }
}

/* ---- member lookup ----------------------------------------------------- */

const Member *value_get(Value obj, const char *key, uint32_t klen, uint32_t kid)
{
    if (obj.kind != V_OBJ)
        return NULL;
    const Member *m = obj.u.o;
    for (uint32_t i = 0; i < obj.n; i++) {
        if (kid && m[i].kid) {
            if (m[i].kid == kid)
                return &m[i];
        } else if (m[i].klen == klen &&
                   (klen == 0 || (m[i].key[0] == key[0] && memcmp(m[i].key, key, klen) == 0))) {
            return &m[i]; /* the first byte spares most calls to memcmp */
        }
    }
    return NULL;
}

/* ---- numbers ------------------------------------------------------------ */

/* A bignum's text split into sign and significant digits. */
typedef struct BigText {
    int neg;
    const char *d; /* first significant digit */
    size_t n;      /* significant digits (0 means zero) */
} BigText;

static BigText value_big_split(const char *s, size_t n)
{
    BigText b = {0, s, n};
    if (b.n && (*b.d == '-' || *b.d == '+')) {
        b.neg = *b.d == '-';
        b.d++;
        b.n--;
    }
    while (b.n && *b.d == '0') {
        b.d++;
        b.n--;
    }
    if (b.n == 0)
        b.neg = 0;
    return b;
}

static int value_big_cmp(BigText a, BigText b)
{
    if (a.neg != b.neg)
        return a.neg ? -1 : 1;
    int mag;
    if (a.n != b.n)
        mag = a.n < b.n ? -1 : 1;
    else {
        int c = a.n ? memcmp(a.d, b.d, a.n) : 0;
        mag = (c > 0) - (c < 0);
    }
    return a.neg ? -mag : mag;
}

/* A bignum whose value fits int64 (not made by the reader, but possible
 * from builtins) is handled as V_INT so the cases below stay few. */
static int value_big_to_int(BigText b, int64_t *out)
{
    if (b.n > 19)
        return 0;
    uint64_t u = 0;
    for (size_t i = 0; i < b.n; i++) {
        unsigned dgt = (unsigned)(b.d[i] - '0');
        if (dgt > 9)
            return 0;
        if (u > (UINT64_MAX - dgt) / 10)
            return 0;
        u = u * 10 + dgt;
    }
    if (b.neg) {
        if (u > (uint64_t)INT64_MAX + 1)
            return 0;
        *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX)
            return 0;
        *out = (int64_t)u;
    }
    return 1;
}

static int value_cmp_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 1;
    if (d >= 9223372036854775808.0) /* 2^63: above every int64 */
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d); /* in [-2^63, 2^63): converts exactly */
    int64_t ti = (int64_t)t;
    if (i != ti)
        return i < ti ? -1 : 1;
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int value_cmp_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) ? (isnan(b) ? 0 : -1) : 1;
    return (a > b) - (a < b);
}

/* Bignum outside int64 against a double. */
static int value_cmp_big_double(BigText b, double d)
{
    if (isnan(d))
        return 1;
    if (isinf(d))
        return d > 0 ? -1 : 1;
    if (fabs(d) < 9223372036854775808.0)
        return b.neg ? -1 : 1; /* |b| >= 2^63 > |d| */
    /* |d| >= 2^63 is an integer; glibc prints it exactly. */
    char buf[400];
    int len = snprintf(buf, sizeof buf, "%.0f", d);
    if (len <= 0 || (size_t)len >= sizeof buf)
        return b.neg ? -1 : 1;
    return value_big_cmp(b, value_big_split(buf, (size_t)len));
}

/* Normalises a number for comparison: bignums that fit become ints. */
static Value value_num_norm(Value v, BigText *big)
{
    if (v.kind == V_BIGNUM) {
        *big = value_big_split(v.u.s, v.n);
        int64_t i;
        if (value_big_to_int(*big, &i))
            return value_int(i);
    }
    return v;
}

static int value_num_cmp(Value a, Value b)
{
    BigText ba = {0, NULL, 0}, bb = {0, NULL, 0};
    a = value_num_norm(a, &ba);
    b = value_num_norm(b, &bb);
    switch (a.kind) {
    case V_INT:
        if (b.kind == V_INT)
            return (a.u.i > b.u.i) - (a.u.i < b.u.i);
        if (b.kind == V_FLOAT)
            return value_cmp_int_double(a.u.i, b.u.f);
        return bb.neg ? 1 : -1; /* b is a bignum beyond int64 */
    case V_FLOAT:
        if (b.kind == V_INT)
            return -value_cmp_int_double(b.u.i, a.u.f);
        if (b.kind == V_FLOAT)
            return value_cmp_double(a.u.f, b.u.f);
        return -value_cmp_big_double(bb, a.u.f);
    default: /* a is a bignum beyond int64 */
        if (b.kind == V_INT)
            return ba.neg ? -1 : 1;
        if (b.kind == V_FLOAT)
            return value_cmp_big_double(ba, b.u.f);
        return value_big_cmp(ba, bb);
    }
}

bool value_to_double(Value v, double *out)
{
    switch (v.kind) {
    case V_INT:
        *out = (double)v.u.i;
        return true;
    case V_FLOAT:
        *out = v.u.f;
        return true;
    case V_BIGNUM: {
        /* Over ~330 significant digits is beyond double range anyway. */
        BigText b = value_big_split(v.u.s, v.n);
        char buf[400];
        if (b.n + 2 > sizeof buf) {
            *out = b.neg ? -HUGE_VAL : HUGE_VAL;
            return true;
        }
        size_t k = 0;
        if (b.neg)
            buf[k++] = '-';
        memcpy(buf + k, b.d, b.n);
        k += b.n;
        if (b.n == 0)
            buf[k++] = '0';
        buf[k] = '\0';
        *out = strtod(buf, NULL);
        return true;
    }
    default:
        return false;
    }
}

/* ---- order and equality ------------------------------------------------ */

/* Rank of each kind in the total order; the three number kinds share one. */
static int value_rank(uint8_t k)
{
    switch (k) {
    case V_UNDEF:
        return 0;
    case V_NULL:
        return 1;
    case V_BOOL:
        return 2;
    case V_INT:
    case V_FLOAT:
    case V_BIGNUM:
        return 3;
    case V_STR:
        return 4;
    case V_ARR:
        return 5;
    case V_SET:
        return 6;
    case V_OBJ:
        return 7;
    default:
        return 8;
    }
}

static int value_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (an > bn) - (an < bn);
}

static int value_member_ptr_cmp(const void *x, const void *y)
{
    const Member *a = *(const Member *const *)x, *b = *(const Member *const *)y;
    return value_bytes_cmp(a->key, a->klen, b->key, b->klen);
}

/* Fills out[0..n) with the members of o in key order. Small objects use
 * the caller's stack buffer; returns NULL only when malloc fails. */
static const Member **value_sorted_members(Value o, const Member **stackbuf, size_t stackn)
{
    const Member **p = o.n <= stackn ? stackbuf : malloc(sizeof *p * o.n);
    if (!p)
        return NULL;
    for (uint32_t i = 0; i < o.n; i++)
        p[i] = &o.u.o[i];
    if (o.n > 1)
        qsort(p, o.n, sizeof *p, value_member_ptr_cmp);
    return p;
}

/* Objects: compare the sorted key lists first, then the values in key
 * order. That is a total order, and 0 exactly when the maps are equal. */
static int value_obj_cmp(Value a, Value b)
{
    const Member *sa[32], *sb[32];
    const Member **pa = value_sorted_members(a, sa, 32);
    const Member **pb = value_sorted_members(b, sb, 32);
    int r = 0;
    if (!pa || !pb) {
        /* Out of memory: fall back to an order that is at least
         * deterministic for these inputs (member count, then address). */
        r = a.n != b.n ? (a.n < b.n ? -1 : 1) : (a.u.o > b.u.o) - (a.u.o < b.u.o);
        goto done;
    }
    uint32_t n = a.n < b.n ? a.n : b.n;
    for (uint32_t i = 0; i < n && !r; i++)
        r = value_member_ptr_cmp(&pa[i], &pb[i]);
    if (!r && a.n != b.n)
        r = a.n < b.n ? -1 : 1;
    for (uint32_t i = 0; i < n && !r; i++)
        r = value_compare(pa[i]->val, pb[i]->val);
done:
    if (pa && pa != sa)
        free(pa);
    if (pb && pb != sb)
        free(pb);
    return r;
}

int value_compare(Value a, Value b)
{
    int ra = value_rank(a.kind), rb = value_rank(b.kind);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (a.kind) {
    case V_UNDEF:
    case V_NULL:
        return 0;
    case V_BOOL:
        return (a.u.b > b.u.b) - (a.u.b < b.u.b);
    case V_INT:
    case V_FLOAT:
    case V_BIGNUM:
        if (a.kind == V_INT && b.kind == V_INT)
            return (a.u.i > b.u.i) - (a.u.i < b.u.i);
        return value_num_cmp(a, b);
    case V_STR:
        return value_bytes_cmp(a.u.s, a.n, b.u.s, b.n);
    case V_ARR:
    case V_SET: {
        uint32_t n = a.n < b.n ? a.n : b.n;
        for (uint32_t i = 0; i < n; i++) {
            int c = value_compare(a.u.a[i], b.u.a[i]);
            if (c)
                return c;
        }
        return (a.n > b.n) - (a.n < b.n);
    }
    case V_OBJ:
        return value_obj_cmp(a, b);
    default:
        return 0;
    }
}

bool value_equal(Value a, Value b)
{
    int ra = value_rank(a.kind), rb = value_rank(b.kind);
    if (ra != rb)
        return false;
    switch (a.kind) {
    case V_UNDEF:
    case V_NULL:
        return true;
    case V_BOOL:
        return a.u.b == b.u.b;
    case V_INT:
    case V_FLOAT:
    case V_BIGNUM:
        if (a.kind == V_INT && b.kind == V_INT)
            return a.u.i == b.u.i;
        return value_num_cmp(a, b) == 0;
    case V_STR:
        return a.n == b.n && (a.n == 0 || (a.u.s[0] == b.u.s[0] && memcmp(a.u.s, b.u.s, a.n) == 0));
    case V_ARR:
    case V_SET:
        if (a.n != b.n)
            return false;
        for (uint32_t i = 0; i < a.n; i++)
            if (!value_equal(a.u.a[i], b.u.a[i]))
                return false;
        return true;
    case V_OBJ:
        if (a.n != b.n)
            return false;
        if (a.n > 16)
            return value_obj_cmp(a, b) == 0; /* n log n beats n^2 lookups */
        for (uint32_t i = 0; i < a.n; i++) {
            const Member *m = &a.u.o[i];
            const Member *o = value_get(b, m->key, m->klen, m->kid);
            if (!o || !value_equal(m->val, o->val))
                return false;
        }
        return true;
    default:
        return false;
    }
}

/* ---- sets --------------------------------------------------------------- */

static int value_qsort_cmp(const void *x, const void *y)
{
    return value_compare(*(const Value *)x, *(const Value *)y);
}

Value value_make_set(Arena *arena, const Value *items, uint32_t n)
{
    Value s = value_undef();
    s.kind = V_SET;
    if (n == 0)
        return s;
    Value *a = arena_alloc(arena, sizeof(Value) * (size_t)n);
    if (!a)
        return value_undef(); /* arena->failed is set */
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (items[i].kind != V_UNDEF) /* undefined is never an element */
            a[k++] = items[i];
    if (k > 1)
        qsort(a, k, sizeof *a, value_qsort_cmp);
    uint32_t out = 0;
    for (uint32_t i = 0; i < k; i++) {
        if (out && value_compare(a[out - 1], a[i]) == 0) {
            /* Equal elements merge; keep any taint so nothing leaks. */
            a[out - 1].flags |= a[i].flags;
            continue;
        }
        a[out++] = a[i];
    }
    s.u.a = a;
    s.n = out;
    return s;
}

/* ---- hashing ------------------------------------------------------------ */

static uint64_t value_mix(uint64_t x)
{
    /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t value_hash_bytes(const char *s, size_t n, uint64_t seed)
{
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return value_mix(h ^ n);
}

uint64_t value_hash(Value v)
{
    switch (v.kind) {
    case V_UNDEF:
        return 0x1001;
    case V_NULL:
        return 0x2002;
    case V_BOOL:
        return v.u.b ? 0x3003 : 0x3004;
    case V_INT:
    case V_FLOAT:
    case V_BIGNUM: {
        /* Equal numbers convert to the same double (conversion is
         * monotonic), so hashing the double is consistent with equality
         * across kinds; distinct huge integers may collide, which is fine. */
        double d = 0;
        value_to_double(v, &d);
        if (d == 0)
            d = 0; /* -0.0 == 0.0 */
        uint64_t bits;
        if (isnan(d))
            bits = 0x7ff8000000000000ull;
        else
            memcpy(&bits, &d, sizeof bits);
        return value_mix(bits ^ 0x4004);
    }
    case V_STR:
        return value_hash_bytes(v.u.s, v.n, 0x5005);
    case V_ARR:
    case V_SET: {
        uint64_t h = v.kind == V_ARR ? 0x6006 : 0x7007;
        for (uint32_t i = 0; i < v.n; i++)
            h = value_mix(h * 31 + value_hash(v.u.a[i]));
        return value_mix(h ^ v.n);
    }
    case V_OBJ: {
        /* Order-independent: members combine by addition. */
        uint64_t h = 0;
        for (uint32_t i = 0; i < v.n; i++) {
            const Member *m = &v.u.o[i];
            uint64_t kh = value_hash_bytes(m->key, m->klen, 0x8008);
            h += value_mix(kh ^ (value_hash(m->val) * 0x9e3779b97f4a7c15ull));
        }
        return value_mix(h ^ 0x9009 ^ v.n);
    }
    default:
        return 0;
    }
}
