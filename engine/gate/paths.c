/* paths.c — the input-path analysis of paths.h.
 *
 * Owns: the abstract interpretation and the PathTree it produces. Does not
 * own the Program (read only).
 *
 * Abstract values (Av) are small sorted sets of atoms:
 *   PATH n   the value is (part of) the input at trie node n
 *   OBJ s    an object built at allocation site s (OBJECT_SHAPE, OBJECT,
 *            COLLECT_OBJ); the site records, per member key, what flowed in
 *   ARR s    an array or set built at site s; the site records its elements
 * Constants and computed scalars are the empty set.
 *
 * Each function is interpreted linearly, pc by pc, with an abstract stack:
 * a forward jump saves the stack for its target (joined with the
 * fall-through there), a backward jump (loop back-edge) adds what the body
 * left above the loop head's depth to per-depth accumulators that the
 * comprehension's COLLECT reads. Locals are flow-insensitive (one Av per
 * slot, joined over all stores), so values carried around a loop through
 * locals are caught by the next round. Rounds repeat over all functions
 * until nothing grows. Every set only grows and the trie depth is capped,
 * so this terminates.
 */
#include "gate/paths.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "lang/explain_plan.h"
#include "stdlib/builtin.h"

#define PATHS_MAX_DEPTH  48 /* deeper paths collapse into a whole node */
#define PATHS_MAX_ROUNDS 64 /* fixpoint rounds before giving up (whole root) */
#define PATHS_MAX_NODES  200000

enum { AT_PATH = 0u, AT_OBJ = 1u, AT_ARR = 2u };
#define ATOM(kind, id) (((uint32_t)(kind) << 30) | (uint32_t)(id))
#define ATOM_KIND(a)   ((a) >> 30)
#define ATOM_ID(a)     ((a)&0x3fffffffu)

typedef struct Av {
    uint32_t *a;
    uint32_t n, cap;
    uint32_t k; /* on the stack only: 1 + the constant index CONST pushed, else 0 */
} Av;

typedef struct SiteMem {
    const char *key;
    uint32_t klen, kid;
    Av val;
    bool wanted; /* lazy sites: something reads this member */
} SiteMem;

typedef struct Site {
    uint32_t func, pc;
    bool whole; /* everything that flows in is marked whole */
    /* Lazy (tf.normalise_all's objects): a member's value is filled in
     * only once something reads it (wanted), or all of them once
     * something reads the whole object (want_all). */
    bool lazy, want_all;
    SiteMem *mems;
    uint32_t nmems, capmems;
    Av star; /* members with keys unknown here; for arrays, the elements */
} Site;

typedef struct FnState {
    Av *locals; /* nlocals */
    Av ret;
} FnState;

typedef struct An {
    const Program *p;
    PathTree *t;
    PathNode **nodes;
    uint32_t nnodes, capnodes;
    Site *sites;
    uint32_t nsites, capsites;
    FnState *fns;
    uint64_t changed; /* bumped whenever anything grows */
    bool oom, giveup;
    /* per-function pass scratch */
    Av *stack;
    uint32_t sp, capstack;
    Av *acc; /* loop accumulators per stack depth */
    uint32_t capacc;
    uint32_t *depth_at; /* stack depth when pc was first reached, UINT32_MAX if not */
    uint32_t *markdepth;
    struct Pending *pend;
} An;

typedef struct Pending {
    bool has;
    uint32_t n;
    Av *s;
} Pending;

/* ---- sets --------------------------------------------------------------- */

static void av_free(Av *v)
{
    free(v->a);
    v->a = NULL;
    v->n = v->cap = 0;
}

static bool av_add(An *an, Av *v, uint32_t atom)
{
    uint32_t lo = 0, hi = v->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (v->a[mid] < atom)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < v->n && v->a[lo] == atom)
        return false;
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        uint32_t *a = realloc(v->a, cap * sizeof *a);
        if (!a) {
            an->oom = true;
            return false;
        }
        v->a = a;
        v->cap = cap;
    }
    memmove(v->a + lo + 1, v->a + lo, (v->n - lo) * sizeof *v->a);
    v->a[lo] = atom;
    v->n++;
    return true;
}

/* dst |= src; counts growth in an->changed when `track`. */
static void av_union(An *an, Av *dst, const Av *src, bool track)
{
    for (uint32_t i = 0; i < src->n; i++)
        if (av_add(an, dst, src->a[i]) && track)
            an->changed++;
}

static Av av_copy(An *an, const Av *src)
{
    Av v = {0};
    av_union(an, &v, src, false);
    return v;
}

/* ---- the trie ------------------------------------------------------------- */

static PathNode *node_new(An *an, PathNode *parent, const char *key, uint32_t klen, uint32_t kid)
{
    if (an->nnodes >= PATHS_MAX_NODES) {
        an->giveup = true;
        return NULL;
    }
    PathNode *n = arena_zalloc(&an->t->arena, sizeof *n);
    if (!n) {
        an->oom = true;
        return NULL;
    }
    n->key = key;
    n->klen = klen;
    n->kid = kid;
    n->depth = parent ? (uint16_t)(parent->depth + 1) : 0;
    n->parent = parent;
    if (an->nnodes == an->capnodes) {
        uint32_t cap = an->capnodes ? an->capnodes * 2 : 64;
        PathNode **a = realloc(an->nodes, cap * sizeof *a);
        if (!a) {
            an->oom = true;
            return NULL;
        }
        an->nodes = a;
        an->capnodes = cap;
    }
    n->id = an->nnodes;
    an->nodes[an->nnodes++] = n;
    an->changed++;
    return n;
}

