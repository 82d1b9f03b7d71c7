/* fmt.c — the canonical layout of the policy language; see fmt.h.
 *
 * Owns: the layout rules below, comment placement and the line fitting.
 * Does not own: the syntax (parse_source builds the tree, the lexer gives
 * the tokens), files (cli/cmd_fmt.c).
 *
 * The layout
 *   - Top level: one blank line between declarations, around every policy
 *     and every rule. `use`, `let` and `func` declarations written on
 *     adjacent lines stay together (a blank line between them is kept, more
 *     than one becomes one). Own-line comments between declarations keep a
 *     blank line above or below them when the source had one.
 *   - `policy NAME`, then one metadata entry per line, indented 2: `key: value`.
 *   - A rule is one line when it fits in FMT_WIDTH (100) columns. Otherwise
 *     its header (`deny for r in xs`) stays on the first line and each
 *     `let`, `when` and `message` clause goes on its own line, indented 2.
 *   - `let x = v` / `func f(a) = v`: when it does not fit, the value moves
 *     to the next line, indented 2, if it is an operator chain, `if`, `let`,
 *     `any`/`all` or `not`, or if it fits there on one line; otherwise (a
 *     long bracket, call or string) it stays after the `=` and breaks inside.
 *   - Long operator chains break before each operator of the loosest level,
 *     at the indentation of their context (`when` conditions: 4).
 *     `if a then b else c` breaks before each `else`, `let x = v; e` after
 *     the `;`, `any x in xs: e` after the `:` (body indented 2).
 *   - Brackets (lists, objects, sets, calls, parameters) are `[a, b]`,
 *     `{k: v}`, `f(a, b)` when they fit; otherwise one element per line,
 *     indented 2, with a trailing comma. A call whose one argument is a
 *     bracket (`unique([...])`) breaks that bracket instead. Comprehensions
 *     break before `for` and `if`. String interpolations never break.
 *   - Single spaces around binary operators and after `,` and `:`; none
 *     inside brackets; `-x` and `not x`.
 *   - Kept as written: string literals (escapes, raw strings), numbers,
 *     names, and every pair of parentheses (redundant ones too: they are
 *     often there for the reader).
 *   - Comments stay where they were: an own-line comment is printed on its
 *     own line before the token that followed it; a comment after code on
 *     the same line stays at the end of that line (after the `,` that
 *     follows the code, if any), the brackets and chains around that code
 *     break, and the next token starts a new line.
 *
 * How: parse_source gives the tree; the text is lexed once more into a
 * token table (offset, type), and comments are read from the gaps between
 * tokens (tokens cover everything but blanks and comments). The tree is
 * walked in source order into a doc (Wadler's pretty printer, as Prettier
 * does it): text, line breaks that print as a space or nothing while their
 * group fits, hard breaks, nesting and groups. Every keyword, bracket and
 * literal is emitted from its source token, so comments are placed by
 * offset. The printer then prints each group flat when it and what follows
 * it up to the next possible break fit in the width, else broken.
 */
#include "author/fmt.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "lang/ast.h"
#include "lang/lexer.h"
#include "lang/parser.h"

/* ---- docs ------------------------------------------------------------------- */

typedef enum FmtDocKind {
    FD_TEXT,         /* s[0..n): no newline except inside raw strings */
    FD_LINE,         /* a space when flat, a newline when broken */
    FD_SOFTLINE,     /* nothing when flat, a newline when broken */
    FD_HARDLINE,     /* always a newline; breaks every enclosing group */
    FD_FRESHLINE,    /* a newline unless the line is still empty (own-line comments) */
    FD_SUFFIX,       /* a trailing comment: printed at the end of the current line;
                      * the next text starts a new line */
    FD_BREAK_PARENT, /* breaks every enclosing group */
    FD_CONCAT,       /* children in order */
    FD_NEST,         /* children, with line breaks indented `indent` more */
    FD_GROUP,        /* children, flat if they fit, else broken */
    FD_IFBREAK,      /* children only when the enclosing group is broken */
} FmtDocKind;

typedef struct FmtDoc FmtDoc;
struct FmtDoc {
    uint8_t kind;        /* FmtDocKind */
    uint8_t broken;      /* FD_GROUP: holds a hard break, never flat */
    int indent;          /* FD_NEST */
    const char *s;       /* FD_TEXT, FD_SUFFIX: borrowed (source text or static) */
    uint32_t n;          /* bytes of s */
    FmtDoc *kids, *last; /* containers: first and last child */
    FmtDoc *next;        /* next sibling */
    FmtDoc *parent;      /* the container this one was opened in (while building) */
};

typedef struct FmtComment {
    uint32_t off, len; /* `# ...` without trailing blanks or CR */
    uint8_t own_line;  /* nothing but blanks before it on its line */
} FmtComment;

/* The state of one formatting: the source's tokens and comments, and the
 * doc being built. Everything lives in the arena of the parse. */
typedef struct Fmt {
    Arena *arena;
    const Source *src;
    Token *toks; /* every token of the source, in order (no EOF) */
    uint32_t ntoks;
    int32_t *match;   /* for `(` and `)`: the index of the partner, else -1 */
    FmtComment *cmts; /* every comment, in order */
    uint32_t ncmts;
    uint32_t ci;          /* next comment not yet placed */
    FmtDoc *root;         /* the top-level concat */
    FmtDoc *cur;          /* container being filled */
    int flat;             /* > 0 inside a string interpolation: offer no breaks */
    int pending;          /* a token was just emitted: a same-line comment may follow */
    uint32_t pending_pos; /* end offset of that token */
} Fmt;

static FmtDoc *fmt_doc(Fmt *F, FmtDocKind kind)
{
    FmtDoc *d = arena_zalloc(F->arena, sizeof *d);
    if (d)
        d->kind = (uint8_t)kind;
    return d;
}

/* Appends d to the open container, as is (no comment placement). */
static void fmt_link(Fmt *F, FmtDoc *d)
{
    if (!d)
        return;
    if (F->cur->last)
        F->cur->last->next = d;
    else
        F->cur->kids = d;
    F->cur->last = d;
}

