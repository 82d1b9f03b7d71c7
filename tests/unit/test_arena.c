/* test_arena.c — the arena allocator (engine/base/arena.c) and the KeyTable
 * (engine/vm/keys.c): alignment, cap, reset, realloc and ARENA_GROW. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "harness.h"
#include "vm/value.h"

TEST(alignment)
{
    Arena a;
    arena_init(&a, 256);
    for (size_t n = 0; n < 300; n += 7) {
        char *p = arena_alloc(&a, n);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p & 15u) == 0);
        if (p && n)
            memset(p, 0xAB, n);
    }
    /* big allocations (own chunk) are aligned too */
    char *big = arena_alloc(&a, 100000);
    CHECK(big && ((uintptr_t)big & 15u) == 0);
    CHECK(!a.failed);
    arena_free(&a);
}

TEST(distinct_blocks)
{
    Arena a;
    arena_init(&a, 0);
    char *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = arena_alloc(&a, 24);
        memset(p[i], i, 24);
    }
    for (int i = 0; i < 100; i++)
        for (int j = 0; j < 24; j++)
            CHECK(p[i][j] == (char)i);
    arena_free(&a);
}

TEST(zalloc_strndup)
{
    Arena a;
    arena_init(&a, 0);
    unsigned char *z = arena_zalloc(&a, 100);
    int allzero = 1;
    for (int i = 0; i < 100; i++)
        allzero &= z[i] == 0;
    CHECK(allzero);
    char *s = arena_strndup(&a, "hello world", 5);
    CHECK_STR(s, "hello");
    char *e = arena_strndup(&a, "", 0);
    CHECK_STR(e, "");
    arena_free(&a);
}

TEST(cap_is_sticky)
{
    Arena a;
    arena_init(&a, 1024);
    arena_set_cap(&a, 4096);
    CHECK(arena_alloc(&a, 1000) != NULL);
    CHECK(arena_alloc(&a, 2000) != NULL);
    CHECK(!a.failed);
    CHECK(arena_alloc(&a, 2000) == NULL);
    CHECK(a.failed);
    CHECK(a.over_cap);
    /* a small one may still fit, but the flags stay set */
    CHECK(arena_alloc(&a, 16) != NULL);
    CHECK(a.failed && a.over_cap);
    CHECK(arena_alloc(&a, (size_t)-1) == NULL);
    /* reset starts a new lifetime: flags and accounting cleared */
    arena_reset(&a);
    CHECK(!a.failed && !a.over_cap && a.used == 0);
    CHECK(arena_alloc(&a, 4000) != NULL);
    arena_free(&a);
}

TEST(huge_request_fails_cleanly)
{
    Arena a;
    arena_init(&a, 0);
    CHECK(arena_alloc(&a, (size_t)-1) == NULL);
    CHECK(a.failed);
    CHECK(!a.over_cap);
    CHECK(arena_alloc(&a, (size_t)-1 - 8) == NULL);
    arena_free(&a);
}

TEST(reset_reuses)
{
    Arena a;
    arena_init(&a, 4096);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 1000; i++) {
            int *p = arena_alloc(&a, sizeof(int) * 8);
            CHECK(p != NULL);
            if (p)
                p[7] = i;
        }
        arena_alloc(&a, 1 << 20);
        arena_reset(&a);
        CHECK(a.used == 0);
#ifndef VETO_ARENA_DEBUG
        /* one standard chunk kept */
        CHECK(a.head != NULL);
#endif
    }
    arena_free(&a);
    CHECK(a.head == NULL);
}

TEST(realloc_copies_and_grows)
{
    Arena a;
    arena_init(&a, 4096);
    char *p = arena_alloc(&a, 10);
    memcpy(p, "0123456789", 10);
    char *q = arena_realloc(&a, p, 10, 100);
    CHECK(q != NULL);
    CHECK(memcmp(q, "0123456789", 10) == 0);
#ifndef VETO_ARENA_DEBUG
    CHECK(q == p); /* newest block of head: grown in place */
#endif
    char *r = arena_alloc(&a, 8);
    (void)r;
    char *s = arena_realloc(&a, q, 100, 200);
    CHECK(s != q); /* no longer the newest: copied */
    CHECK(memcmp(s, "0123456789", 10) == 0);
    CHECK(memcmp(q, "0123456789", 10) == 0); /* old stays valid */
    /* shrinking keeps the block */
    CHECK(arena_realloc(&a, s, 200, 50) == s);
    /* NULL p is a plain alloc */
    CHECK(arena_realloc(&a, NULL, 0, 32) != NULL);
    /* growing past the chunk moves to a new block */
    char *t = arena_alloc(&a, 16);
    memset(t, 'x', 16);
    char *u = arena_realloc(&a, t, 16, 100000);
    CHECK(u && u[15] == 'x');
    arena_free(&a);
}

