/* ast.c — syntax-tree constructors, kind names and the S-expression dump;
 * see ast.h for which fields each node kind uses.
 *
 * Owns: how nodes are built and what span each one covers (the grammar's
 * actions call exactly one of these), and the ast_dump text format that
 * golden tests compare. Does not own: the nodes' memory (the compile
 * arena) nor any meaning (the compiler gives it).
 */
#include "lang/ast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "lang/lexer.h"

/* ---- constructors ----------------------------------------------------------- */

static uint32_t ast_end(const AstNode *n) { return n->off + n->len; }

/* Widens n to end where `end` does (children are built left to right, so
 * only the end ever moves forward). */
static void ast_extend_to(AstNode *n, const AstNode *last)
{
    if (n && last && ast_end(last) > ast_end(n))
        n->len = ast_end(last) - n->off;
}

void ast_span(AstNode *node, const Token *t)
{
    if (!node || !t)
        return;
    uint32_t end = ast_end(node);
    uint32_t tend = t->off + t->len;
    if (t->off < node->off)
        node->off = t->off;
    if (tend > end)
        end = tend;
    node->len = end - node->off;
}

AstNode *ast_new(ParseState *ps, AstKind kind, uint32_t off, uint32_t len)
{
    AstNode *n = arena_zalloc(ps->arena, sizeof *n);
    if (!n)
        return NULL;
    n->kind = (uint8_t)kind;
    n->off = off;
    n->len = len;
    return n;
}

/* A node spanning from `first` (a token) or, when that is NULL, from the
 * first non-NULL child. */
static AstNode *ast_new_from(ParseState *ps, AstKind kind, const Token *first, const AstNode *child)
{
    if (first)
        return ast_new(ps, kind, first->off, first->len);
    if (child)
        return ast_new(ps, kind, child->off, child->len);
    return ast_new(ps, kind, 0, 0);
}

AstNode *ast_new_leaf(ParseState *ps, AstKind kind, const Token *t)
{
    AstNode *n = ast_new(ps, kind, t->off, t->len);
    if (!n)
        return NULL;
    switch (kind) {
    case AST_BOOL:
        n->ival = t->type == TK_TRUE;
        break;
    case AST_INT:
        n->ival = t->ival;
        break;
    case AST_FLOAT:
        n->fval = t->fval;
        break;
    case AST_STRING:
        n->str = t->text ? t->text : "";
        n->slen = t->tlen;
        break;
    case AST_NAME:
        n->name = t->text;
        break;
    default:
        break;
    }
    return n;
}

AstNode *ast_new_unary(ParseState *ps, AstKind kind, int op, const Token *t, AstNode *a)
{
    AstNode *n = ast_new(ps, kind, t->off, t->len);
    if (!n)
        return NULL;
    n->op = op;
    n->a = a;
    ast_extend_to(n, a);
    return n;
}

AstNode *ast_new_binary(ParseState *ps, AstKind kind, int op, AstNode *a, AstNode *b)
{
    AstNode *n = ast_new_from(ps, kind, NULL, a ? a : b);
    if (!n)
        return NULL;
    n->op = op;
    n->a = a;
    n->b = b;
    ast_extend_to(n, b);
    return n;
}

AstNode *ast_new_field(ParseState *ps, AstNode *a, const Token *name)
{
    AstNode *n = ast_new_from(ps, AST_FIELD, a ? NULL : name, a);
    if (!n)
        return NULL;
    n->a = a;
    n->name = name->text;
    ast_span(n, name);
    return n;
}

AstNode *ast_new_index(ParseState *ps, AstNode *a, AstNode *index, const Token *close)
{
    AstNode *n = ast_new_from(ps, AST_INDEX, NULL, a ? a : index);
    if (!n)
        return NULL;
    n->a = a;
    n->b = index;
    ast_span(n, close);
    return n;
}

AstNode *ast_new_call(ParseState *ps, AstNode *callee, AstList *args, const Token *close)
{
    AstNode *n = ast_new_from(ps, AST_CALL, callee ? NULL : close, callee);
    if (!n)
        return NULL;
    n->a = callee;
    if (args)
        n->list = *args;
    ast_span(n, close);
    return n;
}

AstNode *ast_new_list(ParseState *ps, AstKind kind, const Token *open, AstList *items,
                      const Token *close)
{
    AstNode *first = items && items->n ? items->items[0] : NULL;
    AstNode *n = ast_new_from(ps, kind, open, first);
    if (!n)
        return NULL;
    if (items)
        n->list = *items;
    if (items && items->n)
        ast_extend_to(n, items->items[items->n - 1]);
    ast_span(n, close);
    return n;
}

