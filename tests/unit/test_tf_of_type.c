/* test_tf_of_type.c — tf.of_type(list, type) and tf.of_types(list, types)
 * (stdlib/builtins_tf.c) against the comprehensions they stand for,
 * [r for r in list if r.type == type] and [r for r in list if r.type in
 * types]: the same value or the same error, on lists of every length
 * around the index threshold, of every element shape, with every kind of
 * type argument; several lists and repeated calls in one evaluation; and
 * the per-evaluation index reset between the runs of a reused evaluator,
 * between arenas, and by builtin_ctx_reset.
 */
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "compile_testlib.h"
#include "harness.h"
#include "input/json_read.h"
#include "stdlib/builtin.h"
#include "veto.h"

static veto_engine *engine;

/* ---- a deterministic input document ---------------------------------------- */

static uint32_t rng = 12345u;

static uint32_t next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) & 0x7fffu;
}

/* One element: mostly typed objects, some of every other shape. */
static void put_elem(Buf *b, uint32_t i)
{
    static const char *const types[] = {"a", "b", "c", "", "aws_s3_bucket", "a"};
    uint32_t r = next_rand() % 20;
    if (r < 12)
        buf_printf(b, "{\"i\":%u,\"type\":\"%s\"}", i, types[next_rand() % 6]);
    else if (r == 12)
        buf_printf(b, "{\"type\":1,\"i\":%u}", i);
    else if (r == 13)
        buf_printf(b, "{\"type\":1.0,\"i\":%u}", i);
    else if (r == 14)
        buf_printf(b, "{\"type\":null,\"i\":%u}", i);
    else if (r == 15)
        buf_printf(b, "{\"type\":[\"a\"],\"i\":%u}", i);
    else if (r == 16)
        buf_printf(b, "{\"i\":%u}", i); /* no type */
    else if (r == 17)
        buf_printf(b, "%u", i);
    else if (r == 18)
        buf_puts(b, "\"a\"");
    else
        buf_printf(b, "{\"type\":true,\"i\":%u}", i);
}

static const uint32_t lens[] = {0, 1, 2, 5, 31, 32, 33, 64, 200, 1000};
enum { NLENS = sizeof lens / sizeof lens[0], NSMALL = 12 };

/* {"l0": [...], ..., "s0".."s11": lists of 40 (more lists than the cache
 * holds), "o": an object of 40 members, "strs": a list of strings}. */
static char *make_input(void)
{
    Buf b = BUF_INIT;
    buf_puts(&b, "{");
    for (int k = 0; k < NLENS; k++) {
        buf_printf(&b, "\"l%d\":[", k);
        for (uint32_t i = 0; i < lens[k]; i++) {
            if (i)
                buf_puts(&b, ",");
            put_elem(&b, i);
        }
        buf_puts(&b, "],");
    }
    for (int k = 0; k < NSMALL; k++) {
        buf_printf(&b, "\"s%d\":[", k);
        for (uint32_t i = 0; i < 40; i++) {
            if (i)
                buf_puts(&b, ",");
            put_elem(&b, i);
        }
        buf_puts(&b, "],");
    }
    buf_puts(&b, "\"o\":{");
    for (uint32_t i = 0; i < 40; i++) {
        buf_printf(&b, "%s\"m%u\":", i ? "," : "", i);
        put_elem(&b, i);
    }
    buf_puts(&b, "},\"strs\":[");
    for (uint32_t i = 0; i < 40; i++)
        buf_printf(&b, "%s\"x%u\"", i ? "," : "", i);
    buf_puts(&b, "]}");
    return buf_take(&b);
}

/* The value of expr as JSON, or "error: MESSAGE" (the message without its
 * position, which differs between the two spellings). malloc'd. */
static char *eval(const veto_doc *doc, const char *expr)
{
    veto_diags *d = veto_diags_new();
    char *out = veto_eval_expr(engine, expr, doc, NULL, d);
    if (!out) {
        char *r = veto_diags_render(d, 0);
        const char *m = r ? strstr(r, "error: ") : NULL;
        size_t n = m ? strcspn(m, "\n") : 0;
        out = malloc(n + 20);
        snprintf(out, n + 20, "%.*s", (int)n, m ? m : "error: (no message)");
        free(r);
    }
    veto_diags_free(d);
    return out;
}