static bool same_key(const char *a, uint32_t alen, uint32_t akid, const char *b, uint32_t blen,
                     uint32_t bkid)
{
    if (akid && bkid)
        return akid == bkid;
    return alen == blen && memcmp(a, b, alen) == 0;
}

static void node_set_whole(An *an, PathNode *n)
{
    if (n && !n->whole) {
        n->whole = 1;
        an->changed++;
    }
}

/* Widening for recursive walks (a module's child_modules[*].child_modules
 * …): a key already on the path, or more than PATHS_MAX_STARS [*], means
 * the ancestor is kept whole and stands for the deeper path. */
#define PATHS_MAX_STARS 4

static PathNode *node_widen(An *an, PathNode *n, const char *key, uint32_t klen, uint32_t kid)
{
    int stars = 0;
    for (PathNode *a = n; a && a->depth > 0; a = a->parent) {
        if (!key && !a->key && ++stars >= PATHS_MAX_STARS) {
            node_set_whole(an, a);
            return a;
        }
        if (key && a->key && same_key(a->key, a->klen, a->kid, key, klen, kid)) {
            node_set_whole(an, a);
            return a;
        }
    }
    return NULL;
}

/* The named child of n, made on first use. Past the depth cap the parent
 * itself stands for its children and is kept whole. */
static PathNode *node_child(An *an, PathNode *n, const char *key, uint32_t klen, uint32_t kid)
{
    /* A whole node keeps everything below it and stands for it: a child
     * would add nothing, and could widen an ancestor for no reason. */
    if (n->whole)
        return n;
    if (n->depth >= PATHS_MAX_DEPTH) {
        node_set_whole(an, n);
        return n;
    }
    for (uint32_t i = 0; i < n->nkids; i++)
        if (same_key(n->kids[i]->key, n->kids[i]->klen, n->kids[i]->kid, key, klen, kid))
            return n->kids[i];
    PathNode *w = node_widen(an, n, key, klen, kid);
    if (w)
        return w;
    PathNode *c = node_new(an, n, key, klen, kid);
    if (!c)
        return n;
    ARENA_GROW(&an->t->arena, n->kids, n->nkids, n->capkids);
    if (!n->kids) {
        an->oom = true;
        return n;
    }
    n->kids[n->nkids++] = c;
    return c;
}

static PathNode *node_star(An *an, PathNode *n)
{
    if (n->whole)
        return n;
    if (n->depth >= PATHS_MAX_DEPTH) {
        node_set_whole(an, n);
        return n;
    }
    if (!n->star) {
        PathNode *w = node_widen(an, n, NULL, 0, 0);
        if (w)
            return w;
        n->star = node_new(an, n, NULL, 0, 0);
    }
    return n->star ? n->star : n;
}

/* ---- sites ---------------------------------------------------------------- */

static uint32_t site_get(An *an, uint32_t func, uint32_t pc)
{
    for (uint32_t i = an->nsites; i-- > 0;)
        if (an->sites[i].func == func && an->sites[i].pc == pc)
            return i;
    if (an->nsites == an->capsites) {
        uint32_t cap = an->capsites ? an->capsites * 2 : 32;
        Site *s = realloc(an->sites, cap * sizeof *s);
        if (!s) {
            an->oom = true;
            return 0;
        }
        an->sites = s;
        an->capsites = cap;
    }
    Site *s = &an->sites[an->nsites];
    memset(s, 0, sizeof *s);
    s->func = func;
    s->pc = pc;
    an->changed++;
    return an->nsites++;
}

static void mark_whole(An *an, const Av *v);

static Av *site_member(An *an, Site *s, const char *key, uint32_t klen, uint32_t kid)
{
    for (uint32_t i = 0; i < s->nmems; i++)
        if (same_key(s->mems[i].key, s->mems[i].klen, s->mems[i].kid, key, klen, kid))
            return &s->mems[i].val;
    if (s->nmems == s->capmems) {
        uint32_t cap = s->capmems ? s->capmems * 2 : 8;
        SiteMem *m = realloc(s->mems, cap * sizeof *m);
        if (!m) {
            an->oom = true;
            return &s->star;
        }
        s->mems = m;
        s->capmems = cap;
    }
    SiteMem *m = &s->mems[s->nmems++];
    memset(m, 0, sizeof *m);
    m->key = key;
    m->klen = klen;
    m->kid = kid;
    an->changed++;
    return &m->val;
}

/* Adds v into a site slot, marking it whole when the site is. */
static void site_put(An *an, uint32_t si, Av *slot, const Av *v)
{
    if (an->sites[si].whole)
        mark_whole(an, v);
    av_union(an, slot, v, true);
}

/* A lazy site's members are all read. */
static void site_want_all(An *an, Site *s)
{
    if (s->lazy && !s->want_all) {
        s->want_all = true;
        an->changed++;
    }
}

/* A lazy site's member `key` is read. */
static void site_want(An *an, Site *s, const char *key, uint32_t klen, uint32_t kid)
{
    if (!s->lazy || s->want_all)
        return;
    for (uint32_t i = 0; i < s->nmems; i++) {
        if (same_key(s->mems[i].key, s->mems[i].klen, s->mems[i].kid, key, klen, kid)) {
            if (!s->mems[i].wanted) {
                s->mems[i].wanted = true;
                an->changed++;
            }
            return;
        }
    }
    uint32_t n = s->nmems;
    site_member(an, s, key, klen, kid);
    if (s->nmems > n)
        s->mems[n].wanted = true;
}

