/* test_evaluator.c — veto_evaluator_run gives the decision veto_eval gives,
 * run after run, whatever the previous run left behind (globals computed,
 * a runtime error, a step budget exhausted, a memory cap hit, a dynamic
 * regex cached). */
#include <stdlib.h>
#include <string.h>

#include "compile_testlib.h"
#include "harness.h"
#include "veto.h"

static veto_engine *engine;

static const char policy_src[] =
    "policy t.one\n  kind: plan\n  title: \"one\"\n  severity: high\n  enforcement: hard\n\n"
    "let names = [r.name for r in input.resource_changes ?? []]\n\n"
    "deny for r in input.resource_changes ?? []\n"
    "  when r.name =~ input.pattern\n"
    "  message \"${r.name} matches ${input.pattern}\"\n\n"
    "warn when count(names) > 2\n  message \"many: ${count(names)}\"\n\n"
    "policy t.two\n  kind: plan\n  title: \"two\"\n  severity: low\n  enforcement: soft\n\n"
    "func spin(n) = if n > 0 then spin(n - 1) + 1 else 0\n\n"
    "deny when input.boom == true and 1 / 0 > 0\n  message \"never\"\n\n"
    "deny when spin(input.depth ?? 0) > 100000\n  message \"deep\"\n\n"
    "warn for r in input.resource_changes ?? []\n"
    "  when r.name == \"b\"\n  message \"b is here\"\n";

static const char *const inputs[] = {
    "{\"pattern\":\"^a\",\"resource_changes\":[{\"name\":\"a1\"},{\"name\":\"b\"}]}",
    "{\"pattern\":\"[\",\"resource_changes\":[{\"name\":\"a1\"}]}",
    "{\"pattern\":\"1$\",\"boom\":true,\"resource_changes\":[{\"name\":\"a1\"},{\"name\":\"c1\"},"
    "{\"name\":\"b\"}]}",
    "{\"pattern\":\"^x\",\"depth\":300}",
    "{}",
};
enum { NINPUTS = sizeof inputs / sizeof inputs[0] };

static veto_program *compile(void) { return testlib_compile(engine, "t.veto", policy_src); }

static char *json_of(veto_decision *dec)
{
    char *j = dec ? veto_decision_json(dec, 0) : NULL;
    veto_decision_free(dec);
    return j;
}

TEST(same_decisions_run_after_run)
{
    veto_program *p = compile();
    CHECK(p != NULL);
    if (!p)
        return;
    veto_diags *d = veto_diags_new();
    veto_doc *docs[NINPUTS];
    for (int i = 0; i < NINPUTS; i++) {
        docs[i] = veto_doc_load_json(engine, "in.json", inputs[i], strlen(inputs[i]), NULL, d);
        CHECK(docs[i] != NULL);
        if (!docs[i])
            return;
    }
    veto_eval_options opt;
    memset(&opt, 0, sizeof opt);
    opt.fuel = 2000; /* input 3 runs out of steps */
    veto_evaluator *ev = veto_evaluator_new(p);
    CHECK(ev != NULL);
    for (int round = 0; round < 3 && ev; round++) {
        for (int i = 0; i < NINPUTS; i++) {
            int k = round == 1 ? NINPUTS - 1 - i : i;
            char *want = json_of(veto_eval(p, docs[k], &opt));
            char *got = json_of(veto_evaluator_run(ev, docs[k], &opt));
            CHECK(want != NULL);
            CHECK_STR(got, want);
            free(want);
            free(got);
        }
    }
    /* A memory cap hit, then a run without one. */
    opt.mem_cap = 64;
    char *want = json_of(veto_eval(p, docs[2], &opt));
    char *got = json_of(veto_evaluator_run(ev, docs[2], &opt));
    CHECK_STR(got, want);
    CHECK(got && strstr(got, "memory cap"));
    free(want);
    free(got);
    opt.mem_cap = 0;
    want = json_of(veto_eval(p, docs[0], &opt));
    got = json_of(veto_evaluator_run(ev, docs[0], &opt));
    CHECK_STR(got, want);
    free(want);
    free(got);
    /* An unknown kind gives NULL, as veto_eval does. */
    opt.kind = "no-such-kind";
    CHECK(veto_evaluator_run(ev, docs[0], &opt) == NULL);
    veto_evaluator_free(ev);
    veto_evaluator_free(NULL);
    for (int i = 0; i < NINPUTS; i++)
        veto_doc_free(docs[i]);
    veto_diags_free(d);
    veto_program_free(p);
}

int main(void)
{
    engine = veto_engine_new();
    if (!engine)
        return 1;
    RUN(same_decisions_run_after_run);
    veto_engine_free(engine);
    return harness_done();
}
