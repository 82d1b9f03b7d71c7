/* test_json.c — engine/input/json_read.c and engine/vm/json_write.c.
 *
 * The JSONTestSuite corpus (every y_ accepted, every n_ rejected, every i_
 * survived; one recorded case per file), round trips with byte-exact
 * canonical output, exact "line:col: message" errors, the depth bound,
 * key-id tagging, borrowed strings, duplicate keys, and the writer's
 * JSON_SORT_KEYS / JSON_PRETTY / JSON_REDACT modes.
 *
 * The corpus lives in $VETO_FIXTURES/json-test-suite/test_parsing, the
 * fixtures root defaulting to ../shared/fixtures (relative to the repository
 * root, where `make test` runs this binary); when absent it counts as one
 * skipped test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "harness.h"
#include "input/json_read.h"
#include "vm/value.h"

/* ---- helpers ----------------------------------------------------------- */

static Arena g_arena;
static char g_out[8192];

/* Reads len bytes, writes the result with flags into g_out; on a read
 * error g_out holds "ERR line:col: message". Returns g_out. */
static const char *rw_n(const char *in, size_t len, unsigned flags)
{
    arena_reset(&g_arena);
    Value v;
    JsonError e;
    if (!json_read(&g_arena, in, len, NULL, &v, &e)) {
        snprintf(g_out, sizeof g_out, "ERR %u:%u: %s", (unsigned)e.line, (unsigned)e.col,
                 e.message);
        return g_out;
    }
    Buf b = BUF_INIT;
    json_write(&b, v, flags);
    snprintf(g_out, sizeof g_out, "%s", b.p ? b.p : "");
    buf_free(&b);
    return g_out;
}

static const char *rw(const char *in, unsigned flags) { return rw_n(in, strlen(in), flags); }

/* "line:col: message" for an input that must fail, or "OK". */
static const char *err_of(const char *in, size_t len)
{
    arena_reset(&g_arena);
    Value v;
    JsonError e;
    if (json_read(&g_arena, in, len, NULL, &v, &e))
        return "OK";
    snprintf(g_out, sizeof g_out, "%u:%u: %s", (unsigned)e.line, (unsigned)e.col, e.message);
    return g_out;
}

/* read -> write -> read -> value_equal, and writing again gives the same
 * bytes. 1 on success. Uses its own arenas. */
static int round_trip(const char *in, size_t len)
{
    Arena a1, a2;
    arena_init(&a1, 0);
    arena_init(&a2, 0);
    Value v1, v2;
    JsonError e;
    int ok = 0;
    Buf b1 = BUF_INIT, b2 = BUF_INIT;
    if (!json_read(&a1, in, len, NULL, &v1, &e))
        goto out;
    json_write(&b1, v1, 0);
    if (b1.failed || !json_read(&a2, b1.p, b1.len, NULL, &v2, &e))
        goto out;
    if (!value_equal(v1, v2))
        goto out;
    json_write(&b2, v2, 0);
    ok = !b2.failed && b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0;
out:
    buf_free(&b1);
    buf_free(&b2);
    arena_free(&a1);
    arena_free(&a2);
    return ok;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t got;
    while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                p = NULL;
                break;
            }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return p;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted file names of dir (owned; free each and the array), or NULL. */
static char **list_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t n = 0, cap = 512;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    while (names && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **q = realloc(names, cap * 2 * sizeof *names);
            if (!q)
                break;
            names = q;
            cap *= 2;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_names);
    *count = n;
    return names;
}

static const char *suite_dir(char *tmp, size_t n)
{
    const char *root = getenv("VETO_FIXTURES");
    snprintf(tmp, n, "%s/json-test-suite/test_parsing",
             root && *root ? root : "../shared/fixtures");
    return tmp;
}

/* ---- JSONTestSuite ------------------------------------------------------ */

