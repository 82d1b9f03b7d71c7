/* test_eval_fast.c — the evaluator's shortcuts give what the general path
 * gives: string and boolean ==, != and `in` inlined in the VM, templates
 * of plain strings joined without a scratch buffer, messages and string
 * evidence copied straight into the decision, a decision's results kept
 * intact as they outgrow the record's inline chunk — through veto_eval
 * (whose evaluation arena starts on its stack) and through a reused
 * veto_evaluator alike. */
#include <stdlib.h>
#include <string.h>

#include "compile_testlib.h"
#include "gate/decision.h"
#include "harness.h"
#include "veto.h"

static veto_engine *engine;

static veto_program *compile(const char *src) { return testlib_compile(engine, "fast.veto", src); }

static veto_doc *load(const char *json)
{
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_json(engine, "in.json", json, strlen(json), NULL, d);
    veto_diags_free(d);
    return doc;
}

/* Operands come from the input so that nothing is folded at compile time. */
static const char ops_src[] =
    "policy t.ops\n  kind: plan\n  title: \"ops\"\n  severity: high\n  enforcement: hard\n\n"
    "warn when input.a == input.c\n  message \"eq-same\"\n"
    "warn when input.a == input.b\n  message \"eq-first-byte\"\n"
    "warn when input.a != input.b\n  message \"ne-first-byte\"\n"
    "warn when input.a == \"abc\"\n  message \"eq-longer\"\n"
    "warn when input.e == \"\"\n  message \"eq-empty\"\n"
    "warn when input.e != input.a\n  message \"ne-empty\"\n"
    "warn when input.t == true\n  message \"bool-eq\"\n"
    "warn when input.t != input.f\n  message \"bool-ne\"\n"
    "warn when input.t == input.f\n  message \"bool-eq-false\"\n"
    "warn when input.t == input.one\n  message \"bool-int\"\n"
    "warn when \"x\" in input.list\n  message \"in-arr\"\n"
    "warn when \"z\" in input.list\n  message \"in-arr-absent\"\n"
    "warn when input.s1 in input.nums\n  message \"in-str-num\"\n"
    "warn when input.one in input.strs\n  message \"in-num-str\"\n"
    "warn when input.a in {\"ab\", \"zz\"}\n  message \"in-set\"\n"
    "warn when input.a in {\"ab\": 1}\n  message \"in-obj\"\n"
    "warn when \"b\" in input.a\n  message \"in-substring\"\n"
    "warn when input.e in input.list\n  message \"in-empty\"\n"
    "warn when input.missing == \"x\"\n  message \"undef-eq\"\n"
    "warn when input.missing != \"x\"\n  message \"undef-ne\"\n"
    "warn when input.missing in input.list\n  message \"undef-in\"\n"
    "warn when input.s1 == input.one\n  message \"str-int-eq\"\n"
    "warn when input.s1 != input.one\n  message \"str-int-ne\"\n"
    "warn when input.a not in input.list\n  message \"not-in\"\n"
    "warn when input.big_s in input.bigs\n  message \"in-str-bignum\"\n"
    "warn when input.big_s == input.bigs[0]\n  message \"eq-str-bignum\"\n"
    "warn when not (input.a == input.b)\n  message \"not-false\"\n"
    "warn when not input.t\n  message \"not-true\"\n"
    "warn when not input.missing\n  message \"not-undef\"\n"
    "warn when input.t and not input.f\n  message \"and-true\"\n"
    "warn when input.t and input.f\n  message \"and-false\"\n"
    "warn when input.f or input.t\n  message \"or-true\"\n"
    "warn when input.missing or input.f\n  message \"or-false\"\n"
    "warn when input.f and input.t\n  message \"and-false-first\"\n"
    "warn when input.f or input.f\n  message \"or-false-both\"\n";

