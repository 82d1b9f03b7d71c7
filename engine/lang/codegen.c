/* codegen.c — from AST to bytecode: name resolution, constant folding and
 * instruction emission for functions, globals and rules.
 *
 * Names resolve, innermost first: local variables (parameters, `let`,
 * comprehension, quantifier and rule bindings), the file's `let`/`func`/
 * `use` declarations, then the globals input/context/data. Calls resolve to
 * the file's functions, then builtins. `m.x` is a module member when `m`
 * is an imported module not shadowed by a local. Unknown names are errors
 * that suggest the nearest known name.
 *
 * Every emitted instruction records the source offset of the node being
 * compiled (the pc→offset table), so runtime errors point into the policy.
 * Constant subexpressions are folded with the same operator code the VM
 * runs (ops.c). This file does not know about files or metadata.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/codegen.h"
#include "lang/explain_plan.h"
#include "policy_tokens.h"
#include "stdlib/builtin.h"
#include "vm/ops.h"
#include "vm/regex.h"

#define MAX_LOCALS 250

typedef struct Local {
    const char *name;
    uint32_t slot;
} Local;

typedef struct Gen {
    Compiler *c;
    Unit *u;
    uint32_t fi; /* function being generated */
    Instr *code;
    uint32_t *offs;
    uint32_t n, cap;
    Local locals[MAX_LOCALS];
    uint32_t nlocals;   /* names in scope */
    uint32_t next_slot; /* first free slot */
    uint32_t max_slot;  /* high-water mark = the function's nlocals */
    uint32_t cur_off;   /* source offset stamped on emitted instructions */
    bool failed;
    AstNode **probe_nodes; /* rules: nodes whose pc range explain.c wants (parallel to probes) */
    Probe *probes;
    uint32_t nprobes;
} Gen;

static void gen_expr(Gen *g, AstNode *n);

/* ---- emission -------------------------------------------------------------- */

