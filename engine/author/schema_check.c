/* schema_check.c — resource types and attribute paths against provider
 * schemas; see schema_check.h.
 *
 * A position in the schema (SPos) is what a policy expression is known to
 * be: a normalised tf change of type T, a raw resource_changes entry, its
 * `change`, a block, an attribute's type expression, a nested attribute
 * object, or a list or map of blocks. A variable holds a set of positions
 * (tf.changes_of_types gives one per type); a path is an error only when
 * it fails under every one of them. Owns nothing past the call.
 */
#include "author/schema_check.h"
#include "lang/codegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_tokens.h"

#define SC_ALTS      8
#define SC_LOCALS    64
#define SC_REPORTED  256
#define SC_LET_DEPTH 4

typedef enum SpKind {
    SP_NONE,   /* not tracked: anything goes */
    SP_TF,     /* a tf-normalised change (after/before at the top) */
    SP_RAW,    /* an entry of input.resource_changes */
    SP_CHANGE, /* the `change` of a raw entry */
    SP_BLOCK,  /* v = a schema block {attributes, block_types} */
    SP_TYPE,   /* v = an attribute type expression */
    SP_NESTED, /* v = a nested_type's attributes object */
} SpKind;

typedef struct SPos {
    uint8_t kind;      /* SpKind */
    uint8_t coll;      /* SP_BLOCK/SP_NESTED: 0 one, 1 list or set, 2 map */
    const char *rtype; /* SP_TF/SP_RAW/SP_CHANGE: the resource type, or NULL */
    Value v;           /* see SpKind */
    char path[96];     /* "aws_s3_bucket.versioning", for messages */
} SPos;

typedef struct SSet {
    uint32_t n;
    SPos p[SC_ALTS];
} SSet;

typedef struct SLocal {
    const char *name;
    SSet set;
} SLocal;

typedef struct Checker {
    Compiler *c;
    Unit *u;
    Value providers; /* provider_schemas */
    SLocal locals[SC_LOCALS];
    uint32_t n;
    uint32_t floor;                 /* locals below it are out of scope (inside a file-level let) */
    uint32_t reported[SC_REPORTED]; /* source offsets already reported in u */
    uint32_t nreported;
    int let_depth;
} Checker;

static void sc_expr(Checker *k, AstNode *n);

/* Fields of a tf-normalised change (stdlib/tf.veto, `normalise`). */
static const char *const sc_tf_fields[] = {
    "address",
    "type",
    "name",
    "mode",
    "provider",
    "module",
    "index",
    "actions",
    "action",
    "action_reason",
    "before",
    "after",
    "after_unknown",
    "before_sensitive",
    "after_sensitive",
};

/* ---- schema lookups ------------------------------------------------------- */

static const Member *sc_get(Value obj, const char *key)
{
    if (obj.kind != V_OBJ || !key)
        return NULL;
    return value_get(obj, key, (uint32_t)strlen(key), 0);
}

static Value sc_field(Value obj, const char *key)
{
    const Member *m = sc_get(obj, key);
    return m ? m->val : value_undef();
}

/* The block of resource type `t`, or undefined. */
static Value sc_resource(const Checker *k, const char *t)
{
    for (uint32_t i = 0; i < k->providers.n; i++) {
        Value rs = sc_field(k->providers.u.o[i].val, "resource_schemas");
        const Member *m = sc_get(rs, t);
        if (m)
            return sc_field(m->val, "block");
    }
    return value_undef();
}

/* Does the schema hold the provider a type name belongs to ("aws" for
 * aws_s3_bucket)? Types of other providers are not judged. */
static bool sc_provider_known(const Checker *k, const char *t)
{
    const char *us = strchr(t, '_');
    size_t pl = us ? (size_t)(us - t) : strlen(t);
    for (uint32_t i = 0; i < k->providers.n; i++) {
        const Member *m = &k->providers.u.o[i];
        const char *slash = memrchr(m->key, '/', m->klen);
        const char *name = slash ? slash + 1 : m->key;
        size_t nl = (size_t)(m->key + m->klen - name);
        if (nl == pl && memcmp(name, t, pl) == 0)
            return true;
    }
    return false;
}