static void mark_whole(An *an, const Av *v)
{
    for (uint32_t i = 0; i < v->n; i++) {
        uint32_t a = v->a[i], id = ATOM_ID(a);
        if (ATOM_KIND(a) == AT_PATH) {
            node_set_whole(an, an->nodes[id]);
        } else {
            Site *s = &an->sites[id];
            site_want_all(an, s);
            if (s->whole)
                continue;
            s->whole = true;
            an->changed++;
            for (uint32_t k = 0; k < s->nmems; k++)
                mark_whole(an, &an->sites[id].mems[k].val);
            mark_whole(an, &an->sites[id].star);
        }
    }
}

/* The input paths of v kept whole; the sites it holds left as they are. */
static void mark_whole_paths(An *an, const Av *v)
{
    for (uint32_t i = 0; i < v->n; i++)
        if (ATOM_KIND(v->a[i]) == AT_PATH)
            node_set_whole(an, an->nodes[ATOM_ID(v->a[i])]);
}

/* ---- abstract operations ---------------------------------------------------- */

static Av av_field(An *an, const Av *o, const char *key, uint32_t klen, uint32_t kid)
{
    Av r = {0};
    for (uint32_t i = 0; i < o->n; i++) {
        uint32_t a = o->a[i], id = ATOM_ID(a);
        if (ATOM_KIND(a) == AT_PATH) {
            PathNode *c = node_child(an, an->nodes[id], key, klen, kid);
            av_add(an, &r, ATOM(AT_PATH, c->id));
        } else if (ATOM_KIND(a) == AT_OBJ) {
            Site *s = &an->sites[id];
            site_want(an, s, key, klen, kid);
            for (uint32_t k = 0; k < s->nmems; k++)
                if (same_key(s->mems[k].key, s->mems[k].klen, s->mems[k].kid, key, klen, kid))
                    av_union(an, &r, &an->sites[id].mems[k].val, false);
            av_union(an, &r, &an->sites[id].star, false);
        }
    }
    return r;
}

/* Every element or member value of o. */
static Av av_elems(An *an, const Av *o)
{
    Av r = {0};
    for (uint32_t i = 0; i < o->n; i++) {
        uint32_t a = o->a[i], id = ATOM_ID(a);
        if (ATOM_KIND(a) == AT_PATH) {
            PathNode *c = node_star(an, an->nodes[id]);
            av_add(an, &r, ATOM(AT_PATH, c->id));
        } else {
            site_want_all(an, &an->sites[id]);
            for (uint32_t k = 0; k < an->sites[id].nmems; k++)
                av_union(an, &r, &an->sites[id].mems[k].val, false);
            av_union(an, &r, &an->sites[id].star, false);
        }
    }
    return r;
}

/* ---- the abstract stack --------------------------------------------------- */

static void st_push(An *an, Av v)
{
    if (an->sp == an->capstack) {
        uint32_t cap = an->capstack ? an->capstack * 2 : 64;
        Av *s = realloc(an->stack, cap * sizeof *s);
        if (!s) {
            an->oom = true;
            av_free(&v);
            return;
        }
        an->stack = s;
        an->capstack = cap;
    }
    an->stack[an->sp++] = v;
}

static Av st_pop(An *an)
{
    Av none = {0};
    if (an->sp == 0) {
        an->giveup = true; /* the bytecode is not what this analysis expects */
        return none;
    }
    return an->stack[--an->sp];
}

static void st_drop(An *an, uint32_t n)
{
    while (n-- > 0) {
        Av v = st_pop(an);
        av_free(&v);
    }
}

static void st_clear(An *an) { st_drop(an, an->sp); }

/* Saves the current stack for a jump to target (joined with earlier saves). */
static void pend_save(An *an, uint32_t target, uint32_t ncode)
{
    if (target >= ncode + 1) {
        an->giveup = true;
        return;
    }
    Pending *pd = &an->pend[target];
    if (!pd->has) {
        pd->has = true;
        pd->n = an->sp;
        pd->s = calloc(an->sp ? an->sp : 1, sizeof *pd->s);
        if (!pd->s) {
            an->oom = true;
            return;
        }
        for (uint32_t i = 0; i < an->sp; i++)
            pd->s[i] = av_copy(an, &an->stack[i]);
        return;
    }
    if (pd->n != an->sp) {
        an->giveup = true;
        return;
    }
    for (uint32_t i = 0; i < an->sp; i++)
        av_union(an, &pd->s[i], &an->stack[i], false);
}

/* Arrives at pc: joins a saved stack; `dead` when the previous instruction
 * never falls through. */
static void pend_arrive(An *an, uint32_t pc, bool dead)
{
    Pending *pd = &an->pend[pc];
    if (!pd->has) {
        if (dead)
            st_clear(an);
        return;
    }
    if (dead) {
        st_clear(an);
        for (uint32_t i = 0; i < pd->n; i++)
            st_push(an, av_copy(an, &pd->s[i]));
        return;
    }
    if (pd->n != an->sp) {
        an->giveup = true;
        return;
    }
    for (uint32_t i = 0; i < pd->n; i++)
        av_union(an, &an->stack[i], &pd->s[i], false);
}

/* A backward jump: what the loop body left above the head's depth goes to
 * the accumulators of those depths (read by COLLECT_*). */
static void loop_back(An *an, uint32_t target)
{
    uint32_t d = an->depth_at[target];
    if (d == UINT32_MAX || d > an->sp) {
        an->giveup = true;
        return;
    }
    if (an->sp > an->capacc) {
        Av *a = realloc(an->acc, an->sp * sizeof *a);
        if (!a) {
            an->oom = true;
            return;
        }
        memset(a + an->capacc, 0, (an->sp - an->capacc) * sizeof *a);
        an->acc = a;
        an->capacc = an->sp;
    }
    for (uint32_t k = d; k < an->sp; k++)
        av_union(an, &an->acc[k], &an->stack[k], false);
}

