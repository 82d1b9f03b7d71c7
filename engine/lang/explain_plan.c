/* explain_plan.c — planning, at compile time, what an explanation of a
 * rule shows; see explain_plan.h and docs/EXPLAIN.md.
 *
 * Owns: the RuleExplain records (program arena). Reads the rule's AST and
 * the unit's declarations; emits no code (codegen.c does, and records the
 * probes' pc ranges).
 */
#include "lang/explain_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "policy_tokens.h"
#include "vm/json_write.h"

#define EX_MAX_PROBES 64
#define EX_MAX_CONDS  32

/* ================================================================== */
/* compile time                                                        */
/* ================================================================== */

typedef struct Planner {
    Compiler *c;
    Unit *u;
    AstNode *rule;
    const char *var;
    AstNode *nodes[EX_MAX_PROBES];
    Probe probes[EX_MAX_PROBES];
    uint32_t n;
} Planner;

static void plan_add(Planner *pl, AstNode *n, ProbeKind kind, uint16_t cond)
{
    if (pl->n >= EX_MAX_PROBES)
        return;
    for (uint32_t i = 0; i < pl->n; i++)
        if (pl->probes[i].cond == cond && pl->probes[i].kind == kind &&
            pl->probes[i].off == n->off && pl->probes[i].len == n->len)
            return;
    Probe *p = &pl->probes[pl->n];
    memset(p, 0, sizeof *p);
    p->off = n->off;
    p->len = n->len;
    p->kind = (uint8_t)kind;
    p->cond = cond;
    pl->nodes[pl->n++] = n;
}

/* Is n a module alias (`tf` of `tf.changes`) rather than a value? */
static bool plan_is_module(const Planner *pl, const AstNode *n)
{
    if (n->kind != AST_NAME)
        return false;
    if (pl->var && strcmp(n->name, pl->var) == 0)
        return false;
    for (uint32_t i = 0; i < pl->rule->list.n; i++)
        if (strcmp(pl->rule->list.items[i]->name, n->name) == 0)
            return false;
    const Decl *d = units_find_decl(pl->u, n->name);
    return d && d->kind == DECL_USE;
}

static const AstNode *plan_root(const AstNode *n)
{
    while (n->kind == AST_FIELD || n->kind == AST_INDEX)
        n = n->a;
    return n;
}

static bool plan_is_path(const Planner *pl, const AstNode *n)
{
    const AstNode *r = plan_root(n);
    return r->kind == AST_NAME && !plan_is_module(pl, r);
}

static bool plan_is_comparison(int op)
{
    switch (op) {
    case TK_EQ:
    case TK_NE:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
    case TK_IN:
    case TK_NOTIN:
    case TK_MATCH:
    case TK_NOMATCH:
    case TK_LIKE:
        return true;
    default:
        return false;
    }
}

/* The values a condition reads: paths always, names and calls when they
 * are compared. Quantifier and comprehension bodies run many times and
 * are left out; their collections are in. */
static void plan_values(Planner *pl, AstNode *n, bool operand, uint16_t cond)
{
    if (!n)
        return;
    switch (n->kind) {
    case AST_NAME:
        if (operand && !plan_is_module(pl, n))
            plan_add(pl, n, PROBE_VALUE, cond);
        return;
    case AST_FIELD:
    case AST_INDEX:
        if (plan_is_path(pl, n))
            plan_add(pl, n, PROBE_VALUE, cond);
        return;
    case AST_CALL:
        if (operand)
            plan_add(pl, n, PROBE_VALUE, cond);
        for (uint32_t i = 0; i < n->list.n; i++)
            plan_values(pl, n->list.items[i], false, cond);
        return;
    case AST_BINARY:
        if (plan_is_comparison(n->op)) {
            plan_values(pl, n->a, true, cond);
            plan_values(pl, n->b, true, cond);
            return;
        }
        if (operand)
            plan_add(pl, n, PROBE_VALUE, cond);
        plan_values(pl, n->a, false, cond);
        plan_values(pl, n->b, false, cond);
        return;
    case AST_NOT:
    case AST_AND:
    case AST_OR:
    case AST_UNARY:
    case AST_IF:
        plan_values(pl, n->a, false, cond);
        plan_values(pl, n->b, false, cond);
        plan_values(pl, n->c, false, cond);
        return;
    case AST_ANY:
    case AST_ALL:
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        plan_values(pl, n->bind->a, false, cond);
        return;
    case AST_LET:
        plan_values(pl, n->a, false, cond);
        return;
    default:
        return;
    }
}