/* NUL-terminated copies of the keys of up to two objects (for hints). */
static const char **sc_keys(Checker *k, Value a, Value b, size_t *count)
{
    size_t n = (a.kind == V_OBJ ? a.n : 0) + (b.kind == V_OBJ ? b.n : 0);
    const char **out = arena_alloc(&k->c->arena, (n ? n : 1) * sizeof *out);
    *count = 0;
    if (!out)
        return NULL;
    const Value objs[2] = {a, b};
    for (int j = 0; j < 2; j++)
        if (objs[j].kind == V_OBJ)
            for (uint32_t i = 0; i < objs[j].n; i++)
                out[(*count)++] =
                    arena_strndup(&k->c->arena, objs[j].u.o[i].key, objs[j].u.o[i].klen);
    return out;
}

static const char **sc_all_types(Checker *k, size_t *count)
{
    size_t n = 0;
    for (uint32_t i = 0; i < k->providers.n; i++)
        n += sc_field(k->providers.u.o[i].val, "resource_schemas").n;
    const char **out = arena_alloc(&k->c->arena, (n ? n : 1) * sizeof *out);
    *count = 0;
    for (uint32_t i = 0; out && i < k->providers.n; i++) {
        Value rs = sc_field(k->providers.u.o[i].val, "resource_schemas");
        for (uint32_t j = 0; rs.kind == V_OBJ && j < rs.n; j++)
            out[(*count)++] = arena_strndup(&k->c->arena, rs.u.o[j].key, rs.u.o[j].klen);
    }
    return out;
}

/* ---- reporting -------------------------------------------------------------- */

static bool sc_once(Checker *k, uint32_t off)
{
    for (uint32_t i = 0; i < k->nreported; i++)
        if (k->reported[i] == off)
            return false;
    if (k->nreported < SC_REPORTED)
        k->reported[k->nreported++] = off;
    return true;
}

