/* config.c — reading veto.yaml with libyaml's document API; see config.h.
 *
 * The loader walks the document tree once. Each mapping is checked against
 * the keys its section allows; values are checked by type. Errors collect
 * in a list (capped) so one run shows them all; positions come from the
 * libyaml node marks, which are 0-based and converted here.
 */
#include "config.h"

#include "graph.h"
#include "sbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CFG_MAX_ERRORS 20

typedef struct CfgLoad {
    yaml_document_t doc;
    const char *file; /* the path as given, for messages */
    Config *c;
    Sbuf errors;
    int nerrors;
} CfgLoad;

static void cfg_error_at(CfgLoad *L, size_t line0, size_t col0, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cfg_error_at(CfgLoad *L, size_t line0, size_t col0, const char *fmt, ...)
{
    if (++L->nerrors > CFG_MAX_ERRORS)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sbuf_printf(&L->errors, "%s:%zu:%zu: error: %s\n", L->file, line0 + 1, col0 + 1, msg);
}

#define CFG_ERR(L, node, ...)                                                                      \
    cfg_error_at((L), (node)->start_mark.line, (node)->start_mark.column, __VA_ARGS__)

static yaml_node_t *cfg_node(CfgLoad *L, int index)
{
    return yaml_document_get_node(&L->doc, index);
}

/* Levenshtein distance, capped: for "did you mean". */
static size_t cfg_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

/* The nearest of names[] to s within distance 2 (or 3 for long words). */
static const char *cfg_nearest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = strlen(s) / 3 + 1; /* at most a third of the word wrong */
    for (size_t i = 0; i < n; i++) {
        size_t d = cfg_distance(s, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

static const char *cfg_scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *cfg_type_name(yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

static char *cfg_strdup(CfgLoad *L, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        L->errors.oom = 1;
    return d;
}

/* A string value: a scalar. Returns owned text or NULL (error reported). */
static char *cfg_string(CfgLoad *L, yaml_node_t *n, const char *what)
{
    const char *s = cfg_scalar(n);
    if (!s) {
        CFG_ERR(L, n, "%s must be a string, not %s", what, cfg_type_name(n));
        return NULL;
    }
    return cfg_strdup(L, s);
}

/* A non-empty string. */
static char *cfg_nonempty(CfgLoad *L, yaml_node_t *n, const char *what)
{
    char *s = cfg_string(L, n, what);
    if (s && !*s) {
        CFG_ERR(L, n, "%s must not be empty", what);
        free(s);
        return NULL;
    }
    return s;
}

static int cfg_bool(CfgLoad *L, yaml_node_t *n, const char *what, int *out)
{
    const char *s = cfg_scalar(n);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)) {
        *out = 1;
        return 0;
    }
    if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)) {
        *out = 0;
        return 0;
    }
    CFG_ERR(L, n, "%s must be true or false", what);
    return -1;
}

/* A duration: seconds as an integer, or a number with s, m or h. */
static int cfg_duration(CfgLoad *L, yaml_node_t *n, const char *what, long *out)
{
    const char *s = cfg_scalar(n);
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    long mult = 1;
    if (s && end != s && !errno) {
        if (strcmp(end, "s") == 0 || *end == '\0')
            mult = 1;
        else if (strcmp(end, "m") == 0)
            mult = 60;
        else if (strcmp(end, "h") == 0)
            mult = 3600;
        else
            end = NULL;
    } else {
        end = NULL;
    }
    if (!end || v <= 0 || v > 7 * 24 * 3600 / mult) {
        CFG_ERR(L, n, "%s must be a positive duration like 90, 90s, 15m or 2h (at most a week)",
                what);
        return -1;
    }
    *out = v * mult;
    return 0;
}

