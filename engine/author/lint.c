/* lint.c — warnings over compiled ASTs; see lint.h and docs/LINT.md.
 *
 * One scope-aware walk per declaration finds unused local `let`s and
 * shadowed names; every chain of `and` is searched for comparisons that
 * contradict each other; rule conditions are constant-folded with the
 * code generator's folding. File-level declarations use the `used` flags
 * code generation leaves on each Decl. Owns nothing past the call: every
 * finding is a DIAG_WARNING copied into the diagnostic list.
 */
#include "author/lint.h"
#include "lang/codegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "policy_tokens.h"

#define LINT_MAX_LOCALS 256
#define LINT_MAX_FACTS  64

typedef struct LintLocal {
    const char *name;
    uint32_t off, len; /* where it is declared (the name) */
    bool used;
    bool check_unused; /* `let`s: warn when never read */
} LintLocal;

typedef struct Lint {
    Compiler *c;
    Unit *u;
    LintLocal locals[LINT_MAX_LOCALS];
    uint32_t n;
} Lint;

static void lint_expr(Lint *l, AstNode *n);

/* ---- positions ----------------------------------------------------------- */

static bool lint_ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* Offset of identifier `name` as a whole word in [off, off+len) of the
 * unit's text at or after `from`; `off` when it is not found. */
static uint32_t lint_find_name(const Unit *u, uint32_t off, uint32_t len, uint32_t from,
                               const char *name)
{
    const char *t = u->src->text;
    size_t nl = strlen(name), end = (size_t)off + len;
    if (end > u->src->len)
        end = u->src->len;
    for (size_t i = from; i + nl <= end; i++) {
        if (memcmp(t + i, name, nl) != 0)
            continue;
        if (i > 0 && lint_ident_char(t[i - 1]))
            continue;
        if (i + nl < u->src->len && lint_ident_char(t[i + nl]))
            continue;
        return (uint32_t)i;
    }
    return off;
}

/* The name declared by a `let` node (skips the keyword). */
static uint32_t lint_let_name_off(const Unit *u, const AstNode *n)
{
    return lint_find_name(u, n->off, n->len, n->off + 3, n->name);
}

static uint32_t lint_line(const Unit *u, uint32_t off)
{
    uint32_t line, col;
    source_position(u->src, off, &line, &col);
    return line;
}

