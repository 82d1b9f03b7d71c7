/* graph.c — dependency order and levels by depth-first search; see graph.h. */
#include "graph.h"

#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

typedef struct GraphWalk {
    size_t n;
    const size_t *const *deps;
    const size_t *ndeps;
    int *level;
    char *state;  /* 0 unvisited, 1 on the stack, 2 done */
    size_t *path; /* the current DFS path */
    size_t depth;
    size_t *cycle;
    size_t *ncycle;
} GraphWalk;

static int graph_visit(GraphWalk *w, size_t v)
{
    if (w->state[v] == 2)
        return 0;
    if (w->state[v] == 1) {
        /* v is on the path: the cycle is the path from v to its end. */
        size_t start = 0;
        while (w->path[start] != v)
            start++;
        *w->ncycle = 0;
        for (size_t i = start; i < w->depth; i++)
            w->cycle[(*w->ncycle)++] = w->path[i];
        return -1;
    }
    w->state[v] = 1;
    w->path[w->depth++] = v;
    int lvl = 0;
    for (size_t k = 0; k < w->ndeps[v]; k++) {
        size_t d = w->deps[v][k];
        if (graph_visit(w, d) != 0)
            return -1;
        if (w->level[d] + 1 > lvl)
            lvl = w->level[d] + 1;
    }
    w->depth--;
    w->state[v] = 2;
    w->level[v] = lvl;
    return 0;
}

int graph_levels(size_t n, const size_t *const *deps, const size_t *ndeps, int *level,
                 size_t *cycle, size_t *ncycle)
{
    GraphWalk w = {n, deps,  ndeps, level, calloc(n + 1, 1), calloc(n + 1, sizeof(size_t)),
                   0, cycle, ncycle};
    int rc = 0;
    *ncycle = 0;
    if (!w.state || !w.path)
        rc = -2;
    for (size_t v = 0; rc == 0 && v < n; v++)
        rc = graph_visit(&w, v);
    free(w.state);
    free(w.path);
    return rc == -2 ? -1 : rc;
}

void graph_mark_dependents(size_t n, const size_t *const *deps, const size_t *ndeps, char *mark)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t v = 0; v < n; v++)
            for (size_t k = 0; !mark[v] && k < ndeps[v]; k++)
                if (mark[deps[v][k]])
                    mark[v] = changed = 1;
    }
}

void graph_mark_dependencies(size_t n, const size_t *const *deps, const size_t *ndeps, char *mark)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t v = 0; v < n; v++)
            if (mark[v])
                for (size_t k = 0; k < ndeps[v]; k++)
                    if (!mark[deps[v][k]])
                        mark[deps[v][k]] = changed = 1;
    }
}