static const char ops_input[] =
    "{\"a\":\"ab\",\"b\":\"ac\",\"c\":\"ab\",\"e\":\"\",\"t\":true,\"f\":false,\"one\":1,"
    "\"list\":[\"y\",1,\"x\",\"\"],\"nums\":[1,2],\"strs\":[\"1\"],\"s1\":\"1\","
    "\"big_s\":\"123456789012345678901234567890\",\"bigs\":[123456789012345678901234567890]}";

static const char *const ops_fired[] = {
    "eq-same", "ne-first-byte", "eq-empty",  "ne-empty",     "bool-eq",  "bool-ne",
    "in-arr",  "in-set",        "in-obj",    "in-substring", "in-empty", "str-int-ne",
    "not-in",  "not-false",     "not-undef", "and-true",     "or-true",
};

/* The messages of dec's results, one per line. */
static char *messages(const veto_decision *dec)
{
    size_t cap = 64, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (uint32_t i = 0; i < dec->nresults; i++) {
        size_t m = strlen(dec->results[i].message);
        if (n + m + 2 > cap) {
            cap = (n + m + 2) * 2;
            char *t = realloc(s, cap);
            if (!t) {
                free(s);
                return NULL;
            }
            s = t;
        }
        memcpy(s + n, dec->results[i].message, m);
        n += m;
        s[n++] = '\n';
        s[n] = '\0';
    }
    return s;
}

/* veto_eval and a reused evaluator (run twice) give the same JSON. */
static void check_same_both_ways(const veto_program *p, const veto_doc *doc)
{
    veto_decision *a = veto_eval(p, doc, NULL);
    veto_evaluator *ev = veto_evaluator_new(p);
    CHECK(a != NULL && ev != NULL);
    if (!a || !ev) {
        veto_decision_free(a);
        veto_evaluator_free(ev);
        return;
    }
    char *ja = veto_decision_json(a, 0);
    for (int run = 0; run < 2; run++) {
        veto_decision *b = veto_evaluator_run(ev, doc, NULL);
        char *jb = b ? veto_decision_json(b, 0) : NULL;
        CHECK_STR(jb, ja);
        free(jb);
        veto_decision_free(b);
    }
    free(ja);
    veto_decision_free(a);
    veto_evaluator_free(ev);
}

TEST(comparisons_and_membership)
{
    veto_program *p = compile(ops_src);
    veto_doc *doc = load(ops_input);
    CHECK(p && doc);
    if (!p || !doc) {
        veto_program_free(p);
        veto_doc_free(doc);
        return;
    }
    veto_decision *dec = veto_eval(p, doc, NULL);
    CHECK(dec != NULL);
    if (dec) {
        char want[512] = "";
        for (size_t i = 0; i < sizeof ops_fired / sizeof ops_fired[0]; i++) {
            strcat(want, ops_fired[i]);
            strcat(want, "\n");
        }
        char *got = messages(dec);
        CHECK_STR(got, want);
        free(got);
        CHECK_INT(veto_decision_outcome(dec), VETO_WARN);
    }
    veto_decision_free(dec);
    check_same_both_ways(p, doc);
    veto_doc_free(doc);
    veto_program_free(p);
}

/* A non-boolean operand of not/and/or is still a runtime error of its
 * policy (the boolean shortcut must not swallow it). */