static void lint_warn(Lint *l, uint32_t off, uint32_t len, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void lint_warn(Lint *l, uint32_t off, uint32_t len, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(l->c->diags, DIAG_WARNING, l->u->src, off, len, hint, fmt, ap);
    va_end(ap);
}

/* ---- scopes: unused and shadowed names ---------------------------------- */

static void lint_push(Lint *l, const char *name, uint32_t off, bool check_unused)
{
    if (!name || l->n >= LINT_MAX_LOCALS)
        return;
    uint32_t len = (uint32_t)strlen(name);
    if (name[0] != '_') {
        for (uint32_t i = l->n; i-- > 0;) {
            if (strcmp(l->locals[i].name, name) == 0) {
                lint_warn(l, off, len, "rename one of them",
                          "`%s` shadows the `%s` declared at line %u", name, name,
                          lint_line(l->u, l->locals[i].off));
                goto push;
            }
        }
        const Decl *d = units_find_decl(l->u, name);
        if (d) {
            static const char *const what[] = {"let", "func", "use"};
            uint32_t doff = d->kind == DECL_LET ? lint_let_name_off(l->u, d->node) : d->node->off;
            lint_warn(l, off, len, "rename the local name",
                      "`%s` shadows the file-level `%s %s` at line %u", name, what[d->kind], name,
                      lint_line(l->u, doff));
        } else if (strcmp(name, "input") == 0 || strcmp(name, "context") == 0 ||
                   strcmp(name, "data") == 0) {
            lint_warn(l, off, len, "rename the local name", "`%s` shadows the global `%s`", name,
                      name);
        }
    }
push:
    l->locals[l->n].name = name;
    l->locals[l->n].off = off;
    l->locals[l->n].len = len;
    l->locals[l->n].used = false;
    l->locals[l->n].check_unused = check_unused;
    l->n++;
}

/* Pops back to `mark` locals, warning about unused `let`s. */
static void lint_pop(Lint *l, uint32_t mark)
{
    while (l->n > mark) {
        LintLocal *x = &l->locals[--l->n];
        if (x->check_unused && !x->used && x->name[0] != '_')
            lint_warn(l, x->off, x->len, "remove it, or name it `_` if it is meant to be unused",
                      "unused let-binding `%s`", x->name);
    }
}

static void lint_use(Lint *l, const char *name)
{
    for (uint32_t i = l->n; i-- > 0;) {
        if (strcmp(l->locals[i].name, name) == 0) {
            l->locals[i].used = true;
            return;
        }
    }
}

/* Pushes the variables of a binding (`k, v in c`): first the collection
 * is walked in the outer scope. */
static void lint_binding(Lint *l, AstNode *bind)
{
    lint_expr(l, bind->a);
    lint_push(l, bind->name, bind->off, false);
    if (bind->name2)
        lint_push(l, bind->name2,
                  lint_find_name(l->u, bind->off, bind->len, bind->off + 1, bind->name2), false);
}

/* ---- contradictions ------------------------------------------------------ */

/* One comparison of a path with a constant, from an `and` chain. */
typedef struct Fact {
    AstNode *node; /* the comparison */
    char *path;    /* canonical path text (ast_dump), owned by the Buf in lint_chain */
    int op;        /* TK_EQ, TK_NE, TK_IN, TK_NOTIN, TK_LT, TK_LE, TK_GT, TK_GE */
    Value v;
} Fact;

static bool lint_is_path(const AstNode *n)
{
    switch (n->kind) {
    case AST_NAME:
        return true;
    case AST_FIELD:
        return lint_is_path(n->a);
    case AST_INDEX:
        return lint_is_path(n->a) &&
               (n->b->kind == AST_STRING || n->b->kind == AST_INT || n->b->kind == AST_NAME);
    default:
        return false;
    }
}

static int lint_flip(int op)
{
    switch (op) {
    case TK_LT:
        return TK_GT;
    case TK_LE:
        return TK_GE;
    case TK_GT:
        return TK_LT;
    case TK_GE:
        return TK_LE;
    default:
        return op;
    }
}

static bool lint_fact(Lint *l, AstNode *n, Fact *f)
{
    if (n->kind != AST_BINARY)
        return false;
    int op = n->op;
    if (op != TK_EQ && op != TK_NE && op != TK_IN && op != TK_NOTIN && op != TK_LT && op != TK_LE &&
        op != TK_GT && op != TK_GE)
        return false;
    AstNode *path = n->a, *k = n->b;
    if (!lint_is_path(path)) {
        if (op == TK_IN || op == TK_NOTIN)
            return false; /* `"x" in r.tags` says nothing about a path's value */
        path = n->b;
        k = n->a;
        op = lint_flip(op);
    }
    if (!lint_is_path(path) || !codegen_constant(l->c, l->u, k, &f->v))
        return false;
    if ((op == TK_IN || op == TK_NOTIN) && f->v.kind != V_ARR && f->v.kind != V_SET)
        return false;
    if (op >= 0 && (op == TK_LT || op == TK_LE || op == TK_GT || op == TK_GE) &&
        !value_is_number(f->v))
        return false;
    Buf b = BUF_INIT;
    ast_dump(&b, path);
    f->path = buf_take(&b);
    f->node = n;
    f->op = op;
    return f->path != NULL;
}

static bool lint_member(Value set, Value x)
{
    for (uint32_t i = 0; i < set.n; i++)
        if (value_equal(set.u.a[i], x))
            return true;
    return false;
}

/* Can a value satisfy the numeric bound `op b`? */
static bool lint_num_ok(double a, int op, double b)
{
    switch (op) {
    case TK_LT:
        return a < b;
    case TK_LE:
        return a <= b;
    case TK_GT:
        return a > b;
    default:
        return a >= b;
    }
}

static bool lint_is_bound(int op)
{
    return op == TK_LT || op == TK_LE || op == TK_GT || op == TK_GE;
}

/* Do facts x and y (same path) exclude each other? */
static bool lint_contradict(const Fact *x, const Fact *y)
{
    if (x->op == TK_EQ || y->op == TK_EQ) {
        const Fact *e = x->op == TK_EQ ? x : y, *o = x->op == TK_EQ ? y : x;
        switch (o->op) {
        case TK_EQ:
            return !value_equal(e->v, o->v);
        case TK_NE:
            return value_equal(e->v, o->v);
        case TK_IN:
            return !lint_member(o->v, e->v);
        case TK_NOTIN:
            return lint_member(o->v, e->v);
        default: {
            double a, b;
            if (!value_to_double(e->v, &a) || !value_to_double(o->v, &b))
                return false;
            return !lint_num_ok(a, o->op, b);
        }
        }
    }
    if (x->op == TK_IN && y->op == TK_IN) {
        for (uint32_t i = 0; i < x->v.n; i++)
            if (lint_member(y->v, x->v.u.a[i]))
                return false;
        return true;
    }
    if (lint_is_bound(x->op) && lint_is_bound(y->op)) {
        /* A lower bound against an upper bound. */
        const Fact *lo = (x->op == TK_GT || x->op == TK_GE) ? x : y;
        const Fact *hi = lo == x ? y : x;
        if ((lo->op != TK_GT && lo->op != TK_GE) || (hi->op != TK_LT && hi->op != TK_LE))
            return false;
        double a, b;
        if (!value_to_double(lo->v, &a) || !value_to_double(hi->v, &b))
            return false;
        if (a > b)
            return true;
        return a == b && (lo->op == TK_GT || hi->op == TK_LT);
    }
    return false;
}

static void lint_conjuncts(AstNode *n, AstNode **out, uint32_t *count, uint32_t max)
{
    if (n->kind == AST_AND) {
        lint_conjuncts(n->a, out, count, max);
        lint_conjuncts(n->b, out, count, max);
    } else if (*count < max) {
        out[(*count)++] = n;
    }
}

/* Warns about two comparisons of one path that cannot both hold. Returns
 * true when it warned. `rule` words the warning for a rule's condition. */
static bool lint_chain(Lint *l, AstNode *chain, bool rule)
{
    AstNode *parts[LINT_MAX_FACTS];
    uint32_t np = 0;
    lint_conjuncts(chain, parts, &np, LINT_MAX_FACTS);
    Fact facts[LINT_MAX_FACTS];
    uint32_t nf = 0;
    bool warned = false;
    for (uint32_t i = 0; i < np; i++)
        if (lint_fact(l, parts[i], &facts[nf]))
            nf++;
    for (uint32_t i = 1; i < nf && !warned; i++) {
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(facts[i].path, facts[j].path) != 0 || !lint_contradict(&facts[j], &facts[i]))
                continue;
            const AstNode *a = facts[j].node, *b = facts[i].node;
            char hint[160];
            snprintf(hint, sizeof hint, "it contradicts `%.*s` (line %u); did you mean `or`?",
                     a->len > 60 ? 60 : (int)a->len, l->u->src->text + a->off,
                     lint_line(l->u, a->off));
            lint_warn(l, b->off, b->len, hint,
                      rule ? "this rule can never fire: its condition is always false"
                           : "this condition is always false");
            warned = true;
            break;
        }
    }
    for (uint32_t i = 0; i < nf; i++)
        free(facts[i].path);
    return warned;
}