/* A list of strings; a single string is a list of one. */
static int cfg_strings(CfgLoad *L, yaml_node_t *n, const char *what, char ***out, size_t *nout)
{
    if (n->type == YAML_SCALAR_NODE) {
        *out = calloc(1, sizeof **out);
        if (!*out)
            return L->errors.oom = 1, -1;
        (*out)[0] = cfg_nonempty(L, n, what);
        *nout = (*out)[0] ? 1 : 0;
        return (*out)[0] ? 0 : -1;
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        CFG_ERR(L, n, "%s must be a list of strings, not %s", what, cfg_type_name(n));
        return -1;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = calloc(cnt + 1, sizeof **out);
    if (!*out)
        return L->errors.oom = 1, -1;
    *nout = 0;
    for (size_t i = 0; i < cnt; i++) {
        char *s = cfg_nonempty(L, cfg_node(L, n->data.sequence.items.start[i]), what);
        if (s)
            (*out)[(*nout)++] = s;
    }
    return 0;
}

/* Iterates a mapping's pairs; checks keys against allowed (NULL-terminated)
 * and reports unknown and duplicate keys. Returns the number of pairs. */
typedef struct CfgPair {
    const char *key;
    yaml_node_t *knode;
    yaml_node_t *value;
} CfgPair;

static size_t cfg_pairs(CfgLoad *L, yaml_node_t *map, const char *section,
                        const char *const *allowed, CfgPair *out, size_t max)
{
    size_t n = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = cfg_node(L, p->key);
        yaml_node_t *v = cfg_node(L, p->value);
        const char *key = cfg_scalar(k);
        if (!key) {
            CFG_ERR(L, k, "%s: keys must be strings", section);
            continue;
        }
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(out[i].key, key) == 0)
                dup = 1;
        if (dup) {
            CFG_ERR(L, k, "%s: duplicate key '%s'", section, key);
            continue;
        }
        if (allowed) {
            size_t na = 0;
            int known = 0;
            while (allowed[na]) {
                if (strcmp(allowed[na], key) == 0)
                    known = 1;
                na++;
            }
            if (!known) {
                const char *near = cfg_nearest(key, allowed, na);
                if (near)
                    CFG_ERR(L, k, "%s: unknown key '%s'; did you mean '%s'?", section, key, near);
                else {
                    Sbuf list = {0};
                    for (size_t i = 0; i < na; i++)
                        sbuf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
                    CFG_ERR(L, k, "%s: unknown key '%s' (known keys: %s)", section, key,
                            sbuf_str(&list));
                    sbuf_free(&list);
                }
                continue;
            }
        }
        if (n < max)
            out[n++] = (CfgPair){key, k, v};
    }
    return n;
}

static int cfg_is_map(CfgLoad *L, yaml_node_t *n, const char *what)
{
    if (n->type == YAML_MAPPING_NODE)
        return 1;
    CFG_ERR(L, n, "%s must be a mapping, not %s", what, cfg_type_name(n));
    return 0;
}

/* Joins a relative path to the config's directory; owned. */
static char *cfg_resolve(CfgLoad *L, const char *p)
{
    Sbuf b = {0};
    if (p[0] == '/' || strcmp(L->c->base_dir, ".") == 0)
        sbuf_puts(&b, p);
    else
        sbuf_printf(&b, "%s/%s", L->c->base_dir, p);
    char *s = sbuf_take(&b);
    if (!s)
        L->errors.oom = 1;
    return s;
}

/* Stack defaults, from the `defaults` section. */
typedef struct CfgDefaults {
    char *plan, *apply, *outputs, *drift;
    long timeout;
    int auto_apply;
    CfgEnv *env;
    size_t nenv;
} CfgDefaults;

