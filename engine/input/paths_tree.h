/* paths_tree.h — a tree of the input paths a program can read (the
 * analysis that builds one is gate/paths.c), and what the readers do with
 * it: the projecting JSON reader keeps only what the tree names
 * (paths_child, paths_elem), mixed streaming copies a value along a tree
 * (paths_copy) after checking one tree covers another (paths_covers).
 * paths_tree.c owns nothing but the trees handed to paths_free.
 */
#ifndef VETO_PATHS_TREE_H
#define VETO_PATHS_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "vm/value.h"

typedef struct PathNode PathNode;
struct PathNode {
    const char *key; /* member name (NULL for the root and [*]) */
    uint32_t klen;
    uint32_t kid;        /* interned id, 0 if none */
    uint32_t id;         /* index in the analysis' node table */
    uint16_t depth;      /* root = 0 */
    uint8_t whole;       /* keep everything below */
    uint8_t elems_whole; /* an array here keeps its elements whole */
    uint8_t mask;        /* a sensitivity mask kept for the loader's tainting only: no rule
                          * reads it (paths_copy of a tainted value leaves it out) */
    PathNode **kids;     /* named children */
    uint32_t nkids, capkids;
    PathNode *star;   /* [*]: every member/element, or NULL */
    PathNode *parent; /* NULL for the root */
};

typedef struct PathTree {
    Arena arena; /* owns the nodes */
    PathNode *root;
    uint32_t nnodes;
} PathTree;

void paths_free(PathTree *t);

/* True when everything `small` keeps, `big` keeps too (at least as deep):
 * a value read with big's projection and copied with small's (paths_copy)
 * is the value read with small's. NULL small keeps nothing; NULL big
 * nothing either. */
bool paths_covers(const PathNode *big, const PathNode *small);

/* Copies v into a, keeping of it only what the tree n keeps, as the
 * projecting reader would have read it (json.h): the members n names (or
 * all, under [*] or whole), elements with paths_elem(n), scalars as they
 * are — but for !masks, the members of mask nodes (PathNode.mask), which
 * only tainting reads: for a value tainted already. Taint flags are kept.
 * All text is copied (strings, big numbers, keys), except keys interned in
 * `keys` (may be NULL), which point at the table's text: the copy depends
 * on nothing v lives in. n NULL: *out is undefined. False on out of memory
 * (a's failed flag set) or nesting beyond 1024 levels; *out is then
 * garbage. */
bool paths_copy(Arena *a, Value v, const PathNode *n, bool masks, const KeyTable *keys, Value *out);

/* The child of n for an object member key (named child, else [*]); NULL
 * when the member is not needed. */
const PathNode *paths_child(const PathNode *n, const char *key, uint32_t klen, uint32_t kid);

/* The node for the elements of an array at n (never NULL: an element is
 * always kept, if only as an empty shell). */
const PathNode *paths_elem(const PathNode *n);

/* A text listing of the tree, one path per line ("resource_changes[*].type"),
 * `= whole` after kept-whole paths; malloc'd. For tests and `--explain`. */
char *paths_describe(const PathTree *t);

#endif
