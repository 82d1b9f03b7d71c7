/* arena.c — chunked bump allocator; see arena.h.
 *
 * Owns: the chunk list of an Arena, its byte-cap accounting and the sticky
 * failure flags. Does not own: what callers build in the memory.
 *
 * Layout: `head` is the chunk allocations bump into. A request larger than
 * a quarter of chunk_size gets a dedicated chunk linked *behind* head, so
 * one big array does not waste the rest of the current chunk. Every block
 * handed out is rounded up to 16 bytes, which keeps the next one aligned
 * and lets arena_realloc recognise "p is the newest block in head" by
 * address arithmetic alone (that is what makes ARENA_GROW amortised O(1)
 * without copying when nothing else was allocated in between).
 *
 * A chunk may be the caller's buffer (arena_init_buf): always the oldest,
 * flagged `borrowed`, and never freed here.
 *
 * With VETO_ARENA_DEBUG each allocation is its own malloc'd chunk and
 * reset frees them all, so ASan reports use-after-reset and overflows
 * between neighbouring objects that a bump allocator would hide.
 */
#include "base/arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN         16u
#define ARENA_DEFAULT_CHUNK (64u * 1024u)

_Static_assert(sizeof(ArenaChunk) % ARENA_ALIGN == 0, "chunk header must keep data aligned");

/* Rounds n up to the alignment; 0 on overflow (callers treat as failure). */
static size_t arena_round(size_t n)
{
    if (n == 0)
        n = 1; /* distinct non-NULL pointers even for empty requests */
    if (n > (size_t)-1 - ARENA_ALIGN)
        return 0;
    return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

static ArenaChunk *arena_chunk_new(size_t size)
{
    if (size > (size_t)-1 - sizeof(ArenaChunk))
        return NULL;
    ArenaChunk *c = malloc(sizeof(ArenaChunk) + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    c->borrowed = 0;
    return c;
}

void arena_init(Arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->used = 0;
    a->cap = 0;
    a->chunk_size = chunk_size ? arena_round(chunk_size) : ARENA_DEFAULT_CHUNK;
    a->failed = 0;
    a->over_cap = 0;
}

void arena_init_buf(Arena *a, void *buf, size_t size, size_t chunk_size)
{
    arena_init(a, chunk_size);
#ifndef VETO_ARENA_DEBUG
    uintptr_t at = ((uintptr_t)buf + (ARENA_ALIGN - 1)) & ~(uintptr_t)(ARENA_ALIGN - 1);
    size_t skip = (size_t)(at - (uintptr_t)buf);
    if (!buf || size < skip + sizeof(ArenaChunk) + ARENA_ALIGN)
        return; /* too small to hold anything: plain malloc'd chunks */
    ArenaChunk *c = (ArenaChunk *)at;
    c->next = NULL;
    c->size = (size - skip - sizeof(ArenaChunk)) & ~(size_t)(ARENA_ALIGN - 1);
    c->used = 0;
    c->borrowed = 1;
    a->head = c;
#else
    (void)buf;
    (void)size;
#endif
}

void arena_set_cap(Arena *a, size_t cap_bytes) { a->cap = cap_bytes; }

/* Charges `n` bytes against the cap; false (and sticky flags) when over. */
static int arena_charge(Arena *a, size_t n)
{
    if (a->cap && (n > a->cap || a->used > a->cap - n)) {
        a->failed = 1;
        a->over_cap = 1;
        return 0;
    }
    a->used += n;
    return 1;
}

void *arena_alloc_slow(Arena *a, size_t n)
{
    size_t need = arena_round(n);
    if (need == 0) {
        a->failed = 1;
        return NULL;
    }
    if (!arena_charge(a, need))
        return NULL;

#ifdef VETO_ARENA_DEBUG
    /* Exact size (not rounded) so ASan sees overflows past n. */
    ArenaChunk *d = arena_chunk_new(n ? n : 1);
    if (!d) {
        a->used -= need;
        a->failed = 1;
        return NULL;
    }
    d->used = d->size;
    d->next = a->head;
    a->head = d;
    return d->data;
#else
    ArenaChunk *h = a->head;
    if (h && h->size - h->used >= need) {
        void *p = h->data + h->used;
        h->used += need;
        return p;
    }
    if (need > a->chunk_size / 4) {
        /* Dedicated chunk, linked behind head so head keeps its free tail. */
        ArenaChunk *big = arena_chunk_new(need);
        if (!big) {
            a->used -= need;
            a->failed = 1;
            return NULL;
        }
        big->used = need;
        if (h) {
            big->next = h->next;
            h->next = big;
        } else {
            a->head = big;
        }
        return big->data;
    }
    ArenaChunk *c = arena_chunk_new(a->chunk_size);
    if (!c) {
        a->used -= need;
        a->failed = 1;
        return NULL;
    }
    c->next = h;
    a->head = c;
    c->used = need;
    return c->data;
#endif
}

void *arena_zalloc(Arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *arena_realloc(Arena *a, void *p, size_t old_n, size_t new_n)
{
    if (!p)
        return arena_alloc(a, new_n);
    if (new_n <= old_n)
        return p;
#ifndef VETO_ARENA_DEBUG
    ArenaChunk *h = a->head;
    size_t old_r = arena_round(old_n), new_r = arena_round(new_n);
    if (h && new_r && (unsigned char *)p + old_r == h->data + h->used &&
        h->size - (h->used - old_r) >= new_r) {
        /* p is the newest block of head: extend it where it lies. */
        if (!arena_charge(a, new_r - old_r))
            return NULL;
        h->used += new_r - old_r;
        return p;
    }
#endif
    void *q = arena_alloc(a, new_n);
    if (q && old_n)
        memcpy(q, p, old_n);
    return q;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    if (n == (size_t)-1) {
        a->failed = 1;
        return NULL;
    }
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Reset also clears `failed`/`over_cap`: the flags describe the lifetime
 * that just ended, and the next evaluation starts clean. */
void arena_reset(Arena *a)
{
    ArenaChunk *keep = NULL;
#ifndef VETO_ARENA_DEBUG
    /* Keep the caller's buffer, else the oldest standard-size chunk: the
     * one a fresh arena would allocate first, so a reset-per-evaluation
     * loop stops calling malloc. */
    for (ArenaChunk *c = a->head; c; c = c->next) {
        if (c->borrowed) {
            keep = c;
            break;
        }
        if (c->size == a->chunk_size)
            keep = c;
    }
#endif
    ArenaChunk *c = a->head;
    while (c) {
        ArenaChunk *next = c->next;
        if (c != keep && !c->borrowed)
            free(c);
        c = next;
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->used = 0;
    a->failed = 0;
    a->over_cap = 0;
}

void arena_free(Arena *a)
{
    ArenaChunk *c = a->head;
    while (c) {
        ArenaChunk *next = c->next;
        if (!c->borrowed)
            free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}