/* ---- the walk ------------------------------------------------------------ */

static void lint_list(Lint *l, AstList *list)
{
    for (uint32_t i = 0; i < list->n; i++)
        lint_expr(l, list->items[i]);
}

/* Walks an `and` chain: checks it once, then its operands. */
static void lint_and(Lint *l, AstNode *n, bool check)
{
    if (check)
        lint_chain(l, n, false);
    if (n->a->kind == AST_AND)
        lint_and(l, n->a, false);
    else
        lint_expr(l, n->a);
    if (n->b->kind == AST_AND)
        lint_and(l, n->b, false);
    else
        lint_expr(l, n->b);
}

static void lint_expr(Lint *l, AstNode *n)
{
    if (!n)
        return;
    uint32_t mark = l->n;
    switch (n->kind) {
    case AST_NAME:
        lint_use(l, n->name);
        return;
    case AST_CALL:
        if (n->a->kind == AST_FIELD)
            lint_expr(l, n->a->a);
        lint_list(l, &n->list);
        return;
    case AST_AND:
        lint_and(l, n, true);
        return;
    case AST_LET:
        lint_expr(l, n->a);
        lint_push(l, n->name, lint_let_name_off(l->u, n), true);
        lint_expr(l, n->b);
        lint_pop(l, mark);
        return;
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        lint_binding(l, n->bind);
        lint_expr(l, n->c);
        lint_expr(l, n->a);
        lint_expr(l, n->b);
        lint_pop(l, mark);
        return;
    case AST_ANY:
    case AST_ALL:
        lint_binding(l, n->bind);
        lint_expr(l, n->a);
        lint_pop(l, mark);
        return;
    default:
        lint_expr(l, n->a);
        lint_expr(l, n->b);
        lint_expr(l, n->c);
        lint_list(l, &n->list);
        return;
    }
}

