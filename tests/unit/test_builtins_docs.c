/* test_builtins_docs.c — runs the examples in docs/STDLIB.md against the
 * builtins directly, so the docs cannot drift from the C code.
 *
 * Each `veto-examples` line is `NAME(ARGS)  ==> EXPECTED`. When ARGS are
 * JSON literals (after `[][0]`, the docs' spelling of undefined, becomes
 * "$undef") the builtin is called and its compact JSON compared with
 * EXPECTED re-printed the same way; other lines (real expressions) are
 * left to the language-level doc runner. Every builtin must have at least
 * one example. Run from the repository root (or tests/unit, or build/tests).
 */
#include <stdio.h>

#include "builtins_testlib.h"

static char *docs_read(const char *name)
{
    char paths[3][64];
    snprintf(paths[0], sizeof paths[0], "docs/%s", name);
    snprintf(paths[1], sizeof paths[1], "../docs/%s", name);
    snprintf(paths[2], sizeof paths[2], "../../docs/%s", name);
    for (size_t k = 0; k < 3; k++) {
        FILE *f = fopen(paths[k], "rb");
        if (!f)
            continue;
        static char buf[1 << 18];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        return buf;
    }
    return NULL;
}

/* Parses JSON without exiting on failure (for "is this line JSON?"). */
static int docs_try_json(const char *text, size_t n, Value *out)
{
    char *copy = arena_strndup(&tl_arena, text, n);
    JsonError err;
    if (!json_read(&tl_arena, copy, n, NULL, out, &err))
        return 0;
    *out = tl_fix(*out);
    return 1;
}

static int docs_checked, docs_skipped;
static unsigned char docs_seen[512];

static void docs_line(const char *line, size_t len)
{
    const char *arrow = strstr(line, "  ==> ");
    if (!arrow || arrow > line + len)
        return;
    const char *open = memchr(line, '(', (size_t)(arrow - line));
    const char *close = arrow;
    while (close > line && close[-1] == ' ')
        close--;
    if (!open || close[-1] != ')') {
        docs_skipped++;
        return;
    }
    char name[64];
    size_t nl = (size_t)(open - line);
    if (nl >= sizeof name)
        return;
    memcpy(name, line, nl);
    name[nl] = '\0';
    const BuiltinDef *def = builtin_find(name, nl);
    if (def)
        docs_seen[builtin_index(def)] = 1;
    /* Taint lives in the VM (flags the JSON round trip here cannot carry),
     * and expressions that are not one call belong to the doc runner. */
    if (memmem(line, len, "sensitive", 9) ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") != nl) {
        docs_skipped++;
        return;
    }
    /* "[" ARGS "]" with the undefined spelling replaced */
    char args[4096];
    size_t o = 0;
    args[o++] = '[';
    for (const char *p = open + 1; p < close - 1 && o < sizeof args - 16; p++) {
        if (strncmp(p, "[][0]", 5) == 0) {
            memcpy(args + o, "\"$undef\"", 8);
            o += 8;
            p += 4;
        } else {
            args[o++] = *p;
        }
    }
    args[o++] = ']';
    Value av, want;
    const char *exp = arrow + 6;
    size_t el = len - (size_t)(exp - line);
    if (!docs_try_json(args, o, &av)) {
        docs_skipped++;
        return;
    }
    static char wanttext[1 << 16];
    if (el >= 6 && memcmp(exp, "error:", 6) == 0) {
        docs_skipped++; /* error examples: tests/run-doc-examples.sh checks them */
        return;
    }
    if (el == 9 && memcmp(exp, "undefined", 9) == 0) {
        strcpy(wanttext, "undefined");
    } else if (docs_try_json(exp, el, &want)) {
        snprintf(wanttext, sizeof wanttext, "%s", tl_show(want));
    } else {
        fprintf(stderr, "STDLIB.md: expected value is not JSON: %.*s\n", (int)len, line);
        harness_record(0);
        return;
    }
    const char *got = tl_call_v(name, av, 1, NULL);
    int ok = strcmp(got, wanttext) == 0;
    if (!ok)
        fprintf(stderr, "STDLIB.md: %.*s\n    got %s\n", (int)len, line, got);
    harness_record(ok);
    docs_checked++;
}

/* The tf module's builtins are documented with the module, in TF.md, whose
 * examples need a plan as input: tests/run-doc-examples.sh runs them. Here
 * they only count as documented. */
static void docs_mark_tf(void)
{
    char *doc = docs_read("TF.md");
    if (!doc)
        return;
    for (uint32_t k = 0; k < builtin_count(); k++) {
        const char *name = builtin_at(k)->name;
        char call[80];
        snprintf(call, sizeof call, "%s(", name);
        if (strncmp(name, "tf.", 3) == 0 && strstr(doc, call))
            docs_seen[k] = 1;
    }
}

TEST(stdlib_md_examples)
{
    docs_mark_tf();
    char *doc = docs_read("STDLIB.md");
    CHECK(doc != NULL);
    if (!doc)
        return;
    int in_block = 0;
    for (char *p = doc; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, "```veto-examples", 16) == 0)
            in_block = 1;
        else if (strncmp(p, "```", 3) == 0)
            in_block = 0;
        else if (in_block && len > 0)
            docs_line(p, len);
        p += len + (nl ? 1 : 0);
    }
    for (uint32_t k = 0; k < builtin_count(); k++) {
        int ok = docs_seen[k];
        if (!ok)
            fprintf(stderr, "STDLIB.md: no example for %s\n", builtin_at(k)->name);
        harness_record(ok);
    }
    fprintf(stderr, "test_builtins_docs: %d examples checked, %d left to the doc runner\n",
            docs_checked, docs_skipped);
}

int main(void)
{
    tl_init();
    RUN(stdlib_md_examples);
    tl_done();
    return harness_done();
}