static void acc_clear_from(An *an, uint32_t from)
{
    for (uint32_t k = from; k < an->capacc; k++)
        av_free(&an->acc[k]);
}

/* Joins every value from stack depth m up (and the accumulators there). */
static Av collect_from(An *an, uint32_t m)
{
    Av r = {0};
    for (uint32_t k = m; k < an->capacc; k++)
        av_union(an, &r, &an->acc[k], false);
    for (uint32_t k = m; k < an->sp; k++)
        av_union(an, &r, &an->stack[k], false);
    return r;
}

static bool is_kind_builtin(const char *name)
{
    static const char *const kinds[] = {"is_defined", "is_object", "is_array", "is_string",
                                        "is_number",  "is_bool",   "is_null",  "type_of"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(name, kinds[i]) == 0)
            return true;
    return false;
}

/* tf.normalise_all(list) (stdlib/builtins_tf.c, `normalise` in tf.veto):
 * an array (site at pc) of objects (site at pc | PATHS_SITE_AUX) whose
 * members are fields of each element rc or of rc.change, read as OP_FIELD
 * reads them; "action" is an element of change.actions, chosen by
 * comparing the elements (kept whole). The objects' site is lazy: a field
 * is read from the input only once something reads that member of the
 * objects (or all of them, read whole), so the fields no rule reads are
 * not kept at all. Each field is read independently of the others (a
 * missing one gets its default). Keep this table in step with tf_fields
 * in builtins_tf.c. */
#define PATHS_SITE_AUX 0x80000000u /* a second site for one instruction */

/* On: tf.normalise_all reads exactly the fields listed below. `veto eval
 * --explain` loads its input in full (cli/cmd_eval.c), since explanations
 * print whole sub-expressions such as `r.after` that a precise projection
 * leaves partial. Off, tf.normalise_all is an ordinary builtin here: its
 * argument, every resource change, is kept whole. */
#define PATHS_MODEL_TF_NORMALISE 1

static const struct {
    const char *out, *src; /* member of the result; field read */
    bool change;           /* read from rc.change (else from rc) */
} paths_tf_fields[] = {
    {"address", "address", false},
    {"type", "type", false},
    {"name", "name", false},
    {"mode", "mode", false},
    {"provider", "provider_name", false},
    {"module", "module_address", false},
    {"index", "index", false},
    {"deposed", "deposed", false},
    {"actions", "actions", true},
    {"action_reason", "action_reason", false},
    {"before", "before", true},
    {"after", "after", true},
    {"after_unknown", "after_unknown", true},
    {"before_sensitive", "before_sensitive", true},
    {"after_sensitive", "after_sensitive", true},
    {"replace_paths", "replace_paths", true},
    {"importing", "importing", true},
    {"previous_address", "previous_address", false},
};

static uint32_t paths_kid(An *an, const char *s)
{
    return keys_lookup(an->p->engine->keys, s, strlen(s));
}

/* Whether member `out` of lazy site s is read. */
static bool paths_wanted(const Site *s, const char *out)
{
    if (s->want_all)
        return true;
    uint32_t len = (uint32_t)strlen(out);
    for (uint32_t i = 0; i < s->nmems; i++)
        if (s->mems[i].wanted && s->mems[i].klen == len && memcmp(s->mems[i].key, out, len) == 0)
            return true;
    return false;
}

static Av paths_tf_normalise(An *an, uint32_t fi, uint32_t pc, const Av *list)
{
    uint32_t arr = site_get(an, fi, pc);
    uint32_t obj = site_get(an, fi, pc | PATHS_SITE_AUX);
    an->sites[obj].lazy = true;
    Av rc = av_elems(an, list);
    Av change = {0};
    bool have_change = false;
    for (size_t i = 0; i < sizeof paths_tf_fields / sizeof *paths_tf_fields && !an->oom; i++) {
        const char *src = paths_tf_fields[i].src, *out = paths_tf_fields[i].out;
        bool actions = strcmp(out, "actions") == 0;
        if (!paths_wanted(&an->sites[obj], out) &&
            !(actions && paths_wanted(&an->sites[obj], "action")))
            continue;
        if (paths_tf_fields[i].change && !have_change) {
            change = av_field(an, &rc, "change", 6, paths_kid(an, "change"));
            have_change = true;
        }
        Av v = av_field(an, paths_tf_fields[i].change ? &change : &rc, src, (uint32_t)strlen(src),
                        paths_kid(an, src));
        Av *slot = site_member(an, &an->sites[obj], out, (uint32_t)strlen(out), paths_kid(an, out));
        site_put(an, obj, slot, &v);
        if (actions) {
            /* action_of counts the list and compares its elements; the
             * action is one of them */
            Av e = av_elems(an, &v);
            mark_whole(an, &e);
            slot = site_member(an, &an->sites[obj], "action", 6, paths_kid(an, "action"));
            site_put(an, obj, slot, &e);
            av_free(&e);
        }
        av_free(&v);
    }
    av_free(&change);
    av_free(&rc);
    Av o = {0};
    av_add(an, &o, ATOM(AT_OBJ, obj));
    site_put(an, arr, &an->sites[arr].star, &o);
    av_free(&o);
    Av r = {0};
    av_add(an, &r, ATOM(AT_ARR, arr));
    return r;
}

/* tf.of_type(list, type) and tf.of_types(list, types) (builtins_tf.c):
 * an array (site at pc) of elements of the list, chosen by comparing each
 * element's `type` with the second argument (both kept whole), as the
 * comprehension `[r for r in list if r.type == type]` they replace reads
 * them: nothing else of an element is needed unless the result is read. */