/* A rule: its binding, its lets in order, its condition and message. */
static void lint_rule(Lint *l, AstNode *r)
{
    l->n = 0;
    if (r->bind)
        lint_binding(l, r->bind);
    for (uint32_t i = 0; i < r->list.n; i++) {
        AstNode *let = r->list.items[i];
        lint_expr(l, let->a);
        lint_push(l, let->name, lint_let_name_off(l->u, let), true);
    }
    if (r->c) {
        Value v;
        AstNode *parts[LINT_MAX_FACTS];
        uint32_t np = 0;
        lint_conjuncts(r->c, parts, &np, LINT_MAX_FACTS);
        bool warned = false;
        for (uint32_t i = 0; i < np && !warned; i++) {
            if (!codegen_constant(l->c, l->u, parts[i], &v) || value_is_true(v))
                continue;
            lint_warn(l, parts[i]->off, parts[i]->len,
                      "a rule fires only when its condition is exactly true",
                      "this rule can never fire: its condition is always %s",
                      v.kind == V_BOOL ? "false" : value_kind_name((ValueKind)v.kind));
            warned = true;
        }
        if (!warned && r->c->kind == AST_AND)
            lint_chain(l, r->c, true);
        if (r->c->kind == AST_AND)
            lint_and(l, r->c, false);
        else
            lint_expr(l, r->c);
    }
    lint_expr(l, r->a);
    lint_expr(l, r->b);
    lint_pop(l, 0);
}

static void lint_func(Lint *l, AstNode *f)
{
    l->n = 0;
    for (uint32_t i = 0; i < f->list.n; i++)
        lint_push(l, f->list.items[i]->name, f->list.items[i]->off, false);
    lint_expr(l, f->a);
    lint_pop(l, 0);
}

/* ---- declarations and metadata ------------------------------------------ */

static void lint_policy_meta(Lint *l, AstNode *p)
{
    bool has_id = false, has_sev = false;
    for (uint32_t i = 0; i < p->list.n; i++) {
        has_id |= strcmp(p->list.items[i]->name, "id") == 0;
        has_sev |= strcmp(p->list.items[i]->name, "severity") == 0;
    }
    uint32_t off = lint_find_name(l->u, p->off, p->len, p->off + 6, p->name);
    uint32_t len = (uint32_t)strlen(p->name);
    if (!has_id)
        lint_warn(l, off, len,
                  "add a stable `id: \"...\"`: decisions, reports and exceptions name it",
                  "policy `%s` has no id", p->name);
    if (!has_sev)
        lint_warn(l, off, len, "add `severity:` info, low, medium, high or critical",
                  "policy `%s` has no severity", p->name);
}

static void lint_unused_decls(Lint *l)
{
    Unit *u = l->u;
    for (uint32_t i = 0; i < u->ndecls; i++) {
        const Decl *d = &u->decls[i];
        if (d->used || d->name[0] == '_')
            continue;
        /* A module's lets and funcs are its interface; its uses are not. */
        if (u->module && d->kind != DECL_USE)
            continue;
        const AstNode *n = d->node;
        uint32_t len = (uint32_t)strlen(d->name);
        switch (d->kind) {
        case DECL_LET:
            lint_warn(l, lint_let_name_off(u, n), len, "remove it, or use it in a rule",
                      "unused let-binding `%s`", d->name);
            break;
        case DECL_FUNC:
            lint_warn(l, lint_find_name(u, n->off, n->len, n->off + 4, d->name), len,
                      "remove it, or call it from a rule", "unused function `%s`", d->name);
            break;
        default: {
            /* A `use` node spans its keyword only: look to the end of the line. */
            uint32_t len2 = (uint32_t)strlen(n->name);
            const char *eol = strchr(u->src->text + n->off, '\n');
            uint32_t span =
                eol ? (uint32_t)(eol - (u->src->text + n->off)) : (uint32_t)(u->src->len - n->off);
            lint_warn(l, lint_find_name(u, n->off, span, n->off + 3, n->name), len2,
                      "remove the `use`", "unused module `%s`%s%s%s", n->name,
                      n->name2 ? " (as `" : "", n->name2 ? n->name2 : "", n->name2 ? "`)" : "");
            break;
        }
        }
    }
}

void lint_units(Compiler *c)
{
    Lint l;
    memset(&l, 0, sizeof l);
    l.c = c;
    for (uint32_t i = 0; i < c->nunits; i++) {
        Unit *u = c->units[i];
        if (u->embedded || u->implicit_stdlib || !u->ast)
            continue;
        l.u = u;
        lint_unused_decls(&l);
        for (uint32_t j = 0; j < u->ast->list.n; j++) {
            AstNode *n = u->ast->list.items[j];
            l.n = 0;
            switch (n->kind) {
            case AST_POLICY:
                lint_policy_meta(&l, n);
                break;
            case AST_RULE:
                lint_rule(&l, n);
                break;
            case AST_FUNC_DECL:
                lint_func(&l, n);
                break;
            case AST_LET_DECL:
                lint_expr(&l, n->a);
                lint_pop(&l, 0);
                break;
            default:
                break;
            }
        }
    }
}