static int cfg_env(CfgLoad *L, yaml_node_t *n, const char *where, CfgEnv **out, size_t *nout)
{
    if (!cfg_is_map(L, n, "env"))
        return -1;
    CfgPair pairs[256];
    size_t np = cfg_pairs(L, n, where, NULL, pairs, 256);
    *out = calloc(np + 1, sizeof **out);
    if (!*out)
        return L->errors.oom = 1, -1;
    *nout = 0;
    for (size_t i = 0; i < np; i++) {
        CfgEnv e = {0};
        const char *name = pairs[i].key;
        int ok = name[0] != '\0' && !(name[0] >= '0' && name[0] <= '9');
        for (const char *q = name; *q; q++)
            if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
                  (*q >= '0' && *q <= '9') || *q == '_'))
                ok = 0;
        if (!ok) {
            CFG_ERR(L, pairs[i].knode, "env: '%s' is not a valid environment variable name", name);
            continue;
        }
        yaml_node_t *v = pairs[i].value;
        if (v->type == YAML_MAPPING_NODE) {
            static const char *const keys[] = {"value", "sensitive", NULL};
            CfgPair vp[2];
            size_t nv = cfg_pairs(L, v, "env variable", keys, vp, 2);
            for (size_t k = 0; k < nv; k++) {
                if (strcmp(vp[k].key, "value") == 0)
                    e.value = cfg_string(L, vp[k].value, "env value");
                else
                    cfg_bool(L, vp[k].value, "sensitive", &e.sensitive);
            }
            if (!e.value) {
                int has = 0;
                for (size_t k = 0; k < nv; k++)
                    has |= strcmp(vp[k].key, "value") == 0;
                if (!has)
                    CFG_ERR(L, v, "env variable '%s' needs a value", name);
            }
        } else {
            e.value = cfg_string(L, v, "env value");
        }
        if (!e.value)
            continue;
        e.name = cfg_strdup(L, name);
        (*out)[(*nout)++] = e;
    }
    return 0;
}

static void cfg_defaults(CfgLoad *L, yaml_node_t *n, CfgDefaults *d)
{
    static const char *const keys[] = {"plan",    "apply",      "outputs", "drift",
                                       "timeout", "auto_apply", "env",     NULL};
    if (!cfg_is_map(L, n, "defaults"))
        return;
    CfgPair pairs[16];
    size_t np = cfg_pairs(L, n, "defaults", keys, pairs, 16);
    for (size_t i = 0; i < np; i++) {
        const char *k = pairs[i].key;
        yaml_node_t *v = pairs[i].value;
        if (strcmp(k, "plan") == 0)
            free(d->plan), d->plan = cfg_nonempty(L, v, "defaults.plan");
        else if (strcmp(k, "apply") == 0)
            free(d->apply), d->apply = cfg_nonempty(L, v, "defaults.apply");
        else if (strcmp(k, "outputs") == 0)
            free(d->outputs), d->outputs = cfg_string(L, v, "defaults.outputs");
        else if (strcmp(k, "drift") == 0)
            free(d->drift), d->drift = cfg_nonempty(L, v, "defaults.drift");
        else if (strcmp(k, "timeout") == 0)
            cfg_duration(L, v, "defaults.timeout", &d->timeout);
        else if (strcmp(k, "auto_apply") == 0)
            cfg_bool(L, v, "defaults.auto_apply", &d->auto_apply);
        else
            cfg_env(L, v, "defaults.env", &d->env, &d->nenv);
    }
}