static void gen_error(Gen *g, AstNode *n, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void gen_error(Gen *g, AstNode *n, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(g->c->diags, DIAG_ERROR, g->u->src, n ? n->off : 0, n ? n->len : 0, hint, fmt, ap);
    va_end(ap);
    g->failed = true;
}

static uint32_t gen_emit(Gen *g, Instr ins)
{
    Arena *a = &g->c->prog->arena;
    if (g->n >= g->cap) {
        uint32_t nc = g->cap ? g->cap * 2 : 32;
        g->code = arena_realloc(a, g->code, g->cap * sizeof(Instr), nc * sizeof(Instr));
        g->offs = arena_realloc(a, g->offs, g->cap * sizeof(uint32_t), nc * sizeof(uint32_t));
        g->cap = nc;
        if (!g->code || !g->offs) {
            g->failed = true;
            g->n = g->cap = 0;
            return 0;
        }
    }
    g->code[g->n] = ins;
    g->offs[g->n] = g->cur_off;
    return g->n++;
}

static void gen_patch(Gen *g, uint32_t at, uint32_t target)
{
    if (g->failed || at >= g->n)
        return;
    g->code[at] = MK_A(INS_OP(g->code[at]), target);
}

static uint32_t gen_here(const Gen *g) { return g->n; }

static uint32_t gen_const(Gen *g, Value v)
{
    Program *p = g->c->prog;
    ARENA_GROW(&p->arena, p->consts, p->nconsts, g->c->capconsts);
    if (!p->consts) {
        g->failed = true;
        return 0;
    }
    p->consts[p->nconsts] = v;
    return p->nconsts++;
}

static void gen_push_value(Gen *g, Value v)
{
    switch (v.kind) {
    case V_UNDEF:
        gen_emit(g, OP_UNDEF);
        return;
    case V_NULL:
        gen_emit(g, OP_NULL);
        return;
    case V_BOOL:
        gen_emit(g, v.u.b ? OP_TRUE : OP_FALSE);
        return;
    case V_INT:
        if (v.u.i >= INS_SA_MIN && v.u.i <= INS_SA_MAX && !v.flags) {
            gen_emit(g, MK_A(OP_INT, (uint32_t)v.u.i & INS_A_MAX));
            return;
        }
        break;
    default:
        break;
    }
    gen_emit(g, MK_A(OP_CONST, gen_const(g, v)));
}

uint32_t codegen_key(Compiler *c, const char *s, uint32_t len)
{
    Program *p = c->prog;
    uint32_t kid = keys_intern(c->engine->keys, s, len);
    for (uint32_t i = 0; i < p->nkeys; i++)
        if (p->keys[i].kid == kid && kid != 0)
            return i;
    ARENA_GROW(&p->arena, p->keys, p->nkeys, c->capkeys);
    if (!p->keys)
        return 0;
    Key *k = &p->keys[p->nkeys];
    k->s = arena_strndup(&p->arena, s, len);
    k->len = len;
    k->kid = kid;
    return p->nkeys++;
}

static uint32_t gen_regex(Gen *g, AstNode *pat, const char *s, uint32_t len)
{
    Program *p = g->c->prog;
    for (uint32_t i = 0; i < p->nregexes; i++)
        if (strlen(p->regex_src[i]) == len && memcmp(p->regex_src[i], s, len) == 0)
            return i;
    char err[256];
    struct Regex *re = regex_compile(s, len, err, sizeof err);
    if (!re) {
        gen_error(g, pat, NULL, "invalid regular expression: %s", err);
        return 0;
    }
    if (p->nregexes >= g->c->capregexes) {
        uint32_t oc = g->c->capregexes, nc = oc ? oc * 2 : 8;
        p->regexes =
            arena_realloc(&p->arena, p->regexes, oc * sizeof *p->regexes, nc * sizeof *p->regexes);
        p->regex_src = arena_realloc(&p->arena, p->regex_src, oc * sizeof *p->regex_src,
                                     nc * sizeof *p->regex_src);
        g->c->capregexes = nc;
    }
    if (!p->regexes || !p->regex_src) {
        regex_free(re);
        g->failed = true;
        return 0;
    }
    p->regexes[p->nregexes] = re;
    p->regex_src[p->nregexes] = arena_strndup(&p->arena, s, len);
    return p->nregexes++;
}

/* ---- locals ---------------------------------------------------------------- */

static uint32_t gen_alloc_slots(Gen *g, uint32_t n)
{
    uint32_t s = g->next_slot;
    g->next_slot += n;
    if (g->next_slot > g->max_slot)
        g->max_slot = g->next_slot;
    return s;
}

static void gen_bind(Gen *g, AstNode *at, const char *name, uint32_t slot)
{
    if (g->nlocals >= MAX_LOCALS) {
        gen_error(g, at, NULL, "too many local names in scope (limit %d)", MAX_LOCALS);
        return;
    }
    g->locals[g->nlocals].name = name;
    g->locals[g->nlocals].slot = slot;
    g->nlocals++;
}

static const Local *gen_find_local(const Gen *g, const char *name)
{
    for (uint32_t i = g->nlocals; i-- > 0;)
        if (strcmp(g->locals[i].name, name) == 0)
            return &g->locals[i];
    return NULL;
}

/* ---- name resolution helpers ---------------------------------------------- */

static Decl *gen_decl(Gen *g, const char *name)
{
    Decl *d = (Decl *)units_find_decl(g->u, name);
    if (d)
        d->used = true;
    return d;
}

/* The module `name` refers to in this unit, or NULL. */
static Unit *gen_module(Gen *g, const char *name)
{
    if (gen_find_local(g, name))
        return NULL;
    Decl *d = gen_decl(g, name);
    if (d && d->kind == DECL_USE)
        return d->module;
    if (!d && g->u->implicit_stdlib && units_is_stdlib_module(name)) {
        Unit *m = units_module(g->c, name, g->u->src, 0);
        if (m)
            units_declare(g->c, m);
        return m;
    }
    return NULL;
}

static void gen_unknown(Gen *g, AstNode *n, const char *name, bool call)
{
    const char *cands[512];
    size_t nc = 0;
    for (uint32_t i = 0; i < g->nlocals && nc < 512; i++)
        if (!call)
            cands[nc++] = g->locals[i].name;
    for (uint32_t i = 0; i < g->u->ndecls && nc < 512; i++) {
        const Decl *d = &g->u->decls[i];
        if ((call && d->kind == DECL_FUNC) || (!call && d->kind != DECL_FUNC))
            cands[nc++] = d->name;
    }
    if (call) {
        for (uint32_t i = 0; i < builtin_count() && nc < 512; i++)
            cands[nc++] = builtin_at(i)->name;
    } else {
        cands[nc++] = "input";
        cands[nc++] = "context";
        cands[nc++] = "data";
    }
    const char *best = diag_suggest(name, strlen(name), cands, nc);
    char hint[200];
    if (best)
        snprintf(hint, sizeof hint, "did you mean `%s`?", best);
    gen_error(g, n, best ? hint : NULL, "unknown %s `%s`", call ? "function" : "name", name);
}

/* ---- constant folding ------------------------------------------------------ */

static Opcode gen_binop(int tk)
{
    switch (tk) {
    case TK_PLUS:
        return OP_ADD;
    case TK_MINUS:
        return OP_SUB;
    case TK_STAR:
        return OP_MUL;
    case TK_SLASH:
        return OP_DIV;
    case TK_PERCENT:
        return OP_MOD;
    case TK_EQ:
        return OP_EQ;
    case TK_NE:
        return OP_NE;
    case TK_LT:
        return OP_LT;
    case TK_LE:
        return OP_LE;
    case TK_GT:
        return OP_GT;
    case TK_GE:
        return OP_GE;
    case TK_IN:
        return OP_IN;
    case TK_NOTIN:
        return OP_NOTIN;
    case TK_MATCH:
        return OP_MATCH;
    case TK_NOMATCH:
        return OP_NMATCH;
    case TK_LIKE:
        return OP_LIKE;
    default:
        return OP_NOP;
    }
}

static bool gen_fold(Gen *g, AstNode *n, Value *out);

static bool gen_fold_list(Gen *g, AstList *l, Value **items_out)
{
    Arena *a = &g->c->prog->arena;
    Value *items = arena_alloc(a, (l->n ? l->n : 1) * sizeof(Value));
    if (!items)
        return false;
    for (uint32_t i = 0; i < l->n; i++)
        if (!gen_fold(g, l->items[i], &items[i]) || items[i].kind == V_UNDEF)
            return false;
    *items_out = items;
    return true;
}

/* Evaluates n at compile time when it is made only of literals and
 * operators. Values go to the program arena. */
static bool gen_fold(Gen *g, AstNode *n, Value *out)
{
    Arena *a = &g->c->prog->arena;
    char err[256];
    Value x, y;
    switch (n->kind) {
    case AST_NULL:
        *out = value_null();
        return true;
    case AST_BOOL:
        *out = value_bool(n->ival != 0);
        return true;
    case AST_INT:
        *out = value_int(n->ival);
        return true;
    case AST_FLOAT:
        *out = value_float(n->fval);
        return true;
    case AST_STRING: {
        char *s = arena_alloc(a, n->slen ? n->slen : 1);
        if (!s)
            return false;
        memcpy(s, n->str, n->slen);
        *out = value_str(s, n->slen);
        return true;
    }
    case AST_UNARY:
        return gen_fold(g, n->a, &x) && ops_negate(x, out, err, sizeof err);
    case AST_NOT: {
        bool b;
        if (!gen_fold(g, n->a, &x) || !ops_truth(x, &b, err, sizeof err))
            return false;
        *out = value_bool(!b);
        return true;
    }
    case AST_AND:
    case AST_OR: {
        bool b1, b2;
        if (!gen_fold(g, n->a, &x) || !gen_fold(g, n->b, &y) ||
            !ops_truth(x, &b1, err, sizeof err) || !ops_truth(y, &b2, err, sizeof err))
            return false;
        *out = value_bool(n->kind == AST_AND ? (b1 && b2) : (b1 || b2));
        return true;
    }
    case AST_BINARY: {
        Opcode op = gen_binop(n->op);
        if (n->op == TK_COALESCE) {
            if (!gen_fold(g, n->a, &x))
                return false;
            if (x.kind != V_UNDEF && x.kind != V_NULL) {
                *out = x;
                return true;
            }
            return gen_fold(g, n->b, out);
        }
        if (op == OP_NOP || op == OP_MATCH || op == OP_NMATCH || op == OP_LIKE)
            return false;
        if (!gen_fold(g, n->a, &x) || !gen_fold(g, n->b, &y))
            return false;
        if (op == OP_NOTIN) {
            if (!ops_binary(OP_IN, x, y, a, out, err, sizeof err))
                return false;
            if (out->kind == V_BOOL)
                out->u.b = !out->u.b;
            return true;
        }
        return ops_binary(op, x, y, a, out, err, sizeof err);
    }
    case AST_ARRAY:
    case AST_SET: {
        Value *items;
        if (!gen_fold_list(g, &n->list, &items))
            return false;
        if (n->kind == AST_SET) {
            *out = value_make_set(a, items, n->list.n);
            return out->kind == V_SET;
        }
        Value v = {0};
        v.kind = V_ARR;
        v.n = n->list.n;
        v.u.a = items;
        *out = v;
        return true;
    }
    case AST_OBJECT: {
        Member *ms = arena_alloc(a, (n->list.n ? n->list.n : 1) * sizeof(Member));
        if (!ms)
            return false;
        uint32_t count = 0;
        for (uint32_t i = 0; i < n->list.n; i++) {
            AstNode *pair = n->list.items[i];
            if (!gen_fold(g, pair->a, &x) || x.kind != V_STR || !gen_fold(g, pair->b, &y) ||
                y.kind == V_UNDEF)
                return false;
            uint32_t j;
            for (j = 0; j < count; j++)
                if (ms[j].klen == x.n && memcmp(ms[j].key, x.u.s, x.n) == 0)
                    break;
            ms[j].key = x.u.s;
            ms[j].klen = x.n;
            ms[j].kid = keys_intern(g->c->engine->keys, x.u.s, x.n);
            ms[j].val = y;
            if (j == count)
                count++;
        }
        Value v = {0};
        v.kind = V_OBJ;
        v.n = count;
        v.u.o = ms;
        *out = v;
        return true;
    }
    case AST_TEMPLATE: {
        Buf b = BUF_INIT;
        for (uint32_t i = 0; i < n->list.n; i++) {
            if (!gen_fold(g, n->list.items[i], &x)) {
                buf_free(&b);
                return false;
            }
            ops_to_text(&b, x);
        }
        char *s = arena_alloc(a, b.len ? b.len : 1);
        if (s && b.len)
            memcpy(s, b.p, b.len);
        *out = value_str(s, (uint32_t)b.len);
        buf_free(&b);
        return s != NULL;
    }
    default:
        return false;
    }
}

bool codegen_constant(Compiler *c, Unit *u, AstNode *n, Value *out)
{
    Gen g;
    memset(&g, 0, sizeof g);
    g.c = c;
    g.u = u;
    return gen_fold(&g, n, out);
}

/* ---- expressions ----------------------------------------------------------- */

static void gen_name(Gen *g, AstNode *n)
{
    const Local *l = gen_find_local(g, n->name);
    if (l) {
        gen_emit(g, MK_A(OP_LOAD, l->slot));
        return;
    }
    Decl *d = gen_decl(g, n->name);
    if (d) {
        if (d->kind == DECL_LET)
            gen_emit(g, MK_A(OP_GLOBAL, d->index));
        else if (d->kind == DECL_FUNC)
            gen_error(g, n, "call it with arguments in parentheses", "`%s` is a function", n->name);
        else
            gen_error(g, n, "name one of its members, e.g. `module.name`", "`%s` is a module",
                      n->name);
        return;
    }
    if (strcmp(n->name, "input") == 0)
        gen_emit(g, OP_INPUT);
    else if (strcmp(n->name, "context") == 0)
        gen_emit(g, OP_CONTEXT);
    else if (strcmp(n->name, "data") == 0)
        gen_emit(g, OP_DATA);
    else if (gen_module(g, n->name))
        gen_error(g, n, "name one of its members, e.g. `module.name`", "`%s` is a module", n->name);
    else
        gen_unknown(g, n, n->name, false);
}

/* `m.x` where m is a module: a global of the module. */
static bool gen_module_member(Gen *g, AstNode *n)
{
    if (n->a->kind != AST_NAME)
        return false;
    Unit *m = gen_module(g, n->a->name);
    if (!m)
        return false;
    const Decl *d = units_find_decl(m, n->name);
    if (!d || d->kind == DECL_USE) {
        const char *cands[256];
        size_t nc = 0;
        for (uint32_t i = 0; i < m->ndecls && nc < 256; i++)
            if (m->decls[i].kind != DECL_USE)
                cands[nc++] = m->decls[i].name;
        const char *best = diag_suggest(n->name, strlen(n->name), cands, nc);
        char hint[200];
        if (best)
            snprintf(hint, sizeof hint, "did you mean `%s.%s`?", n->a->name, best);
        gen_error(g, n, best ? hint : NULL, "module `%s` has no member `%s`", n->a->name, n->name);
        return true;
    }
    ((Decl *)d)->used = true;
    if (d->kind == DECL_FUNC)
        gen_error(g, n, "call it with arguments in parentheses", "`%s.%s` is a function",
                  n->a->name, n->name);
    else
        gen_emit(g, MK_A(OP_GLOBAL, d->index));
    return true;
}

static void gen_args(Gen *g, AstList *args)
{
    for (uint32_t i = 0; i < args->n; i++)
        gen_expr(g, args->items[i]);
}

static void gen_call_builtin(Gen *g, AstNode *n, const BuiltinDef *b)
{
    uint32_t argc = n->list.n;
    if (argc < b->min_args || (b->max_args != 255 && argc > b->max_args)) {
        char hint[200];
        snprintf(hint, sizeof hint, "%s", b->signature ? b->signature : b->name);
        gen_error(g, n, hint, "`%s` takes %s%u argument%s, got %u", b->name,
                  b->max_args == 255           ? "at least "
                  : b->min_args == b->max_args ? ""
                                               : "up to ",
                  b->max_args == 255 || b->min_args == b->max_args ? b->min_args : b->max_args,
                  (b->max_args == 255 ? b->min_args : b->max_args) == 1 ? "" : "s", argc);
        return;
    }
    if (argc > 255) {
        gen_error(g, n, NULL, "too many arguments");
        return;
    }
    gen_args(g, &n->list);
    g->cur_off = n->off;
    gen_emit(g, MK_AB(OP_BUILTIN, argc, builtin_index(b)));
}

static void gen_call_user(Gen *g, AstNode *n, const Decl *d, const char *shown)
{
    const Function *f = &g->c->prog->funcs[d->index];
    uint32_t argc = n->list.n;
    if (argc != f->nparams) {
        gen_error(g, n, NULL, "`%s` takes %u argument%s, got %u", shown, f->nparams,
                  f->nparams == 1 ? "" : "s", argc);
        return;
    }
    if (d->index > INS_B_MAX) {
        gen_error(g, n, NULL, "too many functions in one program");
        return;
    }
    gen_args(g, &n->list);
    g->cur_off = n->off;
    gen_emit(g, MK_AB(OP_CALL, argc, d->index));
}

static void gen_call(Gen *g, AstNode *n)
{
    AstNode *callee = n->a;
    if (callee->kind == AST_NAME) {
        const char *name = callee->name;
        if (gen_find_local(g, name)) {
            gen_error(g, callee, NULL, "`%s` is a variable, not a function", name);
            return;
        }
        Decl *d = gen_decl(g, name);
        if (d && d->kind == DECL_FUNC) {
            gen_call_user(g, n, d, name);
            return;
        }
        const BuiltinDef *b = builtin_find(name, strlen(name));
        if (b) {
            gen_call_builtin(g, n, b);
            return;
        }
        if (d) {
            gen_error(g, callee, NULL, "`%s` is not a function", name);
            return;
        }
        gen_unknown(g, callee, name, true);
        return;
    }
    if (callee->kind == AST_FIELD && callee->a->kind == AST_NAME) {
        const char *mname = callee->a->name;
        Unit *m = gen_module(g, mname);
        char full[256];
        snprintf(full, sizeof full, "%s.%s", mname, callee->name);
        if (m) {
            const Decl *d = units_find_decl(m, callee->name);
            if (d && d->kind == DECL_FUNC) {
                ((Decl *)d)->used = true;
                gen_call_user(g, n, d, full);
                return;
            }
        }
        const BuiltinDef *b = builtin_find(full, strlen(full));
        if (b && !gen_find_local(g, mname)) {
            gen_call_builtin(g, n, b);
            return;
        }
        /* Suggest among the module's functions and dotted builtins. */
        const char *cands[600];
        char *owned[256];
        size_t nc = 0, no = 0;
        if (m) {
            for (uint32_t i = 0; i < m->ndecls && no < 256; i++) {
                if (m->decls[i].kind != DECL_FUNC)
                    continue;
                size_t len = strlen(mname) + strlen(m->decls[i].name) + 2;
                owned[no] = malloc(len);
                if (!owned[no])
                    break;
                snprintf(owned[no], len, "%s.%s", mname, m->decls[i].name);
                cands[nc++] = owned[no++];
            }
        }
        for (uint32_t i = 0; i < builtin_count() && nc < 600; i++)
            cands[nc++] = builtin_at(i)->name;
        const char *best = diag_suggest(full, strlen(full), cands, nc);
        char hint[300];
        if (best)
            snprintf(hint, sizeof hint, "did you mean `%s`?", best);
        gen_error(g, callee, best ? hint : NULL, "unknown function `%s`", full);
        for (size_t i = 0; i < no; i++)
            free(owned[i]);
        return;
    }
    gen_error(g, callee, NULL, "only named functions can be called");
}

/* Loop header shared by comprehensions, quantifiers and rules: evaluates
 * the collection, starts iterating and binds the loop variables. Returns
 * the pc of ITER_NEXT; its exit word is at pc+1. */
static uint32_t gen_loop_begin(Gen *g, AstNode *bind, uint32_t *iter_slot)
{
    gen_expr(g, bind->a);
    uint32_t it = gen_alloc_slots(g, 4);
    g->cur_off = bind->off;
    gen_emit(g, MK_A(OP_ITER_INIT, it));
    uint32_t top = gen_emit(g, MK_A(OP_ITER_NEXT, it));
    gen_emit(g, 0); /* exit target, patched by gen_loop_end */
    if (bind->name2) {
        gen_bind(g, bind, bind->name, it + 2);
        gen_bind(g, bind, bind->name2, it + 3);
    } else {
        gen_bind(g, bind, bind->name, it + 3);
    }
    *iter_slot = it;
    return top;
}

static void gen_loop_exit_here(Gen *g, uint32_t top)
{
    if (!g->failed && top + 1 < g->n)
        g->code[top + 1] = gen_here(g);
}

static void gen_comprehension(Gen *g, AstNode *n)
{
    uint32_t save_locals = g->nlocals, save_slot = g->next_slot;
    uint32_t mark = gen_alloc_slots(g, 1);
    gen_emit(g, MK_A(OP_MARK, mark));
    uint32_t it;
    uint32_t top = gen_loop_begin(g, n->bind, &it);
    if (n->c) {
        gen_expr(g, n->c);
        gen_emit(g, MK_A(OP_JUMP_IF_NOT, top));
    }
    gen_expr(g, n->a);
    if (n->kind == AST_OBJECT_COMP)
        gen_expr(g, n->b);
    gen_emit(g, MK_A(OP_JUMP, top));
    gen_loop_exit_here(g, top);
    g->cur_off = n->off;
    Opcode op = n->kind == AST_ARRAY_COMP ? OP_COLLECT_ARR
                : n->kind == AST_SET_COMP ? OP_COLLECT_SET
                                          : OP_COLLECT_OBJ;
    gen_emit(g, MK_A(op, mark));
    g->nlocals = save_locals;
    g->next_slot = save_slot;
}

static void gen_quantifier(Gen *g, AstNode *n)
{
    uint32_t save_locals = g->nlocals, save_slot = g->next_slot;
    uint32_t it;
    uint32_t top = gen_loop_begin(g, n->bind, &it);
    gen_expr(g, n->a);
    uint32_t done;
    if (n->kind == AST_ANY) {
        /* any: the first true body answers true. */
        gen_emit(g, MK_A(OP_JUMP_IF_NOT, top));
        gen_emit(g, OP_TRUE);
        done = gen_emit(g, MK_A(OP_JUMP, 0));
        gen_loop_exit_here(g, top);
        gen_emit(g, OP_FALSE);
    } else {
        /* all: the first body that is not true answers false. */
        uint32_t fail = gen_emit(g, MK_A(OP_JUMP_IF_NOT, 0));
        gen_emit(g, MK_A(OP_JUMP, top));
        gen_loop_exit_here(g, top);
        gen_emit(g, OP_TRUE);
        done = gen_emit(g, MK_A(OP_JUMP, 0));
        gen_patch(g, fail, gen_here(g));
        gen_emit(g, OP_FALSE);
    }
    gen_patch(g, done, gen_here(g));
    g->nlocals = save_locals;
    g->next_slot = save_slot;
}

static void gen_object(Gen *g, AstNode *n)
{
    bool const_keys = n->list.n > 0;
    for (uint32_t i = 0; i < n->list.n && const_keys; i++)
        const_keys = n->list.items[i]->a->kind == AST_STRING;
    if (const_keys) {
        /* Keys known now: build the shape once, with interned ids, and let
         * OBJECT_SHAPE fill in the values. Duplicate keys keep the last. */
        Arena *a = &g->c->prog->arena;
        Member *ms = arena_zalloc(a, n->list.n * sizeof(Member));
        if (!ms) {
            g->failed = true;
            return;
        }
        bool dup = false;
        for (uint32_t i = 0; i < n->list.n; i++) {
            AstNode *k = n->list.items[i]->a;
            for (uint32_t j = 0; j < i; j++)
                if (ms[j].klen == k->slen && memcmp(ms[j].key, k->str, k->slen) == 0)
                    dup = true;
            ms[i].key = arena_strndup(a, k->str, k->slen);
            ms[i].klen = k->slen;
            ms[i].kid = keys_intern(g->c->engine->keys, k->str, k->slen);
        }
        if (!dup) {
            for (uint32_t i = 0; i < n->list.n; i++)
                gen_expr(g, n->list.items[i]->b);
            Value shape = {0};
            shape.kind = V_OBJ;
            shape.n = n->list.n;
            shape.u.o = ms;
            g->cur_off = n->off;
            gen_emit(g, MK_A(OP_OBJECT_SHAPE, gen_const(g, shape)));
            return;
        }
    }
    for (uint32_t i = 0; i < n->list.n; i++) {
        gen_expr(g, n->list.items[i]->a);
        gen_expr(g, n->list.items[i]->b);
    }
    g->cur_off = n->off;
    gen_emit(g, MK_A(OP_OBJECT, n->list.n));
}

static void gen_binary(Gen *g, AstNode *n)
{
    if (n->op == TK_COALESCE) {
        gen_expr(g, n->a);
        uint32_t j = gen_emit(g, MK_A(OP_COALESCE, 0));
        gen_expr(g, n->b);
        gen_patch(g, j, gen_here(g));
        return;
    }
    Opcode op = gen_binop(n->op);
    if ((op == OP_MATCH || op == OP_NMATCH) && n->b->kind == AST_STRING) {
        uint32_t r = gen_regex(g, n->b, n->b->str, n->b->slen);
        gen_expr(g, n->a);
        g->cur_off = n->off;
        gen_emit(g, MK_A(op, r));
        return;
    }
    if (op == OP_MATCH)
        op = OP_MATCH_DYN;
    else if (op == OP_NMATCH)
        op = OP_NMATCH_DYN;
    if (op == OP_NOP) {
        gen_error(g, n, NULL, "internal error: unknown operator %d", n->op);
        return;
    }
    gen_expr(g, n->a);
    gen_expr(g, n->b);
    g->cur_off = n->off;
    gen_emit(g, op);
}

static void gen_expr(Gen *g, AstNode *n)
{
    if (!n || g->failed)
        return;
    uint32_t saved_off = g->cur_off, start_pc = g->n;
    g->cur_off = n->off;
    Value v;
    switch (n->kind) {
    case AST_NULL:
    case AST_BOOL:
    case AST_INT:
    case AST_FLOAT:
    case AST_STRING:
    case AST_UNARY:
    case AST_NOT:
    case AST_BINARY:
    case AST_AND:
    case AST_OR:
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
    case AST_TEMPLATE:
        if (gen_fold(g, n, &v)) {
            gen_push_value(g, v);
            break;
        }
        switch (n->kind) {
        case AST_UNARY:
            gen_expr(g, n->a);
            g->cur_off = n->off;
            gen_emit(g, OP_NEG);
            break;
        case AST_NOT:
            gen_expr(g, n->a);
            g->cur_off = n->off;
            gen_emit(g, OP_NOT);
            break;
        case AST_BINARY:
            gen_binary(g, n);
            break;
        case AST_AND:
        case AST_OR: {
            gen_expr(g, n->a);
            g->cur_off = n->off;
            uint32_t j = gen_emit(g, MK_A(n->kind == AST_AND ? OP_AND : OP_OR, 0));
            gen_expr(g, n->b);
            g->cur_off = n->b->off;
            gen_emit(g, OP_TO_BOOL);
            gen_patch(g, j, gen_here(g));
            break;
        }
        case AST_ARRAY:
        case AST_SET:
            gen_args(g, &n->list);
            g->cur_off = n->off;
            gen_emit(g, MK_A(n->kind == AST_ARRAY ? OP_ARRAY : OP_SET, n->list.n));
            break;
        case AST_OBJECT:
            gen_object(g, n);
            break;
        case AST_TEMPLATE:
            gen_args(g, &n->list);
            g->cur_off = n->off;
            gen_emit(g, MK_A(OP_TEMPLATE, n->list.n));
            break;
        default:
            gen_error(g, n, NULL, "invalid constant expression");
            break;
        }
        break;
    case AST_NAME:
        gen_name(g, n);
        break;
    case AST_FIELD:
        if (gen_module_member(g, n))
            break;
        gen_expr(g, n->a);
        g->cur_off = n->off;
        gen_emit(g, MK_A(OP_FIELD, codegen_key(g->c, n->name, (uint32_t)strlen(n->name))));
        break;
    case AST_INDEX:
        gen_expr(g, n->a);
        g->cur_off = n->off;
        if (n->b->kind == AST_STRING) {
            gen_emit(g, MK_A(OP_FIELD, codegen_key(g->c, n->b->str, n->b->slen)));
        } else {
            gen_expr(g, n->b);
            g->cur_off = n->off;
            gen_emit(g, OP_INDEX);
        }
        break;
    case AST_CALL:
        gen_call(g, n);
        break;
    case AST_IF: {
        gen_expr(g, n->a);
        uint32_t jelse = gen_emit(g, MK_A(OP_JUMP_IF_NOT, 0));
        gen_expr(g, n->b);
        uint32_t jend = gen_emit(g, MK_A(OP_JUMP, 0));
        gen_patch(g, jelse, gen_here(g));
        gen_expr(g, n->c);
        gen_patch(g, jend, gen_here(g));
        break;
    }
    case AST_LET: {
        gen_expr(g, n->a);
        uint32_t save_locals = g->nlocals, save_slot = g->next_slot;
        uint32_t slot = gen_alloc_slots(g, 1);
        gen_emit(g, MK_A(OP_STORE, slot));
        gen_bind(g, n, n->name, slot);
        gen_expr(g, n->b);
        g->nlocals = save_locals;
        g->next_slot = save_slot;
        break;
    }
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        gen_comprehension(g, n);
        break;
    case AST_ANY:
    case AST_ALL:
        gen_quantifier(g, n);
        break;
    default:
        gen_error(g, n, NULL, "internal error: unexpected %s in an expression",
                  ast_kind_name((AstKind)n->kind));
        break;
    }
    g->cur_off = saved_off;
    for (uint32_t i = 0; i < g->nprobes; i++) {
        if (g->probe_nodes[i] == n) {
            g->probes[i].start = start_pc;
            g->probes[i].end = g->n;
        }
    }
}

/* ---- functions, globals, rules --------------------------------------------- */

static void gen_begin(Gen *g, Compiler *c, Unit *u, uint32_t fi)
{
    memset(g, 0, sizeof *g);
    g->c = c;
    g->u = u;
    g->fi = fi;
    g->cur_off = c->prog->funcs[fi].off;
}

static void gen_finish(Gen *g)
{
    Function *f = &g->c->prog->funcs[g->fi];
    if (g->max_slot > 0xffff) {
        gen_error(g, NULL, NULL, "function `%s` needs too many local slots", f->name);
        return;
    }
    f->code = g->code;
    f->offsets = g->offs;
    f->ncode = g->n;
    f->nlocals = (uint16_t)g->max_slot;
}

void codegen_function(Compiler *c, Unit *u, uint32_t fi, AstNode *decl)
{
    Gen g;
    gen_begin(&g, c, u, fi);
    AstList *params = &decl->list;
    for (uint32_t i = 0; i < params->n; i++) {
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(params->items[j]->name, params->items[i]->name) == 0)
                gen_error(&g, params->items[i], NULL, "parameter `%s` given twice",
                          params->items[i]->name);
        gen_bind(&g, params->items[i], params->items[i]->name, gen_alloc_slots(&g, 1));
    }
    gen_expr(&g, decl->a);
    gen_emit(&g, OP_RET);
    gen_finish(&g);
}

