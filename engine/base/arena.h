/* arena.h — bump allocation for compile and evaluation lifetimes.
 *
 * An Arena owns every block it hands out; nothing is freed one by one.
 * arena_reset() makes all earlier allocations invalid at once and keeps
 * the first chunk for reuse; arena_free() returns everything (but a
 * caller's buffer given to arena_init_buf, which stays the caller's).
 *
 * Out of memory (malloc failing or the optional byte cap being passed)
 * returns NULL and sets the sticky `failed` flag: callers check the flag
 * at phase boundaries instead of after every allocation.
 *
 * Built with -DVETO_ARENA_DEBUG every allocation is its own malloc, so
 * AddressSanitizer catches use-after-reset and overflows between objects.
 */
#ifndef VETO_ARENA_H
#define VETO_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct ArenaChunk ArenaChunk;

/* A chunk: a header and the bytes blocks are bumped from (arena.c says
 * how chunks are chained). Here so that arena_alloc's common case can be
 * inlined; only arena.c changes chunks otherwise. */
struct ArenaChunk {
    ArenaChunk *next; /* older chunk */
    size_t size;      /* usable bytes in data[] */
    size_t used;      /* bytes bumped so far */
    size_t borrowed;  /* 1: the caller's buffer (arena_init_buf), never freed here;
                         also keeps data[] at a 16-byte offset */
    unsigned char data[];
};

typedef struct Arena {
    ArenaChunk *head;  /* newest chunk; allocation happens at its end */
    size_t used;       /* bytes handed out since init/reset (cap accounting) */
    size_t cap;        /* 0 = unlimited; else allocations past cap fail */
    size_t chunk_size; /* default size of a new chunk */
    int failed;        /* sticky: set when an allocation failed */
    int over_cap;      /* sticky: the failure was the cap, not malloc */
} Arena;

void arena_init(Arena *a, size_t chunk_size);
/* arena_init, with buf[0..size) as the first chunk, so a small lifetime
 * (one decision, one evaluation on the stack) needs no malloc at all.
 * buf is borrowed: arena_reset keeps it as the one chunk it keeps, and
 * arena_free leaves it alone; it must outlive every use of the arena.
 * Ignored under VETO_ARENA_DEBUG (every allocation is its own malloc). */
void arena_init_buf(Arena *a, void *buf, size_t size, size_t chunk_size);
void arena_set_cap(Arena *a, size_t cap_bytes);
void *arena_alloc_slow(Arena *a, size_t n); /* arena_alloc's general case: call arena_alloc */
void *arena_zalloc(Arena *a, size_t n);     /* zero-filled */
void *arena_realloc(Arena *a, void *p, size_t old_n, size_t new_n); /* copies; old stays valid */
char *arena_strndup(Arena *a, const char *s, size_t n);             /* NUL-terminated copy */
void arena_reset(Arena *a);
void arena_free(Arena *a);

/* n bytes, 16-byte aligned, uninitialised. A small block that fits the
 * newest chunk (and the cap) is bumped here, inline: evaluation allocates
 * little and often. Everything else, and every block under
 * VETO_ARENA_DEBUG, goes through arena_alloc_slow. */
static inline void *arena_alloc(Arena *a, size_t n)
{
#ifndef VETO_ARENA_DEBUG
    ArenaChunk *h = a->head;
    if (h && n - 1 < 4096) { /* 1..4096: rounding cannot overflow */
        size_t need = (n + 15) & ~(size_t)15;
        if (h->size - h->used >= need && (!a->cap || a->used + need <= a->cap)) {
            void *p = h->data + h->used;
            h->used += need;
            a->used += need;
            return p;
        }
    }
#endif
    return arena_alloc_slow(a, n);
}

/* A growable array of pointers or small structs living in an arena. */
#define ARENA_GROW(arena, ptr, count, capacity)                                                    \
    do {                                                                                           \
        if ((count) >= (capacity)) {                                                               \
            size_t new_cap__ = (capacity) ? (capacity)*2 : 8;                                      \
            (ptr) = arena_realloc((arena), (ptr), (capacity) * sizeof(*(ptr)),                     \
                                  new_cap__ * sizeof(*(ptr)));                                     \
            (capacity) = (ptr) ? new_cap__ : 0;                                                    \
        }                                                                                          \
    } while (0)

#endif