static void fmt_link_kind(Fmt *F, FmtDocKind kind) { fmt_link(F, fmt_doc(F, kind)); }

static void fmt_link_text(Fmt *F, FmtDocKind kind, const char *s, size_t n)
{
    FmtDoc *d = fmt_doc(F, kind);
    if (!d)
        return;
    d->s = s;
    d->n = (uint32_t)n;
    fmt_link(F, d);
}

/* ---- comments ----------------------------------------------------------------- */

static void fmt_suffix(Fmt *F, const FmtComment *c)
{
    fmt_link_text(F, FD_SUFFIX, F->src->text + c->off, c->len);
    fmt_link_kind(F, FD_BREAK_PARENT);
}

/* After a token: the comment that follows it on the same line (past
 * nothing but blanks and commas, which may have been dropped) becomes a
 * line suffix. Called lazily, at the next thing appended, so the break it
 * forces lands outside the groups of the node that token ends — the same
 * place a second formatting pass puts it (idempotence). */
static void fmt_flush_trailing(Fmt *F)
{
    if (!F->pending)
        return;
    F->pending = 0;
    if (F->ci >= F->ncmts)
        return;
    const FmtComment *c = &F->cmts[F->ci];
    if (c->off < F->pending_pos)
        return;
    for (uint32_t p = F->pending_pos; p < c->off; p++) {
        char ch = F->src->text[p];
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\f' && ch != '\v' && ch != ',')
            return;
    }
    F->ci++;
    fmt_suffix(F, c);
}

/* Before a token at off: every comment still unplaced before it. */
static void fmt_flush_before(Fmt *F, uint32_t off)
{
    int own = 0;
    while (F->ci < F->ncmts && F->cmts[F->ci].off < off) {
        const FmtComment *c = &F->cmts[F->ci++];
        /* After an own-line comment the line is empty: a comment that
         * followed code in the source (skipped here) is now on its own. */
        own |= c->own_line;
        if (own) {
            fmt_link_kind(F, FD_FRESHLINE);
            fmt_link_text(F, FD_TEXT, F->src->text + c->off, c->len);
            fmt_link_kind(F, FD_HARDLINE);
        } else {
            fmt_suffix(F, c);
        }
    }
}

/* ---- building ------------------------------------------------------------------- */

static void fmt_add(Fmt *F, FmtDoc *d)
{
    fmt_flush_trailing(F);
    fmt_link(F, d);
}

static void fmt_text_n(Fmt *F, const char *s, size_t n)
{
    FmtDoc *d = fmt_doc(F, FD_TEXT);
    if (!d)
        return;
    d->s = s;
    d->n = (uint32_t)n;
    fmt_add(F, d);
}

static void fmt_text(Fmt *F, const char *s) { fmt_text_n(F, s, strlen(s)); }

static void fmt_line(Fmt *F)
{
    if (F->flat)
        fmt_text(F, " ");
    else
        fmt_add(F, fmt_doc(F, FD_LINE));
}

static void fmt_softline(Fmt *F)
{
    if (!F->flat)
        fmt_add(F, fmt_doc(F, FD_SOFTLINE));
}

static void fmt_hardline(Fmt *F) { fmt_add(F, fmt_doc(F, FD_HARDLINE)); }

/* A trailing comma, printed only when the enclosing bracket is broken. */
static void fmt_ifbreak_comma(Fmt *F)
{
    if (F->flat)
        return;
    FmtDoc *d = fmt_doc(F, FD_IFBREAK);
    FmtDoc *t = fmt_doc(F, FD_TEXT);
    if (!d || !t)
        return;
    t->s = ",";
    t->n = 1;
    d->kids = d->last = t;
    fmt_link(F, d); /* before a pending trailing comment: `x, # c` */
}

/* Opens a container (FD_GROUP, FD_NEST); fmt_close ends it. */
static void fmt_open(Fmt *F, FmtDocKind kind, int indent)
{
    if (F->flat && kind == FD_GROUP)
        kind = FD_CONCAT;
    FmtDoc *d = fmt_doc(F, kind);
    if (!d)
        return; /* OOM, sticky on the arena: the result is discarded */
    d->indent = indent;
    fmt_add(F, d);
    d->parent = F->cur;
    F->cur = d;
}

static void fmt_close(Fmt *F)
{
    if (F->cur->parent)
        F->cur = F->cur->parent;
}

/* ---- tokens ---------------------------------------------------------------------- */

