/* ast.h — the syntax tree the parser builds and the compiler reads.
 *
 * Every node lives in the compile arena and carries the byte span of the
 * source text it came from (off, len) so any later phase can point at it.
 * Nodes are built only through the ast_new_* constructors below, which the
 * grammar actions call one per action; the grammar holds no logic.
 *
 * Field use by kind (unused fields are NULL/0):
 *
 *   AST_NULL                        -
 *   AST_BOOL                        ival (0/1)
 *   AST_INT                         ival
 *   AST_FLOAT                       fval
 *   AST_STRING                      str (unescaped, arena, NUL-terminated), slen
 *   AST_TEMPLATE                    list: AST_STRING and expression parts, in order
 *   AST_NAME                        name
 *   AST_FIELD       a.name          a, name
 *   AST_INDEX       a[b]            a, b
 *   AST_CALL        a(list)         a = callee (AST_NAME or AST_FIELD), list = args
 *   AST_UNARY       -a              op = TK_MINUS, a
 *   AST_NOT         not a           a
 *   AST_BINARY      a op b          op = TK_PLUS/MINUS/STAR/SLASH/PERCENT/EQ/NE/LT/LE/GT/GE/
 *                                        IN/NOTIN/MATCH/NOMATCH/LIKE/COALESCE
 *   AST_AND, AST_OR a and b         a, b
 *   AST_IF          if a then b else c
 *   AST_LET         let name = a; b
 *   AST_ARRAY       [list]
 *   AST_SET         {list}          (at least one element; {} is an empty object)
 *   AST_OBJECT      {list}          list of AST_PAIR (a = key expr, b = value expr)
 *   AST_ARRAY_COMP  [a for bind if c]     a = element, bind = AST_BINDING, c = filter or NULL
 *   AST_SET_COMP    {a for bind if c}
 *   AST_OBJECT_COMP {a: b for bind if c}
 *   AST_ANY, AST_ALL  any bind: a      bind = AST_BINDING, a = body
 *   AST_BINDING     k, v in a       name = first variable, name2 = second or NULL, a = collection
 *
 * Declarations (the top level of a file):
 *   AST_FILE        list = items (policy headers, uses, lets, funcs, rules, module header)
 *   AST_MODULE      module NAME        name (dotted, as text)
 *   AST_POLICY      policy NAME meta   name (dotted, as text), list = AST_META
 *   AST_META        key: a             name = key, a = value expression
 *   AST_USE         use NAME [as ALIAS] name (dotted), name2 = alias or NULL
 *   AST_LET_DECL    let NAME = a       name, a
 *   AST_FUNC_DECL   func NAME(params) = a   name, list = AST_NAME params, a = body
 *   AST_RULE        KIND [value] [for bind] {let} [when c] [message b]
 *                   op = rule keyword token (TK_DENY, TK_WARN, TK_ALLOW, TK_APPROVE,
 *                   TK_REJECT, TK_TRIGGER), a = trigger value or NULL, bind = AST_BINDING
 *                   or NULL, list = AST_LET_DECL clauses, c = condition or NULL,
 *                   b = message or NULL
 */
#ifndef VETO_AST_H
#define VETO_AST_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "lang/lexer.h"

typedef enum AstKind {
    AST_NULL,
    AST_BOOL,
    AST_INT,
    AST_FLOAT,
    AST_STRING,
    AST_TEMPLATE,
    AST_NAME,
    AST_FIELD,
    AST_INDEX,
    AST_CALL,
    AST_UNARY,
    AST_NOT,
    AST_BINARY,
    AST_AND,
    AST_OR,
    AST_IF,
    AST_LET,
    AST_ARRAY,
    AST_SET,
    AST_OBJECT,
    AST_PAIR,
    AST_ARRAY_COMP,
    AST_SET_COMP,
    AST_OBJECT_COMP,
    AST_ANY,
    AST_ALL,
    AST_BINDING,
    AST_FILE,
    AST_MODULE,
    AST_POLICY,
    AST_META,
    AST_USE,
    AST_LET_DECL,
    AST_FUNC_DECL,
    AST_RULE,
    AST_KIND_COUNT
} AstKind;

typedef struct AstNode AstNode;

typedef struct AstList {
    AstNode **items;
    uint32_t n, cap;
} AstList;

struct AstNode {
    uint8_t kind;      /* AstKind */
    int op;            /* token code for operators and rule kinds (TK_* from the grammar) */
    uint32_t off, len; /* source span in bytes */
    const char *name;  /* identifier / dotted name / key, arena, NUL-terminated */
    const char *name2; /* second identifier (binding value var, use alias) */
    const char *str;   /* AST_STRING: unescaped text (arena, NUL-terminated; may hold NULs) */
    uint32_t slen;     /* AST_STRING: byte length of str */
    int64_t ival;      /* AST_INT, AST_BOOL */
    double fval;       /* AST_FLOAT */
    AstNode *a, *b, *c;
    AstNode *bind; /* AST_BINDING of comprehensions, quantifiers and rules */
    AstList list;
};