AstNode *ast_new_pair(ParseState *ps, AstNode *key, AstNode *value)
{
    /* `{name: v}`: a bare name as key is its text. A parenthesised name
     * has a span wider than the name (ast_new_paren) and stays a name. */
    if (key && key->kind == AST_NAME && key->name && key->len == strlen(key->name)) {
        key->kind = AST_STRING;
        key->str = key->name;
        key->slen = key->len;
        key->name = NULL;
    }
    AstNode *n = ast_new_binary(ps, AST_PAIR, 0, key, value);
    return n;
}

AstNode *ast_new_binding(ParseState *ps, const Token *var1, const Token *var2, AstNode *coll)
{
    AstNode *n = ast_new(ps, AST_BINDING, var1->off, var1->len);
    if (!n)
        return NULL;
    n->name = var1->text;
    n->name2 = var2 ? var2->text : NULL;
    n->a = coll;
    ast_extend_to(n, coll);
    return n;
}

AstNode *ast_new_comp(ParseState *ps, AstKind kind, const Token *open, AstNode *elem,
                      AstNode *value, AstNode *bind, AstNode *filter, const Token *close)
{
    AstNode *n = ast_new(ps, kind, open->off, open->len);
    if (!n)
        return NULL;
    n->a = elem;
    n->b = value;
    n->bind = bind;
    n->c = filter;
    ast_span(n, close);
    return n;
}

AstNode *ast_new_quant(ParseState *ps, AstKind kind, const Token *kw, AstNode *bind, AstNode *body)
{
    AstNode *n = ast_new(ps, kind, kw->off, kw->len);
    if (!n)
        return NULL;
    n->bind = bind;
    n->a = body;
    ast_extend_to(n, body);
    return n;
}

AstNode *ast_new_if(ParseState *ps, const Token *kw, AstNode *cond, AstNode *then_e,
                    AstNode *else_e)
{
    AstNode *n = ast_new(ps, AST_IF, kw->off, kw->len);
    if (!n)
        return NULL;
    n->a = cond;
    n->b = then_e;
    n->c = else_e;
    ast_extend_to(n, else_e);
    return n;
}

AstNode *ast_new_let(ParseState *ps, const Token *kw, const Token *name, AstNode *value,
                     AstNode *body)
{
    AstNode *n = ast_new(ps, AST_LET, kw->off, kw->len);
    if (!n)
        return NULL;
    n->name = name->text;
    n->a = value;
    n->b = body;
    ast_extend_to(n, body);
    return n;
}

AstNode *ast_new_decl(ParseState *ps, AstKind kind, const Token *kw, const char *name,
                      const char *name2, AstNode *a)
{
    AstNode *n = ast_new(ps, kind, kw->off, kw->len);
    if (!n)
        return NULL;
    n->name = name;
    n->name2 = name2;
    n->a = a;
    ast_extend_to(n, a);
    return n;
}

AstNode *ast_new_func(ParseState *ps, const Token *kw, const Token *name, AstList *params,
                      AstNode *body)
{
    AstNode *n = ast_new(ps, AST_FUNC_DECL, kw->off, kw->len);
    if (!n)
        return NULL;
    n->name = name->text;
    if (params)
        n->list = *params;
    n->a = body;
    ast_extend_to(n, body);
    return n;
}

AstNode *ast_new_policy(ParseState *ps, const Token *kw, const char *name, AstList *meta)
{
    AstNode *n = ast_new(ps, AST_POLICY, kw->off, kw->len);
    if (!n)
        return NULL;
    n->name = name;
    if (meta)
        n->list = *meta;
    return n;
}

AstNode *ast_new_rule(ParseState *ps, const Token *kw, AstNode *value, AstNode *bind, AstList *lets,
                      AstNode *cond, AstNode *message)
{
    AstNode *n = ast_new(ps, AST_RULE, kw->off, kw->len);
    if (!n)
        return NULL;
    n->op = kw->type;
    n->a = value;
    n->bind = bind;
    if (lets)
        n->list = *lets;
    n->c = cond;
    n->b = message;
    ast_extend_to(n, value);
    ast_extend_to(n, bind);
    if (lets && lets->n)
        ast_extend_to(n, lets->items[lets->n - 1]);
    ast_extend_to(n, cond);
    ast_extend_to(n, message);
    return n;
}

AstNode *ast_new_paren(ParseState *ps, const Token *open, AstNode *inner, const Token *close)
{
    (void)ps;
    ast_span(inner, open);
    ast_span(inner, close);
    return inner;
}

AstNode *ast_new_template(ParseState *ps, const Token *start, AstNode *expr)
{
    AstNode *n = ast_new(ps, AST_TEMPLATE, start->off, start->len);
    if (!n)
        return NULL;
    ast_template_add(ps, n, start, expr);
    return n;
}