/* Index of the token starting at off, or -1. */
static int32_t fmt_tok_at(const Fmt *F, uint32_t off)
{
    uint32_t lo = 0, hi = F->ntoks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (F->toks[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < F->ntoks && F->toks[lo].off == off ? (int32_t)lo : -1;
}

/* Index of the first token at or after pos (ntoks when none). */
static int32_t fmt_tok_from(const Fmt *F, uint32_t pos)
{
    uint32_t lo = 0, hi = F->ntoks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (F->toks[mid].off < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int32_t)lo;
}

static uint32_t fmt_end(const AstNode *n) { return n->off + n->len; }

/* Emits token i: comments before it first, then its text — as written for
 * names, numbers and strings, in its one spelling for keywords and
 * operators (`not   in` is `not in`). */
static void fmt_tok(Fmt *F, int32_t i)
{
    if (i < 0 || (uint32_t)i >= F->ntoks)
        return;
    const Token *t = &F->toks[i];
    if (t->type == TK_COMMA && F->pending) {
        /* A separator goes right after its item, before any comment
         * waiting there (`1, # one`); the comment is placed next. */
        fmt_link_text(F, FD_TEXT, ",", 1);
        return;
    }
    fmt_flush_trailing(F);
    fmt_flush_before(F, t->off);
    const char *s = lex_token_text(t->type);
    switch (t->type) {
    case TK_IDENT:
    case TK_INT:
    case TK_FLOAT:
    case TK_STRING:
    case TK_TSTART:
    case TK_TMID:
    case TK_TEND:
        s = NULL;
        break;
    default:
        break;
    }
    if (s)
        fmt_text(F, s);
    else
        fmt_text_n(F, F->src->text + t->off, t->len);
    F->pending = 1;
    F->pending_pos = t->off + t->len;
}

/* Emits token i when it has the expected type; otherwise (which a parsed
 * tree never causes) the type's spelling, so the output still reads. */
static void fmt_expect(Fmt *F, int32_t i, int type)
{
    if (i >= 0 && (uint32_t)i < F->ntoks && F->toks[i].type == type) {
        fmt_tok(F, i);
    } else {
        const char *s = lex_token_text(type);
        fmt_text(F, s ? s : "?");
    }
}

/* The token just before node n (its keyword: `when`, `then`, `in`, ...). */
static int32_t fmt_before(const Fmt *F, const AstNode *n)
{
    int32_t i = fmt_tok_at(F, n->off);
    return i > 0 ? i - 1 : -1;
}

/* The token just after node n (`,`, `:`, `;`, a closing bracket). */
static int32_t fmt_after(const Fmt *F, const AstNode *n) { return fmt_tok_from(F, fmt_end(n)); }

/* Strips the parentheses around n: returns how many pairs enclose exactly
 * n's text, and its first and last token inside them (-1 when unknown). */
static int fmt_parens(const Fmt *F, const AstNode *n, int32_t *first, int32_t *last)
{
    int32_t i = fmt_tok_at(F, n->off);
    int32_t j = fmt_tok_from(F, fmt_end(n)) - 1;
    *first = i;
    *last = j;
    if (i < 0 || j < i)
        return 0;
    int layers = 0;
    while (i < j && F->toks[i].type == TK_LPAREN && F->match[i] == j) {
        i++;
        j--;
        layers++;
    }
    *first = i;
    *last = j;
    return layers;
}

/* ---- expressions ------------------------------------------------------------------ */

static void fmt_expr(Fmt *F, const AstNode *n);
static int fmt_width(const char *s, size_t n, int *nl);

/* Binding strength, loosest first, as in LANGUAGE.md §5. */
static int fmt_level(const AstNode *n)
{
    switch ((AstKind)n->kind) {
    case AST_LET:
    case AST_ANY:
    case AST_ALL:
    case AST_IF:
        return 0;
    case AST_OR:
        return 2;
    case AST_AND:
        return 3;
    case AST_NOT:
        return 4;
    case AST_BINARY:
        switch (n->op) {
        case TK_COALESCE:
            return 1;
        case TK_PLUS:
        case TK_MINUS:
            return 6;
        case TK_STAR:
        case TK_SLASH:
        case TK_PERCENT:
            return 7;
        default:
            return 5; /* comparisons: non-associative */
        }
    case AST_UNARY:
        return 8;
    default:
        return 10;
    }
}

static int fmt_is_chain(const AstNode *n)
{
    return n->kind == AST_BINARY || n->kind == AST_AND || n->kind == AST_OR;
}

static int fmt_is_bracket(const AstNode *n)
{
    switch ((AstKind)n->kind) {
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        return 1;
    default:
        return 0;
    }
}

/* `[a, b]`, `{a, b}`, `{k: v}`, `f(a, b)`, `(p, q)`: flat, or one item per
 * line with a trailing comma. */
static void fmt_list(Fmt *F, int32_t open, const AstList *items, int32_t close)
{
    fmt_open(F, FD_GROUP, 0);
    fmt_tok(F, open);
    if (items->n > 0) {
        fmt_open(F, FD_NEST, 2);
        fmt_softline(F);
        for (uint32_t k = 0; k < items->n; k++) {
            fmt_expr(F, items->items[k]);
            if (k + 1 < items->n) {
                fmt_expect(F, fmt_after(F, items->items[k]), TK_COMMA);
                fmt_line(F);
            }
        }
        fmt_ifbreak_comma(F);
        fmt_close(F);
        fmt_softline(F);
    }
    fmt_tok(F, close);
    fmt_close(F);
}

static void fmt_binding(Fmt *F, const AstNode *b)
{
    int32_t i = fmt_tok_at(F, b->off);
    fmt_tok(F, i);
    if (b->name2) {
        fmt_expect(F, i + 1, TK_COMMA);
        fmt_text(F, " ");
        fmt_tok(F, i + 2);
    }
    fmt_text(F, " ");
    fmt_expect(F, fmt_before(F, b->a), TK_IN);
    fmt_text(F, " ");
    fmt_expr(F, b->a);
}

/* a.b, a[i], f(x): the chain of suffixes is walked without recursion (a
 * long path must not cost stack). */
static void fmt_postfix(Fmt *F, const AstNode *n, int32_t last)
{
    const AstNode **spine = NULL;
    uint32_t ns = 0, cap = 0;
    const AstNode *cur = n;
    int32_t a, b;
    for (;;) {
        ARENA_GROW(F->arena, spine, ns, cap);
        if (!spine)
            return;
        spine[ns++] = cur;
        cur = cur->a;
        if (!cur || (cur->kind != AST_FIELD && cur->kind != AST_INDEX && cur->kind != AST_CALL) ||
            fmt_parens(F, cur, &a, &b) > 0)
            break;
    }
    fmt_expr(F, cur);
    for (uint32_t k = ns; k-- > 0;) {
        const AstNode *s = spine[k];
        int32_t at = s->a ? fmt_after(F, s->a) : fmt_tok_at(F, s->off);
        switch ((AstKind)s->kind) {
        case AST_FIELD:
            fmt_expect(F, at, TK_DOT);
            fmt_tok(F, at + 1);
            break;
        case AST_INDEX:
            fmt_expect(F, at, TK_LBRACKET);
            fmt_expr(F, s->b);
            fmt_expect(F, s->b ? fmt_after(F, s->b) : at + 1, TK_RBRACKET);
            break;
        default: { /* AST_CALL */
            int32_t close = s == n ? last : fmt_tok_from(F, fmt_end(s)) - 1;
            const AstNode *arg = s->list.n == 1 ? s->list.items[0] : NULL;
            if (arg && fmt_is_bracket(arg) && fmt_parens(F, arg, &a, &b) == 0 &&
                fmt_after(F, arg) == close) {
                /* f([...]): the one bracket argument breaks, not the call. */
                fmt_tok(F, at);
                fmt_expr(F, arg);
                fmt_tok(F, close);
            } else {
                fmt_list(F, at, &s->list, close);
            }
            break;
        }
        }
    }
}

/* a or b or c: one group over the operands of one level, breaking before
 * each operator. Left-nested operands of the same level are flattened
 * without recursion. */
static void fmt_chain(Fmt *F, const AstNode *n)
{
    const AstNode **spine = NULL;
    uint32_t ns = 0, cap = 0;
    int level = fmt_level(n);
    int assoc = level != 5;
    const AstNode *cur = n;
    int32_t a, b;
    for (;;) {
        ARENA_GROW(F->arena, spine, ns, cap);
        if (!spine)
            return;
        spine[ns++] = cur;
        const AstNode *l = cur->a;
        if (!assoc || !l || !fmt_is_chain(l) || fmt_level(l) != level ||
            fmt_parens(F, l, &a, &b) > 0)
            break;
        cur = l;
    }
    fmt_open(F, FD_GROUP, 0);
    fmt_expr(F, spine[ns - 1]->a);
    for (uint32_t k = ns; k-- > 0;) {
        const AstNode *s = spine[k];
        fmt_line(F);
        if (s->b)
            fmt_tok(F, fmt_before(F, s->b));
        fmt_text(F, " ");
        fmt_expr(F, s->b);
    }
    fmt_close(F);
}

/* if a then b else if c then d else e: one group, breaking before `else`. */
static void fmt_if(Fmt *F, const AstNode *n, int32_t first)
{
    int32_t a, b;
    fmt_open(F, FD_GROUP, 0);
    for (;;) {
        fmt_expect(F, first, TK_IF);
        fmt_text(F, " ");
        fmt_expr(F, n->a);
        fmt_text(F, " ");
        if (n->b)
            fmt_expect(F, fmt_before(F, n->b), TK_THEN);
        fmt_text(F, " ");
        fmt_expr(F, n->b);
        fmt_line(F);
        if (!n->c)
            break;
        fmt_expect(F, fmt_before(F, n->c), TK_ELSE);
        fmt_text(F, " ");
        if (n->c->kind == AST_IF && fmt_parens(F, n->c, &a, &b) == 0) {
            n = n->c;
            first = a;
            continue;
        }
        fmt_expr(F, n->c);
        break;
    }
    fmt_close(F);
}

/* let x = v; let y = w; body: breaking after each `;`. */
static void fmt_let_expr(Fmt *F, const AstNode *n, int32_t first)
{
    int32_t a, b;
    fmt_open(F, FD_GROUP, 0);
    for (;;) {
        fmt_expect(F, first, TK_LET);
        fmt_text(F, " ");
        fmt_tok(F, first + 1);
        fmt_text(F, " ");
        fmt_expect(F, first + 2, TK_ASSIGN);
        fmt_text(F, " ");
        fmt_expr(F, n->a);
        fmt_expect(F, n->a ? fmt_after(F, n->a) : -1, TK_SEMI);
        fmt_line(F);
        if (n->b && n->b->kind == AST_LET && fmt_parens(F, n->b, &a, &b) == 0) {
            n = n->b;
            first = a;
            continue;
        }
        fmt_expr(F, n->b);
        break;
    }
    fmt_close(F);
}

static void fmt_comp(Fmt *F, const AstNode *n, int32_t first, int32_t last)
{
    fmt_open(F, FD_GROUP, 0);
    fmt_tok(F, first);
    fmt_open(F, FD_NEST, 2);
    fmt_softline(F);
    fmt_expr(F, n->a);
    if (n->kind == AST_OBJECT_COMP) {
        fmt_expect(F, n->a ? fmt_after(F, n->a) : -1, TK_COLON);
        fmt_text(F, " ");
        fmt_expr(F, n->b);
    }
    if (n->bind) {
        fmt_line(F);
        fmt_expect(F, fmt_before(F, n->bind), TK_FOR);
        fmt_text(F, " ");
        fmt_binding(F, n->bind);
    }
    if (n->c) {
        fmt_line(F);
        fmt_expect(F, fmt_before(F, n->c), TK_IF);
        fmt_text(F, " ");
        fmt_expr(F, n->c);
    }
    fmt_close(F);
    fmt_softline(F);
    fmt_tok(F, last);
    fmt_close(F);
}

/* "text ${expr} text": the texts as written, the expressions formatted,
 * never broken. A text part is an AST_STRING made from a TSTART/TMID/TEND
 * token; any other part (a string literal too) is an expression. */
static void fmt_template(Fmt *F, const AstNode *n, int32_t first)
{
    F->flat++;
    fmt_tok(F, first);
    for (uint32_t k = 0; k < n->list.n; k++) {
        const AstNode *part = n->list.items[k];
        if (part->kind == AST_STRING) {
            int32_t t = fmt_tok_at(F, part->off);
            if (t >= 0 && (F->toks[t].type == TK_TSTART || F->toks[t].type == TK_TMID ||
                           F->toks[t].type == TK_TEND))
                continue;
        }
        fmt_expr(F, part);
        fmt_tok(F, fmt_after(F, part)); /* the TMID or TEND after it */
    }
    F->flat--;
}

/* n without its parentheses; first/last are its own first and last token. */
static void fmt_bare(Fmt *F, const AstNode *n, int32_t first, int32_t last)
{
    switch ((AstKind)n->kind) {
    case AST_NULL:
    case AST_BOOL:
    case AST_INT:
    case AST_FLOAT:
    case AST_STRING:
    case AST_NAME:
        fmt_tok(F, first);
        break;
    case AST_TEMPLATE:
        fmt_template(F, n, first);
        break;
    case AST_FIELD:
    case AST_INDEX:
    case AST_CALL:
        fmt_postfix(F, n, last);
        break;
    case AST_UNARY:
        fmt_tok(F, first);
        fmt_expr(F, n->a);
        break;
    case AST_NOT:
        fmt_tok(F, first);
        fmt_text(F, " ");
        fmt_expr(F, n->a);
        break;
    case AST_BINARY:
    case AST_AND:
    case AST_OR:
        fmt_chain(F, n);
        break;
    case AST_IF:
        fmt_if(F, n, first);
        break;
    case AST_LET:
        fmt_let_expr(F, n, first);
        break;
    case AST_ARRAY:
    case AST_SET:
    case AST_OBJECT:
        fmt_list(F, first, &n->list, last);
        break;
    case AST_PAIR:
        fmt_expr(F, n->a);
        fmt_expect(F, n->a ? fmt_after(F, n->a) : -1, TK_COLON);
        fmt_text(F, " ");
        fmt_expr(F, n->b);
        break;
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        fmt_comp(F, n, first, last);
        break;
    case AST_ANY:
    case AST_ALL:
        fmt_open(F, FD_GROUP, 0);
        fmt_tok(F, first);
        fmt_text(F, " ");
        if (n->bind) {
            fmt_binding(F, n->bind);
            fmt_expect(F, fmt_after(F, n->bind), TK_COLON);
        }
        fmt_open(F, FD_NEST, 2);
        fmt_line(F);
        fmt_expr(F, n->a);
        fmt_close(F);
        fmt_close(F);
        break;
    case AST_BINDING:
        fmt_binding(F, n);
        break;
    default:
        break;
    }
}

static void fmt_expr(Fmt *F, const AstNode *n)
{
    if (!n)
        return;
    int32_t first, last;
    int layers = fmt_parens(F, n, &first, &last);
    for (int k = 0; k < layers; k++)
        fmt_tok(F, first - layers + k);
    if (layers)
        fmt_open(F, FD_NEST, 2);
    fmt_bare(F, n, first, last);
    if (layers)
        fmt_close(F);
    for (int k = 0; k < layers; k++)
        fmt_tok(F, last + 1 + k);
}

/* ---- declarations ------------------------------------------------------------------ */

/* Columns of d printed flat, or -1 when it cannot be (a hard break). */
static int fmt_flat_width(const FmtDoc *d)
{
    int nl, w = 0;
    switch ((FmtDocKind)d->kind) {
    case FD_TEXT:
        w = fmt_width(d->s, d->n, &nl);
        return nl ? -1 : w;
    case FD_LINE:
        return 1;
    case FD_SOFTLINE:
    case FD_SUFFIX:
    case FD_IFBREAK:
        return 0;
    case FD_HARDLINE:
    case FD_FRESHLINE:
    case FD_BREAK_PARENT:
        return -1;
    case FD_CONCAT:
    case FD_NEST:
    case FD_GROUP:
        for (const FmtDoc *k = d->kids; k; k = k->next) {
            int kw = fmt_flat_width(k);
            if (kw < 0)
                return -1;
            w += kw;
        }
        return w;
    }
    return -1;
}

/* The value after `=` of a top-level `let` or `func` (the open group holds
 * the declaration so far). When the declaration does not fit on one line,
 * the value goes on the next line, indented 2, if it is an operator chain,
 * `if`, `let`, `any`/`all` or `not` (which break best there), or if it
 * fits there flat; otherwise (a long bracket, call or string) it stays
 * after the `=` and breaks inside. The value is built first, detached, so
 * its width is known; wrapping it afterwards appends nothing that would
 * place a comment. */
static void fmt_value(Fmt *F, const AstNode *v)
{
    int32_t a, b;
    int own_line = 0;
    if (v && fmt_parens(F, v, &a, &b) == 0) {
        switch ((AstKind)v->kind) {
        case AST_BINARY:
        case AST_AND:
        case AST_OR:
        case AST_IF:
        case AST_LET:
        case AST_ANY:
        case AST_ALL:
        case AST_NOT:
            own_line = 1;
            break;
        default:
            break;
        }
    }
    fmt_flush_trailing(F); /* a comment after `=` stays there */
    int head = fmt_flat_width(F->cur);
    FmtDoc *box = fmt_doc(F, FD_CONCAT);
    if (!box)
        return;
    FmtDoc *outer = F->cur;
    box->parent = outer;
    F->cur = box;
    fmt_expr(F, v);
    F->cur = outer;
    int w = fmt_flat_width(box);
    if (!own_line && w >= 0 && 2 + w <= FMT_WIDTH && (head < 0 || head + 1 + w > FMT_WIDTH))
        own_line = 1;
    if (!own_line) {
        fmt_link_text(F, FD_TEXT, " ", 1);
        fmt_link(F, box);
        return;
    }
    FmtDoc *nest = fmt_doc(F, FD_NEST);
    FmtDoc *line = fmt_doc(F, FD_LINE);
    if (!nest || !line)
        return;
    nest->indent = 2;
    nest->kids = line;
    line->next = box;
    nest->last = box;
    fmt_link(F, nest);
}

/* A dotted name (`aws.s3.acl`) from token i: its IDENT and DOT tokens. */
static int32_t fmt_dotted(Fmt *F, int32_t i, const char *name)
{
    int32_t n = 1;
    for (const char *p = name ? name : ""; *p; p++)
        n += (*p == '.') * 2;
    for (int32_t k = 0; k < n; k++)
        fmt_tok(F, i + k);
    return i + n;
}

static void fmt_rule(Fmt *F, const AstNode *n)
{
    int32_t i = fmt_tok_at(F, n->off);
    fmt_open(F, FD_GROUP, 0);
    fmt_tok(F, i);
    if (n->a) {
        fmt_text(F, " ");
        fmt_expr(F, n->a);
    }
    if (n->bind) {
        fmt_text(F, " ");
        fmt_expect(F, fmt_before(F, n->bind), TK_FOR);
        fmt_text(F, " ");
        fmt_binding(F, n->bind);
    }
    fmt_open(F, FD_NEST, 2);
    for (uint32_t k = 0; k < n->list.n; k++) {
        const AstNode *l = n->list.items[k];
        int32_t t = fmt_tok_at(F, l->off);
        fmt_line(F);
        fmt_expect(F, t, TK_LET);
        fmt_text(F, " ");
        fmt_tok(F, t + 1);
        fmt_text(F, " ");
        fmt_expect(F, t + 2, TK_ASSIGN);
        fmt_text(F, " ");
        fmt_expr(F, l->a);
    }
    const AstNode *clause[2] = {n->c, n->b};
    const int kw[2] = {TK_WHEN, TK_MESSAGE};
    for (int k = 0; k < 2; k++) {
        if (!clause[k])
            continue;
        fmt_line(F);
        fmt_expect(F, fmt_before(F, clause[k]), kw[k]);
        fmt_text(F, " ");
        fmt_open(F, FD_NEST, 2);
        fmt_expr(F, clause[k]);
        fmt_close(F);
    }
    fmt_close(F);
    fmt_close(F);
}

static void fmt_item(Fmt *F, const AstNode *n)
{
    int32_t i = fmt_tok_at(F, n->off);
    switch ((AstKind)n->kind) {
    case AST_MODULE:
    case AST_USE:
        fmt_tok(F, i);
        fmt_text(F, " ");
        i = fmt_dotted(F, i + 1, n->name);
        if (n->name2) {
            fmt_text(F, " ");
            fmt_expect(F, i, TK_AS);
            fmt_text(F, " ");
            fmt_tok(F, i + 1);
        }
        break;
    case AST_POLICY:
        fmt_tok(F, i);
        fmt_text(F, " ");
        fmt_dotted(F, i + 1, n->name);
        for (uint32_t k = 0; k < n->list.n; k++) {
            const AstNode *m = n->list.items[k];
            int32_t t = fmt_tok_at(F, m->off);
            fmt_open(F, FD_NEST, 2);
            fmt_hardline(F);
            fmt_tok(F, t);
            fmt_expect(F, t + 1, TK_COLON);
            fmt_text(F, " ");
            fmt_expr(F, m->a);
            fmt_close(F);
        }
        break;
    case AST_LET_DECL:
        fmt_open(F, FD_GROUP, 0);
        fmt_expect(F, i, TK_LET);
        fmt_text(F, " ");
        fmt_tok(F, i + 1);
        fmt_text(F, " ");
        fmt_expect(F, i + 2, TK_ASSIGN);
        fmt_value(F, n->a);
        fmt_close(F);
        break;
    case AST_FUNC_DECL: {
        int32_t eq = n->a ? fmt_before(F, n->a) : -1;
        fmt_open(F, FD_GROUP, 0);
        fmt_expect(F, i, TK_FUNC);
        fmt_text(F, " ");
        fmt_tok(F, i + 1);
        fmt_list(F, i + 2, &n->list, eq - 1);
        fmt_text(F, " ");
        fmt_expect(F, eq, TK_ASSIGN);
        fmt_value(F, n->a);
        fmt_close(F);
        break;
    }
    case AST_RULE:
        fmt_rule(F, n);
        break;
    default:
        break;
    }
}

/* Where a top-level item's text ends (a policy's span is its header only). */
static uint32_t fmt_item_end(const AstNode *n)
{
    uint32_t end = fmt_end(n);
    if (n->kind == AST_POLICY && n->list.n > 0) {
        uint32_t m = fmt_end(n->list.items[n->list.n - 1]);
        if (m > end)
            end = m;
    }
    return end;
}

static int fmt_is_decl(const AstNode *n)
{
    return n->kind == AST_USE || n->kind == AST_LET_DECL || n->kind == AST_FUNC_DECL;
}

/* An empty line somewhere in text[from, to) (which holds only blanks). */
static int fmt_blank_between(const Fmt *F, uint32_t from, uint32_t to)
{
    int nl = 0;
    for (uint32_t p = from; p < to && p < F->src->len; p++)
        nl += F->src->text[p] == '\n';
    return nl >= 2;
}

/* The top-level units before `next` (NULL: the end of the file): the
 * own-line comments since `from`, then `next` itself, each on a new line,
 * with a blank line above where the source had one, or where the layout
 * wants one (see the top of the file). *units counts what was printed. */
static void fmt_top_units(Fmt *F, const AstNode *prev, const AstNode *next, uint32_t from,
                          int *units)
{
    uint32_t to = next ? next->off : (uint32_t)F->src->len;
    uint32_t first = F->ci, last = F->ci;
    while (last < F->ncmts && F->cmts[last].off < to)
        last++;
    int need_blank = prev && next && !(fmt_is_decl(prev) && fmt_is_decl(next));
    int any_blank = 0;
    uint32_t p = from;
    for (uint32_t k = first; k < last; k++) {
        any_blank |= fmt_blank_between(F, p, F->cmts[k].off);
        p = F->cmts[k].off + F->cmts[k].len;
    }
    if (next)
        any_blank |= fmt_blank_between(F, p, to);
    int force = need_blank && !any_blank;

    p = from;
    for (uint32_t k = first; k <= last; k++) {
        if (k == last && !next)
            break;
        uint32_t at = k < last ? F->cmts[k].off : to;
        int blank = fmt_blank_between(F, p, at) || (force && k == first);
        if (*units > 0) {
            fmt_hardline(F);
            if (blank)
                fmt_hardline(F);
        }
        (*units)++;
        if (k < last) {
            fmt_text_n(F, F->src->text + F->cmts[k].off, F->cmts[k].len);
            p = F->cmts[k].off + F->cmts[k].len;
            F->ci = k + 1;
        }
    }
}

static void fmt_file(Fmt *F, const AstNode *file)
{
    const AstNode *prev = NULL;
    uint32_t prev_end = 0;
    int units = 0;
    for (uint32_t k = 0; k < file->list.n; k++) {
        const AstNode *it = file->list.items[k];
        fmt_flush_trailing(F);
        fmt_top_units(F, prev, it, prev_end, &units);
        fmt_item(F, it);
        prev = it;
        prev_end = fmt_item_end(it);
    }
    fmt_flush_trailing(F);
    fmt_top_units(F, prev, NULL, prev_end, &units);
    if (units > 0)
        fmt_hardline(F);
}

/* ---- reading the source ------------------------------------------------------------- */

static void fmt_scan_comments(Fmt *F, uint32_t from, uint32_t to, uint32_t *cap)
{
    const char *t = F->src->text;
    for (uint32_t p = from; p < to;) {
        if (t[p] != '#') {
            p++;
            continue;
        }
        uint32_t start = p;
        while (p < to && t[p] != '\n')
            p++;
        uint32_t end = p;
        while (end > start && (t[end - 1] == ' ' || t[end - 1] == '\t' || t[end - 1] == '\r' ||
                               t[end - 1] == '\f' || t[end - 1] == '\v'))
            end--;
        uint32_t q = start;
        while (q > 0 && (t[q - 1] == ' ' || t[q - 1] == '\t' || t[q - 1] == '\r' ||
                         t[q - 1] == '\f' || t[q - 1] == '\v'))
            q--;
        ARENA_GROW(F->arena, F->cmts, F->ncmts, *cap);
        if (!F->cmts) {
            F->ncmts = 0;
            return;
        }
        F->cmts[F->ncmts].off = start;
        F->cmts[F->ncmts].len = end - start;
        F->cmts[F->ncmts].own_line = q == 0 || t[q - 1] == '\n';
        F->ncmts++;
    }
}

/* Lexes the source into F->toks, finds the comments between the tokens
 * and pairs the parentheses. The source parsed, so this lexes cleanly. */
static int fmt_read(Fmt *F)
{
    DiagList scratch = {0};
    Lexer lx;
    lex_init(&lx, F->src, F->arena, &scratch);
    uint32_t tcap = 0, ccap = 0, prev_end = 0;
    Token t;
    for (;;) {
        int type = lex_next(&lx, &t);
        uint32_t gap_end = type == TK_EOF ? (uint32_t)F->src->len : t.off;
        fmt_scan_comments(F, prev_end, gap_end, &ccap);
        if (type == TK_EOF)
            break;
        ARENA_GROW(F->arena, F->toks, F->ntoks, tcap);
        if (!F->toks)
            break;
        F->toks[F->ntoks++] = t;
        prev_end = t.off + t.len;
    }
    diag_clear(&scratch);
    if (F->arena->failed)
        return -1;
    F->match = arena_alloc(F->arena, (F->ntoks + 1) * sizeof *F->match);
    int32_t *stack = arena_alloc(F->arena, (F->ntoks + 1) * sizeof *stack);
    if (!F->match || !stack)
        return -1;
    uint32_t depth = 0;
    for (uint32_t i = 0; i < F->ntoks; i++) {
        F->match[i] = -1;
        if (F->toks[i].type == TK_LPAREN) {
            stack[depth++] = (int32_t)i;
        } else if (F->toks[i].type == TK_RPAREN && depth > 0) {
            int32_t o = stack[--depth];
            F->match[o] = (int32_t)i;
            F->match[i] = o;
        }
    }
    return 0;
}

/* ---- printing --------------------------------------------------------------------- */

typedef struct FmtCmd {
    int indent;
    int brk; /* 1: the enclosing group is broken */
    const FmtDoc *d;
} FmtCmd;

typedef struct FmtStack {
    FmtCmd *v;
    size_t n, cap;
    int failed;
} FmtStack;

typedef struct FmtPrinter {
    Buf out;
    Buf suffix;     /* trailing comments waiting for the end of the line */
    int col;        /* column after the last character (indentation included) */
    int content;    /* the current line holds more than indentation */
    int indent_due; /* indentation to write before the next text, or -1 */
    int must_break; /* a trailing comment was placed: the next text starts a new line */
    FmtStack cmds;  /* what remains to print, top = next */
    FmtStack scratch;
} FmtPrinter;

static void fmt_push(FmtStack *s, int indent, int brk, const FmtDoc *d)
{
    if (s->failed)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        FmtCmd *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->failed = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].indent = indent;
    s->v[s->n].brk = brk;
    s->v[s->n].d = d;
    s->n++;
}

/* Pushes d's children so that the first is on top. */
static void fmt_push_kids(FmtStack *s, int indent, int brk, const FmtDoc *d)
{
    size_t base = s->n, count = 0;
    for (const FmtDoc *k = d->kids; k; k = k->next)
        fmt_push(s, indent, brk, k), count++;
    if (s->failed)
        return;
    for (size_t i = 0; i < count / 2; i++) {
        FmtCmd tmp = s->v[base + i];
        s->v[base + i] = s->v[base + count - 1 - i];
        s->v[base + count - 1 - i] = tmp;
    }
}

/* Columns of s[0..n) up to its first newline (*nl set when there is one). */
static int fmt_width(const char *s, size_t n, int *nl)
{
    int w = 0;
    *nl = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            *nl = 1;
            break;
        }
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    return w;
}

