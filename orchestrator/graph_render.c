/* graph_render.c — the configured stacks as text or Graphviz DOT, by
 * level (graph.c computes them); see graph_render.h. */
#include "graph_render.h"

#include <stdlib.h>

#include "graph.h"
#include "sbuf.h"

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