void ast_template_add(ParseState *ps, AstNode *tmpl, const Token *text, AstNode *expr)
{
    if (!tmpl)
        return;
    if (text->tlen > 0)
        ast_list_push(ps, &tmpl->list, ast_new_leaf(ps, AST_STRING, text));
    if (expr)
        ast_list_push(ps, &tmpl->list, expr);
    ast_span(tmpl, text);
    ast_extend_to(tmpl, expr);
}

AstList ast_list_new(ParseState *ps, AstNode *first)
{
    AstList l = {NULL, 0, 0};
    ast_list_push(ps, &l, first);
    return l;
}

void ast_list_push(ParseState *ps, AstList *list, AstNode *node)
{
    /* NULL is an error-recovery placeholder or an OOM; either way the tree
     * is discarded, so dropping it keeps lists free of holes. */
    if (!node)
        return;
    ARENA_GROW(ps->arena, list->items, list->n, list->cap);
    if (!list->items) {
        list->n = 0;
        return;
    }
    list->items[list->n++] = node;
}

const char *ast_dotted(ParseState *ps, const char *prefix, const Token *next)
{
    size_t a = prefix ? strlen(prefix) : 0;
    size_t b = next->tlen;
    char *s = arena_alloc(ps->arena, a + 1 + b + 1);
    if (!s)
        return NULL;
    if (a)
        memcpy(s, prefix, a);
    s[a] = '.';
    if (b)
        memcpy(s + a + 1, next->text, b);
    s[a + 1 + b] = '\0';
    return s;
}

void ast_dotted_join(ParseState *ps, Token *dotted, const Token *next)
{
    const char *s = ast_dotted(ps, dotted->text, next);
    dotted->text = s;
    dotted->tlen = s ? (uint32_t)strlen(s) : 0;
    if (next->off + next->len > dotted->off + dotted->len)
        dotted->len = next->off + next->len - dotted->off;
}

/* ---- names ------------------------------------------------------------------- */

static const char *const ast_kind_names[AST_KIND_COUNT] = {
    [AST_NULL] = "null",
    [AST_BOOL] = "bool",
    [AST_INT] = "int",
    [AST_FLOAT] = "float",
    [AST_STRING] = "string",
    [AST_TEMPLATE] = "template",
    [AST_NAME] = "name",
    [AST_FIELD] = "field",
    [AST_INDEX] = "index",
    [AST_CALL] = "call",
    [AST_UNARY] = "unary",
    [AST_NOT] = "not",
    [AST_BINARY] = "binary",
    [AST_AND] = "and",
    [AST_OR] = "or",
    [AST_IF] = "if",
    [AST_LET] = "let",
    [AST_ARRAY] = "array",
    [AST_SET] = "set",
    [AST_OBJECT] = "object",
    [AST_PAIR] = "pair",
    [AST_ARRAY_COMP] = "array-comp",
    [AST_SET_COMP] = "set-comp",
    [AST_OBJECT_COMP] = "object-comp",
    [AST_ANY] = "any",
    [AST_ALL] = "all",
    [AST_BINDING] = "binding",
    [AST_FILE] = "file",
    [AST_MODULE] = "module",
    [AST_POLICY] = "policy",
    [AST_META] = "meta",
    [AST_USE] = "use",
    [AST_LET_DECL] = "let-decl",
    [AST_FUNC_DECL] = "func",
    [AST_RULE] = "rule",
};

const char *ast_kind_name(AstKind kind)
{
    if ((unsigned)kind >= AST_KIND_COUNT || !ast_kind_names[kind])
        return "?";
    return ast_kind_names[kind];
}

/* ---- dump --------------------------------------------------------------------- */

static void ast_dump_string(Buf *out, const char *s, size_t n)
{
    buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            buf_puts(out, "\\\"");
            break;
        case '\\':
            buf_puts(out, "\\\\");
            break;
        case '\n':
            buf_puts(out, "\\n");
            break;
        case '\t':
            buf_puts(out, "\\t");
            break;
        case '\r':
            buf_puts(out, "\\r");
            break;
        default:
            if (c < 0x20 || c == 0x7F)
                buf_printf(out, "\\x%02x", c);
            else
                buf_putc(out, (char)c);
        }
    }
    buf_putc(out, '"');
}

/* Shortest text that reads back as the same double, always with a `.` or
 * an exponent so it cannot be mistaken for an int. */
static void ast_dump_float(Buf *out, double v)
{
    char s[40];
    if (isnan(v) || isinf(v)) {
        buf_puts(out, isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
        return;
    }
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    /* %g switches to an exponent once the integer part has more digits
     * than the precision: print 1500.0, not 1.5e+03, below 1e16. */
    double mag = fabs(v);
    if (mag >= 1.0 && mag < 1e16) {
        int digits = (int)floor(log10(mag)) + 1;
        if (prec < digits)
            snprintf(s, sizeof s, "%.*g", digits, v);
    }
    buf_puts(out, s);
    if (!strpbrk(s, ".e"))
        buf_puts(out, ".0");
}

static void ast_dump_list(Buf *out, const AstList *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        buf_putc(out, ' ');
        ast_dump(out, l->items[i]);
    }
}