/* Marks every group holding a hard break as broken; returns whether d holds one. */
static int fmt_propagate(FmtDoc *d)
{
    switch ((FmtDocKind)d->kind) {
    case FD_HARDLINE:
    case FD_FRESHLINE:
    case FD_BREAK_PARENT:
        return 1;
    case FD_CONCAT:
    case FD_NEST:
    case FD_GROUP:
    case FD_IFBREAK: {
        int hard = 0;
        for (FmtDoc *k = d->kids; k; k = k->next)
            hard |= fmt_propagate(k);
        if (d->kind == FD_GROUP && hard)
            d->broken = 1;
        return hard;
    }
    default:
        return 0;
    }
}

/* Does group d, printed flat, and what follows it up to the next line
 * break fit in `width` columns? rest: the entries of P->cmds below it. */
static int fmt_fits(FmtPrinter *P, const FmtDoc *d, int indent, size_t rest, int width)
{
    FmtStack *s = &P->scratch;
    s->n = 0;
    fmt_push(s, indent, 0, d);
    while (width >= 0) {
        if (s->failed)
            return 1;
        if (s->n == 0) {
            if (rest == 0)
                return 1;
            rest--;
            fmt_push(s, P->cmds.v[rest].indent, P->cmds.v[rest].brk, P->cmds.v[rest].d);
            continue;
        }
        FmtCmd c = s->v[--s->n];
        int nl;
        switch ((FmtDocKind)c.d->kind) {
        case FD_TEXT:
            width -= fmt_width(c.d->s, c.d->n, &nl);
            if (nl)
                return width >= 0;
            break;
        case FD_LINE:
            if (c.brk)
                return 1;
            width--;
            break;
        case FD_SOFTLINE:
            if (c.brk)
                return 1;
            break;
        case FD_HARDLINE:
        case FD_FRESHLINE:
        case FD_SUFFIX:
            return 1; /* what follows starts a new line */
        case FD_BREAK_PARENT:
            break;
        case FD_CONCAT:
        case FD_NEST:
            fmt_push_kids(s, c.indent, c.brk, c.d);
            break;
        case FD_GROUP:
            fmt_push_kids(s, c.indent, c.d->broken ? 1 : c.brk, c.d);
            break;
        case FD_IFBREAK:
            if (c.brk)
                fmt_push_kids(s, c.indent, c.brk, c.d);
            break;
        }
    }
    return 0;
}