/* One recorded case per file; y_ files must also round-trip. */
static void run_json_test_suite(void)
{
    char dir[1024];
    suite_dir(dir, sizeof dir);
    size_t n = 0;
    char **names = list_dir(dir, &n);
    if (!names || n == 0) {
        char why[1100];
        snprintf(why, sizeof why, "%s not present", dir);
        harness_skip("json-test-suite", why);
        free(names);
        return;
    }
    int cnt[3][2] = {{0}}; /* y n i x pass/fail */
    int i_acc = 0, i_rej = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t len = 0;
        char *data = read_file(path, &len);
        if (!data) {
            fprintf(stderr, "json-test-suite: cannot read %s\n", path);
            harness_record(0);
            free(names[i]);
            continue;
        }
        Arena a;
        arena_init(&a, 0);
        Value v;
        JsonError e;
        bool ok = json_read(&a, data, len, NULL, &v, &e);
        int pass, kind;
        if (name[0] == 'y') {
            kind = 0;
            pass = ok;
            if (!ok)
                fprintf(stderr, "json-test-suite: FAIL %s rejected: %u:%u: %s\n", name,
                        (unsigned)e.line, (unsigned)e.col, e.message);
            else if (!round_trip(data, len)) {
                pass = 0;
                fprintf(stderr, "json-test-suite: FAIL %s does not round-trip\n", name);
            }
        } else if (name[0] == 'n') {
            kind = 1;
            pass = !ok;
            if (ok)
                fprintf(stderr, "json-test-suite: FAIL %s accepted\n", name);
            else if (e.line == 0 || e.col == 0 || e.message[0] == '\0' || e.offset > len) {
                pass = 0;
                fprintf(stderr, "json-test-suite: FAIL %s: error without position/message\n", name);
            }
        } else {
            kind = 2;
            pass = 1; /* implementation-defined: surviving is the test */
            if (ok) {
                i_acc++;
                if (!round_trip(data, len)) {
                    pass = 0;
                    fprintf(stderr, "json-test-suite: FAIL %s accepted but no round trip\n", name);
                }
            } else {
                i_rej++;
            }
        }
        cnt[kind][pass ? 0 : 1]++;
        harness_record(pass);
        arena_free(&a);
        free(data);
        free(names[i]);
    }
    free(names);
    printf("json-test-suite: y %d ok %d failed; n %d ok %d failed; i %d ok (%d accepted, %d "
           "rejected) %d failed\n",
           cnt[0][0], cnt[0][1], cnt[1][0], cnt[1][1], cnt[2][0], i_acc, i_rej, cnt[2][1]);
}

/* ---- round trips and canonical output ----------------------------------- */

/* Regressions: "{}" before any member was read indexed a NULL member stack
 * (UBSan: NULL + 0; found by fuzz_json; caught here under SAN=1), and
 * subnormals such as 5e-324 printed as 15 digits instead of the shortest
 * round-tripping form. */
TEST(canonical_byte_exact)
{
    static const char *const canon[] = {
        "null",
        "true",
        "false",
        "0",
        "-1",
        "42",
        "9223372036854775807",
        "-9223372036854775808",
        "12345678901234567890",
        "-12345678901234567890",
        "9223372036854775808",
        "100000000000000000000000000000000000000001",
        "1.0",
        "-1.0",
        "0.0",
        "-0.0",
        "0.1",
        "0.5",
        "1.5",
        "3.14159",
        "-2.5",
        "1e+300",
        "1e-300",
        "1.7976931348623157e+308",
        "2.2250738585072014e-308",
        "5e-324",
        "1.2345678901234568e+20",
        "0.30000000000000004",
        "123456.789",
        "1e+21",
        "1e-07",
        "100.0",
        "1e+15",
        "\"\"",
        "\"abc\"",
        "\"a\\\"b\\\\c\"",
        "\"\\n\\r\\t\\b\\f\"",
        "\"\\u0000\\u0001\\u001f\\u0007\"",
        "\"\x7f\"",
        "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"",
        "[]",
        "{}",
        "[1,2,3]",
        "[[],[[]],{}]",
        "{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"e\"}}",
        "{\"b\":1,\"a\":2}",
        "[1.0,2,\"x\",{\"\":null}]",
    };
    for (size_t i = 0; i < sizeof canon / sizeof *canon; i++) {
        CHECK_STR(rw(canon[i], 0), canon[i]);
        CHECK(round_trip(canon[i], strlen(canon[i])));
    }
}

