/* arena.h — bump allocation for compile and evaluation lifetimes.
 *
 * An Arena owns every block it hands out; nothing is freed one by one.
 * arena_reset() makes all earlier allocations invalid at once and keeps
 * the first chunk for reuse; arena_free() returns everything.
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

typedef struct Arena {
    ArenaChunk *head;  /* newest chunk; allocation happens at its end */
    size_t used;       /* bytes handed out since init/reset (cap accounting) */
    size_t cap;        /* 0 = unlimited; else allocations past cap fail */
    size_t chunk_size; /* default size of a new chunk */
    int failed;        /* sticky: set when an allocation failed */
    int over_cap;      /* sticky: the failure was the cap, not malloc */
} Arena;

void arena_init(Arena *a, size_t chunk_size);
void arena_set_cap(Arena *a, size_t cap_bytes);
void *arena_alloc(Arena *a, size_t n);  /* 16-byte aligned, uninitialised */
void *arena_zalloc(Arena *a, size_t n); /* zero-filled */
void *arena_realloc(Arena *a, void *p, size_t old_n, size_t new_n); /* copies; old stays valid */
char *arena_strndup(Arena *a, const char *s, size_t n);             /* NUL-terminated copy */
void arena_reset(Arena *a);
void arena_free(Arena *a);

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