static int compared, errors_compared;

/* Evaluates both expressions and checks that they agree. */
static void same(const veto_doc *doc, const char *got_expr, const char *want_expr)
{
    char *got = eval(doc, got_expr), *want = eval(doc, want_expr);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  %s\n  vs %s\n", got_expr, want_expr);
        CHECK_STR(got, want);
    }
    compared++;
    errors_compared += strncmp(want, "error: ", 7) == 0;
    free(got);
    free(want);
}

/* The builtin call G and the comprehension W, both formatted with the list
 * and the type argument, agree. With a sensitive argument the builtin's
 * result array is itself tainted (the VM taints every builtin's result; a
 * printed tainted array is one redaction mark), so then the values are
 * compared with ==, which ignores taint, and for a tainted list the
 * elements' taint apart (each carries the list's, as iteration gives it). */
static void pair(const veto_doc *doc, const char *gfmt, const char *wfmt, const char *list,
                 const char *arg)
{
    char g[512], w[512], g2[1200], w2[1200];
    snprintf(g, sizeof g, gfmt, list, arg);
    snprintf(w, sizeof w, wfmt, list, arg);
    if (!strstr(list, "mark_sensitive") && !strstr(arg, "mark_sensitive")) {
        same(doc, g, w);
        return;
    }
    snprintf(g2, sizeof g2, "(%s) == (%s)", g, w);
    snprintf(w2, sizeof w2, "(%s) == (%s)", w, w);
    same(doc, g2, w2);
    if (!strstr(list, "mark_sensitive"))
        return; /* a tainted result array taints what iterates it: the safe side */
    snprintf(g2, sizeof g2, "[tf.is_sensitive(r) for r in %s]", g);
    snprintf(w2, sizeof w2, "[tf.is_sensitive(r) for r in %s]", w);
    same(doc, g2, w2);
}

static veto_doc *load_input(void)
{
    char *text = make_input();
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_json(engine, "in.json", text, strlen(text), NULL, d);
    veto_diags_free(d);
    free(text);
    return doc;
}

/* ---- the comprehensions ------------------------------------------------------- */

TEST(same_as_comprehension)
{
    veto_doc *doc = load_input();
    CHECK(doc != NULL);
    if (!doc)
        return;
    static const char *const lists[] = {
        "input.l0",
        "input.l1",
        "input.l2",
        "input.l3",
        "input.l4",
        "input.l5",
        "input.l6",
        "input.l7",
        "input.l8",
        "input.l9",
        "to_set(input.l8)",               /* a set, in set order */
        "input.o",                        /* an object: its member values */
        "input.l7 + input.l8",            /* built in the evaluation */
        "mark_sensitive(input.l8, true)", /* tainted: so is every element */
        "input.nope",
        "null",
        "\"abc\"",
        "42",
        "true",
        "input.strs"};
    static const char *const type_args[] = {
        "\"a\"", "\"b\"",      "\"zz\"",  "\"\"", "\"aws_s3_bucket\"",          "1", "1.0", "null",
        "true",  "input.nope", "[\"a\"]", "{}",   "mark_sensitive(\"a\", true)"};
    static const char *const types_args[] = {"[\"a\", \"b\"]",
                                             "[\"b\", \"a\", \"a\"]",
                                             "[]",
                                             "[\"a\", 1]",
                                             "to_set([\"c\", \"a\"])",
                                             "{\"a\": 1, \"c\": 2}",
                                             "\"abc\"",
                                             "null",
                                             "5",
                                             "input.nope",
                                             "[null]",
                                             "[[\"a\"]]",
                                             "[\"zz\"]",
                                             "[\"\", \"aws_s3_bucket\", \"c\"]",
                                             "[true, \"a\"]"};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        for (size_t t = 0; t < sizeof type_args / sizeof *type_args; t++)
            pair(doc, "tf.of_type(%s, %s)", "[r for r in %s if r.type == %s]", lists[i],
                 type_args[t]);
        for (size_t t = 0; t < sizeof types_args / sizeof *types_args; t++)
            pair(doc, "tf.of_types(%s, %s)", "[r for r in %s if r.type in %s]", lists[i],
                 types_args[t]);
    }
    /* The one difference, every builtin's: a sensitive argument taints the
     * result array itself, even an empty one (the safe side). */
    char *r = eval(doc, "tf.is_sensitive(tf.of_type(input.l8, mark_sensitive(\"zz\", true)))");
    CHECK_STR(r, "true");
    free(r);
    /* the comparisons must have covered the error paths too */
    CHECK(errors_compared > 20);
    veto_doc_free(doc);
}