TEST(normalised_output)
{
    /* non-canonical input -> the writer's canonical form */
    CHECK_STR(rw("1e300", 0), "1e+300");
    CHECK_STR(rw("1E300", 0), "1e+300");
    CHECK_STR(rw("1.000", 0), "1.0");
    CHECK_STR(rw("1e2", 0), "100.0");
    CHECK_STR(rw("-0", 0), "0");
    CHECK_STR(rw("0.1e1", 0), "1.0");
    CHECK_STR(rw("4.9406564584124654e-324", 0), "5e-324");
    CHECK_STR(rw("1e-400", 0), "0.0");
    CHECK_STR(rw("123456789012345678901234567890.5", 0), "1.2345678901234568e+29");
    CHECK_STR(rw(" [ 1 , 2 ] ", 0), "[1,2]");
    CHECK_STR(rw("\xEF\xBB\xBF{}", 0), "{}");
    CHECK_STR(rw("\"\\/\"", 0), "\"/\"");
    CHECK_STR(rw("\"\\u00e9\\u20AC\"", 0), "\"\xC3\xA9\xE2\x82\xAC\"");
    CHECK_STR(rw("\"\\uD83D\\uDE00\"", 0), "\"\xF0\x9F\x98\x80\"");
    CHECK_STR(rw("\"\\uD800\"", 0), "\"\xEF\xBF\xBD\"");
    CHECK_STR(rw("\"\\uDC00x\"", 0), "\"\xEF\xBF\xBDx\"");
    CHECK_STR(rw("\"\\uD800\\u0041\"", 0), "\"\xEF\xBF\xBD"
                                           "A\"");
    CHECK_STR(rw("\"\\uD800\\uD800\\uDC00\"", 0), "\"\xEF\xBF\xBD\xF0\x90\x80\x80\"");
    CHECK_STR(rw("\"\\u0008\\u000a\\u001F\"", 0), "\"\\b\\n\\u001f\"");
    CHECK_STR(rw_n("\"a\\u0000b\"", 10, 0), "\"a\\u0000b\"");
}

