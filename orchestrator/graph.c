/* graph.c — dependency order and levels by depth-first search; see graph.h. */
#include "graph.h"

#include "config.h"
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

/* Levels of the configured stacks; NULL on OOM (the config has no cycle). */
static int *graph_config_levels(const Config *c, int *max_level)
{
    size_t n = c->nstacks;
    int *level = calloc(n + 1, sizeof *level);
    size_t *cycle = calloc(n + 1, sizeof *cycle);
    const size_t **deps = calloc(n + 1, sizeof *deps);
    size_t *ndeps = calloc(n + 1, sizeof *ndeps);
    size_t ncycle;
    int ok = level && cycle && deps && ndeps;
    for (size_t i = 0; ok && i < n; i++) {
        deps[i] = c->stacks[i].dep_idx;
        ndeps[i] = c->stacks[i].ndeps;
    }
    if (ok && graph_levels(n, deps, ndeps, level, cycle, &ncycle) != 0)
        ok = 0;
    free(cycle);
    free(deps);
    free(ndeps);
    if (!ok) {
        free(level);
        return NULL;
    }
    *max_level = 0;
    for (size_t i = 0; i < n; i++)
        if (level[i] > *max_level)
            *max_level = level[i];
    return level;
}

char *graph_render_text(const Config *c)
{
    int maxl = 0;
    int *level = graph_config_levels(c, &maxl);
    if (!level)
        return NULL;
    Sbuf b = {0};
    for (int l = 0; l <= maxl && c->nstacks; l++) {
        sbuf_printf(&b, "level %d\n", l);
        for (size_t i = 0; i < c->nstacks; i++) {
            if (level[i] != l)
                continue;
            const CfgStack *s = &c->stacks[i];
            sbuf_printf(&b, "  %s", s->name);
            if (s->ndeps) {
                sbuf_puts(&b, "  <- ");
                for (size_t k = 0; k < s->ndeps; k++)
                    sbuf_printf(&b, "%s%s", k ? ", " : "", s->deps[k]);
            }
            sbuf_putc(&b, '\n');
        }
    }
    free(level);
    return sbuf_take(&b);
}

/* A DOT identifier: always quoted. */
static void graph_dot_id(Sbuf *b, const char *s) { sbuf_json_str(b, s); }

char *graph_render_dot(const Config *c)
{
    Sbuf b = {0};
    sbuf_puts(&b, "digraph stacks {\n  rankdir=LR;\n  node [shape=box];\n");
    for (size_t i = 0; i < c->nstacks; i++) {
        sbuf_puts(&b, "  ");
        graph_dot_id(&b, c->stacks[i].name);
        sbuf_puts(&b, ";\n");
    }
    for (size_t i = 0; i < c->nstacks; i++)
        for (size_t k = 0; k < c->stacks[i].ndeps; k++) {
            sbuf_puts(&b, "  ");
            graph_dot_id(&b, c->stacks[i].deps[k]);
            sbuf_puts(&b, " -> ");
            graph_dot_id(&b, c->stacks[i].name);
            sbuf_puts(&b, ";\n");
        }
    sbuf_puts(&b, "}\n");
    return sbuf_take(&b);
}