TEST(many_calls_in_one_evaluation)
{
    veto_doc *doc = load_input();
    CHECK(doc != NULL);
    if (!doc)
        return;
    /* Repeated calls (index hits), two lists of different lengths, and
     * more long lists than the cache has slots, visited twice. */
    Buf g = BUF_INIT, w = BUF_INIT;
    buf_puts(&g, "[");
    buf_puts(&w, "[");
    static const char *const calls[][2] = {
        {"input.l8", "\"a\""}, {"input.l9", "\"a\""}, {"input.l8", "\"b\""},
        {"input.l9", "\"c\""}, {"input.l8", "\"a\""}, {"input.l7", "\"\""},
    };
    for (int round = 0; round < 2; round++) {
        for (size_t k = 0; k < sizeof calls / sizeof *calls; k++) {
            buf_printf(&g, "tf.of_type(%s, %s),", calls[k][0], calls[k][1]);
            buf_printf(&w, "[r for r in %s if r.type == %s],", calls[k][0], calls[k][1]);
        }
        for (int k = 0; k < NSMALL; k++) {
            buf_printf(&g, "tf.of_type(input.s%d, \"a\"),tf.of_types(input.s%d, [\"c\", \"b\"]),",
                       k, k);
            buf_printf(&w, "[r for r in input.s%d if r.type == \"a\"],", k);
            buf_printf(&w, "[r for r in input.s%d if r.type in [\"c\", \"b\"]],", k);
        }
    }
    buf_puts(&g, "tf.of_types(input.l9, [\"b\", \"a\"])]");
    buf_puts(&w, "[r for r in input.l9 if r.type in [\"b\", \"a\"]]]");
    same(doc, g.p, w.p);
    buf_free(&g);
    buf_free(&w);
    /* the results are the lists' own elements: an element selected twice
     * is the same value, and a selection by all types is the whole list */
    char *all =
        eval(doc, "tf.of_types(input.l9, [\"a\", \"b\", \"c\", \"\", \"aws_s3_bucket\"]) == "
                  "[r for r in input.l9 if is_string(r.type)]");
    CHECK_STR(all, "true");
    free(all);
    veto_doc_free(doc);
}

/* ---- a reused evaluator ---------------------------------------------------------- */

static const char policy_src[] =
    "policy t.types\n  kind: plan\n  title: \"types\"\n  severity: high\n  enforcement: hard\n\n"
    "use tf\n\n"
    "deny for r in tf.changes_of_type(\"aws_a\")\n  message \"a ${r.address}\"\n\n"
    "deny for r in tf.changes(\"aws_b\", [\"create\"])\n  message \"b ${r.address}\"\n\n"
    "warn for r in tf.changes_of_types([\"aws_c\", \"aws_a\"])\n  message \"ca ${r.address}\"\n";

/* A plan of n changes; type i is chosen by `pattern` (a, b or c per
 * position modulo its length); addresses carry `tag`. */