static void sc_error(Checker *k, uint32_t off, uint32_t len, const char *name,
                     const char *const *cands, size_t ncands, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void sc_error(Checker *k, uint32_t off, uint32_t len, const char *name,
                     const char *const *cands, size_t ncands, const char *fmt, ...)
{
    if (!sc_once(k, off))
        return;
    const char *best = cands ? diag_suggest(name, strlen(name), cands, ncands) : NULL;
    char hint[200];
    if (best)
        snprintf(hint, sizeof hint, "did you mean `%s`?", best);
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(k->c->diags, DIAG_ERROR, k->u->src, off, len, best ? hint : NULL, fmt, ap);
    va_end(ap);
}

/* Checks a resource type string; false (reported) when the schema covers
 * its provider but lacks it. */
static bool sc_check_type(Checker *k, const AstNode *at, const char *t)
{
    if (sc_resource(k, t).kind != V_UNDEF || !sc_provider_known(k, t))
        return true;
    size_t nc;
    const char **cands = sc_all_types(k, &nc);
    sc_error(k, at->off, at->len, t, cands, nc, "unknown resource type `%s`", t);
    return false;
}

/* ---- stepping through the schema ----------------------------------------- */

static bool sc_is(Value s, const char *word)
{
    return s.kind == V_STR && s.n == strlen(word) && memcmp(s.u.s, word, s.n) == 0;
}

static void sc_pos(SPos *p, SpKind kind, const char *rtype, Value v, uint8_t coll, const char *path)
{
    memset(p, 0, sizeof *p);
    p->kind = (uint8_t)kind;
    p->rtype = rtype;
    p->v = v;
    p->coll = coll;
    snprintf(p->path, sizeof p->path, "%s", path ? path : "");
}

static void sc_extend(SPos *out, const SPos *from, const char *key)
{
    /* Built in a wider buffer: from may be out. Long paths are cut. */
    char buf[sizeof out->path + 160];
    snprintf(buf, sizeof buf, "%s%s%s", from->path, key ? "." : "[*]", key ? key : "");
    buf[sizeof out->path - 1] = '\0';
    memcpy(out->path, buf, sizeof out->path);
}

static void sc_from_attr(SPos *out, const SPos *from, const char *key, Value attr)
{
    Value nt = sc_field(attr, "nested_type");
    if (nt.kind == V_OBJ) {
        Value mode = sc_field(nt, "nesting_mode");
        uint8_t coll = sc_is(mode, "map") ? 2 : (sc_is(mode, "single") ? 0 : 1);
        sc_pos(out, SP_NESTED, NULL, sc_field(nt, "attributes"), coll, NULL);
    } else {
        sc_pos(out, SP_TYPE, NULL, sc_field(attr, "type"), 0, NULL);
    }
    sc_extend(out, from, key);
}

/* One step of a path: `.key` (key != NULL) or `[index]` (key NULL).
 * Returns false when the schema says the key cannot exist; *out is the
 * position after the step (SP_NONE when not tracked). */
static bool sc_step(Checker *k, const SPos *p, const char *key, SPos *out, const char ***cands,
                    size_t *ncands)
{
    sc_pos(out, SP_NONE, NULL, value_undef(), 0, NULL);
    *cands = NULL;
    *ncands = 0;
    switch (p->kind) {
    case SP_TF:
        if (!key)
            return true;
        if (p->rtype && (strcmp(key, "after") == 0 || strcmp(key, "before") == 0)) {
            sc_pos(out, SP_BLOCK, NULL, sc_resource(k, p->rtype), 0, p->rtype);
            return true;
        }
        for (size_t i = 0; i < sizeof sc_tf_fields / sizeof *sc_tf_fields; i++)
            if (strcmp(key, sc_tf_fields[i]) == 0)
                return true;
        *cands = (const char **)sc_tf_fields;
        *ncands = sizeof sc_tf_fields / sizeof *sc_tf_fields;
        return false;
    case SP_RAW:
        if (key && p->rtype && strcmp(key, "change") == 0)
            sc_pos(out, SP_CHANGE, p->rtype, value_undef(), 0, p->rtype);
        return true;
    case SP_CHANGE:
        if (key && (strcmp(key, "after") == 0 || strcmp(key, "before") == 0))
            sc_pos(out, SP_BLOCK, NULL, sc_resource(k, p->rtype), 0, p->rtype);
        return true;
    case SP_BLOCK:
    case SP_NESTED:
        if (p->coll == 1 && key)
            return true; /* a field of a list: undefined, but not a schema question */
        if (p->coll) {
            *out = *p;
            out->coll = 0;
            sc_extend(out, p, p->coll == 2 ? "*" : NULL);
            return true;
        }
        if (!key)
            return true;
        {
            Value attrs = p->kind == SP_BLOCK ? sc_field(p->v, "attributes") : p->v;
            Value blocks = p->kind == SP_BLOCK ? sc_field(p->v, "block_types") : value_undef();
            const Member *m = sc_get(attrs, key);
            if (m) {
                sc_from_attr(out, p, key, m->val);
                return true;
            }
            m = sc_get(blocks, key);
            if (m) {
                Value mode = sc_field(m->val, "nesting_mode");
                uint8_t coll = sc_is(mode, "map")                                ? 2
                               : (sc_is(mode, "single") || sc_is(mode, "group")) ? 0
                                                                                 : 1;
                sc_pos(out, SP_BLOCK, NULL, sc_field(m->val, "block"), coll, NULL);
                sc_extend(out, p, key);
                return true;
            }
            if (attrs.kind != V_OBJ && blocks.kind != V_OBJ)
                return true;
            *cands = sc_keys(k, attrs, blocks, ncands);
            return false;
        }
    case SP_TYPE: {
        Value t = p->v;
        if (t.kind != V_ARR || t.n != 2 || t.u.a[0].kind != V_STR)
            return true; /* a primitive or "dynamic" */
        Value head = t.u.a[0], arg = t.u.a[1];
        bool is_map = sc_is(head, "map");
        bool is_list = sc_is(head, "list") || sc_is(head, "set");
        bool is_obj = sc_is(head, "object");
        if (is_map || (is_list && !key)) {
            sc_pos(out, SP_TYPE, NULL, arg, 0, NULL);
            sc_extend(out, p, is_map ? "*" : NULL);
            return true;
        }
        if (is_obj && key) {
            const Member *m = sc_get(arg, key);
            if (m) {
                sc_pos(out, SP_TYPE, NULL, m->val, 0, NULL);
                sc_extend(out, p, key);
                return true;
            }
            *cands = sc_keys(k, arg, value_undef(), ncands);
            return false;
        }
        return true;
    }
    default:
        return true;
    }
}

/* Steps every alternative; reports at `at` when every one fails. */
static void sc_step_set(Checker *k, const SSet *in, const char *key, const AstNode *at,
                        uint32_t key_off, uint32_t key_len, SSet *out)
{
    out->n = 0;
    uint32_t fails = 0;
    const char **first_cands = NULL;
    size_t first_n = 0;
    const SPos *first = NULL;
    for (uint32_t i = 0; i < in->n; i++) {
        SPos next;
        const char **cands;
        size_t nc;
        if (!sc_step(k, &in->p[i], key, &next, &cands, &nc)) {
            if (!first) {
                first = &in->p[i];
                first_cands = cands;
                first_n = nc;
            }
            fails++;
            continue;
        }
        if (next.kind != SP_NONE && out->n < SC_ALTS)
            out->p[out->n++] = next;
        else if (next.kind == SP_NONE) {
            out->n = 0; /* one untracked alternative: stop checking this path */
            return;
        }
    }
    if (in->n > 0 && fails == in->n && key) {
        (void)at;
        if (first->kind == SP_TF)
            sc_error(k, key_off, key_len, key, first_cands, first_n,
                     "a tf change has no field `%s`", key);
        else
            sc_error(k, key_off, key_len, key, first_cands, first_n,
                     "`%s` has no attribute `%s` in the provider schema", first->path, key);
    }
}

/* ---- positions of expressions ------------------------------------------- */

static const SSet *sc_lookup(const Checker *k, const char *name)
{
    for (uint32_t i = k->n; i-- > k->floor;)
        if (strcmp(k->locals[i].name, name) == 0)
            return &k->locals[i].set;
    return NULL;
}

/* The position set of a path expression, checking every step on the way.
 * Sub-expressions that are not part of the path are walked by sc_expr. */
static void sc_path(Checker *k, AstNode *n, SSet *out)
{
    out->n = 0;
    switch (n->kind) {
    case AST_NAME: {
        const SSet *s = sc_lookup(k, n->name);
        if (s)
            *out = *s;
        return;
    }
    case AST_FIELD: {
        SSet base;
        sc_path(k, n->a, &base);
        uint32_t klen = (uint32_t)strlen(n->name);
        sc_step_set(k, &base, n->name, n, n->off + n->len - klen, klen, out);
        return;
    }
    case AST_INDEX: {
        SSet base;
        sc_path(k, n->a, &base);
        if (n->b->kind == AST_STRING) {
            sc_step_set(k, &base, n->b->str, n, n->b->off, n->b->len, out);
        } else {
            sc_expr(k, n->b);
            sc_step_set(k, &base, NULL, n, n->off, n->len, out);
        }
        return;
    }
    case AST_BINARY:
        if (n->op == TK_COALESCE) {
            sc_path(k, n->a, out);
            sc_expr(k, n->b);
            return;
        }
        sc_expr(k, n);
        return;
    default:
        sc_expr(k, n);
        return;
    }
}

/* The file-level `let` a name refers to (not shadowed by a local). */
static const Decl *sc_let(const Checker *k, const AstNode *n)
{
    if (n->kind != AST_NAME || sc_lookup(k, n->name))
        return NULL;
    const Decl *d = units_find_decl(k->u, n->name);
    return d && d->kind == DECL_LET ? d : NULL;
}

/* A constant, following file-level lets. */
static bool sc_constant(Checker *k, AstNode *n, Value *v)
{
    const Decl *d = sc_let(k, n);
    if (d)
        n = d->node->a;
    return codegen_constant(k->c, k->u, n, v);
}

/* Is `name` the alias of `use tf` in this unit (and not shadowed)? */
static bool sc_is_tf(const Checker *k, const AstNode *n)
{
    if (n->kind != AST_NAME || sc_lookup(k, n->name))
        return false;
    const Decl *d = units_find_decl(k->u, n->name);
    return d && d->kind == DECL_USE && d->module && d->module->module &&
           strcmp(d->module->module, "tf") == 0;
}

static void sc_add_type(Checker *k, SSet *out, SpKind kind, const AstNode *at, Value t)
{
    if (t.kind != V_STR || out->n >= SC_ALTS)
        return;
    char *name = arena_strndup(&k->c->arena, t.u.s, t.n);
    if (!name || !sc_check_type(k, at, name))
        return;
    if (sc_resource(k, name).kind == V_UNDEF)
        return; /* another provider's type: untracked */
    sc_pos(&out->p[out->n++], kind, name, value_undef(), 0, name);
}

/* Narrows untyped changes bound to `var` by `var.type == "T"` (or `in
 * [...]`) conjuncts of cond. */
static void sc_narrow(Checker *k, const char *var, AstNode *cond, SSet *set)
{
    if (!cond || set->n != 1 || set->p[0].rtype ||
        (set->p[0].kind != SP_TF && set->p[0].kind != SP_RAW))
        return;
    if (cond->kind == AST_AND) {
        sc_narrow(k, var, cond->a, set);
        sc_narrow(k, var, cond->b, set);
        return;
    }
    if (cond->kind != AST_BINARY || (cond->op != TK_EQ && cond->op != TK_IN))
        return;
    AstNode *lhs = cond->a, *rhs = cond->b;
    if (cond->op == TK_EQ && rhs->kind == AST_FIELD) {
        lhs = cond->b;
        rhs = cond->a;
    }
    if (lhs->kind != AST_FIELD || strcmp(lhs->name, "type") != 0 || lhs->a->kind != AST_NAME ||
        strcmp(lhs->a->name, var) != 0)
        return;
    Value v;
    if (!sc_constant(k, rhs, &v))
        return;
    SSet typed = {0};
    SpKind kind = (SpKind)set->p[0].kind;
    if (v.kind == V_STR)
        sc_add_type(k, &typed, kind, rhs, v);
    else if (v.kind == V_ARR)
        for (uint32_t i = 0; i < v.n; i++)
            sc_add_type(k, &typed, kind, rhs, v.u.a[i]);
    if (typed.n)
        *set = typed;
}

/* What the elements of a collection expression are. */
static void sc_elements(Checker *k, AstNode *coll, SSet *out)
{
    out->n = 0;
    if (coll->kind == AST_BINARY && coll->op == TK_COALESCE) {
        sc_elements(k, coll->a, out);
        sc_expr(k, coll->b);
        return;
    }
    if (coll->kind == AST_CALL && coll->a->kind == AST_FIELD && sc_is_tf(k, coll->a->a)) {
        const char *f = coll->a->name;
        for (uint32_t i = 0; i < coll->list.n; i++)
            sc_expr(k, coll->list.items[i]);
        Value v;
        AstNode *arg = coll->list.n ? coll->list.items[0] : NULL;
        if ((strcmp(f, "changes") == 0 || strcmp(f, "changes_of_type") == 0) && arg &&
            sc_constant(k, arg, &v)) {
            sc_add_type(k, out, SP_TF, arg, v);
        } else if (strcmp(f, "changes_of_types") == 0 && arg && sc_constant(k, arg, &v) &&
                   v.kind == V_ARR) {
            for (uint32_t i = 0; i < v.n; i++)
                sc_add_type(k, out, SP_TF, arg, v.u.a[i]);
        } else if (strcmp(f, "changes") != 0 && strcmp(f, "changes_of_type") != 0 &&
                   strcmp(f, "changes_of_types") != 0 && strcmp(f, "action_counts") != 0) {
            sc_pos(&out->p[0], SP_TF, NULL, value_undef(), 0, NULL); /* untyped changes */
            out->n = 1;
        }
        return;
    }
    if (coll->kind == AST_FIELD && strcmp(coll->name, "resource_changes") == 0 &&
        coll->a->kind == AST_NAME && strcmp(coll->a->name, "input") == 0 &&
        !sc_lookup(k, "input")) {
        sc_pos(&out->p[0], SP_RAW, NULL, value_undef(), 0, NULL);
        out->n = 1;
        return;
    }
    if (coll->kind == AST_ARRAY_COMP && coll->a->kind == AST_NAME && !coll->bind->name2 &&
        strcmp(coll->a->name, coll->bind->name) == 0) {
        /* [x for x in C if guard]: C's elements, narrowed by the guard. */
        SSet inner;
        sc_elements(k, coll->bind->a, &inner);
        sc_narrow(k, coll->bind->name, coll->c, &inner);
        sc_expr(k, coll);
        *out = inner;
        return;
    }
    const Decl *d = sc_let(k, coll);
    if (d && k->let_depth < SC_LET_DEPTH) {
        k->let_depth++;
        uint32_t saved = k->floor;
        k->floor = k->n; /* the let's own scope: file level */
        sc_elements(k, d->node->a, out);
        k->floor = saved;
        k->let_depth--;
        return;
    }
    SSet s;
    sc_path(k, coll, &s);
    for (uint32_t i = 0; i < s.n; i++) {
        const char **cands;
        size_t nc;
        SPos e;
        sc_step(k, &s.p[i], NULL, &e, &cands, &nc);
        if (e.kind == SP_NONE) {
            out->n = 0;
            return;
        }
        out->p[out->n++] = e;
    }
}

/* ---- the walk ---------------------------------------------------------------- */

static void sc_push(Checker *k, const char *name, const SSet *set)
{
    if (!name || k->n >= SC_LOCALS)
        return;
    k->locals[k->n].name = name;
    if (set)
        k->locals[k->n].set = *set;
    else
        k->locals[k->n].set.n = 0;
    k->n++;
}

static void sc_bind(Checker *k, AstNode *bind, AstNode *guard)
{
    SSet elems;
    sc_elements(k, bind->a, &elems);
    sc_narrow(k, bind->name2 ? bind->name2 : bind->name, guard, &elems);
    if (bind->name2) {
        sc_push(k, bind->name, NULL);
        sc_push(k, bind->name2, &elems);
    } else {
        sc_push(k, bind->name, &elems);
    }
}

static void sc_expr(Checker *k, AstNode *n)
{
    if (!n)
        return;
    uint32_t mark = k->n;
    SSet s;
    switch (n->kind) {
    case AST_NAME:
        return;
    case AST_FIELD:
    case AST_INDEX:
        sc_path(k, n, &s);
        return;
    case AST_CALL:
        for (uint32_t i = 0; i < n->list.n; i++)
            sc_expr(k, n->list.items[i]);
        return;
    case AST_LET:
        sc_path(k, n->a, &s);
        sc_push(k, n->name, &s);
        sc_expr(k, n->b);
        k->n = mark;
        return;
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        sc_bind(k, n->bind, n->c);
        sc_expr(k, n->c);
        sc_expr(k, n->a);
        sc_expr(k, n->b);
        k->n = mark;
        return;
    case AST_ANY:
    case AST_ALL:
        sc_bind(k, n->bind, n->a);
        sc_expr(k, n->a);
        k->n = mark;
        return;
    default:
        sc_expr(k, n->a);
        sc_expr(k, n->b);
        sc_expr(k, n->c);
        for (uint32_t i = 0; i < n->list.n; i++)
            sc_expr(k, n->list.items[i]);
        return;
    }
}

static void sc_rule(Checker *k, AstNode *r)
{
    k->n = 0;
    if (r->bind)
        sc_bind(k, r->bind, NULL);
    for (uint32_t i = 0; i < r->list.n; i++) {
        AstNode *let = r->list.items[i];
        SSet s;
        sc_path(k, let->a, &s);
        sc_push(k, let->name, &s);
    }
    /* The condition and message see the binding narrowed by the guards. */
    if (r->bind && r->c && !r->bind->name2 && k->n > 0)
        sc_narrow(k, r->bind->name, r->c, &k->locals[0].set);
    sc_expr(k, r->c);
    sc_expr(k, r->a);
    sc_expr(k, r->b);
    k->n = 0;
}

void schema_check_units(Compiler *c, const struct veto_doc *schema)
{
    Checker *k = calloc(1, sizeof *k);
    if (!k) {
        diag_add(c->diags, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory checking schemas");
        return;
    }
    k->c = c;
    k->providers = sc_field(schema->root, "provider_schemas");
    if (k->providers.kind != V_OBJ) {
        diag_add(c->diags, DIAG_ERROR, NULL, 0, 0, NULL,
                 "%s: not a provider schema (no provider_schemas object; expected the "
                 "output of `terraform providers schema -json`)",
                 schema->name ? schema->name : "schema");
        free(k);
        return;
    }
    for (uint32_t i = 0; i < c->nunits; i++) {
        Unit *u = c->units[i];
        if (u->embedded || u->implicit_stdlib || !u->ast)
            continue;
        k->u = u;
        k->nreported = 0;
        for (uint32_t j = 0; j < u->ast->list.n; j++) {
            AstNode *n = u->ast->list.items[j];
            k->n = 0;
            if (n->kind == AST_RULE) {
                sc_rule(k, n);
            } else if (n->kind == AST_LET_DECL) {
                sc_expr(k, n->a);
            } else if (n->kind == AST_FUNC_DECL) {
                for (uint32_t p = 0; p < n->list.n; p++)
                    sc_push(k, n->list.items[p]->name, NULL);
                sc_expr(k, n->a);
            }
        }
    }
    free(k);
}