static int cfg_valid_stack_name(const char *s)
{
    if (!*s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* Where each stack's depends_on entries sit, for error positions. */
typedef struct CfgDepPos {
    yaml_node_t **nodes;
} CfgDepPos;

static void cfg_stack(CfgLoad *L, CfgStack *s, yaml_node_t *n, const CfgDefaults *d, CfgDepPos *pos)
{
    static const char *const keys[] = {
        "dir",    "plan",       "apply",    "outputs",    "drift",       "env", "timeout",
        "labels", "depends_on", "policies", "auto_apply", "description", NULL};
    s->timeout = d->timeout;
    s->auto_apply = d->auto_apply;
    char section[160];
    snprintf(section, sizeof section, "stack '%s'", s->name);
    if (!cfg_is_map(L, n, section))
        return;
    CfgPair pairs[16];
    size_t np = cfg_pairs(L, n, section, keys, pairs, 16);
    CfgEnv *own_env = NULL;
    size_t own_nenv = 0;
    for (size_t i = 0; i < np; i++) {
        const char *k = pairs[i].key;
        yaml_node_t *v = pairs[i].value;
        if (strcmp(k, "dir") == 0) {
            s->dir_display = cfg_nonempty(L, v, "dir");
        } else if (strcmp(k, "plan") == 0) {
            s->plan_cmd = cfg_nonempty(L, v, "plan");
        } else if (strcmp(k, "apply") == 0) {
            s->apply_cmd = cfg_nonempty(L, v, "apply");
        } else if (strcmp(k, "outputs") == 0) {
            s->outputs_cmd = cfg_string(L, v, "outputs");
        } else if (strcmp(k, "drift") == 0) {
            s->drift_cmd = cfg_nonempty(L, v, "drift");
        } else if (strcmp(k, "env") == 0) {
            cfg_env(L, v, "env", &own_env, &own_nenv);
        } else if (strcmp(k, "timeout") == 0) {
            cfg_duration(L, v, "timeout", &s->timeout);
        } else if (strcmp(k, "labels") == 0) {
            cfg_strings(L, v, "labels", &s->labels, &s->nlabels);
        } else if (strcmp(k, "depends_on") == 0) {
            if (cfg_strings(L, v, "depends_on", &s->deps, &s->ndeps) == 0) {
                pos->nodes = calloc(s->ndeps + 1, sizeof *pos->nodes);
                for (size_t j = 0; pos->nodes && j < s->ndeps; j++)
                    pos->nodes[j] = v->type == YAML_SEQUENCE_NODE
                                        ? cfg_node(L, v->data.sequence.items.start[j])
                                        : v;
            }
        } else if (strcmp(k, "policies") == 0) {
            char **paths = NULL;
            size_t npaths = 0;
            if (cfg_strings(L, v, "policies", &paths, &npaths) == 0) {
                s->policies = calloc(npaths + 1, sizeof *s->policies);
                for (size_t j = 0; s->policies && j < npaths; j++)
                    s->policies[s->npolicies++] = cfg_resolve(L, paths[j]);
            }
            for (size_t j = 0; j < npaths; j++)
                free(paths[j]);
            free(paths);
        } else if (strcmp(k, "auto_apply") == 0) {
            cfg_bool(L, v, "auto_apply", &s->auto_apply);
        }
        /* description: free text, accepted and not used by the engine. */
    }
    if (!s->dir_display)
        s->dir_display = cfg_strdup(L, ".");
    s->dir = cfg_resolve(L, s->dir_display ? s->dir_display : ".");
    if (!s->plan_cmd)
        s->plan_cmd = cfg_strdup(L, d->plan ? d->plan : CONFIG_DEFAULT_PLAN);
    if (!s->apply_cmd)
        s->apply_cmd = cfg_strdup(L, d->apply ? d->apply : CONFIG_DEFAULT_APPLY);
    if (!s->outputs_cmd)
        s->outputs_cmd = cfg_strdup(L, d->outputs ? d->outputs : CONFIG_DEFAULT_OUTPUTS);
    if (!s->drift_cmd)
        s->drift_cmd = cfg_strdup(L, d->drift ? d->drift : CONFIG_DEFAULT_DRIFT);
    /* env: the defaults, then the stack's own (which win on a name clash). */
    s->env = calloc(d->nenv + own_nenv + 1, sizeof *s->env);
    if (!s->env) {
        L->errors.oom = 1;
    } else {
        for (size_t i = 0; i < d->nenv; i++) {
            int overridden = 0;
            for (size_t j = 0; j < own_nenv; j++)
                overridden |= strcmp(own_env[j].name, d->env[i].name) == 0;
            if (overridden)
                continue;
            s->env[s->nenv].name = cfg_strdup(L, d->env[i].name);
            s->env[s->nenv].value = cfg_strdup(L, d->env[i].value);
            s->env[s->nenv++].sensitive = d->env[i].sensitive;
        }
        for (size_t j = 0; j < own_nenv; j++)
            s->env[s->nenv++] = own_env[j];
        own_nenv = 0;
    }
    for (size_t j = 0; j < own_nenv; j++) {
        free(own_env[j].name);
        free(own_env[j].value);
    }
    free(own_env);
}

static void cfg_policies(CfgLoad *L, yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        CFG_ERR(L, n, "policies must be a list of paths or {path, labels} entries, not %s",
                cfg_type_name(n));
        return;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    Config *c = L->c;
    c->policies = calloc(cnt + 1, sizeof *c->policies);
    if (!c->policies) {
        L->errors.oom = 1;
        return;
    }
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *e = cfg_node(L, n->data.sequence.items.start[i]);
        CfgPolicySet ps = {0};
        char *path = NULL;
        if (e->type == YAML_MAPPING_NODE) {
            static const char *const keys[] = {"path", "labels", NULL};
            CfgPair pairs[2];
            size_t np = cfg_pairs(L, e, "policies entry", keys, pairs, 2);
            for (size_t k = 0; k < np; k++) {
                if (strcmp(pairs[k].key, "path") == 0)
                    path = cfg_nonempty(L, pairs[k].value, "policies path");
                else
                    cfg_strings(L, pairs[k].value, "labels", &ps.labels, &ps.nlabels);
            }
            if (!path)
                CFG_ERR(L, e, "policies entry needs a path");
        } else {
            path = cfg_nonempty(L, e, "policies entry");
        }
        if (!path) {
            for (size_t k = 0; k < ps.nlabels; k++)
                free(ps.labels[k]);
            free(ps.labels);
            continue;
        }
        ps.path = cfg_resolve(L, path);
        free(path);
        c->policies[c->npolicies++] = ps;
    }
}

static CfgPerson *cfg_person(CfgLoad *L, const char *name)
{
    Config *c = L->c;
    for (size_t i = 0; i < c->npeople; i++)
        if (strcmp(c->people[i].name, name) == 0)
            return &c->people[i];
    CfgPerson *p = realloc(c->people, (c->npeople + 1) * sizeof *p);
    if (!p) {
        L->errors.oom = 1;
        return NULL;
    }
    c->people = p;
    p = &c->people[c->npeople++];
    memset(p, 0, sizeof *p);
    p->name = cfg_strdup(L, name);
    return p;
}

static void cfg_person_add_team(CfgLoad *L, CfgPerson *p, const char *team)
{
    for (size_t i = 0; i < p->nteams; i++)
        if (strcmp(p->teams[i], team) == 0)
            return;
    char **t = realloc(p->teams, (p->nteams + 1) * sizeof *t);
    if (!t) {
        L->errors.oom = 1;
        return;
    }
    p->teams = t;
    p->teams[p->nteams++] = cfg_strdup(L, team);
}

/* people: {NAME: {teams: [...]}} */
static void cfg_people(CfgLoad *L, yaml_node_t *n)
{
    if (!cfg_is_map(L, n, "people"))
        return;
    CfgPair pairs[1024];
    size_t np = cfg_pairs(L, n, "people", NULL, pairs, 1024);
    for (size_t i = 0; i < np; i++) {
        CfgPerson *p = cfg_person(L, pairs[i].key);
        yaml_node_t *v = pairs[i].value;
        if (!p)
            return;
        if (v->type == YAML_SCALAR_NODE && !*cfg_scalar(v))
            continue; /* `alice:` with nothing: a person in no team */
        char section[160];
        snprintf(section, sizeof section, "person '%s'", pairs[i].key);
        if (!cfg_is_map(L, v, section))
            continue;
        static const char *const keys[] = {"teams", "email", "name", NULL};
        CfgPair pp[3];
        size_t npp = cfg_pairs(L, v, section, keys, pp, 3);
        for (size_t k = 0; k < npp; k++) {
            if (strcmp(pp[k].key, "teams") != 0)
                continue;
            char **teams = NULL;
            size_t nteams = 0;
            cfg_strings(L, pp[k].value, "teams", &teams, &nteams);
            for (size_t t = 0; t < nteams; t++) {
                cfg_person_add_team(L, p, teams[t]);
                free(teams[t]);
            }
            free(teams);
        }
    }
}

/* teams: {TEAM: [people]} — the same directory seen from the other side. */
static void cfg_teams(CfgLoad *L, yaml_node_t *n)
{
    if (!cfg_is_map(L, n, "teams"))
        return;
    CfgPair pairs[1024];
    size_t np = cfg_pairs(L, n, "teams", NULL, pairs, 1024);
    for (size_t i = 0; i < np; i++) {
        char **members = NULL;
        size_t nm = 0;
        char what[160];
        snprintf(what, sizeof what, "members of team '%s'", pairs[i].key);
        cfg_strings(L, pairs[i].value, what, &members, &nm);
        for (size_t m = 0; m < nm; m++) {
            CfgPerson *p = cfg_person(L, members[m]);
            if (p)
                cfg_person_add_team(L, p, pairs[i].key);
            free(members[m]);
        }
        free(members);
    }
}

static void cfg_stacks(CfgLoad *L, yaml_node_t *n, const CfgDefaults *d)
{
    Config *c = L->c;
    if (!cfg_is_map(L, n, "stacks"))
        return;
    CfgPair pairs[1024];
    size_t np = cfg_pairs(L, n, "stacks", NULL, pairs, 1024);
    c->stacks = calloc(np + 1, sizeof *c->stacks);
    CfgDepPos *pos = calloc(np + 1, sizeof *pos);
    if (!c->stacks || !pos) {
        free(pos);
        L->errors.oom = 1;
        return;
    }
    for (size_t i = 0; i < np; i++) {
        if (!cfg_valid_stack_name(pairs[i].key)) {
            CFG_ERR(L, pairs[i].knode,
                    "stack name '%s' must start with a letter or digit and hold only letters, "
                    "digits, '_', '-' and '.'",
                    pairs[i].key);
            continue;
        }
        CfgStack *s = &c->stacks[c->nstacks];
        s->name = cfg_strdup(L, pairs[i].key);
        s->line = (int)pairs[i].knode->start_mark.line + 1;
        s->col = (int)pairs[i].knode->start_mark.column + 1;
        cfg_stack(L, s, pairs[i].value, d, &pos[c->nstacks]);
        c->nstacks++;
    }
    /* Resolve depends_on, then look for cycles. */
    const char **names = calloc(c->nstacks + 1, sizeof *names);
    for (size_t i = 0; names && i < c->nstacks; i++)
        names[i] = c->stacks[i].name;
    for (size_t i = 0; names && i < c->nstacks; i++) {
        CfgStack *s = &c->stacks[i];
        s->dep_idx = calloc(s->ndeps + 1, sizeof *s->dep_idx);
        if (!s->dep_idx) {
            L->errors.oom = 1;
            break;
        }
        size_t kept = 0;
        for (size_t k = 0; k < s->ndeps; k++) {
            yaml_node_t *at = pos[i].nodes ? pos[i].nodes[k] : pairs[i].value;
            const CfgStack *dep = config_stack(c, s->deps[k]);
            if (!dep) {
                const char *near = cfg_nearest(s->deps[k], names, c->nstacks);
                if (near)
                    CFG_ERR(L, at, "stack '%s' depends on unknown stack '%s'; did you mean '%s'?",
                            s->name, s->deps[k], near);
                else
                    CFG_ERR(L, at, "stack '%s' depends on unknown stack '%s'", s->name, s->deps[k]);
                free(s->deps[k]);
                continue;
            }
            if (dep == s) {
                CFG_ERR(L, at, "stack '%s' depends on itself", s->name);
                free(s->deps[k]);
                continue;
            }
            s->deps[kept] = s->deps[k];
            s->dep_idx[kept++] = (size_t)(dep - c->stacks);
        }
        s->ndeps = kept;
    }
    free(names);
    if (c->nstacks && !L->errors.oom) {
        const size_t **deps = calloc(c->nstacks, sizeof *deps);
        size_t *ndeps = calloc(c->nstacks, sizeof *ndeps);
        int *level = calloc(c->nstacks, sizeof *level);
        size_t *cycle = calloc(c->nstacks, sizeof *cycle);
        size_t ncycle = 0;
        if (deps && ndeps && level && cycle) {
            for (size_t i = 0; i < c->nstacks; i++) {
                deps[i] = c->stacks[i].dep_idx;
                ndeps[i] = c->stacks[i].ndeps;
            }
            if (graph_levels(c->nstacks, deps, ndeps, level, cycle, &ncycle) != 0 && ncycle) {
                Sbuf b = {0};
                for (size_t k = 0; k < ncycle; k++)
                    sbuf_printf(&b, "%s -> ", c->stacks[cycle[k]].name);
                sbuf_puts(&b, c->stacks[cycle[0]].name);
                const CfgStack *first = &c->stacks[cycle[0]];
                cfg_error_at(L, (size_t)first->line - 1, (size_t)first->col - 1,
                             "dependency cycle: %s", sbuf_str(&b));
                sbuf_free(&b);
            }
        } else {
            L->errors.oom = 1;
        }
        free(deps);
        free(ndeps);
        free(level);
        free(cycle);
    }
    for (size_t i = 0; i < np; i++)
        free(pos[i].nodes);
    free(pos);
}

static char *cfg_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static void cfg_document(CfgLoad *L)
{
    static const char *const keys[] = {"version",  "store",  "defaults", "stacks",
                                       "policies", "people", "teams",    NULL};
    yaml_node_t *root = yaml_document_get_root_node(&L->doc);
    if (!root) {
        cfg_error_at(L, 0, 0, "the file is empty; it needs at least a 'stacks' mapping");
        return;
    }
    if (!cfg_is_map(L, root, "the top level"))
        return;
    CfgPair pairs[16];
    size_t np = cfg_pairs(L, root, "top level", keys, pairs, 16);
    CfgDefaults d = {NULL, NULL, NULL, NULL, CONFIG_DEFAULT_TIMEOUT, 1, NULL, 0};
    yaml_node_t *stacks = NULL;
    for (size_t i = 0; i < np; i++) {
        const char *k = pairs[i].key;
        yaml_node_t *v = pairs[i].value;
        if (strcmp(k, "version") == 0) {
            const char *s = cfg_scalar(v);
            if (!s || strcmp(s, "1") != 0)
                CFG_ERR(L, v, "version must be 1 (the only version of this format)");
        } else if (strcmp(k, "store") == 0) {
            char *s = cfg_nonempty(L, v, "store");
            if (s) {
                free(L->c->store_path);
                L->c->store_path = strstr(s, "://") ? cfg_strdup(L, s) : cfg_resolve(L, s);
            }
            free(s);
        } else if (strcmp(k, "defaults") == 0) {
            cfg_defaults(L, v, &d);
        } else if (strcmp(k, "stacks") == 0) {
            stacks = v;
        } else if (strcmp(k, "policies") == 0) {
            cfg_policies(L, v);
        } else if (strcmp(k, "people") == 0) {
            cfg_people(L, v);
        } else {
            cfg_teams(L, v);
        }
    }
    if (stacks)
        cfg_stacks(L, stacks, &d);
    else if (!L->nerrors)
        cfg_error_at(L, root->start_mark.line, root->start_mark.column,
                     "no 'stacks' mapping: the file defines nothing to run");
    free(d.plan);
    free(d.apply);
    free(d.outputs);
    free(d.drift);
    for (size_t i = 0; i < d.nenv; i++) {
        free(d.env[i].name);
        free(d.env[i].value);
    }
    free(d.env);
}

Config *config_load(const char *path, char **errors)
{
    *errors = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        Sbuf b = {0};
        sbuf_printf(&b, "cannot read config '%s': %s\n", path, strerror(errno));
        *errors = sbuf_take(&b);
        return NULL;
    }
    CfgLoad L;
    memset(&L, 0, sizeof L);
    L.file = path;
    L.c = calloc(1, sizeof *L.c);
    yaml_parser_t parser;
    int parsed = 0;
    if (L.c && yaml_parser_initialize(&parser)) {
        yaml_parser_set_input_file(&parser, f);
        if (!yaml_parser_load(&parser, &L.doc)) {
            yaml_mark_t m = parser.problem_mark;
            if (parser.error == YAML_MEMORY_ERROR)
                L.errors.oom = 1;
            else
                cfg_error_at(&L, m.line, m.column, "invalid YAML: %s%s%s",
                             parser.problem ? parser.problem : "syntax error",
                             parser.context ? " " : "", parser.context ? parser.context : "");
        } else {
            parsed = 1;
        }
        yaml_parser_delete(&parser);
    } else {
        L.errors.oom = 1;
    }
    fclose(f);
    if (parsed) {
        L.c->path = cfg_strdup(&L, path);
        L.c->base_dir = cfg_dirname(path);
        if (!L.c->base_dir)
            L.errors.oom = 1;
        else
            L.c->store_path = cfg_resolve(&L, ".veto/veto.db");
        if (!L.errors.oom)
            cfg_document(&L);
        yaml_document_delete(&L.doc);
    }
    if (L.errors.oom) {
        sbuf_free(&L.errors);
        *errors = strdup("out of memory reading the config\n");
    } else if (L.nerrors) {
        if (L.nerrors > CFG_MAX_ERRORS)
            sbuf_printf(&L.errors, "%s: too many errors (%d); showing the first %d\n", path,
                        L.nerrors, CFG_MAX_ERRORS);
        *errors = sbuf_take(&L.errors);
    }
    if (L.errors.oom || L.nerrors) {
        config_free(L.c);
        return NULL;
    }
    sbuf_free(&L.errors);
    return L.c;
}

