/* units.c — the units of one compile: files and modules parsed into units,
 * the modules found (among the given files, then in the embedded standard
 * library), each unit's declarations, and the program arrays they add
 * to; see units.h. Generates no code (codegen.c) and reads no metadata
 * (compiler.c).
 */
#include "lang/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parser.h"
#include "stdlib/builtin.h"
#include "stdlib/stdlib_modules.h"

/* ---- program arrays ------------------------------------------------------ */

Program *units_new_program(veto_engine *e)
{
    Program *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    arena_init(&p->arena, 64 * 1024);
    p->engine = e;
    p->builtins = builtin_table();
    p->expr_func = UINT32_MAX;
    return p;
}

uint32_t units_add_function(Compiler *c, const char *name, FuncKind kind, uint32_t source,
                            uint32_t off)
{
    Program *p = c->prog;
    ARENA_GROW(&p->arena, p->funcs, p->nfuncs, c->capfuncs);
    if (!p->funcs)
        return 0;
    Function *f = &p->funcs[p->nfuncs];
    memset(f, 0, sizeof *f);
    f->name = arena_strndup(&p->arena, name, strlen(name));
    f->kind = kind;
    f->source = source;
    f->off = off;
    return p->nfuncs++;
}

uint32_t units_add_source(Compiler *c, Source *src)
{
    Program *p = c->prog;
    ARENA_GROW(&p->arena, p->sources, p->nsources, c->capsources);
    if (!p->sources) {
        source_free(src);
        return UINT32_MAX;
    }
    src->id = p->nsources;
    p->sources[p->nsources] = src;
    return p->nsources++;
}

/* ---- units --------------------------------------------------------------- */

Unit *units_add_unit(Compiler *c, Source *src)
{
    if (units_add_source(c, src) == UINT32_MAX)
        return NULL;
    Unit *u = arena_zalloc(&c->arena, sizeof *u);
    if (!u)
        return NULL;
    u->src = src;
    u->ast = parse_source(&c->arena, src, c->diags);
    if (u->ast && u->ast->list.n > 0 && u->ast->list.items[0]->kind == AST_MODULE)
        u->module = u->ast->list.items[0]->name;
    ARENA_GROW(&c->arena, c->units, c->nunits, c->capunits);
    if (!c->units)
        return NULL;
    c->units[c->nunits++] = u;
    return u;
}

static const char *units_basename_noext(Arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot ? (size_t)(dot - base) : strlen(base);
    return arena_strndup(a, base, n);
}

Unit *units_module(Compiler *c, const char *name, const Source *from, uint32_t off)
{
    for (uint32_t i = 0; i < c->nunits; i++) {
        if (c->units[i]->module && strcmp(c->units[i]->module, name) == 0)
            return c->units[i];
    }
    for (size_t i = 0; i < stdlib_module_count; i++) {
        const char *mname = units_basename_noext(&c->arena, stdlib_modules[i].path);
        if (strcmp(mname, name) != 0)
            continue;
        Source *src = source_new(stdlib_modules[i].path, stdlib_modules[i].text,
                                 strlen(stdlib_modules[i].text));
        if (!src)
            return NULL;
        Unit *u = units_add_unit(c, src);
        if (u)
            u->embedded = true;
        if (u && (!u->module || strcmp(u->module, name) != 0) && u->ast) {
            diag_add(c->diags, DIAG_ERROR, src, 0, 1, NULL,
                     "standard module file does not declare `module %s`", name);
            return NULL;
        }
        return u;
    }
    /* Unknown: suggest among every module we know of. */
    const char *cands[128];
    size_t n = 0;
    for (uint32_t i = 0; i < c->nunits && n < 64; i++)
        if (c->units[i]->module)
            cands[n++] = c->units[i]->module;
    for (size_t i = 0; i < stdlib_module_count && n < 128; i++)
        cands[n++] = units_basename_noext(&c->arena, stdlib_modules[i].path);
    const char *best = diag_suggest(name, strlen(name), cands, n);
    char hint[160];
    if (best)
        snprintf(hint, sizeof hint, "did you mean `%s`?", best);
    diag_add(c->diags, DIAG_ERROR, from, off, strlen(name), best ? hint : NULL,
             "unknown module `%s`", name);
    return NULL;
}

