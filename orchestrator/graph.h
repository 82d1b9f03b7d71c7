/* graph.h — the dependency graph of stacks: order, levels, cycles,
 * dependents (its renderings are graph_render.c's).
 *
 * Owns: algorithms over n nodes whose edges are "i depends on deps[i][k]".
 * Does not own: names or configuration (it takes index arrays), running.
 */
#ifndef VETO_ORCH_GRAPH_H
#define VETO_ORCH_GRAPH_H

#include <stddef.h>

/* Computes the level of every node: 0 for a node without dependencies,
 * else 1 + the highest level of its dependencies. Nodes of one level do
 * not depend on each other and may run in parallel. Returns 0, or -1 when
 * there is a cycle: then cycle[0..*ncycle) lists its nodes in dependency
 * order (a depends on b depends on ... depends on a), cycle has room for n. */
int graph_levels(size_t n, const size_t *const *deps, const size_t *ndeps, int *level,
                 size_t *cycle, size_t *ncycle);

/* Marks in `mark` (n entries, set to 1) every node that depends, directly
 * or through others, on a marked node. Marks are added, never cleared. */
void graph_mark_dependents(size_t n, const size_t *const *deps, const size_t *ndeps, char *mark);

/* Marks every dependency, direct or not, of the marked nodes. */
void graph_mark_dependencies(size_t n, const size_t *const *deps, const size_t *ndeps, char *mark);

#endif