static void cfg_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void config_free(Config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nstacks; i++) {
        CfgStack *s = &c->stacks[i];
        free(s->name);
        free(s->dir);
        free(s->dir_display);
        free(s->plan_cmd);
        free(s->apply_cmd);
        free(s->outputs_cmd);
        free(s->drift_cmd);
        cfg_free_strings(s->labels, s->nlabels);
        cfg_free_strings(s->deps, s->ndeps);
        free(s->dep_idx);
        for (size_t k = 0; k < s->nenv; k++) {
            free(s->env[k].name);
            free(s->env[k].value);
        }
        free(s->env);
        cfg_free_strings(s->policies, s->npolicies);
    }
    free(c->stacks);
    for (size_t i = 0; i < c->npolicies; i++) {
        free(c->policies[i].path);
        cfg_free_strings(c->policies[i].labels, c->policies[i].nlabels);
    }
    free(c->policies);
    for (size_t i = 0; i < c->npeople; i++) {
        free(c->people[i].name);
        cfg_free_strings(c->people[i].teams, c->people[i].nteams);
    }
    free(c->people);
    free(c->path);
    free(c->base_dir);
    free(c->store_path);
    free(c);
}

const CfgStack *config_stack(const Config *c, const char *name)
{
    for (size_t i = 0; i < c->nstacks; i++)
        if (strcmp(c->stacks[i].name, name) == 0)
            return &c->stacks[i];
    return NULL;
}

const char *config_suggest_stack(const Config *c, const char *name)
{
    const char *best = NULL;
    size_t best_d = strlen(name) / 3 + 1;
    for (size_t i = 0; i < c->nstacks; i++) {
        size_t d = cfg_distance(name, c->stacks[i].name);
        if (d < best_d) {
            best_d = d;
            best = c->stacks[i].name;
        }
    }
    return best;
}

char **config_teams(const Config *c, const char *name, size_t *n)
{
    for (size_t i = 0; i < c->npeople; i++)
        if (strcmp(c->people[i].name, name) == 0) {
            *n = c->people[i].nteams;
            return c->people[i].teams;
        }
    *n = 0;
    return NULL;
}

int config_has_label(const CfgStack *s, const char *label)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (strcmp(s->labels[i], label) == 0)
            return 1;
    return 0;
}