static Av paths_tf_of_type(An *an, uint32_t fi, uint32_t pc, const Av *list, const Av *type)
{
    uint32_t arr = site_get(an, fi, pc);
    Av e = av_elems(an, list);
    Av t = av_field(an, &e, "type", 4, paths_kid(an, "type"));
    mark_whole(an, &t);
    mark_whole(an, type);
    site_put(an, arr, &an->sites[arr].star, &e);
    av_free(&t);
    av_free(&e);
    Av r = {0};
    av_add(an, &r, ATOM(AT_ARR, arr));
    return r;
}

/* flatten(list) (builtins_collections.c): an array (site at pc) of the
 * list's elements, with those that are arrays (or sets) replaced by their
 * elements. It looks at each element's kind only and copies values, so it
 * reads nothing whole: the result holds the elements and their elements
 * (an element that is not an array is kept as it is; the elements of one
 * that is are needed, so are its members if it is an object: more than
 * flatten reads, never less). */
static Av paths_flatten(An *an, uint32_t fi, uint32_t pc, const Av *list)
{
    uint32_t arr = site_get(an, fi, pc);
    Av e = av_elems(an, list);
    Av ee = av_elems(an, &e);
    site_put(an, arr, &an->sites[arr].star, &e);
    site_put(an, arr, &an->sites[arr].star, &ee);
    av_free(&e);
    av_free(&ee);
    Av r = {0};
    av_add(an, &r, ATOM(AT_ARR, arr));
    return r;
}

