/* test_tf_keys.c — the key ids tf.normalise_all (stdlib/builtins_tf.c)
 * keeps per thread between calls, tied to a key table by its serial
 * (engine/vm/keys.h) and, while some key is missing, by its key count:
 *
 *   - on a bare table the same normalised objects come out whether none,
 *     some or all of the keys are interned, and the output members always
 *     carry the ids the table has now (a stale cache would give 0 or
 *     another table's ids);
 *   - a new table, at a freed one's address or not, is never taken for
 *     the old one, even when its ids for the same texts differ;
 *   - through the public API: a program compiled after another on the same
 *     engine (interning keys the first did not) leaves the first's
 *     decisions as they were, gives what the same program gives on a fresh
 *     engine, and several threads evaluating one program at once all get
 *     the single-thread decision.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "compile_testlib.h"
#include "harness.h"
#include "input/json_read.h"
#include "stdlib/builtin.h"
#include "veto.h"
#include "vm/keys.h"
#include "vm/program.h"

/* ---- tf.normalise_all on a bare key table ----------------------------------- */

static const char rc_json[] =
    "[{\"address\":\"aws_s3_bucket.b\",\"type\":\"aws_s3_bucket\",\"name\":\"b\","
    "\"provider_name\":\"aws\",\"change\":{\"actions\":[\"create\"],\"after\":{\"acl\":\"x\"},"
    "\"after_unknown\":{\"id\":true}}},"
    "{\"address\":\"data.x.y\",\"mode\":\"data\",\"type\":\"x\",\"name\":\"y\",\"index\":2,"
    "\"change\":{\"actions\":[\"delete\",\"create\"],\"before\":{\"v\":1},\"after\":null}},"
    "7]";

/* What tf.veto's `normalise` makes of rc_json, key for key. */
static const char want_json[] =
    "[{\"address\":\"aws_s3_bucket.b\",\"type\":\"aws_s3_bucket\",\"name\":\"b\","
    "\"mode\":\"managed\",\"provider\":\"aws\",\"module\":null,\"index\":null,\"deposed\":null,"
    "\"actions\":[\"create\"],\"action\":\"create\",\"action_reason\":null,\"before\":null,"
    "\"after\":{\"acl\":\"x\"},\"after_unknown\":{\"id\":true},\"before_sensitive\":{},"
    "\"after_sensitive\":{},\"replace_paths\":[],\"importing\":null,\"previous_address\":null},"
    "{\"address\":\"data.x.y\",\"type\":\"x\",\"name\":\"y\",\"mode\":\"data\",\"provider\":null,"
    "\"module\":null,\"index\":2,\"deposed\":null,\"actions\":[\"delete\",\"create\"],"
    "\"action\":\"replace\",\"action_reason\":null,\"before\":{\"v\":1},\"after\":null,"
    "\"after_unknown\":{},\"before_sensitive\":{},\"after_sensitive\":{},\"replace_paths\":[],"
    "\"importing\":null,\"previous_address\":null}]";

/* Every key normalise_all reads or writes. */
static const char *const tf_key_texts[] = {
    "address",
    "type",
    "name",
    "mode",
    "provider",
    "provider_name",
    "module",
    "module_address",
    "index",
    "deposed",
    "actions",
    "action",
    "action_reason",
    "before",
    "after",
    "after_unknown",
    "before_sensitive",
    "after_sensitive",
    "replace_paths",
    "importing",
    "previous_address",
    "change",
};
enum { NTFKEYS = sizeof tf_key_texts / sizeof tf_key_texts[0] };

static void intern_all(KeyTable *t, int reverse)
{
    for (int i = 0; i < NTFKEYS; i++) {
        const char *k = tf_key_texts[reverse ? NTFKEYS - 1 - i : i];
        CHECK(keys_intern(t, k, strlen(k)) != 0);
    }
}

/* Runs tf.normalise_all on rc_json read against `keys`; checks the text
 * against want_json and every output member's id against the table. */
static void check_normalise(KeyTable *keys, const char *what)
{
    Arena arena;
    arena_init(&arena, 1 << 14);
    char *text = arena_strndup(&arena, rc_json, sizeof rc_json - 1);
    JsonReadOptions opt = {0, keys};
    JsonError jerr;
    Value in;
    bool read = json_read(&arena, text, sizeof rc_json - 1, &opt, &in, &jerr);
    CHECK(read);
    const BuiltinDef *def = builtin_find("tf.normalise_all", 16);
    CHECK(def != NULL);
    if (!def || !read) {
        arena_free(&arena);
        return;
    }
    BuiltinCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = &arena;
    ctx.keys = keys;
    Value out = value_undef();
    CHECK(def->fn(&ctx, &in, 1, &out));
    Buf b = BUF_INIT;
    json_write(&b, out, 0);
    if (!b.p || strcmp(b.p, want_json) != 0)
        fprintf(stderr, "  (%s)\n", what);
    CHECK_STR(b.p, want_json);
    buf_free(&b);
    CHECK_INT(out.kind, V_ARR);
    for (uint32_t i = 0; out.kind == V_ARR && i < out.n; i++)
        for (uint32_t m = 0; m < out.u.a[i].n; m++) {
            const Member *mem = &out.u.a[i].u.o[m];
            uint32_t want = keys_lookup(keys, mem->key, mem->klen);
            if (mem->kid != want)
                fprintf(stderr, "  (%s: key %.*s)\n", what, (int)mem->klen, mem->key);
            CHECK_INT(mem->kid, want);
        }
    arena_free(&arena);
}