static void plan_conjuncts(AstNode *n, AstNode **out, uint32_t *count)
{
    if (n->kind == AST_AND) {
        plan_conjuncts(n->a, out, count);
        plan_conjuncts(n->b, out, count);
    } else if (*count < EX_MAX_CONDS) {
        out[(*count)++] = n;
    }
}

/* A path of the binding with constant keys: its depth, or -1. */
static int plan_binding_depth(const Planner *pl, const AstNode *n)
{
    int depth = 0;
    while (n->kind == AST_FIELD || n->kind == AST_INDEX) {
        if (n->kind == AST_INDEX && n->b->kind != AST_STRING && n->b->kind != AST_INT)
            return -1;
        depth++;
        n = n->a;
    }
    return n->kind == AST_NAME && pl->var && strcmp(n->name, pl->var) == 0 ? depth : -1;
}

static const char *plan_last_key(const AstNode *n)
{
    if (n->kind == AST_FIELD)
        return n->name;
    if (n->kind == AST_INDEX && n->b->kind == AST_STRING)
        return n->b->str;
    return "";
}

static bool plan_ident(const char *s, uint32_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

/* The program key (Program.keys index) of text s if the program already
 * has it — the one the rule's FIELD for that step will use, as codegen
 * reuses keys by interned id — else UINT32_MAX. Never adds a key: the
 * keys' order is part of the compiled program and of its hash. */
static uint32_t plan_key(const Compiler *c, const char *s, uint32_t len)
{
    const Program *p = c->prog;
    uint32_t kid = keys_lookup(c->engine->keys, s, len);
    for (uint32_t i = 0; kid && i < p->nkeys; i++)
        if (p->keys[i].kid == kid)
            return i;
    return UINT32_MAX;
}

/* Records the evidence path `node` (a binding path) in ex. */
static void plan_set_path(Planner *pl, RuleExplain *ex, const AstNode *node, int depth)
{
    Arena *a = &pl->c->prog->arena;
    Value *keys = arena_zalloc(a, (size_t)depth * sizeof(Value));
    uint32_t *keyix = arena_alloc(a, (size_t)depth * sizeof(uint32_t));
    if (!keys || !keyix)
        return;
    int i = depth;
    for (const AstNode *n = node; n->kind == AST_FIELD || n->kind == AST_INDEX; n = n->a) {
        i--;
        if (n->kind == AST_FIELD)
            keys[i] =
                value_str(arena_strndup(a, n->name, strlen(n->name)), (uint32_t)strlen(n->name));
        else if (n->b->kind == AST_STRING)
            keys[i] = value_str(arena_strndup(a, n->b->str, n->b->slen), n->b->slen);
        else
            keys[i] = value_int(n->b->ival);
        keyix[i] = keys[i].kind == V_STR ? plan_key(pl->c, keys[i].u.s, keys[i].n) : UINT32_MAX;
    }
    Buf b = BUF_INIT;
    for (int k = 0; k < depth; k++) {
        if (keys[k].kind == V_INT)
            buf_printf(&b, "[%lld]", (long long)keys[k].u.i);
        else if (plan_ident(keys[k].u.s, keys[k].n))
            buf_printf(&b, "%s%.*s", k ? "." : "", (int)keys[k].n, keys[k].u.s);
        else {
            buf_putc(&b, '[');
            json_write_string(&b, keys[k].u.s, keys[k].n);
            buf_putc(&b, ']');
        }
    }
    ex->ev_kind = EV_PATH;
    ex->ev_keys = keys;
    ex->ev_nkeys = (uint32_t)depth;
    ex->ev_keyix = keyix;
    ex->ev_path = b.p ? arena_strndup(a, b.p, b.len) : NULL;
    buf_free(&b);
    if (!ex->ev_path)
        ex->ev_kind = EV_NONE;
}

/* The first name a condition reads that is not the binding, a module or
 * a called function (for evidence without a binding path). */
static const AstNode *plan_first_name(const Planner *pl, const AstNode *n)
{
    if (!n)
        return NULL;
    switch (n->kind) {
    case AST_NAME:
        if ((pl->var && strcmp(n->name, pl->var) == 0) || plan_is_module(pl, n))
            return NULL;
        return n;
    case AST_CALL:
        for (uint32_t i = 0; i < n->list.n; i++) {
            const AstNode *r = plan_first_name(pl, n->list.items[i]);
            if (r)
                return r;
        }
        return NULL;
    case AST_ANY:
    case AST_ALL:
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        return plan_first_name(pl, n->bind->a);
    case AST_LET:
        return plan_first_name(pl, n->a);
    case AST_FIELD:
    case AST_INDEX:
        return plan_first_name(pl, plan_root(n));
    default: {
        const AstNode *r = plan_first_name(pl, n->a);
        if (!r)
            r = plan_first_name(pl, n->b);
        if (!r)
            r = plan_first_name(pl, n->c);
        return r;
    }
    }
}

/* Evidence: walking the conditions from the last, the deepest binding
 * path of the first condition that reads one (whole `after`/`before`
 * objects do not count); else the first name the last condition reads. */
static void plan_evidence(Planner *pl, RuleExplain *ex, AstNode **conds, uint32_t nconds)
{
    for (uint32_t ci = nconds; ci-- > 0;) {
        const AstNode *best = NULL;
        int best_depth = 0;
        for (uint32_t i = 0; i < pl->n; i++) {
            if (pl->probes[i].kind != PROBE_VALUE || pl->probes[i].cond != ci)
                continue;
            int d = plan_binding_depth(pl, pl->nodes[i]);
            const char *last = d > 0 ? plan_last_key(pl->nodes[i]) : "";
            if (d <= 0 || strcmp(last, "after") == 0 || strcmp(last, "before") == 0 ||
                strcmp(last, "change") == 0)
                continue;
            if (d > best_depth) {
                best = pl->nodes[i];
                best_depth = d;
            }
        }
        if (best) {
            plan_set_path(pl, ex, best, best_depth);
            return;
        }
    }
    if (nconds == 0)
        return;
    const AstNode *name = plan_first_name(pl, conds[nconds - 1]);
    if (name) {
        Arena *a = &pl->c->prog->arena;
        ex->ev_kind = EV_LOCAL; /* codegen resolves it: a rule let or a file-level let */
        ex->ev_name = arena_strndup(a, name->name, strlen(name->name));
        ex->ev_path = ex->ev_name;
    }
}

RuleExplain *explain_plan(Compiler *c, Unit *u, AstNode *rule, AstNode ***nodes)
{
    *nodes = NULL;
    Arena *pa = &c->prog->arena;
    Planner *pl = calloc(1, sizeof *pl);
    RuleExplain *ex = arena_zalloc(pa, sizeof *ex);
    if (!pl || !ex) {
        free(pl);
        return NULL;
    }
    pl->c = c;
    pl->u = u;
    pl->rule = rule;
    ex->loop_pc = UINT32_MAX;
    if (rule->bind) {
        pl->var = rule->bind->name2 ? rule->bind->name2 : rule->bind->name;
        ex->var = arena_strndup(pa, pl->var, strlen(pl->var));
        ex->coll_off = rule->bind->a->off;
        ex->coll_len = rule->bind->a->len;
    }
    for (uint32_t i = 0; i < rule->list.n; i++) {
        AstNode *let = rule->list.items[i];
        plan_add(pl, let->a, PROBE_LET, UINT16_MAX);
        if (pl->n && pl->nodes[pl->n - 1] == let->a)
            pl->probes[pl->n - 1].name = arena_strndup(pa, let->name, strlen(let->name));
    }
    AstNode *conds[EX_MAX_CONDS];
    uint32_t nconds = 0;
    if (rule->c)
        plan_conjuncts(rule->c, conds, &nconds);
    for (uint32_t i = 0; i < nconds; i++) {
        plan_add(pl, conds[i], PROBE_COND, (uint16_t)i);
        plan_values(pl, conds[i], false, (uint16_t)i);
    }
    plan_evidence(pl, ex, conds, nconds);
    ex->nprobes = pl->n;
    ex->probes = arena_zalloc(pa, (pl->n ? pl->n : 1) * sizeof(Probe));
    AstNode **nl = arena_alloc(&c->arena, (pl->n ? pl->n : 1) * sizeof(AstNode *));
    if (!ex->probes || !nl) {
        free(pl);
        return NULL;
    }
    memcpy(ex->probes, pl->probes, pl->n * sizeof(Probe));
    memcpy(nl, pl->nodes, pl->n * sizeof(AstNode *));
    *nodes = nl;
    free(pl);
    return ex;
}