/* One linear pass over function fi. */
static void analyze_function(An *an, uint32_t fi)
{
    const Program *p = an->p;
    const Function *f = &p->funcs[fi];
    FnState *fs = &an->fns[fi];
    uint32_t ncode = f->ncode;
    an->sp = 0;
    an->pend = calloc(ncode + 1, sizeof *an->pend);
    an->depth_at = malloc((ncode + 1) * sizeof *an->depth_at);
    an->markdepth = calloc(f->nlocals ? f->nlocals : 1, sizeof *an->markdepth);
    if (!an->pend || !an->depth_at || !an->markdepth) {
        an->oom = true;
        goto out;
    }
    memset(an->depth_at, 0xff, (ncode + 1) * sizeof *an->depth_at);
    bool dead = false;
    for (uint32_t pc = 0; pc < ncode && !an->giveup && !an->oom;) {
        pend_arrive(an, pc, dead);
        dead = false;
        if (an->depth_at[pc] == UINT32_MAX)
            an->depth_at[pc] = an->sp;
        Instr ins = f->code[pc];
        Opcode op = INS_OP(ins);
        uint32_t A = INS_A(ins);
        uint32_t next = pc + 1;
        Av none = {0};
        switch (op) {
        case OP_NOP:
            break;
        case OP_CONST: {
            Av v = {0};
            v.k = A + 1;
            st_push(an, v);
            break;
        }
        case OP_INT:
        case OP_UNDEF:
        case OP_NULL:
        case OP_TRUE:
        case OP_FALSE:
        case OP_CONTEXT:
        case OP_DATA:
            st_push(an, none);
            break;
        case OP_POP:
            st_drop(an, 1);
            break;
        case OP_LOAD:
            if (A >= f->nlocals) {
                an->giveup = true;
                break;
            }
            st_push(an, av_copy(an, &fs->locals[A]));
            break;
        case OP_STORE: {
            Av v = st_pop(an);
            if (A >= f->nlocals)
                an->giveup = true;
            else
                av_union(an, &fs->locals[A], &v, true);
            av_free(&v);
            break;
        }
        case OP_GLOBAL:
            if (A >= p->nglobals) {
                an->giveup = true;
                break;
            }
            st_push(an, av_copy(an, &an->fns[p->globals[A].func].ret));
            break;
        case OP_INPUT: {
            Av v = {0};
            av_add(an, &v, ATOM(AT_PATH, an->t->root->id));
            st_push(an, v);
            break;
        }
        case OP_FIELD: {
            Av o = st_pop(an);
            const Key *k = &p->keys[A];
            st_push(an, av_field(an, &o, k->s, k->len, k->kid));
            av_free(&o);
            break;
        }
        case OP_INDEX: {
            Av k = st_pop(an), o = st_pop(an);
            Value kc = k.k ? p->consts[k.k - 1] : value_undef();
            if (kc.kind == V_STR) {
                st_push(an,
                        av_field(an, &o, kc.u.s, kc.n, keys_lookup(p->engine->keys, kc.u.s, kc.n)));
            } else {
                mark_whole(an, &k); /* compared with elements or keys */
                st_push(an, av_elems(an, &o));
            }
            av_free(&k);
            av_free(&o);
            break;
        }
        case OP_IN:
        case OP_NOTIN: {
            Av c = st_pop(an), x = st_pop(an);
            Value kc = x.k ? p->consts[x.k - 1] : value_undef();
            /* "key" in v: an object needs that member only; an array's
             * elements are compared (kept whole); a string is a scalar. */
            bool simple = kc.kind == V_STR;
            for (uint32_t i = 0; simple && i < c.n; i++)
                simple = ATOM_KIND(c.a[i]) == AT_PATH;
            if (simple) {
                for (uint32_t i = 0; i < c.n; i++) {
                    PathNode *n = an->nodes[ATOM_ID(c.a[i])];
                    node_child(an, n, kc.u.s, kc.n, keys_lookup(p->engine->keys, kc.u.s, kc.n));
                    if (!n->elems_whole) {
                        n->elems_whole = 1;
                        an->changed++;
                    }
                }
            } else {
                mark_whole(an, &c);
                mark_whole(an, &x);
            }
            av_free(&c);
            av_free(&x);
            st_push(an, none);
            break;
        }
        case OP_ADD:
        case OP_SUB:
        case OP_MUL:
        case OP_DIV:
        case OP_MOD: {
            /* array + array joins: the result holds both sides. What the
             * program built (sites) is an array, a set or an object: joined
             * without reading an element, or a type error that names the
             * kinds only; an input value may be a string or a number. */
            Av b = st_pop(an), a = st_pop(an);
            mark_whole_paths(an, &a);
            mark_whole_paths(an, &b);
            av_union(an, &a, &b, false);
            av_free(&b);
            st_push(an, a);
            break;
        }
        case OP_EQ:
        case OP_NE:
        case OP_LT:
        case OP_LE:
        case OP_GT:
        case OP_GE:
        case OP_MATCH_DYN:
        case OP_NMATCH_DYN:
        case OP_LIKE: {
            Av b = st_pop(an), a = st_pop(an);
            mark_whole(an, &a);
            mark_whole(an, &b);
            av_free(&a);
            av_free(&b);
            st_push(an, none);
            break;
        }
        case OP_NEG:
        case OP_MATCH:
        case OP_NMATCH:
        case OP_NOT:
        case OP_TO_BOOL: {
            Av a = st_pop(an);
            mark_whole(an, &a);
            av_free(&a);
            st_push(an, none);
            break;
        }
        case OP_JUMP:
            if (A > pc)
                pend_save(an, A, ncode);
            else
                loop_back(an, A);
            dead = true;
            break;
        case OP_JUMP_IF_NOT: {
            Av c = st_pop(an);
            mark_whole(an, &c);
            av_free(&c);
            if (A > pc)
                pend_save(an, A, ncode);
            else
                loop_back(an, A);
            break;
        }
        case OP_AND:
        case OP_OR: {
            /* jumps with a boolean on top; falls through without it */
            Av c = st_pop(an);
            mark_whole(an, &c);
            av_free(&c);
            st_push(an, none);
            if (A > pc)
                pend_save(an, A, ncode);
            else
                an->giveup = true;
            st_drop(an, 1);
            break;
        }
        case OP_COALESCE:
            /* tests only defined/null: the kind, never the content */
            if (A > pc)
                pend_save(an, A, ncode);
            else
                an->giveup = true;
            st_drop(an, 1);
            break;
        case OP_ARRAY:
        case OP_SET: {
            if (A > an->sp) {
                an->giveup = true;
                break;
            }
            uint32_t si = site_get(an, fi, pc);
            for (uint32_t k = an->sp - A; k < an->sp; k++) {
                if (op == OP_SET)
                    mark_whole(an, &an->stack[k]); /* sorted and deduplicated by value */
                site_put(an, si, &an->sites[si].star, &an->stack[k]);
            }
            st_drop(an, A);
            Av r = {0};
            av_add(an, &r, ATOM(AT_ARR, si));
            st_push(an, r);
            break;
        }
        case OP_OBJECT: {
            if (2 * A > an->sp) {
                an->giveup = true;
                break;
            }
            uint32_t si = site_get(an, fi, pc);
            for (uint32_t k = an->sp - 2 * A; k < an->sp; k += 2) {
                mark_whole(an, &an->stack[k]);
                site_put(an, si, &an->sites[si].star, &an->stack[k + 1]);
            }
            st_drop(an, 2 * A);
            Av r = {0};
            av_add(an, &r, ATOM(AT_OBJ, si));
            st_push(an, r);
            break;
        }
        case OP_OBJECT_SHAPE: {
            Value shape = p->consts[A];
            if (shape.kind != V_OBJ || shape.n > an->sp) {
                an->giveup = true;
                break;
            }
            uint32_t si = site_get(an, fi, pc);
            uint32_t base = an->sp - shape.n;
            for (uint32_t k = 0; k < shape.n; k++) {
                const Member *m = &shape.u.o[k];
                Av *slot = site_member(an, &an->sites[si], m->key, m->klen, m->kid);
                site_put(an, si, slot, &an->stack[base + k]);
            }
            st_drop(an, shape.n);
            Av r = {0};
            av_add(an, &r, ATOM(AT_OBJ, si));
            st_push(an, r);
            break;
        }
        case OP_MARK:
            if (A >= f->nlocals) {
                an->giveup = true;
                break;
            }
            an->markdepth[A] = an->sp;
            acc_clear_from(an, an->sp);
            break;
        case OP_COLLECT_ARR:
        case OP_COLLECT_SET:
        case OP_COLLECT_OBJ: {
            if (A >= f->nlocals || an->markdepth[A] > an->sp) {
                an->giveup = true;
                break;
            }
            uint32_t m = an->markdepth[A];
            uint32_t si = site_get(an, fi, pc);
            Av items = collect_from(an, m);
            if (op != OP_COLLECT_ARR)
                mark_whole(an, &items); /* set order, object keys: by value */
            site_put(an, si, &an->sites[si].star, &items);
            av_free(&items);
            acc_clear_from(an, m);
            st_drop(an, an->sp - m);
            Av r = {0};
            av_add(an, &r, ATOM(op == OP_COLLECT_OBJ ? AT_OBJ : AT_ARR, si));
            st_push(an, r);
            break;
        }
        case OP_ITER_INIT: {
            Av c = st_pop(an);
            if (A + 3 >= f->nlocals) {
                an->giveup = true;
                av_free(&c);
                break;
            }
            av_union(an, &fs->locals[A], &c, true);
            av_free(&c);
            break;
        }
        case OP_ITER_NEXT: {
            if (A + 3 >= f->nlocals || pc + 1 >= ncode) {
                an->giveup = true;
                break;
            }
            Av e = av_elems(an, &fs->locals[A]);
            av_union(an, &fs->locals[A + 3], &e, true);
            av_free(&e);
            uint32_t exit = f->code[pc + 1];
            if (exit > pc)
                pend_save(an, exit, ncode);
            else
                an->giveup = true;
            next = pc + 2;
            break;
        }
        case OP_TEMPLATE: {
            if (A > an->sp) {
                an->giveup = true;
                break;
            }
            for (uint32_t k = an->sp - A; k < an->sp; k++)
                mark_whole(an, &an->stack[k]);
            st_drop(an, A);
            st_push(an, none);
            break;
        }
        case OP_CALL: {
            uint32_t argc = INS_A8(ins), callee = INS_B(ins);
            if (callee >= p->nfuncs || argc > an->sp || argc > p->funcs[callee].nlocals) {
                an->giveup = true;
                break;
            }
            for (uint32_t k = 0; k < argc; k++)
                av_union(an, &an->fns[callee].locals[k], &an->stack[an->sp - argc + k], true);
            st_drop(an, argc);
            st_push(an, av_copy(an, &an->fns[callee].ret));
            break;
        }
        case OP_BUILTIN: {
            uint32_t argc = INS_A8(ins);
            const BuiltinDef *b = builtin_at(INS_B(ins));
            if (argc > an->sp || !b) {
                an->giveup = true;
                break;
            }
            if (argc == 1 && strcmp(b->name, "count") == 0) {
                /* the number of elements or members: each must be there,
                 * none needs its content */
                Av e = av_elems(an, &an->stack[an->sp - 1]);
                av_free(&e);
                st_drop(an, 1);
                st_push(an, none);
                break;
            }
            if (PATHS_MODEL_TF_NORMALISE && argc == 1 && strcmp(b->name, "tf.normalise_all") == 0) {
                Av r = paths_tf_normalise(an, fi, pc, &an->stack[an->sp - 1]);
                st_drop(an, 1);
                st_push(an, r);
                break;
            }
            if (argc == 2 &&
                (strcmp(b->name, "tf.of_type") == 0 || strcmp(b->name, "tf.of_types") == 0)) {
                Av r = paths_tf_of_type(an, fi, pc, &an->stack[an->sp - 2], &an->stack[an->sp - 1]);
                st_drop(an, 2);
                st_push(an, r);
                break;
            }
            if (argc == 1 && strcmp(b->name, "flatten") == 0) {
                Av r = paths_flatten(an, fi, pc, &an->stack[an->sp - 1]);
                st_drop(an, 1);
                st_push(an, r);
                break;
            }
            if (is_kind_builtin(b->name)) {
                st_drop(an, argc); /* looks at the kind only */
                st_push(an, none);
                break;
            }
            /* Anything else may read all of its arguments and return parts
             * of them. */
            Av r = {0};
            for (uint32_t k = an->sp - argc; k < an->sp; k++) {
                mark_whole(an, &an->stack[k]);
                av_union(an, &r, &an->stack[k], false);
            }
            st_drop(an, argc);
            st_push(an, r);
            break;
        }
        case OP_RET: {
            Av v = st_pop(an);
            av_union(an, &fs->ret, &v, true);
            av_free(&v);
            dead = true;
            break;
        }
        case OP_EMIT: {
            Av m = st_pop(an), b = st_pop(an);
            mark_whole(an, &m); /* the message is printed */
            /* The decision's evidence (explain.c) prints a value the rule
             * read: from the binding, a rule `let` or a global. */
            const RuleExplain *rx = A < p->nrules ? p->rules[A].explain : NULL;
            if (rx && rx->ev_kind == EV_PATH) {
                Av v = av_copy(an, &b);
                for (uint32_t i = 0; i < rx->ev_nkeys; i++) {
                    Value k = rx->ev_keys[i];
                    Av nx = k.kind == V_STR ? av_field(an, &v, k.u.s, k.n, 0) : av_elems(an, &v);
                    av_free(&v);
                    v = nx;
                }
                mark_whole(an, &v);
                av_free(&v);
            } else if (rx && rx->ev_kind == EV_LOCAL && rx->ev_index < f->nlocals) {
                mark_whole(an, &fs->locals[rx->ev_index]);
            } else if (rx && rx->ev_kind == EV_GLOBAL && rx->ev_index < p->nglobals) {
                mark_whole(an, &an->fns[p->globals[rx->ev_index].func].ret);
            } else if (rx && rx->ev_kind != EV_NONE) {
                an->giveup = true;
            }
            Av addr = av_field(an, &b, "address", 7, keys_lookup(p->engine->keys, "address", 7));
            av_free(&addr);
            av_free(&m);
            av_free(&b);
            break;
        }
        default:
            an->giveup = true;
            break;
        }
        pc = next;
    }
out:
    st_clear(an);
    if (an->pend) {
        for (uint32_t i = 0; i <= ncode; i++) {
            for (uint32_t k = 0; k < an->pend[i].n; k++)
                av_free(&an->pend[i].s[k]);
            free(an->pend[i].s);
        }
    }
    free(an->pend);
    an->pend = NULL;
    free(an->depth_at);
    an->depth_at = NULL;
    free(an->markdepth);
    an->markdepth = NULL;
    acc_clear_from(an, 0);
}