TEST(arena_grow_macro)
{
    Arena a;
    arena_init(&a, 0);
    int *xs = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 100000; i++) {
        ARENA_GROW(&a, xs, n, cap);
        if (!xs)
            break;
        xs[n++] = i;
    }
    CHECK(n == 100000);
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= xs[i] == (int)i;
    CHECK(ok);
#ifndef VETO_ARENA_DEBUG
    /* growth in place means usage stays near the final size, not 2x */
    CHECK(a.used < 100000 * sizeof(int) * 3);
#endif
    arena_free(&a);
}

TEST(grow_respects_cap)
{
    Arena a;
    arena_init(&a, 1024);
    arena_set_cap(&a, 1000);
    char *p = arena_alloc(&a, 100);
    CHECK(p != NULL);
    CHECK(arena_realloc(&a, p, 100, 5000) == NULL);
    CHECK(a.failed && a.over_cap);
    arena_free(&a);
}

TEST(keys_basic)
{
    KeyTable *t = keys_new();
    CHECK(t != NULL);
    CHECK(keys_count(t) == 0);
    CHECK(keys_lookup(t, "type", 4) == 0);
    uint32_t a = keys_intern(t, "type", 4);
    uint32_t b = keys_intern(t, "after", 5);
    CHECK(a == 1);
    CHECK(b == 2);
    CHECK(keys_intern(t, "type", 4) == 1);
    CHECK(keys_lookup(t, "type", 4) == 1);
    CHECK(keys_lookup(t, "typ", 3) == 0);
    CHECK(keys_lookup(t, "types", 5) == 0);
    uint32_t e = keys_intern(t, "", 0);
    CHECK(e == 3);
    CHECK(keys_lookup(t, "", 0) == 3);
    uint32_t len = 99;
    CHECK_STR(keys_text(t, 2, &len), "after");
    CHECK(len == 5);
    CHECK(keys_text(t, 0, &len) == NULL);
    CHECK(keys_text(t, 4, &len) == NULL);
    /* embedded NUL is part of the key */
    uint32_t z = keys_intern(t, "a\0b", 3);
    CHECK(z == 4 && keys_lookup(t, "a\0c", 3) == 0 && keys_lookup(t, "a\0b", 3) == 4);
    CHECK(keys_lookup(NULL, "x", 1) == 0);
    keys_free(t);
    keys_free(NULL);
}

TEST(keys_many)
{
    KeyTable *t = keys_new();
    char buf[32];
    for (int i = 0; i < 50000; i++) {
        int n = snprintf(buf, sizeof buf, "key_%d", i);
        CHECK_INT(keys_intern(t, buf, (size_t)n), i + 1);
    }
    CHECK(keys_count(t) == 50000);
    int ok = 1;
    for (int i = 0; i < 50000; i++) {
        int n = snprintf(buf, sizeof buf, "key_%d", i);
        ok &= keys_lookup(t, buf, (size_t)n) == (uint32_t)i + 1;
        uint32_t len;
        const char *s = keys_text(t, (uint32_t)i + 1, &len);
        ok &= s && len == (uint32_t)n && memcmp(s, buf, len) == 0;
    }
    CHECK(ok);
    CHECK(keys_lookup(t, "key_50000", 9) == 0);
    keys_free(t);
}

int main(void)
{
    RUN(alignment);
    RUN(distinct_blocks);
    RUN(zalloc_strndup);
    RUN(cap_is_sticky);
    RUN(huge_request_fails_cleanly);
    RUN(reset_reuses);
    RUN(realloc_copies_and_grows);
    RUN(arena_grow_macro);
    RUN(grow_respects_cap);
    RUN(keys_basic);
    RUN(keys_many);
    return harness_done();
}
