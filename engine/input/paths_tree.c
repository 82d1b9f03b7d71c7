/* paths_tree.c — the operations on path trees of paths_tree.h: freeing,
 * walking (the projecting reader's lookups), describing, comparing and
 * copying values along a tree. Building one is gate/paths.c's analysis.
 */
#include "input/paths_tree.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void paths_free(PathTree *t)
{
    if (!t)
        return;
    arena_free(&t->arena);
    free(t);
}

const PathNode *paths_child(const PathNode *n, const char *key, uint32_t klen, uint32_t kid)
{
    for (uint32_t i = 0; i < n->nkids; i++) {
        const PathNode *c = n->kids[i];
        if (c->kid && kid ? c->kid == kid : c->klen == klen && memcmp(c->key, key, klen) == 0)
            return c;
    }
    return n->star;
}

const PathNode *paths_elem(const PathNode *n)
{
    static const PathNode empty = {0};
    static const PathNode whole = {.whole = 1};
    if (n->elems_whole)
        return &whole;
    return n->star ? n->star : &empty;
}

static void describe(Buf *b, const PathNode *n, char *prefix, size_t plen, size_t cap)
{
    size_t len = plen;
    if (n->depth > 0) {
        const char *add = n->key ? n->key : "[*]";
        size_t alen = n->key ? n->klen : 3;
        bool dot = n->key && plen > 0;
        if (len + alen + 2 >= cap)
            return;
        if (dot)
            prefix[len++] = '.';
        memcpy(prefix + len, add, alen);
        len += alen;
    }
    buf_printf(b, "%.*s%s%s%s\n", (int)len, len ? prefix : "input", n->whole ? " = whole" : "",
               n->elems_whole ? " (elements whole)" : "", "");
    for (uint32_t i = 0; i < n->nkids; i++)
        describe(b, n->kids[i], prefix, len, cap);
    if (n->star)
        describe(b, n->star, prefix, len, cap);
}

char *paths_describe(const PathTree *t)
{
    Buf b = BUF_INIT;
    char prefix[4096];
    describe(&b, t->root, prefix, 0, sizeof prefix);
    return buf_take(&b);
}

/* ---- applying a tree to values ---------------------------------------------- */

bool paths_covers(const PathNode *big, const PathNode *small)
{
    if (!small)
        return true;
    if (!big)
        return false;
    if (big->whole)
        return true;
    if (small->whole)
        return false;
    /* arrays: elements kept whole (else they are kept as the [*] node) */
    if (small->elems_whole && !big->elems_whole && !(big->star && big->star->whole))
        return false;
    /* objects: every member small keeps, big keeps at least as deep */
    for (uint32_t i = 0; i < small->nkids; i++) {
        const PathNode *k = small->kids[i];
        if (!paths_covers(paths_child(big, k->key, k->klen, k->kid), k))
            return false;
    }
    return !small->star || (big->star && paths_covers(big->star, small->star));
}

/* A copy of n bytes of text in a (never NULL unless out of memory). */
static const char *paths_text(Arena *a, const char *s, uint32_t n)
{
    char *d = arena_alloc(a, n ? n : 1);
    if (d && n)
        memcpy(d, s, n);
    return d;
}

#define PATHS_COPY_MAX_DEPTH 1024

static bool paths_copy_depth(Arena *a, Value v, const PathNode *n, bool masks, const KeyTable *keys,
                             uint32_t depth, Value *out)
{
    static const PathNode whole = {.whole = 1};
    if (depth > PATHS_COPY_MAX_DEPTH)
        return false;
    *out = v;
    switch (v.kind) {
    case V_STR:
    case V_BIGNUM:
        return (out->u.s = paths_text(a, v.u.s, v.n)) != NULL;
    case V_ARR:
    case V_SET: {
        if (v.n == 0)
            return true;
        const PathNode *en = n->whole ? &whole : paths_elem(n);
        Value *items = arena_alloc(a, v.n * sizeof *items);
        if (!items)
            return false;
        for (uint32_t i = 0; i < v.n; i++)
            if (!paths_copy_depth(a, v.u.a[i], en, masks, keys, depth + 1, &items[i]))
                return false;
        out->u.a = items;
        return true;
    }
    case V_OBJ: {
        uint32_t keep = 0;
        for (uint32_t i = 0; i < v.n; i++) {
            const Member *m = &v.u.o[i];
            const PathNode *c = n->whole ? n : paths_child(n, m->key, m->klen, m->kid);
            keep += c && (masks || !c->mask);
        }
        out->n = keep;
        out->u.o = NULL;
        if (keep == 0)
            return true;
        Member *ms = arena_alloc(a, keep * sizeof *ms);
        if (!ms)
            return false;
        uint32_t k = 0;
        for (uint32_t i = 0; i < v.n; i++) {
            const Member *m = &v.u.o[i];
            const PathNode *c = n->whole ? &whole : paths_child(n, m->key, m->klen, m->kid);
            if (!c || (!masks && c->mask))
                continue;
            ms[k] = *m;
            /* an interned key's text lives as long as the engine */
            uint32_t klen = 0;
            const char *kt = m->kid && keys ? keys_text(keys, m->kid, &klen) : NULL;
            ms[k].key = kt && klen == m->klen ? kt : paths_text(a, m->key, m->klen);
            if (!ms[k].key || !paths_copy_depth(a, m->val, c, masks, keys, depth + 1, &ms[k].val))
                return false;
            k++;
        }
        out->u.o = ms;
        return true;
    }
    default:
        return true;
    }
}

bool paths_copy(Arena *a, Value v, const PathNode *n, bool masks, const KeyTable *keys, Value *out)
{
    *out = value_undef();
    if (!n)
        return true;
    return paths_copy_depth(a, v, n, masks, keys, 0, out) && !a->failed;
}