/* ---- finishing the tree ----------------------------------------------------- */

/* dst gets everything src needs. */
static void node_merge(An *an, PathNode *dst, const PathNode *src)
{
    if (dst == src || an->oom || an->giveup)
        return;
    if (src->whole)
        node_set_whole(an, dst);
    if (src->elems_whole)
        dst->elems_whole = 1;
    for (uint32_t i = 0; i < src->nkids; i++) {
        const PathNode *k = src->kids[i];
        node_merge(an, node_child(an, dst, k->key, k->klen, k->kid), k);
    }
    if (src->star)
        node_merge(an, node_star(an, dst), src->star);
}

static const char *const mask_keys[] = {"after_sensitive", "before_sensitive", "sensitive_values",
                                        "sensitive"};

static void node_finish(An *an, PathNode *n)
{
    if (n->whole || an->oom || an->giveup) {
        n->nkids = 0;
        n->star = NULL;
        return;
    }
    if (n->star)
        for (uint32_t i = 0; i < n->nkids; i++)
            node_merge(an, n->kids[i], n->star);
    if (n->nkids || n->star) {
        for (size_t i = 0; i < sizeof mask_keys / sizeof *mask_keys; i++) {
            uint32_t len = (uint32_t)strlen(mask_keys[i]);
            uint32_t before = an->nnodes;
            PathNode *m = node_child(an, n, mask_keys[i], len,
                                     keys_lookup(an->p->engine->keys, mask_keys[i], len));
            node_set_whole(an, m);
            /* made here, not by a read: unless [*] reads every member */
            if (m != n && an->nnodes > before && !n->star)
                m->mask = 1;
        }
    }
    for (uint32_t i = 0; i < n->nkids; i++)
        node_finish(an, n->kids[i]);
    if (n->star)
        node_finish(an, n->star);
}

