/* trigger.c — which stacks a change runs; see trigger.h. */
#include "trigger.h"

#include "gate.h"
#include "graph.h"

#include <stdlib.h>
#include <string.h>

/* Skips "./" prefixes. */
static const char *trigger_clean(const char *p)
{
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    return p;
}

int trigger_path_in_dir(const char *path, const char *dir)
{
    path = trigger_clean(path);
    dir = trigger_clean(dir);
    size_t n = strlen(dir);
    while (n && dir[n - 1] == '/')
        n--;
    if (n == 0 || (n == 1 && dir[0] == '.'))
        return 1;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int trigger_select(Session *s, const char *branch, const char *commit, const char *const *changed,
                   size_t nchanged, char *selected, int *by_policy, char **err)
{
    const Config *c = s->cfg;
    memset(selected, 0, c->nstacks);
    *by_policy = 0;
    GateResult g;
    if (gate_trigger(s, branch, commit, changed, nchanged, &g, err) != 0)
        return -1;
    if (g.policies > 0) {
        *by_policy = 1;
        if (g.outcome == VETO_ERROR) {
            char *m = gate_messages(&g, "error");
            *err = session_fmt("the trigger policies raised an error: %s", m ? m : "");
            free(m);
            gate_result_clear(&g);
            return -1;
        }
        const Jd *results = jd_get(g.dec, "results");
        for (size_t i = 0; results && results->type == JD_ARR && i < results->n; i++) {
            const char *rule = jd_str(jd_get(results->items[i], "rule"));
            const char *name = jd_str(jd_get(results->items[i], "message"));
            if (!rule || strcmp(rule, "trigger") != 0 || !name)
                continue;
            const CfgStack *st = config_stack(c, name);
            if (!st) {
                const char *near = config_suggest_stack(c, name);
                *err = near ? session_fmt("a trigger policy names unknown stack '%s'; did you "
                                          "mean '%s'?",
                                          name, near)
                            : session_fmt("a trigger policy names unknown stack '%s'", name);
                gate_result_clear(&g);
                return -1;
            }
            selected[st - c->stacks] = 1;
        }
        gate_result_clear(&g);
        return 0;
    }
    gate_result_clear(&g);
    for (size_t i = 0; i < c->nstacks; i++)
        for (size_t k = 0; k < nchanged && !selected[i]; k++)
            if (trigger_path_in_dir(changed[k], c->stacks[i].dir_display))
                selected[i] = 1;
    const size_t **deps = calloc(c->nstacks + 1, sizeof *deps);
    size_t *ndeps = calloc(c->nstacks + 1, sizeof *ndeps);
    if (!deps || !ndeps) {
        free(deps);
        free(ndeps);
        *err = session_fmt("out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->nstacks; i++) {
        deps[i] = c->stacks[i].dep_idx;
        ndeps[i] = c->stacks[i].ndeps;
    }
    graph_mark_dependents(c->nstacks, deps, ndeps, selected);
    free(deps);
    free(ndeps);
    return 0;
}