void codegen_global(Compiler *c, Unit *u, uint32_t fi, AstNode *expr)
{
    Gen g;
    gen_begin(&g, c, u, fi);
    gen_expr(&g, expr);
    gen_emit(&g, OP_RET);
    gen_finish(&g);
}

/* Resolves the rule's evidence name to the rule `let` slot or the
 * file-level `let` it names (the lets are still in scope here). */
static void codegen_explain_names(Gen *g, RuleExplain *ex, AstNode *rule)
{
    if (ex->ev_kind != EV_LOCAL || !ex->ev_name)
        return;
    const Local *l = gen_find_local(g, ex->ev_name);
    if (l &&
        !(rule->bind && (strcmp(ex->ev_name, rule->bind->name) == 0 ||
                         (rule->bind->name2 && strcmp(ex->ev_name, rule->bind->name2) == 0)))) {
        ex->ev_index = l->slot;
        return;
    }
    const Decl *d = l ? NULL : units_find_decl(g->u, ex->ev_name);
    if (d && d->kind == DECL_LET) {
        ex->ev_kind = EV_GLOBAL;
        ex->ev_index = d->index;
        return;
    }
    ex->ev_kind = EV_NONE;
}

void codegen_rule(Compiler *c, Unit *u, uint32_t fi, uint32_t rule_index, AstNode *rule)
{
    Gen g;
    gen_begin(&g, c, u, fi);
    RuleExplain *ex = explain_plan(c, u, rule, &g.probe_nodes);
    if (ex) {
        g.probes = ex->probes;
        g.nprobes = ex->nprobes;
    }
    uint32_t top = UINT32_MAX, it = 0;
    if (rule->bind)
        top = gen_loop_begin(&g, rule->bind, &it);
    uint32_t skip = UINT32_MAX;
    for (uint32_t i = 0; i < rule->list.n; i++) {
        AstNode *let = rule->list.items[i];
        gen_expr(&g, let->a);
        uint32_t slot = gen_alloc_slots(&g, 1);
        gen_emit(&g, MK_A(OP_STORE, slot));
        gen_bind(&g, let, let->name, slot);
    }
    if (rule->c) {
        gen_expr(&g, rule->c);
        g.cur_off = rule->c->off;
        if (top != UINT32_MAX)
            gen_emit(&g, MK_A(OP_JUMP_IF_NOT, top));
        else
            skip = gen_emit(&g, MK_A(OP_JUMP_IF_NOT, 0));
    }
    g.cur_off = rule->off;
    if (rule->bind)
        gen_emit(&g, MK_A(OP_LOAD, it + 3));
    else
        gen_emit(&g, OP_UNDEF);
    AstNode *msg = rule->a ? rule->a : rule->b; /* trigger's value, else the message */
    if (msg)
        gen_expr(&g, msg);
    else
        gen_emit(&g, OP_UNDEF);
    g.cur_off = rule->off;
    uint32_t emit_pc = gen_emit(&g, MK_A(OP_EMIT, rule_index));
    if (ex) {
        ex->loop_pc = top;
        ex->iter_slot = it;
        ex->emit_pc = emit_pc;
        codegen_explain_names(&g, ex, rule);
        c->prog->rules[rule_index].explain = ex;
    }
    if (top != UINT32_MAX) {
        gen_emit(&g, MK_A(OP_JUMP, top));
        gen_loop_exit_here(&g, top);
    }
    if (skip != UINT32_MAX)
        gen_patch(&g, skip, gen_here(&g));
    gen_emit(&g, OP_UNDEF);
    gen_emit(&g, OP_RET);
    gen_finish(&g);
}