TEST(bare_table_none_some_all)
{
    KeyTable *t = keys_new();
    CHECK(t != NULL);
    if (!t)
        return;
    check_normalise(t, "no keys");
    check_normalise(t, "no keys, again");
    /* some keys: interned after the cache was made for this table */
    CHECK(keys_intern(t, "type", 4) != 0);
    CHECK(keys_intern(t, "after", 5) != 0);
    CHECK(keys_intern(t, "change", 6) != 0);
    check_normalise(t, "some keys");
    CHECK(keys_intern(t, "mode", 4) != 0);
    check_normalise(t, "some keys and mode");
    intern_all(t, 0);
    check_normalise(t, "all keys");
    CHECK(keys_intern(t, "unrelated", 9) != 0); /* count moves, ids stay */
    check_normalise(t, "all keys and one more");
    keys_free(t);
}

TEST(new_table_never_taken_for_old)
{
    KeyTable *a = keys_new();
    CHECK(a != NULL);
    if (!a)
        return;
    intern_all(a, 0);
    check_normalise(a, "table a");
    uint64_t sa = keys_serial(a);
    CHECK(sa != 0);
    keys_free(a);
    /* Often at a's address: other ids for the same texts, and (after the
     * fillers) the same count as a had. */
    KeyTable *b = keys_new();
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK(keys_serial(b) != 0 && keys_serial(b) != sa);
    CHECK(keys_intern(b, "filler", 6) != 0);
    intern_all(b, 1);
    CHECK(keys_lookup(b, "address", 7) != 1);
    check_normalise(b, "table b");
    keys_free(b);
    CHECK_INT(keys_serial(NULL), 0);
    check_normalise(NULL, "no table");
    /* Tables made and freed in a row land on earlier addresses after a few
     * rounds (not under ASan, whose quarantine delays reuse); each round's
     * ids differ from the last one's, so a cache taken for a new table at
     * an old address would hand out the old ids. */
    uint64_t last = 0;
    for (int round = 0; round < 40; round++) {
        KeyTable *t = keys_new();
        CHECK(t != NULL);
        if (!t)
            return;
        CHECK(keys_serial(t) > last); /* never reused */
        last = keys_serial(t);
        for (int f = 0; f < round % 5; f++) {
            char filler[16];
            int n = snprintf(filler, sizeof filler, "filler%d", f);
            CHECK(keys_intern(t, filler, (size_t)n) != 0);
        }
        intern_all(t, round & 1);
        check_normalise(t, "round");
        keys_free(t);
    }
}

/* ---- through the public API ------------------------------------------------- */

static const char first_src[] =
    "policy t.first\n  kind: plan\n  title: \"first\"\n  severity: high\n"
    "  enforcement: hard\n\nuse tf\n\n"
    "deny for r in tf.changes(\"aws_s3_bucket\", [\"create\", \"update\"])\n"
    "  when r.after.acl in [\"public-read\", \"public-read-write\"]\n"
    "  message \"bucket ${r.address} is public\"\n\n"
    "warn for r in tf.with_actions([\"create\", \"update\"])\n"
    "  when not is_defined(tf.tag(r, \"owner\"))\n"
    "  message \"${r.address} has no owner tag\"\n";

/* Mentions keys no other policy or module does. */
static const char second_src[] =
    "policy t.second\n  kind: plan\n  title: \"second\"\n  severity: low\n"
    "  enforcement: soft\n\nuse tf\n\n"
    "deny for r in tf.resource_changes()\n"
    "  when r.after.zq_brand_new_attr == \"bad\" and r.after.zq_other_attr.zq_inner == 3\n"
    "  message \"${r.address} is bad (${r.action}, ${r.mode}, ${r.provider})\"\n";

static const char plan_json[] =
    "{\"format_version\":\"1.2\",\"resource_changes\":["
    "{\"address\":\"aws_s3_bucket.logs\",\"mode\":\"managed\",\"type\":\"aws_s3_bucket\","
    "\"name\":\"logs\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\","
    "\"change\":{\"actions\":[\"create\"],\"before\":null,\"after\":{\"acl\":\"public-read\","
    "\"zq_brand_new_attr\":\"bad\",\"zq_other_attr\":{\"zq_inner\":3},\"tags\":{}},"
    "\"after_unknown\":{\"arn\":true}}},"
    "{\"address\":\"aws_instance.web\",\"mode\":\"managed\",\"type\":\"aws_instance\","
    "\"name\":\"web\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\","
    "\"change\":{\"actions\":[\"update\"],\"before\":{},\"after\":{\"tags\":{\"owner\":\"x\"},"
    "\"zq_brand_new_attr\":\"good\"}}}]}";