static void ast_dump_child(Buf *out, const AstNode *n)
{
    buf_putc(out, ' ');
    ast_dump(out, n);
}

/* `(tag child)` when child is present, nothing otherwise. */
static void ast_dump_opt(Buf *out, const char *tag, const AstNode *n)
{
    if (!n)
        return;
    buf_printf(out, " (%s ", tag);
    ast_dump(out, n);
    buf_putc(out, ')');
}

void ast_dump(Buf *out, const AstNode *n)
{
    if (!n) {
        buf_putc(out, '_');
        return;
    }
    switch ((AstKind)n->kind) {
    case AST_NULL:
        buf_puts(out, "null");
        return;
    case AST_BOOL:
        buf_puts(out, n->ival ? "true" : "false");
        return;
    case AST_INT:
        buf_printf(out, "(int %lld)", (long long)n->ival);
        return;
    case AST_FLOAT:
        buf_puts(out, "(float ");
        ast_dump_float(out, n->fval);
        buf_putc(out, ')');
        return;
    case AST_STRING:
        buf_puts(out, "(string ");
        ast_dump_string(out, n->str ? n->str : "", n->slen);
        buf_putc(out, ')');
        return;
    case AST_NAME:
        buf_printf(out, "(name %s)", n->name ? n->name : "?");
        return;
    default:
        break;
    }

    buf_printf(out, "(%s", ast_kind_name((AstKind)n->kind));
    switch ((AstKind)n->kind) {
    case AST_FIELD:
        ast_dump_child(out, n->a);
        buf_printf(out, " %s", n->name ? n->name : "?");
        break;
    case AST_UNARY:
    case AST_BINARY: {
        const char *op = lex_token_text(n->op);
        buf_printf(out, " %s", op ? op : "?");
        ast_dump_child(out, n->a);
        if (n->kind == AST_BINARY)
            ast_dump_child(out, n->b);
        break;
    }
    case AST_CALL:
        ast_dump_child(out, n->a);
        ast_dump_list(out, &n->list);
        break;
    case AST_LET:
        buf_printf(out, " %s", n->name ? n->name : "?");
        ast_dump_child(out, n->a);
        ast_dump_child(out, n->b);
        break;
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        ast_dump_child(out, n->a);
        if (n->kind == AST_OBJECT_COMP)
            ast_dump_child(out, n->b);
        ast_dump_child(out, n->bind);
        ast_dump_opt(out, "if", n->c);
        break;
    case AST_ANY:
    case AST_ALL:
        ast_dump_child(out, n->bind);
        ast_dump_child(out, n->a);
        break;
    case AST_BINDING:
        buf_printf(out, " %s", n->name ? n->name : "?");
        if (n->name2)
            buf_printf(out, " %s", n->name2);
        ast_dump_child(out, n->a);
        break;
    case AST_MODULE:
    case AST_POLICY:
    case AST_USE:
    case AST_META:
    case AST_LET_DECL:
        buf_printf(out, " %s", n->name ? n->name : "?");
        if (n->name2)
            buf_printf(out, " as %s", n->name2);
        if (n->a)
            ast_dump_child(out, n->a);
        ast_dump_list(out, &n->list);
        break;
    case AST_FUNC_DECL:
        buf_printf(out, " %s (", n->name ? n->name : "?");
        for (uint32_t i = 0; i < n->list.n; i++)
            buf_printf(out, "%s%s", i ? " " : "",
                       n->list.items[i] && n->list.items[i]->name ? n->list.items[i]->name : "?");
        buf_putc(out, ')');
        ast_dump_child(out, n->a);
        break;
    case AST_RULE: {
        const char *kw = lex_token_text(n->op);
        buf_printf(out, " %s", kw ? kw : "?");
        ast_dump_opt(out, "value", n->a);
        ast_dump_opt(out, "for", n->bind);
        ast_dump_list(out, &n->list);
        ast_dump_opt(out, "when", n->c);
        ast_dump_opt(out, "message", n->b);
        break;
    }
    default:
        /* Nodes made of their children in order: a, b, c, then the list. */
        if (n->a)
            ast_dump_child(out, n->a);
        if (n->b)
            ast_dump_child(out, n->b);
        if (n->c)
            ast_dump_child(out, n->c);
        ast_dump_list(out, &n->list);
        break;
    }
    buf_putc(out, ')');
}