static veto_doc *make_plan(const char *tag, const char *pattern, uint32_t n)
{
    Buf b = BUF_INIT;
    buf_puts(&b, "{\"format_version\":\"1.2\",\"resource_changes\":[");
    size_t plen = strlen(pattern);
    for (uint32_t i = 0; i < n; i++) {
        char t = pattern[i % plen];
        buf_printf(&b,
                   "%s{\"address\":\"aws_%c.%s%u\",\"mode\":\"managed\",\"type\":\"aws_%c\","
                   "\"name\":\"%s%u\",\"change\":{\"actions\":[\"%s\"],\"before\":null,"
                   "\"after\":{}}}",
                   i ? "," : "", t, tag, i, t, tag, i, i % 3 ? "create" : "update");
    }
    buf_puts(&b, "]}");
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_json(engine, "plan.json", b.p, b.len, NULL, d);
    veto_diags_free(d);
    buf_free(&b);
    return doc;
}

static char *json_of(veto_decision *dec)
{
    char *j = dec ? veto_decision_json(dec, 0) : NULL;
    veto_decision_free(dec);
    return j;
}

TEST(evaluator_reuse_sees_each_input)
{
    veto_program *p = testlib_compile(engine, "t.veto", policy_src);
    CHECK(p != NULL);
    if (!p)
        return;
    /* The same number of changes, so the normalised list of the second
     * run has the length (and, in a reset arena, the address) of the
     * first's: an index kept across runs would answer with the first
     * plan's changes. */
    veto_doc *docs[] = {make_plan("one", "ab", 48), make_plan("two", "bbbcaa", 48),
                        make_plan("three", "c", 48), make_plan("four", "abc", 7)};
    enum { NDOCS = sizeof docs / sizeof docs[0] };
    for (int i = 0; i < NDOCS; i++)
        CHECK(docs[i] != NULL);
    veto_evaluator *ev = veto_evaluator_new(p);
    CHECK(ev != NULL);
    for (int round = 0; round < 2 && ev; round++) {
        for (int i = 0; i < NDOCS; i++) {
            if (!docs[i])
                continue;
            char *want = json_of(veto_eval(p, docs[i], NULL));
            char *got = json_of(veto_evaluator_run(ev, docs[i], NULL));
            CHECK(want != NULL);
            CHECK_STR(got, want);
            free(want);
            free(got);
        }
    }
    /* and veto_eval itself answers with each plan's own addresses */
    if (docs[1]) {
        char *j = json_of(veto_eval(p, docs[1], NULL));
        CHECK(j && strstr(j, "a aws_a.two4") && !strstr(j, ".one"));
        free(j);
    }
    veto_evaluator_free(ev);
    for (int i = 0; i < NDOCS; i++)
        veto_doc_free(docs[i]);
    veto_program_free(p);
}

/* ---- the builtin and its cache directly --------------------------------------------- */

static Value parse(Arena *a, const char *text)
{
    Value v = value_undef();
    JsonError err;
    size_t n = strlen(text);
    char *copy = arena_strndup(a, text, n);
    if (!copy || !json_read(a, copy, n, NULL, &v, &err)) {
        fprintf(stderr, "bad test JSON: %s\n", text);
        exit(2);
    }
    return v;
}

/* A list of n objects {"type": T} with T = types[i % ntypes]. */
static Value typed_list(Arena *a, const char *const *types, uint32_t ntypes, uint32_t n)
{
    Buf b = BUF_INIT;
    buf_puts(&b, "[");
    for (uint32_t i = 0; i < n; i++)
        buf_printf(&b, "%s{\"type\":\"%s\",\"i\":%u}", i ? "," : "", types[i % ntypes], i);
    buf_puts(&b, "]");
    Value v = parse(a, b.p);
    buf_free(&b);
    return v;
}

static const char *show(Value v)
{
    static char out[1 << 14];
    Buf b = BUF_INIT;
    json_write(&b, v, 0);
    snprintf(out, sizeof out, "%s", b.p ? b.p : "(oom)");
    buf_free(&b);
    return out;
}

/* Calls tf.of_type(list, type) with ctx; false on an error. */
static bool call(BuiltinCtx *ctx, Value list, const char *type, Value *out)
{
    const BuiltinDef *def = builtin_find("tf.of_type", 10);
    Value args[2] = {list, value_str(type, (uint32_t)strlen(type))};
    return def && def->fn(ctx, args, 2, out);
}

