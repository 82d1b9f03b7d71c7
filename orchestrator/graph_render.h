/* graph_render.h — the configured stacks' dependency graph for people
 * (graph_render.c, `veto graph`). */
#ifndef VETO_ORCH_GRAPH_RENDER_H
#define VETO_ORCH_GRAPH_RENDER_H

#include "config.h"

/* The configured stacks as text (one line per stack, by level, with its
 * dependencies) or as Graphviz DOT (an edge from each dependency to its
 * dependent); malloc'd, NULL on OOM. The config has no cycles. */
char *graph_render_text(const Config *c);
char *graph_render_dot(const Config *c);

#endif
