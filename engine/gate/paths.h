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

#include "input/paths_tree.h"
#include "vm/program.h"

/* Analyses p (borrowed) and returns an owned tree, or NULL on OOM. */
PathTree *paths_analyze(const Program *p);
/* The same analysis rooted at the rules r with rule_mask[r] != 0 (one byte
 * per rule; NULL: every rule): what those rules, and the functions and
 * globals they reach, can read. A policy set's rules evaluated on any
 * document equal on that tree give the results they give on the whole. */
PathTree *paths_analyze_rules(const Program *p, const uint8_t *rule_mask);
#endif
