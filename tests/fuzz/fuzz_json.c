/* fuzz_json.c — libFuzzer target: json_read on arbitrary bytes; when it
 * accepts, json_write -> json_read again -> value_equal, and writing the
 * re-read value must give byte-identical text (the writer is canonical).
 * Also checks the error contract on rejection and exercises the pretty,
 * sorted and redacting writer modes. Fresh arenas per input.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iengine -Ibuild/gen
 *     tests/fuzz/fuzz_json.c engine/input/json_read.c engine/vm/json_write.c
 *     engine/vm/value.c engine/base/arena.c engine/vm/keys.c engine/base/buf.c ...
 * (tests/fuzz/run.sh links every engine object; `sh tests/fuzz/run.sh 90
 * fuzz_json` builds and runs this target alone.) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "input/json_read.h"
#include "vm/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static KeyTable *fuzz_keys;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_keys) { /* a few interned keys so kid tagging and dedup by kid run */
        fuzz_keys = keys_new();
        static const char *const ks[] = {"a", "b", "after", "tags", "resource_changes", ""};
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
    JsonReadOptions opt = {0, fuzz_keys};
    Value v1, v2;
    JsonError err;
    if (!json_read(&a1, in, size, &opt, &v1, &err)) {
        if (v1.kind != V_UNDEF || err.line == 0 || err.col == 0 || err.offset > size ||
            err.message[0] == '\0')
            abort();
        goto out;
    }
    Buf b1 = BUF_INIT, b2 = BUF_INIT;
    json_write(&b1, v1, 0);
    if (b1.failed)
        abort();
    if (!json_read(&a2, b1.p, b1.len, &opt, &v2, &err))
        abort(); /* the writer produced text the reader rejects */
    if (!value_equal(v1, v2))
        abort();
    json_write(&b2, v2, 0);
    if (b1.len != b2.len || memcmp(b1.p, b2.p, b1.len) != 0)
        abort();

    /* the other modes must also produce JSON the reader accepts */
    static const unsigned modes[] = {JSON_PRETTY, JSON_SORT_KEYS, JSON_PRETTY | JSON_SORT_KEYS};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        Buf b3 = BUF_INIT;
        json_write(&b3, v1, modes[i]);
        arena_reset(&a2);
        if (!json_read(&a2, b3.p, b3.len, &opt, &v2, &err) || !value_equal(v1, v2))
            abort();
        buf_free(&b3);
    }
    v1.flags |= VF_SENSITIVE;
    buf_reset(&b2);
    json_write(&b2, v1, JSON_REDACT);
    if (strcmp(b2.p, "\"" REDACTED_MARKER "\"") != 0)
        abort();
    buf_free(&b1);
    buf_free(&b2);
out:
    arena_free(&a1);
    arena_free(&a2);
    free(in);
    return 0;
}
