/* fuzz_yaml.c — libFuzzer target: yaml_read on arbitrary bytes.
 *
 * On rejection the error contract must hold (undefined result, 1-based
 * line and column, a message). On acceptance the value must write as JSON
 * that the JSON reader accepts, the always_array mode must agree on the
 * number of documents, and input-kind detection must answer. Small limits
 * (depth 64, 20,000 alias nodes) keep each run fast while still reaching
 * the bounds. Fresh arenas per input.
 *
 *   sh tests/fuzz/run.sh 60 fuzz_yaml     builds and runs this target alone;
 * its seeds are the YAML and JSON files of examples/ and tests/golden/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "input/input_kind.h"
#include "input/json_read.h"
#include "input/yaml_read.h"
#include "vm/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static KeyTable *fuzz_keys;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_keys) {
        fuzz_keys = keys_new();
        static const char *const ks[] = {"apiVersion", "kind", "metadata", "spec", "a", "<<"};
        for (size_t i = 0; i < sizeof ks / sizeof *ks; i++)
            keys_intern(fuzz_keys, ks[i], strlen(ks[i]));
    }
    /* A private copy of exactly size bytes so ASan sees any over-read. */
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);

    Arena a1, a2;
    arena_init(&a1, 0);
    arena_init(&a2, 0);
    arena_set_cap(&a1, 64u << 20);
    YamlReadOptions opt = {64, 20000, fuzz_keys, false};
    Value v;
    YamlError err;
    uint32_t ndocs = 0;
    bool ok = yaml_read(&a1, in, size, &opt, &v, &ndocs, &err);
    if (!ok) {
        if (v.kind != V_UNDEF || err.line == 0 || err.col == 0 || err.message[0] == '\0')
            abort();
        goto out;
    }
    (void)input_kind_detect(v, ndocs);
    Buf b = BUF_INIT;
    json_write(&b, v, JSON_SORT_KEYS);
    if (b.failed)
        abort();
    Value back;
    JsonError jerr;
    JsonReadOptions jo = {0, fuzz_keys};
    if (!json_read(&a2, b.p, b.len, &jo, &back, &jerr))
        abort(); /* YAML values must always be writable as valid JSON */

    /* the same text read as an array of documents */
    arena_reset(&a2);
    opt.always_array = true;
    Value all;
    uint32_t ndocs2 = 0;
    if (!yaml_read(&a2, in, size, &opt, &all, &ndocs2, &err))
        abort();
    if (all.kind != V_ARR || all.n != ndocs || ndocs2 != ndocs)
        abort();
    if (ndocs == 1) { /* compared as text: a NaN is not equal to itself */
        Buf b2 = BUF_INIT;
        json_write(&b2, all.u.a[0], JSON_SORT_KEYS);
        if (b2.len != b.len || memcmp(b2.p, b.p, b.len) != 0)
            abort();
        buf_free(&b2);
    }
    buf_free(&b);
out:
    arena_free(&a1);
    arena_free(&a2);
    free(in);
    return 0;
}