TEST(write_string_escapes)
{
    static const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {
        {"plain", 5, "\"plain\""},
        {"q\"b\\", 4, "\"q\\\"b\\\\\""},
        {"\x01\x1f\x0b", 3, "\"\\u0001\\u001f\\u000b\""},
        {"a\0b", 3, "\"a\\u0000b\""},
        {"a\xFF"
         "b",
         3,
         "\"a\xEF\xBF\xBD"
         "b\""},                                                         /* invalid byte */
        {"\xC3", 1, "\"\xEF\xBF\xBD\""},                                 /* truncated sequence */
        {"\xC0\xAF", 2, "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},                 /* overlong '/' */
        {"\xED\xA0\x80", 3, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""}, /* surrogate */
        {"\xF4\x90\x80\x80", 4,
         "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""}, /* > U+10FFFF */
        {"\xE2\x82"
         "x",
         3, "\"\xEF\xBF\xBD\xEF\xBF\xBDx\""},
        {"\xF0\x9F\x98\x80", 4, "\"\xF0\x9F\x98\x80\""},
        {"\xEF\xBF\xBF", 3, "\"\xEF\xBF\xBF\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        Buf b = BUF_INIT;
        json_write_string(&b, cases[i].in, cases[i].n);
        CHECK_STR(b.p, cases[i].want);
        /* whatever went in, what comes out is valid JSON */
        Value v;
        arena_reset(&g_arena);
        CHECK(json_read(&g_arena, b.p, b.len, NULL, &v, NULL));
        buf_free(&b);
    }
}

TEST(round_trips)
{
    static const char *const docs[] = {
        "{\"resource_changes\":[{\"address\":\"aws_s3_bucket.b\",\"change\":{\"actions\":["
        "\"create\"],"
        "\"before\":null,\"after\":{\"acl\":\"private\",\"tags\":{\"env\":\"prod\"},\"n\":3,"
        "\"f\":2.75}}}]}",
        "[0.1,0.2,0.30000000000000004,1e-10,6.02214076e23,-1.5e-5,123456789012345678901234]",
        "[\"\\u0000\",\"\\\\\\\"\",\"\xe6\x97\xa5\xe6\x9c\xac\",\"\\ud834\\udd1e\"]",
        "{\"a\":{\"a\":{\"a\":{\"a\":[[[[[[]]]]]]}}}}",
        "[9007199254740993,9007199254740993.0,-9223372036854775809]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        CHECK(round_trip(docs[i], strlen(docs[i])));
}

/* ---- errors -------------------------------------------------------------- */

TEST(error_messages)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"[1,2,]", "1:6: expected a value, got ']'"},
        {"{\"a\":1,}", "1:8: expected string key after ',' in object, got '}'"},
        {"{\"a\" 1}", "1:6: expected ':' after object key, got '1'"},
        {"{\"a\"}", "1:5: expected ':' after object key, got '}'"},
        {"[\"abc", "1:2: unterminated string"},
        {"[\"a\\x\"]", "1:4: invalid escape \\x"},
        {"[\"\\u12G4\"]", "1:3: invalid \\u escape: expected 4 hex digits"},
        {"[01]", "1:2: invalid number: leading zero"},
        {"[-]", "1:3: invalid number: expected digit after '-', got ']'"},
        {"-", "1:2: invalid number: expected digit after '-', got end of input"},
        {"[1.]", "1:4: invalid number: expected digit after '.'"},
        {"[1e+]", "1:5: invalid number: expected digit in exponent"},
        {"{\"a\":[1,2", "1:10: expected ',' or ']' after array element, got end of input"},
        {"{\"a\":1", "1:7: expected ',' or '}' after object member, got end of input"},
        {"[1,", "1:4: unexpected end of input, expected a value"},
        {"{} x", "1:4: trailing data after JSON value"},
        {"[1] [2]", "1:5: trailing data after JSON value"},
        {"[\"a\tb\"]", "1:4: control character U+0009 in string must be escaped"},
        {"[\"a\nb\"]", "1:4: control character U+000A in string must be escaped"},
        {"[\"\xC3\x28\"]", "1:3: invalid UTF-8 in string"},
        {"\"ok \xED\xA0\x80\"", "1:5: invalid UTF-8 in string"},
        {"{\n  \"a\": tru\n}", "2:8: invalid literal, expected 'true'"},
        {"[\n1,\n\n   nul]", "4:4: invalid literal, expected 'null'"},
        {"", "1:1: empty input, expected a JSON value"},
        {"   \n ", "2:2: empty input, expected a JSON value"},
        {"[1 2]", "1:4: expected ',' or ']' after array element, got '2'"},
        {"{1:2}", "1:2: expected string key or '}' in object, got '1'"},
        {"['a']", "1:2: expected a value, got '''"},
        {"[\x01]", "1:2: expected a value, got byte 0x01"},
        {"1e400", "1:1: number out of range: 1e400"},
        {"[NaN]", "1:2: expected a value, got 'N'"},
        {"\xFF\xFE[\0]\0", "1:1: input is UTF-16 (byte order mark FF FE); convert it to UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = strlen(cases[i].in);
        if (cases[i].in[0] == '\xFF')
            len = 6;
        CHECK_STR(err_of(cases[i].in, len), cases[i].want);
    }
    /* a NUL byte in the middle is data, not the end */
    CHECK_STR(err_of("[1]\0", 4), "1:4: trailing data after JSON value");
    /* the error struct may be NULL */
    Value v;
    arena_reset(&g_arena);
    CHECK(!json_read(&g_arena, "[", 1, NULL, &v, NULL));
    CHECK(v.kind == V_UNDEF);
}

/* ---- depth ---------------------------------------------------------------- */

TEST(depth_bound)
{
    size_t n = 100000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    Value v;
    JsonError e;
    arena_reset(&g_arena);
    CHECK(!json_read(&g_arena, deep, n, NULL, &v, &e));
    CHECK(strstr(e.message, "nesting") != NULL);
    CHECK(strstr(e.message, "512") != NULL);
    CHECK_INT(e.line, 1);
    CHECK_INT(e.col, 513);

    /* 100,000 levels closed, and objects too */
    char *deep2 = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++) {
        deep2[i] = '[';
        deep2[2 * n - 1 - i] = ']';
    }
    arena_reset(&g_arena);
    CHECK(!json_read(&g_arena, deep2, 2 * n, NULL, &v, &e));
    CHECK(strstr(e.message, "nesting") != NULL);

    /* exactly 512 levels is fine with the default; 513 is not */
    size_t k = 512;
    char *ok = malloc(2 * k + 2);
    for (size_t i = 0; i < k; i++) {
        ok[i] = '[';
        ok[2 * k - 1 - i] = ']';
    }
    arena_reset(&g_arena);
    CHECK(json_read(&g_arena, ok, 2 * k, NULL, &v, &e));
    Value w = v;
    size_t levels = 0;
    while (w.kind == V_ARR) {
        levels++;
        if (!w.n)
            break;
        w = w.u.a[0];
    }
    CHECK_INT(levels, 512);
    CHECK(round_trip(ok, 2 * k));
    char *bad = malloc(2 * k + 4);
    bad[0] = '[';
    memcpy(bad + 1, ok, 2 * k);
    bad[2 * k + 1] = ']';
    arena_reset(&g_arena);
    CHECK(!json_read(&g_arena, bad, 2 * k + 2, NULL, &v, &e));
    CHECK_STR(e.message, "nesting deeper than 512 levels");

    /* an explicit max_depth */
    JsonReadOptions o = {3, NULL};
    arena_reset(&g_arena);
    CHECK(json_read(&g_arena, "{\"a\":[[1]]}", 11, &o, &v, &e));
    arena_reset(&g_arena);
    CHECK(!json_read(&g_arena, "{\"a\":[[[1]]]}", 13, &o, &v, &e));
    CHECK_STR(e.message, "nesting deeper than 3 levels");
    CHECK_INT(e.col, 8);
    free(deep);
    free(deep2);
    free(ok);
    free(bad);
}

/* ---- key ids, borrowing, duplicates ------------------------------------- */

TEST(key_ids)
{
    KeyTable *kt = keys_new();
    uint32_t k_after = keys_intern(kt, "after", 5);
    uint32_t k_acl = keys_intern(kt, "acl", 3);
    uint32_t k_esc = keys_intern(kt, "a\"b", 3);
    CHECK(k_after && k_acl && k_esc);
    uint32_t before = keys_count(kt);
    const char *doc =
        "{\"after\":{\"acl\":\"private\",\"other\":1,\"a\\\"b\":2},\"x\":[{\"acl\":0}]}";
    JsonReadOptions o = {0, kt};
    Value v;
    JsonError e;
    arena_reset(&g_arena);
    CHECK(json_read(&g_arena, doc, strlen(doc), &o, &v, &e));
    CHECK(v.kind == V_OBJ && v.n == 2);
    if (v.kind == V_OBJ && v.n == 2) {
        CHECK_INT(v.u.o[0].kid, k_after);
        CHECK_INT(v.u.o[1].kid, 0); /* "x" */
        Value a = v.u.o[0].val;
        CHECK(a.kind == V_OBJ && a.n == 3);
        if (a.kind == V_OBJ && a.n == 3) {
            CHECK_INT(a.u.o[0].kid, k_acl);
            CHECK_INT(a.u.o[1].kid, 0);     /* "other" */
            CHECK_INT(a.u.o[2].kid, k_esc); /* matched after unescaping */
        }
        Value x = v.u.o[1].val;
        CHECK(x.kind == V_ARR && x.n == 1 && x.u.a[0].kind == V_OBJ);
        if (x.kind == V_ARR && x.n == 1)
            CHECK_INT(x.u.a[0].u.o[0].kid, k_acl);
        CHECK(value_get(a, "acl", 3, k_acl) != NULL);
    }
    CHECK_INT(keys_count(kt), before); /* the reader never adds keys */
    /* without a table every kid is 0 */
    arena_reset(&g_arena);
    CHECK(json_read(&g_arena, doc, strlen(doc), NULL, &v, &e));
    if (v.kind == V_OBJ && v.n == 2)
        CHECK_INT(v.u.o[0].kid, 0);
    keys_free(kt);
}

TEST(borrowed_strings)
{
    static const char doc[] = "{\"plain\":\"text here\",\"esc\\n\":\"a\\tb\",\"u\":\"\xC3\xA9\","
                              "\"big\":123456789012345678901234567890}";
    size_t len = sizeof doc - 1;
    const char *lo = doc, *hi = doc + len;
#define IN_BUF(p) ((p) >= lo && (p) < hi)
    Value v;
    JsonError e;
    arena_reset(&g_arena);
    CHECK(json_read(&g_arena, doc, len, NULL, &v, &e));
    CHECK(v.kind == V_OBJ && v.n == 4);
    if (v.kind == V_OBJ && v.n == 4) {
        const Member *m = v.u.o;
        CHECK(IN_BUF(m[0].key) && m[0].klen == 5 && memcmp(m[0].key, "plain", 5) == 0);
        CHECK(m[0].val.kind == V_STR && IN_BUF(m[0].val.u.s) && m[0].val.n == 9);
        CHECK(m[0].val.u.s == doc + 10);
        CHECK(!IN_BUF(m[1].key) && m[1].klen == 4 && memcmp(m[1].key, "esc\n", 4) == 0);
        CHECK(!IN_BUF(m[1].val.u.s) && m[1].val.n == 3 && memcmp(m[1].val.u.s, "a\tb", 3) == 0);
        CHECK(IN_BUF(m[2].val.u.s) && m[2].val.n == 2); /* non-ASCII needs no copy */
        CHECK(m[3].val.kind == V_BIGNUM && IN_BUF(m[3].val.u.s) && m[3].val.n == 30);
    }
#undef IN_BUF
}

TEST(duplicate_keys)
{
    CHECK_STR(rw("{\"a\":1,\"b\":2,\"a\":3}", 0), "{\"a\":3,\"b\":2}");
    CHECK_STR(rw("{\"a\":1,\"a\":{\"x\":1},\"a\":[]}", 0), "{\"a\":[]}");
    CHECK_STR(rw("{\"a\":1,\"\\u0061\":2}", 0), "{\"a\":2}");
    CHECK_STR(rw("{\"a\":{\"k\":1,\"k\":2},\"a\":{\"k\":3,\"k\":4}}", 0), "{\"a\":{\"k\":4}}");
    /* big objects take the hash path */
    char doc[2048], want[2048];
    size_t n = 0, w = 0;
    n += (size_t)snprintf(doc + n, sizeof doc - n, "{");
    w += (size_t)snprintf(want + w, sizeof want - w, "{");
    for (int i = 0; i < 40; i++) {
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s\"k%d\":%d", i ? "," : "", i, i);
        w += (size_t)snprintf(want + w, sizeof want - w, "%s\"k%d\":%d", i ? "," : "", i,
                              i % 7 == 0 ? 1000 + i : i);
    }
    for (int i = 0; i < 40; i += 7)
        n += (size_t)snprintf(doc + n, sizeof doc - n, ",\"k%d\":%d", i, 1000 + i);
    snprintf(doc + n, sizeof doc - n, "}");
    snprintf(want + w, sizeof want - w, "}");
    CHECK_STR(rw(doc, 0), want);
    /* and with key ids */
    KeyTable *kt = keys_new();
    keys_intern(kt, "k7", 2);
    keys_intern(kt, "k3", 2);
    JsonReadOptions o = {0, kt};
    Value v;
    JsonError e;
    arena_reset(&g_arena);
    CHECK(json_read(&g_arena, doc, strlen(doc), &o, &v, &e));
    Buf b = BUF_INIT;
    json_write(&b, v, 0);
    CHECK_STR(b.p, want);
    buf_free(&b);
    keys_free(kt);
}