static void fmt_newline(FmtPrinter *P, int indent)
{
    while (P->out.len > 0 && P->out.p[P->out.len - 1] == ' ')
        P->out.p[--P->out.len] = '\0';
    if (P->suffix.len > 0) {
        if (P->content) {
            buf_append(&P->out, P->suffix.p, P->suffix.len);
        } else {
            /* Nothing on the line (the comment followed a dropped comma
             * after a line break): it becomes an own-line comment. */
            for (int i = 0; i < P->indent_due; i++)
                buf_putc(&P->out, ' ');
            buf_append(&P->out, P->suffix.p + 1, P->suffix.len - 1);
        }
        buf_reset(&P->suffix);
    }
    buf_putc(&P->out, '\n');
    P->must_break = 0;
    P->col = indent;
    P->content = 0;
    P->indent_due = indent;
}

static void fmt_print_text(FmtPrinter *P, const char *s, size_t n, int indent)
{
    if (P->must_break)
        fmt_newline(P, indent);
    if (!P->content) {
        size_t k = 0;
        while (k < n && s[k] == ' ')
            k++;
        if (k == n)
            return; /* no blanks at the start of a line */
    }
    int nl;
    int w = fmt_width(s, n, &nl);
    if (P->indent_due >= 0) {
        for (int i = 0; i < P->indent_due; i++)
            buf_putc(&P->out, ' ');
        P->indent_due = -1;
    }
    buf_append(&P->out, s, n);
    P->content = 1;
    if (!nl) {
        P->col += w;
        return;
    }
    const char *lastnl = s;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            lastnl = s + i + 1;
    P->col = fmt_width(lastnl, n - (size_t)(lastnl - s), &nl);
}