/* The `i` members of a result, as "0,2,4". */
static const char *positions(Value v)
{
    static char out[4096];
    size_t at = 0;
    out[0] = '\0';
    for (uint32_t k = 0; k < v.n && at < sizeof out - 16; k++) {
        const Member *m = value_get(v.u.a[k], "i", 1, 0);
        at += (size_t)snprintf(out + at, sizeof out - at, "%s%lld", k ? "," : "",
                               m ? (long long)m->val.u.i : -1LL);
    }
    return out;
}

TEST(index_cache)
{
    Arena a, other;
    arena_init(&a, 1 << 12);
    arena_init(&other, 1 << 12);
    BuiltinCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = &a;
    static const char *const ab[] = {"a", "b"}, *const ba[] = {"b", "a"};
    Value l = typed_list(&a, ab, 2, 40), r1, r2, r3;
    CHECK(call(&ctx, l, "a", &r1) && call(&ctx, l, "a", &r2));
    CHECK_INT(r1.n, 20);
    CHECK_STR(positions(r1), "0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38");
    /* the second call is answered from the index: the same elements */
    CHECK(r1.u.a == r2.u.a && r2.n == 20);
    CHECK(ctx.tfindex.n == 1);
    /* a short list is never indexed */
    Value s = typed_list(&a, ab, 2, BUILTIN_TF_INDEX_MIN - 1);
    CHECK(call(&ctx, s, "b", &r3) && r3.n == 15 && ctx.tfindex.n == 1);
    CHECK_STR(positions(r3), "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29");
    /* a short list whose elements all match is its own result (nothing
     * copied: the one-element lists of streaming evaluation) */
    static const char *const a1[] = {"a"};
    Value one = typed_list(&a, a1, 1, 3);
    CHECK(call(&ctx, one, "a", &r3) && r3.u.a == one.u.a && r3.n == 3 && r3.kind == V_ARR);

    /* a tainted list: tainted elements, and the shared ones stay clean */
    Value t = l;
    t.flags |= VF_SENSITIVE;
    CHECK(call(&ctx, t, "a", &r3) && r3.n == 20);
    CHECK(r3.n && (r3.u.a[0].flags & VF_SENSITIVE) && (r3.u.a[19].flags & VF_SENSITIVE));
    CHECK(call(&ctx, l, "a", &r2) && r2.u.a == r1.u.a && !(r2.u.a[0].flags & VF_SENSITIVE));

    /* reset with the arena: a list with the old one's length, likely at its
     * address, holds other types */
    arena_reset(&a);
    builtin_ctx_reset(&ctx);
    CHECK(ctx.tfindex.n == 0);
    Value l2 = typed_list(&a, ba, 2, 40);
    CHECK(call(&ctx, l2, "a", &r1) && r1.n == 20);
    CHECK_STR(positions(r1), "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39");

    /* an arena reset that nobody reported: the arena holds less than when
     * the index was built, which the cache notices */
    arena_reset(&a);
    static const char *const c1[] = {"c"};
    Value l3 = typed_list(&a, c1, 1, 40);
    CHECK(call(&ctx, l3, "a", &r1) && r1.n == 0);
    CHECK(call(&ctx, l3, "c", &r1) && r1.n == 40);

    /* another arena (streaming switches to the kept globals' arena): the
     * indexes of the first are not used there */
    ctx.arena = &other;
    CHECK(call(&ctx, l3, "c", &r2) && r2.n == 40 && r2.u.a != r1.u.a);
    CHECK(ctx.tfindex.arena == &other);
    CHECK_STR(show(r2.u.a[0]), "{\"type\":\"c\",\"i\":0}");
    arena_free(&a);
    arena_free(&other);
}

int main(void)
{
    engine = veto_engine_new();
    if (!engine)
        return 1;
    RUN(same_as_comprehension);
    RUN(many_calls_in_one_evaluation);
    RUN(evaluator_reuse_sees_each_input);
    RUN(index_cache);
    fprintf(stderr, "test_tf_of_type: %d pairs compared, %d of them errors\n", compared,
            errors_compared);
    veto_engine_free(engine);
    return harness_done();
}