TEST(truth_errors)
{
    static const char src[] =
        "policy t.e1\n  kind: plan\n\nwarn when not input.one\n"
        "policy t.e2\n  kind: plan\n\nwarn when input.one and true\n"
        "policy t.e3\n  kind: plan\n\nwarn when input.f or input.s1\n"
        "policy t.ok\n  kind: plan\n\nwarn when not input.f\n  message \"ok\"\n";
    veto_program *p = compile(src);
    veto_doc *doc = load(ops_input);
    CHECK(p && doc);
    if (!p || !doc) {
        veto_program_free(p);
        veto_doc_free(doc);
        return;
    }
    veto_decision *dec = veto_eval(p, doc, NULL);
    CHECK(dec && dec->nresults == 4);
    if (dec && dec->nresults == 4) {
        CHECK(dec->results[0].kind == RES_ERROR);
        CHECK_STR(dec->results[0].message, "`not` condition must be a boolean, got number");
        CHECK(dec->results[1].kind == RES_ERROR);
        CHECK_STR(dec->results[1].message, "condition must be a boolean, got number");
        CHECK(dec->results[2].kind == RES_ERROR);
        CHECK_STR(dec->results[2].message, "condition must be a boolean, got string");
        CHECK(dec->results[3].kind == RES_RULE);
        CHECK_STR(dec->results[3].message, "ok");
        CHECK_INT(veto_decision_outcome(dec), VETO_ERROR);
    }
    veto_decision_free(dec);
    check_same_both_ways(p, doc);
    veto_doc_free(doc);
    veto_program_free(p);
}

static const char msg_src[] =
    "policy t.msg\n  kind: plan\n  title: \"the title\"\n  severity: high\n  enforcement: hard\n\n"
    "warn when true\n  message \"plain ${input.a}-${input.b} end\"\n"
    "warn when true\n  message \"${input.e}\"\n"
    "warn when true\n  message \"n=${input.one} f=${input.x} b=${input.t}\"\n"
    "warn when true\n  message \"s=${mark_sensitive(input.a, true)}!\"\n"
    "warn when true\n  message \"u=${input.missing}\"\n"
    "warn when true\n  message \"${input.list}\"\n"
    "warn when true\n  message input.a\n"
    "warn when true\n  message input.one\n"
    "warn when true\n  message mark_sensitive(input.a, true)\n"
    "warn when true\n"
    "\npolicy t.untitled\n  kind: plan\n  severity: low\n  enforcement: soft\n\n"
    "deny when true\n";

static const char msg_input[] =
    "{\"a\":\"ab\",\"b\":\"c\\u0000d\",\"e\":\"\",\"one\":1,\"x\":1.5,\"t\":true,"
    "\"list\":[1,\"two\"]}";

TEST(messages_read_as_before)
{
    veto_program *p = compile(msg_src);
    veto_doc *doc = load(msg_input);
    CHECK(p && doc);
    if (!p || !doc) {
        veto_program_free(p);
        veto_doc_free(doc);
        return;
    }
    veto_decision *dec = veto_eval(p, doc, NULL);
    CHECK(dec != NULL);
    if (dec) {
        CHECK_INT(dec->nresults, 11);
        if (dec->nresults == 11) {
            const Result *r = dec->results;
            /* the NUL inside input.b is kept: compare as bytes */
            CHECK(memcmp(r[0].message, "plain ab-c\0d end", 17) == 0);
            CHECK_STR(r[1].message, "");
            CHECK_STR(r[2].message, "n=1 f=1.5 b=true");
            CHECK_STR(r[3].message, "s=(sensitive)!");
            CHECK_STR(r[4].message, "u=undefined");
            CHECK_STR(r[5].message, "[1,\"two\"]");
            CHECK_STR(r[6].message, "ab");
            CHECK_STR(r[7].message, "1");
            CHECK_STR(r[8].message, "(sensitive)");
            CHECK_STR(r[9].message, "the title");
            CHECK_STR(r[10].message, "t.untitled: deny");
        }
    }
    veto_decision_free(dec);
    check_same_both_ways(p, doc);
    veto_doc_free(doc);
    veto_program_free(p);
}

static const char ev_src[] =
    "policy t.ev\n  kind: plan\n  title: \"ev\"\n  severity: high\n  enforcement: hard\n\n"
    "warn for r in input.items\n  when r.acl != \"private\"\n  message \"acl ${r.address}\"\n";