static veto_program *compile(veto_engine *e, const char *name, const char *src)
{
    return testlib_compile(e, name, src);
}

static char *decide(veto_engine *e, veto_program *p)
{
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_json(e, "plan.json", plan_json, sizeof plan_json - 1, NULL, d);
    veto_decision *dec = doc ? veto_eval(p, doc, NULL) : NULL;
    char *j = dec ? veto_decision_json(dec, 0) : NULL;
    veto_decision_free(dec);
    veto_doc_free(doc);
    veto_diags_free(d);
    return j;
}

typedef struct Worker {
    veto_program *p;
    veto_doc *doc;
    const char *want;
    int mismatches;
} Worker;

static void *worker_run(void *arg)
{
    Worker *w = arg;
    veto_evaluator *ev = veto_evaluator_new(w->p);
    for (int i = 0; i < 200; i++) {
        veto_decision *dec =
            (i & 1) && ev ? veto_evaluator_run(ev, w->doc, NULL) : veto_eval(w->p, w->doc, NULL);
        char *j = dec ? veto_decision_json(dec, 0) : NULL;
        veto_decision_free(dec);
        if (!j || strcmp(j, w->want) != 0)
            w->mismatches++;
        free(j);
    }
    veto_evaluator_free(ev);
    return NULL;
}

TEST(program_after_program_on_one_engine)
{
    veto_engine *e = veto_engine_new();
    CHECK(e != NULL);
    if (!e)
        return;
    veto_program *p1 = compile(e, "first.veto", first_src);
    CHECK(p1 != NULL);
    char *j1 = p1 ? decide(e, p1) : NULL;
    CHECK(j1 != NULL);
    if (j1) {
        CHECK(strstr(j1, "bucket aws_s3_bucket.logs is public") != NULL);
        CHECK(strstr(j1, "aws_s3_bucket.logs has no owner tag") != NULL);
        CHECK(strstr(j1, "aws_instance.web has no owner tag") == NULL);
    }
    uint32_t before = keys_count(e->keys);
    veto_program *p2 = compile(e, "second.veto", second_src);
    CHECK(p2 != NULL);
    CHECK(keys_count(e->keys) > before); /* the second program added keys */
    CHECK(keys_lookup(e->keys, "zq_brand_new_attr", 17) != 0);
    char *j1again = p1 ? decide(e, p1) : NULL;
    CHECK_STR(j1again, j1);
    char *j2 = p2 ? decide(e, p2) : NULL;
    CHECK(j2 != NULL);
    if (j2) {
        CHECK(strstr(j2, "aws_s3_bucket.logs is bad (create, managed, "
                         "registry.terraform.io/hashicorp/aws)") != NULL);
        CHECK(strstr(j2, "aws_instance.web is bad") == NULL);
    }

    /* the same programs on a fresh engine, second one alone, give the same */
    veto_engine *f = veto_engine_new();
    CHECK(f != NULL);
    veto_program *q2 = f ? compile(f, "second.veto", second_src) : NULL;
    char *k2 = q2 ? decide(f, q2) : NULL;
    CHECK_STR(k2, j2);
    veto_program *q1 = f ? compile(f, "first.veto", first_src) : NULL;
    char *k1 = q1 ? decide(f, q1) : NULL;
    CHECK_STR(k1, j1);
    /* and back on the first engine, after the other engine's evaluations */
    char *j2again = p2 ? decide(e, p2) : NULL;
    CHECK_STR(j2again, j2);

    /* several threads on one program at once (run under TSan too) */
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_json(e, "plan.json", plan_json, sizeof plan_json - 1, NULL, d);
    CHECK(doc != NULL);
    if (doc && p1 && j1) {
        enum { NT = 4 };
        pthread_t th[NT];
        Worker w[NT];
        int started[NT] = {0};
        for (int i = 0; i < NT; i++) {
            w[i] = (Worker){p1, doc, j1, 0};
            started[i] = pthread_create(&th[i], NULL, worker_run, &w[i]) == 0;
            CHECK(started[i]);
        }
        for (int i = 0; i < NT; i++)
            if (started[i]) {
                pthread_join(th[i], NULL);
                CHECK_INT(w[i].mismatches, 0);
            }
    }
    veto_doc_free(doc);
    veto_diags_free(d);

    free(j1);
    free(j1again);
    free(j2);
    free(j2again);
    free(k1);
    free(k2);
    veto_program_free(q1);
    veto_program_free(q2);
    veto_program_free(p1);
    veto_program_free(p2);
    veto_engine_free(f);
    veto_engine_free(e);
}

int main(void)
{
    RUN(bare_table_none_some_all);
    RUN(new_table_never_taken_for_old);
    RUN(program_after_program_on_one_engine);
    return harness_done();
}
