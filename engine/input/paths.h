/* paths.h — which parts of the input document a compiled program can read.
 *
 * paths_analyze() runs an interprocedural abstract interpretation over the
 * bytecode of every function, global and rule: abstract values are sets of
 * input paths (input.resource_changes[*].change.after …) and of the objects
 * and arrays the program builds (allocation sites, with what flows into
 * their members), so a path survives being put into an object by one
 * function (tf.normalise) and read back by another (a rule's r.after.acl).
 * Calls join their arguments into the callee's parameters; globals and
 * return values are per function; everything is iterated to a fixpoint.
 *
 * The result is a tree of PathNodes rooted at the input document:
 *   - a node is *needed*: the loader keeps the value there, and for an
 *     object or array only the children listed below it;
 *   - `whole`: the value is kept entirely (an operation looks at all of it:
 *     comparison, a builtin, a message, an object key …);
 *   - `elems_whole`: if the value is an array its elements are kept whole
 *     (`"x" in v` on an array compares elements; on an object it needs one key);
 *   - the [*] child stands for every member or element; the analysis has
 *     already merged it into its named siblings.
 * Whenever the analysis is unsure (an instruction it does not model, a
 * limit reached) it marks the root whole: projection then keeps everything.
 * Below a whole node nothing is added: the node stands for all of it.
 * The Terraform sensitivity masks (after_sensitive, before_sensitive,
 * sensitive_values, sensitive) are kept whole beside any needed object, so
 * the loader's tainting sees exactly what it would see on the full document
 * (`mask` marks those no rule reads).
 *
 * An analysis may be rooted at some of the rules only (paths_analyze_rules):
 * mixed streaming (stream.c) keeps of each entry what the policies that do
 * not stream read (paths_copy), and checks with paths_covers that the
 * program's projection keeps it.
 */
#ifndef VETO_PATHS_H
#define VETO_PATHS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "vm/program.h"

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

/* Analyses p (borrowed) and returns an owned tree, or NULL on OOM. */
PathTree *paths_analyze(const Program *p);
/* The same analysis rooted at the rules r with rule_mask[r] != 0 (one byte
 * per rule; NULL: every rule): what those rules, and the functions and
 * globals they reach, can read. A policy set's rules evaluated on any
 * document equal on that tree give the results they give on the whole. */
PathTree *paths_analyze_rules(const Program *p, const uint8_t *rule_mask);
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
