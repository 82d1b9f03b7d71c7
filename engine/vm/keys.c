/* keys.c — the KeyTable of value.h: interned object-key strings -> ids.
 *
 * Owns: copies of every interned key text and the hash index over them.
 * Does not own: the Members that carry the ids.
 *
 * Append-only: ids are dense (1..count) and never change, so they can be
 * baked into compiled programs. keys_lookup() runs once per object key of
 * every input document, so the index is open addressing with linear
 * probing over a power-of-two array of (hash, id) pairs kept at most half
 * full: a miss usually costs one probe and a hit one memcmp. The full
 * 32-bit hash is stored in the slot so unequal keys rarely reach memcmp.
 * Each table also gets a process-unique serial (keys.h), so caches of ids
 * can tell it from a later table at the same address in O(1).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "vm/keys.h"

typedef struct KeySlot {
    uint32_t hash; /* full hash of the key, to skip memcmp on mismatch */
    uint32_t id;   /* 0 = empty slot */
} KeySlot;

typedef struct KeyEntry {
    char *text;   /* owned, NUL-terminated copy */
    uint32_t len; /* bytes, excluding the NUL */
} KeyEntry;

struct KeyTable {
    KeySlot *slots;    /* mask + 1 slots */
    uint32_t mask;     /* slot count - 1 (power of two) */
    KeyEntry *entries; /* entries[id - 1] */
    uint32_t count;    /* ids handed out */
    uint32_t cap;      /* entries allocated */
    uint64_t serial;   /* keys_serial: unique in the process, set once */
};

/* The last serial handed out. Tables may be made on several threads at
 * once (one engine each), hence atomic; 64 bits never wrap. */
static _Atomic uint64_t keys_last_serial;

/* FNV-1a over 32 bits: short keys dominate ("type", "after", "tags"), and
 * for those a byte loop beats wider hashes' setup cost. */
static uint32_t keys_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

KeyTable *keys_new(void)
{
    KeyTable *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->mask = 63;
    t->slots = calloc((size_t)t->mask + 1, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    t->serial = atomic_fetch_add_explicit(&keys_last_serial, 1, memory_order_relaxed) + 1;
    return t;
}

void keys_free(KeyTable *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->count; i++)
        free(t->entries[i].text);
    free(t->entries);
    free(t->slots);
    free(t);
}

uint32_t keys_lookup(const KeyTable *t, const char *s, size_t len)
{
    if (!t || len > UINT32_MAX)
        return 0;
    uint32_t h = keys_hash(s, len);
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        KeySlot sl = t->slots[i];
        if (sl.id == 0)
            return 0;
        if (sl.hash == h) {
            const KeyEntry *e = &t->entries[sl.id - 1];
            if (e->len == len && memcmp(e->text, s, len) == 0)
                return sl.id;
        }
    }
}

/* Doubles the slot array; false on OOM (the table stays usable). */
static int keys_grow(KeyTable *t)
{
    uint32_t nmask = t->mask * 2 + 1;
    KeySlot *ns = calloc((size_t)nmask + 1, sizeof *ns);
    if (!ns)
        return 0;
    for (uint32_t i = 0; i <= t->mask; i++) {
        KeySlot sl = t->slots[i];
        if (!sl.id)
            continue;
        uint32_t j = sl.hash & nmask;
        while (ns[j].id)
            j = (j + 1) & nmask;
        ns[j] = sl;
    }
    free(t->slots);
    t->slots = ns;
    t->mask = nmask;
    return 1;
}

uint32_t keys_intern(KeyTable *t, const char *s, size_t len)
{
    if (!t || len >= UINT32_MAX)
        return 0;
    uint32_t found = keys_lookup(t, s, len);
    if (found)
        return found;
    if (t->count == UINT32_MAX - 1)
        return 0;
    /* Keep load <= 1/2 so probe chains stay short. */
    if ((t->count + 1) * 2 > t->mask + 1 && !keys_grow(t))
        return 0;
    if (t->count == t->cap) {
        uint32_t ncap = t->cap ? t->cap * 2 : 64;
        KeyEntry *ne = realloc(t->entries, (size_t)ncap * sizeof *ne);
        if (!ne)
            return 0;
        t->entries = ne;
        t->cap = ncap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return 0;
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    t->entries[t->count].text = copy;
    t->entries[t->count].len = (uint32_t)len;
    uint32_t id = ++t->count;

    uint32_t h = keys_hash(s, len);
    uint32_t i = h & t->mask;
    while (t->slots[i].id)
        i = (i + 1) & t->mask;
    t->slots[i].hash = h;
    t->slots[i].id = id;
    return id;
}

const char *keys_text(const KeyTable *t, uint32_t id, uint32_t *len_out)
{
    if (!t || id == 0 || id > t->count) {
        if (len_out)
            *len_out = 0;
        return NULL;
    }
    if (len_out)
        *len_out = t->entries[id - 1].len;
    return t->entries[id - 1].text;
}

uint32_t keys_count(const KeyTable *t) { return t ? t->count : 0; }

uint64_t keys_serial(const KeyTable *t) { return t ? t->serial : 0; }