/* ---- writer modes -------------------------------------------------------- */

TEST(sort_keys)
{
    CHECK_STR(
        rw("{\"b\":1,\"a\":{\"d\":1,\"c\":2},\"aa\":0,\"B\":[{\"z\":1,\"y\":2}]}", JSON_SORT_KEYS),
        "{\"B\":[{\"y\":2,\"z\":1}],\"a\":{\"c\":2,\"d\":1},\"aa\":0,\"b\":1}");
    /* bytewise: a key that is a prefix sorts first; UTF-8 after ASCII */
    CHECK_STR(rw("{\"\xC3\xA9\":1,\"ab\":2,\"a\":3,\"\":4}", JSON_SORT_KEYS),
              "{\"\":4,\"a\":3,\"ab\":2,\"\xC3\xA9\":1}");
    CHECK_STR(rw("{\"b\":1,\"a\":2}", 0), "{\"b\":1,\"a\":2}"); /* input order otherwise */
}

TEST(pretty)
{
    CHECK_STR(rw("{\"a\":[1,2],\"b\":{},\"c\":[],\"d\":{\"e\":null}}", JSON_PRETTY),
              "{\n"
              "  \"a\": [\n"
              "    1,\n"
              "    2\n"
              "  ],\n"
              "  \"b\": {},\n"
              "  \"c\": [],\n"
              "  \"d\": {\n"
              "    \"e\": null\n"
              "  }\n"
              "}");
    CHECK_STR(rw("[]", JSON_PRETTY), "[]");
    CHECK_STR(rw("1.5", JSON_PRETTY), "1.5");
    CHECK_STR(rw("{\"z\":[{\"y\":1,\"x\":2}]}", JSON_PRETTY | JSON_SORT_KEYS), "{\n"
                                                                               "  \"z\": [\n"
                                                                               "    {\n"
                                                                               "      \"x\": 2,\n"
                                                                               "      \"y\": 1\n"
                                                                               "    }\n"
                                                                               "  ]\n"
                                                                               "}");
}