static char *fmt_print(FmtDoc *root, int *failed)
{
    FmtPrinter P;
    memset(&P, 0, sizeof P);
    P.indent_due = -1;
    fmt_propagate(root);
    fmt_push(&P.cmds, 0, 1, root);
    while (P.cmds.n > 0 && !P.cmds.failed) {
        FmtCmd c = P.cmds.v[--P.cmds.n];
        const FmtDoc *d = c.d;
        switch ((FmtDocKind)d->kind) {
        case FD_TEXT:
            fmt_print_text(&P, d->s, d->n, c.indent);
            break;
        case FD_LINE:
            if (c.brk)
                fmt_newline(&P, c.indent);
            else
                fmt_print_text(&P, " ", 1, c.indent);
            break;
        case FD_SOFTLINE:
            if (c.brk)
                fmt_newline(&P, c.indent);
            break;
        case FD_HARDLINE:
            fmt_newline(&P, c.indent);
            break;
        case FD_FRESHLINE:
            if (P.content)
                fmt_newline(&P, c.indent);
            break;
        case FD_SUFFIX:
            buf_putc(&P.suffix, ' ');
            buf_append(&P.suffix, d->s, d->n);
            P.must_break = 1;
            break;
        case FD_BREAK_PARENT:
            break;
        case FD_CONCAT:
            fmt_push_kids(&P.cmds, c.indent, c.brk, d);
            break;
        case FD_NEST:
            fmt_push_kids(&P.cmds, c.indent + d->indent, c.brk, d);
            break;
        case FD_GROUP: {
            int brk =
                d->broken || (c.brk && !fmt_fits(&P, d, c.indent, P.cmds.n, FMT_WIDTH - P.col));
            fmt_push_kids(&P.cmds, c.indent, brk, d);
            break;
        }
        case FD_IFBREAK:
            if (c.brk)
                fmt_push_kids(&P.cmds, c.indent, c.brk, d);
            break;
        }
    }
    if (P.suffix.len > 0)
        fmt_newline(&P, 0);
    /* One newline at the end, no blank lines. */
    while (P.out.len >= 2 && P.out.p[P.out.len - 1] == '\n' && P.out.p[P.out.len - 2] == '\n')
        P.out.p[--P.out.len] = '\0';
    *failed = P.cmds.failed || P.scratch.failed || P.out.failed || P.suffix.failed;
    free(P.cmds.v);
    free(P.scratch.v);
    buf_free(&P.suffix);
    if (*failed) {
        buf_free(&P.out);
        return NULL;
    }
    if (!P.out.p)
        return calloc(1, 1);
    return buf_take(&P.out);
}

/* ---- entry ------------------------------------------------------------------------ */

char *fmt_source(const char *name, const char *text, size_t len, struct veto_diags *d)
{
    Source *src = source_new(name ? name : "<string>", text ? text : "", text ? len : 0);
    if (!src) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory while formatting");
        return NULL;
    }
    Arena arena;
    arena_init(&arena, 0);
    char *out = NULL;
    AstNode *root = parse_source(&arena, src, d);
    if (root) {
        Fmt F;
        memset(&F, 0, sizeof F);
        F.arena = &arena;
        F.src = src;
        F.root = fmt_doc(&F, FD_CONCAT);
        F.cur = F.root;
        int failed = !F.root || fmt_read(&F) != 0;
        if (!failed) {
            fmt_file(&F, root);
            failed = arena.failed;
        }
        if (!failed)
            out = fmt_print(F.root, &failed);
        if (failed || !out) {
            free(out);
            out = NULL;
            diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory while formatting");
        }
    }
    arena_free(&arena);
    source_free(src);
    return out;
}
