/* test_arena_buf.c — arenas whose first chunk is the caller's buffer
 * (arena_init_buf): blocks come from the buffer until it is full, then
 * from malloc'd chunks; reset keeps the buffer; free never frees it; the
 * cap and the alignment hold as for any arena. Under VETO_ARENA_DEBUG the
 * buffer is ignored (every block is its own malloc), so the checks that
 * a block lies in the buffer apply only to the normal build. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "harness.h"

static int in_buf(const void *p, const unsigned char *buf, size_t n)
{
    return (const unsigned char *)p >= buf && (const unsigned char *)p < buf + n;
}

TEST(blocks_come_from_the_buffer_first)
{
    _Alignas(16) unsigned char buf[1024];
    Arena a;
    arena_init_buf(&a, buf, sizeof buf, 4096);
    char *p[40];
    int inside = 0;
    for (int i = 0; i < 40; i++) {
        p[i] = arena_alloc(&a, 100);
        CHECK(p[i] != NULL);
        CHECK(((uintptr_t)p[i] & 15u) == 0);
        memset(p[i], 'a' + i % 26, 100);
        inside += in_buf(p[i], buf, sizeof buf);
    }
#ifndef VETO_ARENA_DEBUG
    /* 1024 bytes less the chunk header hold eight 112-byte blocks; the
     * rest went to malloc'd chunks */
    CHECK(in_buf(p[0], buf, sizeof buf));
    CHECK_INT(inside, 8);
    CHECK(!in_buf(p[39], buf, sizeof buf));
#else
    CHECK_INT(inside, 0);
#endif
    for (int i = 0; i < 40; i++) {
        int intact = 1;
        for (int j = 0; j < 100; j++)
            intact &= p[i][j] == 'a' + i % 26;
        CHECK(intact);
    }
    CHECK(!a.failed);
    arena_free(&a); /* must not free buf: the process would abort */
    CHECK(a.head == NULL);
}

TEST(reset_keeps_the_buffer)
{
    _Alignas(16) unsigned char buf[512];
    Arena a;
    arena_init_buf(&a, buf, sizeof buf, 1024);
    for (int round = 0; round < 3; round++) {
        char *first = arena_alloc(&a, 32);
        CHECK(first != NULL);
#ifndef VETO_ARENA_DEBUG
        CHECK(in_buf(first, buf, sizeof buf));
#endif
        for (int i = 0; i < 50; i++) /* well past the buffer */
            CHECK(arena_alloc(&a, 64) != NULL);
        CHECK(arena_alloc(&a, 5000) != NULL); /* a dedicated chunk */
        arena_reset(&a);
        CHECK(a.used == 0 && !a.failed);
    }
    arena_free(&a);
}

TEST(big_block_keeps_the_buffer_as_head)
{
    _Alignas(16) unsigned char buf[1024];
    Arena a;
    arena_init_buf(&a, buf, sizeof buf, 1024);
    char *s1 = arena_alloc(&a, 16);
    char *big = arena_alloc(&a, 4000); /* over chunk_size / 4: its own chunk */
    char *s2 = arena_alloc(&a, 16);
    CHECK(s1 && big && s2);
    CHECK(!in_buf(big, buf, sizeof buf));
#ifndef VETO_ARENA_DEBUG
    /* the buffer's free tail is still used after the big block */
    CHECK(in_buf(s2, buf, sizeof buf));
    CHECK(s2 == s1 + 16);
#endif
    memset(big, 0x5A, 4000);
    arena_free(&a);
}

TEST(unaligned_and_tiny_buffers)
{
    _Alignas(16) unsigned char buf[600];
    Arena a;
    arena_init_buf(&a, buf + 3, sizeof buf - 3, 0);
    char *p = arena_alloc(&a, 10);
    CHECK(p != NULL && ((uintptr_t)p & 15u) == 0);
#ifndef VETO_ARENA_DEBUG
    CHECK(in_buf(p, buf, sizeof buf));
#endif
    arena_free(&a);
    /* too small to hold a chunk header: ignored, the arena still works */
    arena_init_buf(&a, buf, 8, 0);
    p = arena_alloc(&a, 10);
    CHECK(p != NULL && !in_buf(p, buf, sizeof buf));
    arena_free(&a);
    arena_init_buf(&a, NULL, 4096, 0);
    CHECK(arena_alloc(&a, 10) != NULL);
    arena_free(&a);
}

TEST(cap_counts_buffer_blocks)
{
    _Alignas(16) unsigned char buf[2048];
    Arena a;
    arena_init_buf(&a, buf, sizeof buf, 0);
    arena_set_cap(&a, 256);
    CHECK(arena_alloc(&a, 200) != NULL);
    CHECK(arena_alloc(&a, 100) == NULL); /* fits the buffer, not the cap */
    CHECK(a.failed && a.over_cap);
    arena_reset(&a);
    CHECK(!a.failed);
    CHECK(arena_alloc(&a, 100) != NULL);
    arena_free(&a);
}

TEST(realloc_in_the_buffer)
{
    _Alignas(16) unsigned char buf[1024];
    Arena a;
    arena_init_buf(&a, buf, sizeof buf, 0);
    char *p = arena_alloc(&a, 32);
    memcpy(p, "0123456789abcdef0123456789abcdef", 32);
    char *q = arena_realloc(&a, p, 32, 64);
#ifndef VETO_ARENA_DEBUG
    CHECK(q == p); /* the newest block grows where it lies */
#endif
    char *r = arena_realloc(&a, q, 64, 4000); /* cannot stay: copied out */
    CHECK(r != NULL && memcmp(r, "0123456789abcdef0123456789abcdef", 32) == 0);
    arena_free(&a);
}

int main(void)
{
    RUN(blocks_come_from_the_buffer_first);
    RUN(reset_keeps_the_buffer);
    RUN(big_block_keeps_the_buffer_as_head);
    RUN(unaligned_and_tiny_buffers);
    RUN(cap_counts_buffer_blocks);
    RUN(realloc_in_the_buffer);
    return harness_done();
}