static Value *path_member(Value *obj, const char *key)
{
    for (uint32_t i = 0; i < obj->n; i++)
        if (obj->u.o[i].klen == strlen(key) && memcmp(obj->u.o[i].key, key, obj->u.o[i].klen) == 0)
            return &obj->u.o[i].val;
    return NULL;
}

TEST(redact)
{
    const char *doc =
        "{\"a\":{\"b\":[1,{\"secret\":\"x\",\"n\":2}]},\"pw\":\"hunter2\",\"o\":{\"k\":[1]}}";
    Value v;
    JsonError e;
    arena_reset(&g_arena);
    CHECK(json_read(&g_arena, doc, strlen(doc), NULL, &v, &e));
    if (v.kind != V_OBJ)
        return;
    Value *a = path_member(&v, "a");
    Value *b = a ? path_member(a, "b") : NULL;
    CHECK(b && b->kind == V_ARR && b->n == 2);
    if (!b || b->kind != V_ARR || b->n != 2)
        return;
    Value *secret = path_member(&b->u.a[1], "secret");
    Value *pw = path_member(&v, "pw");
    Value *o = path_member(&v, "o");
    CHECK(secret && pw && o);
    if (!secret || !pw || !o)
        return;
    secret->flags |= VF_SENSITIVE;   /* depth 4 */
    pw->flags |= VF_SENSITIVE;       /* depth 1 */
    o->flags |= VF_SENSITIVE;        /* a whole object */
    b->u.a[0].flags |= VF_SENSITIVE; /* an array element */
    Buf out = BUF_INIT;
    json_write(&out, v, JSON_REDACT);
    CHECK_STR(out.p, "{\"a\":{\"b\":[\"(sensitive)\",{\"secret\":\"(sensitive)\",\"n\":2}]},"
                     "\"pw\":\"(sensitive)\",\"o\":\"(sensitive)\"}");
    buf_reset(&out);
    json_write(&out, v, JSON_REDACT | JSON_PRETTY | JSON_SORT_KEYS);
    CHECK_STR(out.p, "{\n  \"a\": {\n    \"b\": [\n      \"(sensitive)\",\n      {\n"
                     "        \"n\": 2,\n        \"secret\": \"(sensitive)\"\n      }\n    ]\n"
                     "  },\n  \"o\": \"(sensitive)\",\n  \"pw\": \"(sensitive)\"\n}");
    buf_reset(&out);
    json_write(&out, v, 0); /* without the flag the data shows */
    CHECK_STR(out.p, doc);
    buf_reset(&out);
    v.flags |= VF_SENSITIVE; /* the root itself */
    json_write(&out, v, JSON_REDACT);
    CHECK_STR(out.p, "\"(sensitive)\"");
    buf_free(&out);

    /* sets, bignums and numbers too */
    Value items[3] = {value_int(1), value_float(2.5), value_str("s", 1)};
    items[1].flags = VF_SENSITIVE;
    Value set = value_make_set(&g_arena, items, 3);
    Buf o2 = BUF_INIT;
    json_write(&o2, set, JSON_REDACT);
    CHECK_STR(o2.p, "[1,\"(sensitive)\",\"s\"]");
    buf_free(&o2);
}

TEST(writer_special_values)
{
    Buf b = BUF_INIT;
    json_write(&b, value_undef(), 0);
    CHECK_STR(b.p, "null");
    buf_reset(&b);
    json_write(&b, value_float(1.0 / 0.0), 0);
    CHECK_STR(b.p, "null");
    buf_reset(&b);
    json_write(&b, value_float(-1e-320), 0);
    CHECK_STR(b.p, "-1e-320");
    buf_reset(&b);
    json_write(&b, value_int(INT64_MIN), 0);
    CHECK_STR(b.p, "-9223372036854775808");
    buf_free(&b);
}

int main(void)
{
    arena_init(&g_arena, 0);
    run_json_test_suite();
    RUN(canonical_byte_exact);
    RUN(normalised_output);
    RUN(write_string_escapes);
    RUN(round_trips);
    RUN(error_messages);
    RUN(depth_bound);
    RUN(key_ids);
    RUN(borrowed_strings);
    RUN(duplicate_keys);
    RUN(sort_keys);
    RUN(pretty);
    RUN(redact);
    RUN(writer_special_values);
    arena_free(&g_arena);
    return harness_done();
}
