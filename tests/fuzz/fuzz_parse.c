/* fuzz_parse.c — libFuzzer target: lexer + parser + ast_dump + diagnostic
 * rendering on arbitrary bytes, a fresh arena per input.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iengine -Ibuild/gen ... */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "lang/ast.h"
#include "lang/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Source *src = source_new("fuzz.veto", (const char *)data, size);
    if (!src)
        return 0;
    Arena arena;
    arena_init(&arena, 0);
    DiagList diags = {0};
    AstNode *root = parse_source(&arena, src, &diags);
    /* A tree comes back exactly when nothing was reported. */
    if ((root != NULL) != (diags.errors == 0) && !arena.failed)
        abort();
    if (root) {
        Buf b = BUF_INIT;
        ast_dump(&b, root);
        buf_free(&b);
    }
    char *text = diag_render(&diags, 1);
    free(text);
    diag_clear(&diags);
    arena_free(&arena);
    source_free(src);
    return 0;
}