TEST(string_evidence_is_copied)
{
    veto_program *p = compile(ev_src);
    /* members in different orders: the evidence lookup's position hint
     * (where the rule's FIELD found `acl` last) misses as often as it hits */
    veto_doc *doc = load("{\"items\":[{\"address\":\"a.one\",\"acl\":\"public\"},"
                         "{\"acl\":\"\",\"address\":\"a.two\"},"
                         "{\"x\":1,\"address\":\"a.three\",\"acl\":true},"
                         "{\"address\":\"a.four\",\"y\":2,\"acl\":{\"k\":[1,2]}}]}");
    CHECK(p && doc);
    if (!p || !doc) {
        veto_program_free(p);
        veto_doc_free(doc);
        return;
    }
    veto_decision *dec = veto_eval(p, doc, NULL);
    CHECK(dec && dec->nresults == 4);
    if (dec && dec->nresults == 4) {
        const char *want[4][2] = {
            {"a.one", "public"}, {"a.two", ""}, {"a.three", "true"}, {"a.four", "{\"k\":[1,2]}"}};
        for (int i = 0; i < 4; i++) {
            CHECK_STR(dec->results[i].address, want[i][0]);
            CHECK_STR(dec->results[i].evidence_path, "acl");
            CHECK_STR(dec->results[i].evidence_value, want[i][1]);
        }
    }
    veto_decision_free(dec);
    check_same_both_ways(p, doc);
    veto_doc_free(doc);
    veto_program_free(p);
}

/* The rule reads `acl` of other objects after the binding's, so the
 * evidence lookup's position hint points elsewhere: the lookup by id
 * must still find the binding's own `acl`. */
TEST(evidence_with_a_stale_hint)
{
    static const char src[] =
        "policy t.stale\n  kind: plan\n  title: \"stale\"\n  severity: high\n"
        "  enforcement: hard\n\n"
        "warn for r in input.items\n"
        "  when r.acl != \"private\" and count([x.acl for x in input.others]) == 2\n";
    veto_program *p = compile(src);
    veto_doc *doc = load("{\"items\":[{\"address\":\"a.one\",\"acl\":\"public\"},"
                         "{\"b\":1,\"c\":2,\"address\":\"a.two\",\"acl\":\"team\"}],"
                         "\"others\":[{\"acl\":\"o1\"},{\"p\":0,\"q\":0,\"r\":0,\"acl\":\"o2\"}]}");
    CHECK(p && doc);
    if (!p || !doc) {
        veto_program_free(p);
        veto_doc_free(doc);
        return;
    }
    veto_decision *dec = veto_eval(p, doc, NULL);
    CHECK(dec && dec->nresults == 2);
    if (dec && dec->nresults == 2) {
        CHECK_STR(dec->results[0].evidence_path, "acl");
        CHECK_STR(dec->results[0].evidence_value, "public");
        CHECK_STR(dec->results[1].evidence_value, "team");
    }
    veto_decision_free(dec);
    check_same_both_ways(p, doc);
    veto_doc_free(doc);
    veto_program_free(p);
}

/* 300 results with long messages: far past the record's inline chunk and
 * past one 16 KiB chunk; every message and address must survive the
 * results array moving as it grows. */