PathTree *paths_analyze(const Program *p) { return paths_analyze_rules(p, NULL); }

PathTree *paths_analyze_rules(const Program *p, const uint8_t *rule_mask)
{
    PathTree *t = calloc(1, sizeof *t);
    An an;
    memset(&an, 0, sizeof an);
    if (!t)
        return NULL;
    arena_init(&t->arena, 16 * 1024);
    an.p = p;
    an.t = t;
    an.fns = calloc(p->nfuncs ? p->nfuncs : 1, sizeof *an.fns);
    if (!an.fns)
        an.oom = true;
    for (uint32_t i = 0; i < p->nfuncs && !an.oom; i++) {
        an.fns[i].locals = calloc(p->funcs[i].nlocals ? p->funcs[i].nlocals : 1, sizeof(Av));
        if (!an.fns[i].locals)
            an.oom = true;
    }
    t->root = an.oom ? NULL : node_new(&an, NULL, NULL, 0, 0);
    if (!t->root)
        an.oom = true;
    /* Only functions a rule can reach: the standard library is in every
     * program, and what nobody calls reads nothing. */
    bool *reach = calloc(p->nfuncs ? p->nfuncs : 1, sizeof *reach);
    uint32_t *work = malloc((p->nfuncs ? p->nfuncs : 1) * sizeof *work);
    uint32_t nwork = 0;
    if (!reach || !work)
        an.oom = true;
    for (uint32_t r = 0; r < p->nrules && !an.oom; r++)
        if ((!rule_mask || rule_mask[r]) && p->rules[r].func < p->nfuncs &&
            !reach[p->rules[r].func]) {
            reach[p->rules[r].func] = true;
            work[nwork++] = p->rules[r].func;
        }
    while (nwork > 0 && !an.oom) {
        const Function *f = &p->funcs[work[--nwork]];
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            Opcode op = INS_OP(f->code[pc]);
            uint32_t callee = UINT32_MAX;
            if (op == OP_CALL)
                callee = INS_B(f->code[pc]);
            else if (op == OP_GLOBAL && INS_A(f->code[pc]) < p->nglobals)
                callee = p->globals[INS_A(f->code[pc])].func;
            if (callee < p->nfuncs && !reach[callee]) {
                reach[callee] = true;
                work[nwork++] = callee;
            }
            if (op == OP_ITER_NEXT)
                pc++; /* skip the exit word */
        }
    }
    free(work);
    int round = 0;
    for (; round < PATHS_MAX_ROUNDS && !an.oom && !an.giveup; round++) {
        uint64_t before = an.changed;
        for (uint32_t fi = 0; fi < p->nfuncs && !an.oom && !an.giveup; fi++)
            if (reach[fi])
                analyze_function(&an, fi);
        if (an.changed == before)
            break;
    }
    free(reach);
    if (round == PATHS_MAX_ROUNDS)
        an.giveup = true;
    if (!an.oom && (an.giveup || t->root->whole)) {
        t->root->whole = 1;
        an.giveup = false;
    }
    if (!an.oom)
        node_finish(&an, t->root);
    if (an.giveup)
        t->root->whole = 1;
    /* free the analysis state */
    for (uint32_t i = 0; an.fns && i < p->nfuncs; i++) {
        for (uint32_t k = 0; an.fns[i].locals && k < p->funcs[i].nlocals; k++)
            av_free(&an.fns[i].locals[k]);
        free(an.fns[i].locals);
        av_free(&an.fns[i].ret);
    }
    free(an.fns);
    for (uint32_t i = 0; i < an.nsites; i++) {
        for (uint32_t k = 0; k < an.sites[i].nmems; k++)
            av_free(&an.sites[i].mems[k].val);
        free(an.sites[i].mems);
        av_free(&an.sites[i].star);
    }
    free(an.sites);
    free(an.stack);
    free(an.acc);
    t->nnodes = an.nnodes;
    free(an.nodes);
    if (an.oom || t->arena.failed) {
        paths_free(t);
        return NULL;
    }
    return t;
}
