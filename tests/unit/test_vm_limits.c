/* test_vm_limits.c — the Vm tells a resource limit (Vm.err_limit) from a
 * policy's own runtime error. Streaming (stream.c) and split evaluation
 * (eval_parallel.c) redo the whole document on one thread after a limit
 * error and keep any other error, so a wrong flag either way changes
 * decisions. Each rule below raises one kind of error; the flag must say
 * which it was, and must be cleared by a later ordinary error. */
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "compile_testlib.h"
#include "harness.h"
#include "veto.h"
#include "vm/program.h"
#include "vm/vm.h"

static veto_engine *engine;

static const char policy_src[] =
    "policy t.limits\n  kind: plan\n  severity: high\n\n"
    "func spin(n) = if n > 0 then spin(n - 1) + 1 else 0\n"
    "func pairs(xs) = [{\"a\": x, \"b\": [x, x]} for x in xs]\n\n"
    "deny when 1 / input.zero > 0\n  message \"division\"\n\n" /* rule 0: own error */
    "deny when spin(input.depth) > 0\n  message \"depth\"\n\n" /* rule 1: call depth */
    "deny when count([x for x in input.items if x >= 0]) > 0\n  message \"steps\"\n\n" /* rule 2:
                                                                                          step
                                                                                          budget */
    "deny when count(pairs(input.items)) > 0\n  message \"mem\"\n\n" /* rule 3: memory cap */
    "deny when input.name + 1 > 0\n  message \"type\"\n";            /* rule 4: own error */

/* Runs rule ri of p on input json with the given fuel and memory cap;
 * returns whether it failed and sets *limit to the Vm's flag. */
static bool run_rule(const veto_program *p, uint32_t ri, const char *json, uint64_t fuel,
                     size_t cap, bool *limit, char *err, size_t errlen)
{
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_json(engine, "in.json", json, strlen(json), NULL, d);
    veto_diags_free(d);
    if (!doc)
        return false;
    Arena arena;
    arena_init(&arena, 4096);
    if (cap)
        arena_set_cap(&arena, cap);
    Vm vm;
    bool failed = false;
    if (vm_init(&vm, p, &arena, fuel)) {
        vm.input = doc->root;
        Value ignored;
        failed = !vm_call(&vm, p->rules[ri].func, &ignored);
        *limit = vm.err_limit;
        snprintf(err, errlen, "%s", vm.err);
        /* a later ordinary error (every input has "zero": 0) clears the flag */
        if (failed && *limit) {
            vm.failed = false;
            Value v;
            vm_call(&vm, p->rules[0].func, &v);
            CHECK(vm.failed && !vm.err_limit);
        }
    }
    vm_free(&vm);
    arena_free(&arena);
    veto_doc_free(doc);
    return failed;
}

TEST(limit_errors_are_flagged)
{
    /* {"items": [0, 1, ..., 4999]} */
    static char items[64 * 1024];
    size_t n = (size_t)snprintf(items, sizeof items, "{\"zero\": 0, \"items\": [0");
    for (int i = 1; i < 5000; i++)
        n += (size_t)snprintf(items + n, sizeof items - n, ", %d", i);
    snprintf(items + n, sizeof items - n, "]}");
    veto_program *p = testlib_compile(engine, "limits.veto", policy_src);
    CHECK(p != NULL);
    if (!p)
        return;
    static const struct {
        uint32_t rule;
        const char *input;
        uint64_t fuel;
        size_t cap;
        bool limit;
        const char *says;
    } cases[] = {
        {0, "{\"zero\": 0}", 0, 0, false, "division by zero"},
        {1, "{\"zero\": 0, \"depth\": 100000}", 0, 0, true, "call depth"},
        {2, items, 1000, 0, true, "step budget"},
        {3, items, 0, 64 * 1024, true, "memory cap"},
        {4, "{\"name\": \"x\"}", 0, 0, false, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool limit = !cases[i].limit;
        char err[320] = "";
        bool failed = run_rule(p, cases[i].rule, cases[i].input, cases[i].fuel, cases[i].cap,
                               &limit, err, sizeof err);
        CHECK(failed);
        CHECK_INT(limit, cases[i].limit);
        if (!strstr(err, cases[i].says)) {
            fprintf(stderr, "case %zu: error \"%s\" does not say \"%s\"\n", i, err, cases[i].says);
            CHECK(0);
        }
    }
    veto_program_free(p);
}

int main(void)
{
    engine = veto_engine_new();
    if (!engine)
        return 1;
    RUN(limit_errors_are_flagged);
    veto_engine_free(engine);
    return harness_done();
}