TEST(many_results_stay_intact)
{
    static const char src[] =
        "policy t.many\n  kind: plan\n  title: \"many\"\n  severity: high\n  enforcement: hard\n\n"
        "deny for r in input.items\n  message \"resource ${r.address} has a rather long "
        "message so that the decision arena fills up quickly: ${r.n}\"\n";
    enum { N = 300 };
    size_t cap = 64 + N * 64, n = 0;
    char *json = malloc(cap);
    CHECK(json != NULL);
    if (!json)
        return;
    n += (size_t)snprintf(json + n, cap - n, "{\"items\":[");
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(json + n, cap - n, "%s{\"address\":\"res.r%d\",\"n\":%d}",
                              i ? "," : "", i, i * 7);
    snprintf(json + n, cap - n, "]}");
    veto_program *p = compile(src);
    veto_doc *doc = load(json);
    free(json);
    CHECK(p && doc);
    if (!p || !doc) {
        veto_program_free(p);
        veto_doc_free(doc);
        return;
    }
    veto_decision *dec = veto_eval(p, doc, NULL);
    CHECK(dec && dec->nresults == N && !dec->oom);
    if (dec && dec->nresults == N) {
        int ok = 1;
        for (int i = 0; i < N; i++) {
            char msg[200], addr[32];
            snprintf(msg, sizeof msg,
                     "resource res.r%d has a rather long message so that the decision arena "
                     "fills up quickly: %d",
                     i, i * 7);
            snprintf(addr, sizeof addr, "res.r%d", i);
            ok &= strcmp(dec->results[i].message, msg) == 0;
            ok &= dec->results[i].address && strcmp(dec->results[i].address, addr) == 0;
            ok &= dec->results[i].status == ST_FAIL;
        }
        CHECK(ok);
        CHECK_INT(dec->counts[RK_DENY], N);
        CHECK_INT(dec->status[ST_FAIL], N);
        CHECK_INT(veto_decision_outcome(dec), VETO_FAIL);
    }
    veto_decision_free(dec);
    check_same_both_ways(p, doc);
    veto_doc_free(doc);
    veto_program_free(p);
}

/* A memory cap too small for the evaluation: an error result, whether the
 * evaluation arena starts on veto_eval's stack or in the evaluator. */
TEST(mem_cap_still_applies)
{
    static const char src[] =
        "policy t.cap\n  kind: plan\n  title: \"cap\"\n  severity: high\n  enforcement: hard\n\n"
        "let big = [{\"i\": i, \"s\": \"${i}-${i}\"} for i in input.items]\n"
        "deny when count(big) > 0\n  message \"big\"\n";
    size_t cap = 16 + 2000 * 6, n = 0;
    char *json = malloc(cap);
    CHECK(json != NULL);
    if (!json)
        return;
    n += (size_t)snprintf(json + n, cap - n, "{\"items\":[");
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(json + n, cap - n, "%s%d", i ? "," : "", i);
    snprintf(json + n, cap - n, "]}");
    veto_program *p = compile(src);
    veto_doc *doc = load(json);
    free(json);
    CHECK(p && doc);
    if (!p || !doc) {
        veto_program_free(p);
        veto_doc_free(doc);
        return;
    }
    veto_eval_options opt;
    memset(&opt, 0, sizeof opt);
    opt.mem_cap = 2048; /* less than veto_eval's stack chunk */
    veto_decision *a = veto_eval(p, doc, &opt);
    veto_evaluator *ev = veto_evaluator_new(p);
    veto_decision *b = ev ? veto_evaluator_run(ev, doc, &opt) : NULL;
    CHECK(a && b);
    if (a && b) {
        CHECK_INT(veto_decision_outcome(a), VETO_ERROR);
        CHECK(a->nresults == 1 && a->results[0].kind == RES_ERROR);
        CHECK(a->nresults == 1 && strstr(a->results[0].message, "memory cap") != NULL);
        char *ja = veto_decision_json(a, 0), *jb = veto_decision_json(b, 0);
        CHECK_STR(jb, ja);
        free(ja);
        free(jb);
    }
    veto_decision_free(a);
    veto_decision_free(b);
    /* the same evaluator without the cap: the full answer */
    veto_decision *c = ev ? veto_evaluator_run(ev, doc, NULL) : NULL;
    CHECK(c && c->nresults == 1 && c->results[0].kind == RES_RULE);
    veto_decision_free(c);
    veto_evaluator_free(ev);
    veto_doc_free(doc);
    veto_program_free(p);
}

int main(void)
{
    engine = veto_engine_new();
    if (!engine)
        return 1;
    RUN(comparisons_and_membership);
    RUN(truth_errors);
    RUN(messages_read_as_before);
    RUN(string_evidence_is_copied);
    RUN(evidence_with_a_stale_hint);
    RUN(many_results_stay_intact);
    RUN(mem_cap_still_applies);
    veto_engine_free(engine);
    return harness_done();
}