/* The state grammar actions can reach (lemon's %extra_argument). */
typedef struct ParseState {
    Arena *arena;
    struct veto_diags *diags;
    const struct Source *src;
    AstNode *root; /* set by the start rule */
    int errors;    /* syntax errors reported for this file */
    int stopped;   /* parsing abandoned (parser stack overflow): feed no more tokens */
    /* The driver's syntax-error reporter (parser.c), called by the grammar's
     * %syntax_error with lemon's parser, so the generated parser never
     * names its driver. */
    void (*syntax_error)(struct ParseState *ps, void *parser, int major, const Token *tok);
} ParseState;

/* Constructors. Spans: a node made from children spans from the first
 * child's start to the last one's end; ast_span() widens a node to cover
 * a token (e.g. a closing bracket). All return NULL only on OOM (the
 * arena's sticky flag is then set). */
AstNode *ast_new(ParseState *ps, AstKind kind, uint32_t off, uint32_t len);
AstNode *ast_new_leaf(ParseState *ps, AstKind kind,
                      const Token *t); /* NULL/BOOL/INT/FLOAT/STRING/NAME */
AstNode *ast_new_unary(ParseState *ps, AstKind kind, int op, const Token *t, AstNode *a);
AstNode *ast_new_binary(ParseState *ps, AstKind kind, int op, AstNode *a, AstNode *b);
AstNode *ast_new_field(ParseState *ps, AstNode *a, const Token *name);
AstNode *ast_new_index(ParseState *ps, AstNode *a, AstNode *index, const Token *close);
AstNode *ast_new_call(ParseState *ps, AstNode *callee, AstList *args, const Token *close);
AstNode *ast_new_list(ParseState *ps, AstKind kind, const Token *open, AstList *items,
                      const Token *close); /* ARRAY/SET/OBJECT/TEMPLATE */
AstNode *ast_new_pair(ParseState *ps, AstNode *key, AstNode *value);
AstNode *ast_new_binding(ParseState *ps, const Token *var1, const Token *var2, AstNode *coll);
AstNode *ast_new_comp(ParseState *ps, AstKind kind, const Token *open, AstNode *elem,
                      AstNode *value, AstNode *bind, AstNode *filter, const Token *close);
AstNode *ast_new_quant(ParseState *ps, AstKind kind, const Token *kw, AstNode *bind, AstNode *body);
AstNode *ast_new_if(ParseState *ps, const Token *kw, AstNode *cond, AstNode *then_e,
                    AstNode *else_e);
AstNode *ast_new_let(ParseState *ps, const Token *kw, const Token *name, AstNode *value,
                     AstNode *body);
AstNode *ast_new_decl(ParseState *ps, AstKind kind, const Token *kw, const char *name,
                      const char *name2, AstNode *a); /* MODULE/USE/LET_DECL/META */
AstNode *ast_new_func(ParseState *ps, const Token *kw, const Token *name, AstList *params,
                      AstNode *body);
AstNode *ast_new_policy(ParseState *ps, const Token *kw, const char *name, AstList *meta);
AstNode *ast_new_rule(ParseState *ps, const Token *kw, AstNode *value, AstNode *bind, AstList *lets,
                      AstNode *cond, AstNode *message);
void ast_list_push(ParseState *ps, AstList *list, AstNode *node);
void ast_span(AstNode *node, const Token *t); /* extend node's span to cover t */
/* "a.b.c" built from dotted-name tokens, in the arena. */
const char *ast_dotted(ParseState *ps, const char *prefix, const Token *next);
/* Appends ".next" to a dotted-name token: its text (ast_dotted) and span. */
void ast_dotted_join(ParseState *ps, Token *dotted, const Token *next);
/* A list holding `first`, or an empty list when first is NULL. */
AstList ast_list_new(ParseState *ps, AstNode *first);
/* `( inner )`: returns inner with its span widened over the parentheses
 * (so a parenthesised name used as an object key stays an expression). */
AstNode *ast_new_paren(ParseState *ps, const Token *open, AstNode *inner, const Token *close);
/* Templates: ast_new_template starts one from its TSTART text and first
 * expression; ast_template_add appends a TMID text and expression, or the
 * TEND text (expr NULL), which also closes the span. Empty texts add no
 * AST_STRING part. */
AstNode *ast_new_template(ParseState *ps, const Token *start, AstNode *expr);
void ast_template_add(ParseState *ps, AstNode *tmpl, const Token *text, AstNode *expr);

const char *ast_kind_name(AstKind kind);

/* Appends a one-line S-expression of the tree to out, e.g.
 * `(binary == (field (name r) acl) (string "x"))`. Deterministic: golden
 * tests and tooling compare it as text. A NULL node prints as `_`. */
struct Buf;
void ast_dump(struct Buf *out, const AstNode *n);

#endif