bool units_is_stdlib_module(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < stdlib_module_count; i++) {
        const char *path = stdlib_modules[i].path;
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (strncmp(base, name, n) == 0 && strcmp(base + n, ".veto") == 0)
            return true;
    }
    return false;
}

const Decl *units_find_decl(const Unit *u, const char *name)
{
    /* A linear scan (tf has ~250 declarations, looked up ~13,000 times per
     * compile): the first-byte test skips almost every strcmp call. */
    for (uint32_t i = 0; i < u->ndecls; i++)
        if (u->decls[i].name[0] == name[0] && strcmp(u->decls[i].name, name) == 0)
            return &u->decls[i];
    return NULL;
}

void units_declare(Compiler *c, Unit *u)
{
    if (u->declared || !u->ast)
        return;
    u->declared = true;
    AstList *items = &u->ast->list;
    for (uint32_t i = 0; i < items->n; i++) {
        AstNode *n = items->items[i];
        const char *name = NULL;
        DeclKind kind;
        switch (n->kind) {
        case AST_MODULE:
            if (i != 0)
                diag_add(c->diags, DIAG_ERROR, u->src, n->off, n->len, NULL,
                         "`module` must be the first declaration of its file");
            continue;
        case AST_POLICY:
        case AST_RULE:
            if (u->module)
                diag_add(c->diags, DIAG_ERROR, u->src, n->off, n->len,
                         "move policies and rules into a policy file that uses this module",
                         "a module cannot hold %s", n->kind == AST_POLICY ? "policies" : "rules");
            continue;
        case AST_USE: {
            const char *alias = n->name2;
            if (!alias) {
                const char *dot = strrchr(n->name, '.');
                alias = dot ? dot + 1 : n->name;
            }
            name = alias;
            kind = DECL_USE;
            break;
        }
        case AST_LET_DECL:
            name = n->name;
            kind = DECL_LET;
            break;
        case AST_FUNC_DECL:
            name = n->name;
            kind = DECL_FUNC;
            break;
        default:
            continue;
        }
        const Decl *prev = units_find_decl(u, name);
        if (prev) {
            uint32_t line, col;
            source_position(u->src, prev->node->off, &line, &col);
            diag_add(c->diags, DIAG_ERROR, u->src, n->off, n->len, NULL,
                     "`%s` is already declared at line %u", name, line);
            continue;
        }
        ARENA_GROW(&c->arena, u->decls, u->ndecls, u->capdecls);
        if (!u->decls)
            return;
        Decl *d = &u->decls[u->ndecls++];
        memset(d, 0, sizeof *d);
        d->name = name;
        d->kind = kind;
        d->node = n;
        char fname[512];
        const char *scope = u->module; /* file-level names stay bare in messages */
        if (kind == DECL_USE) {
            /* Point at the module name, not at `use`. */
            const char *at = strstr(u->src->text + n->off, n->name);
            uint32_t off = at && (size_t)(at - u->src->text) < n->off + n->len
                               ? (uint32_t)(at - u->src->text)
                               : n->off;
            d->module = units_module(c, n->name, u->src, off);
        } else if (kind == DECL_LET) {
            snprintf(fname, sizeof fname, "%s%s%s", scope ? scope : "", scope ? "." : "", name);
            uint32_t fi = units_add_function(c, fname, FN_GLOBAL, u->src->id, n->off);
            Program *p = c->prog;
            ARENA_GROW(&p->arena, p->globals, p->nglobals, c->capglobals);
            if (!p->globals)
                return;
            p->globals[p->nglobals].name = p->funcs[fi].name;
            p->globals[p->nglobals].func = fi;
            d->index = p->nglobals++;
        } else {
            snprintf(fname, sizeof fname, "%s%s%s", scope ? scope : "", scope ? "." : "", name);
            d->index = units_add_function(c, fname, FN_USER, u->src->id, n->off);
            c->prog->funcs[d->index].nparams = (uint16_t)n->list.n;
        }
    }
}
