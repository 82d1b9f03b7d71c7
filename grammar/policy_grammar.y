/* policy_grammar.y — the Veto policy language (docs/LANGUAGE.md §2-5) for lemon.
 *
 * Owns: the syntax, as productions. Every action is one call to an ast_*
 * constructor (engine/lang/ast.c); nothing here decides anything else. Tokens
 * come from the hand-written lexer (engine/lang/lexer.c), the driver and the
 * error reporting live in engine/lang/parser.c.
 *
 * Conflicts fail the build (Makefile). The ones resolved by precedence:
 *  - expressions: the table below, lowest first, as in LANGUAGE.md §5;
 *    `let`, `any`/`all` and `if` take the lowest precedence so their body
 *    extends as far right as possible.
 *  - a rule's `let` clauses: `deny for x in xs` followed by `let y = 1` is
 *    read as the rule's let clause (shift beats the empty `when`), since
 *    LR(1) cannot see past it to a `when`. File-level lets therefore do not
 *    directly follow a rule that has neither `when` nor `message`.
 */

%name PolicyParser
%token_prefix TK_
%token_type {Token}
%default_type {AstNode *}
%extra_argument {ParseState *ps}
/* Deep enough for LEX_MAX_NESTING (256) levels of any bracket construct;
 * beyond that, the driver (parser.c) reports "nested too deeply". */
%stack_size 4000
%start_symbol file

%include {
#include <assert.h>
#include <stddef.h>
#include "lang/ast.h"
}

%syntax_error { ps->syntax_error(ps, yypParser, yymajor, &yyminor); }
%stack_overflow { ps->stopped = 1; /* the driver reports it at the token being shifted */ }

/* Declared up front so every code exists (and keeps its number) even when
 * a production does not use it yet; the compiler switches on these. */
%token POLICY MODULE USE AS LET FUNC DENY WARN ALLOW APPROVE REJECT TRIGGER
       FOR IN WHEN MESSAGE IF THEN ELSE AND OR NOT ANY ALL TRUE FALSE NULL LIKE NOTIN
       IDENT INT FLOAT STRING TSTART TMID TEND
       PLUS MINUS STAR SLASH PERCENT EQ NE LT LE GT GE MATCH NOMATCH COALESCE
       ASSIGN DOT COMMA COLON SEMI LPAREN RPAREN LBRACKET RBRACKET LBRACE RBRACE.

%nonassoc RULEEND. /* lowest: the empty `when` and the end of a binding's collection */
%right LET ANY ALL IF.
%left COALESCE.
%left OR.
%left AND.
%right NOT.
%nonassoc EQ NE LT LE GT GE IN NOTIN MATCH NOMATCH LIKE.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UMINUS.
%left DOT LBRACKET LPAREN.

/* ---- files ----------------------------------------------------------- */

file ::= items(L).                              { ps->root = ast_new_list(ps, AST_FILE, NULL, &L, NULL); }

%type items {AstList}
items(A) ::= .                                  { A = ast_list_new(ps, NULL); }
items(A) ::= items(A) item(I).                  { ast_list_push(ps, &A, I); }

/* Error recovery: a broken declaration becomes `error`, and lemon discards
 * tokens until one that can start a declaration. */
item(A) ::= error.                              { A = NULL; }
item(A) ::= MODULE(K) dotted(D).                { A = ast_new_decl(ps, AST_MODULE, &K, D.text, NULL, NULL); ast_span(A, &D); }
item(A) ::= USE(K) dotted(D).                   { A = ast_new_decl(ps, AST_USE, &K, D.text, NULL, NULL); ast_span(A, &D); }
item(A) ::= USE(K) dotted(D) AS IDENT(N).       { A = ast_new_decl(ps, AST_USE, &K, D.text, N.text, NULL); ast_span(A, &N); }
item(A) ::= LET(K) IDENT(N) ASSIGN expr(E).     { A = ast_new_decl(ps, AST_LET_DECL, &K, N.text, NULL, E); }
item(A) ::= FUNC(K) IDENT(N) LPAREN params(P) RPAREN ASSIGN expr(E).
                                                { A = ast_new_func(ps, &K, &N, &P, E); }
item(A) ::= POLICY(K) dotted(D) metas(M).       { A = ast_new_policy(ps, &K, D.text, &M); ast_span(A, &D); }
item(A) ::= rulekw(K) rfor(B) rlets(L) rwhen(C) rmsg(M).
                                                { A = ast_new_rule(ps, &K, NULL, B, &L, C, M); }
item(A) ::= TRIGGER(K) expr(V) rfor(B) rlets(L) rwhen(C).
                                                { A = ast_new_rule(ps, &K, V, B, &L, C, NULL); }

%type dotted {Token}
dotted(A) ::= IDENT(A).
dotted(A) ::= dotted(A) DOT IDENT(N).           { ast_dotted_join(ps, &A, &N); }

%type metas {AstList}
metas(A) ::= .                                  { A = ast_list_new(ps, NULL); }
metas(A) ::= metas(A) meta(M).                  { ast_list_push(ps, &A, M); }
meta(A) ::= IDENT(K) COLON expr(E).             { A = ast_new_decl(ps, AST_META, &K, K.text, NULL, E); }
/* `kind: trigger` names a policy kind that is also a rule keyword. */
meta(A) ::= IDENT(K) COLON TRIGGER(T).          { A = ast_new_decl(ps, AST_META, &K, K.text, NULL, ast_new_leaf(ps, AST_NAME, &T)); }

%type params {AstList}
params(A) ::= .                                 { A = ast_list_new(ps, NULL); }
params(A) ::= plist(A) optcomma.
%type plist {AstList}
plist(A) ::= IDENT(N).                          { A = ast_list_new(ps, ast_new_leaf(ps, AST_NAME, &N)); }
plist(A) ::= plist(A) COMMA IDENT(N).           { ast_list_push(ps, &A, ast_new_leaf(ps, AST_NAME, &N)); }

optcomma ::= .
optcomma ::= COMMA.

/* ---- rules ----------------------------------------------------------- */

%type rulekw {Token}
rulekw(A) ::= DENY(A).
rulekw(A) ::= WARN(A).
rulekw(A) ::= ALLOW(A).
rulekw(A) ::= APPROVE(A).
rulekw(A) ::= REJECT(A).

rfor(A) ::= .                                   { A = NULL; }
rfor(A) ::= FOR binding(B).                     { A = B; }
%type rlets {AstList}
rlets(A) ::= .                                  { A = ast_list_new(ps, NULL); }
rlets(A) ::= rlets(A) LET(K) IDENT(N) ASSIGN expr(E).
                                                { ast_list_push(ps, &A, ast_new_decl(ps, AST_LET_DECL, &K, N.text, NULL, E)); }
rwhen(A) ::= . [RULEEND]                        { A = NULL; }
rwhen(A) ::= WHEN expr(E).                      { A = E; }
rmsg(A) ::= .                                   { A = NULL; }
rmsg(A) ::= MESSAGE expr(E).                    { A = E; }

binding(A) ::= IDENT(V) IN expr(C). [RULEEND]    { A = ast_new_binding(ps, &V, NULL, C); }
binding(A) ::= IDENT(K) COMMA IDENT(V) IN expr(C). [RULEEND]
                                                { A = ast_new_binding(ps, &K, &V, C); }

/* ---- expressions ------------------------------------------------------- */

expr(A) ::= LET(K) IDENT(N) ASSIGN expr(V) SEMI expr(B). [LET]
                                                { A = ast_new_let(ps, &K, &N, V, B); }
expr(A) ::= ANY(K) binding(B) COLON expr(E). [ANY]
                                                { A = ast_new_quant(ps, AST_ANY, &K, B, E); }
expr(A) ::= ALL(K) binding(B) COLON expr(E). [ALL]
                                                { A = ast_new_quant(ps, AST_ALL, &K, B, E); }
expr(A) ::= IF(K) expr(C) THEN expr(T) ELSE expr(E). [IF]
                                                { A = ast_new_if(ps, &K, C, T, E); }

expr(A) ::= expr(L) COALESCE expr(R).           { A = ast_new_binary(ps, AST_BINARY, TK_COALESCE, L, R); }
expr(A) ::= expr(L) OR expr(R).                 { A = ast_new_binary(ps, AST_OR, TK_OR, L, R); }
expr(A) ::= expr(L) AND expr(R).                { A = ast_new_binary(ps, AST_AND, TK_AND, L, R); }
expr(A) ::= NOT(K) expr(E).                     { A = ast_new_unary(ps, AST_NOT, TK_NOT, &K, E); }

expr(A) ::= expr(L) EQ expr(R).                 { A = ast_new_binary(ps, AST_BINARY, TK_EQ, L, R); }
expr(A) ::= expr(L) NE expr(R).                 { A = ast_new_binary(ps, AST_BINARY, TK_NE, L, R); }
expr(A) ::= expr(L) LT expr(R).                 { A = ast_new_binary(ps, AST_BINARY, TK_LT, L, R); }
expr(A) ::= expr(L) LE expr(R).                 { A = ast_new_binary(ps, AST_BINARY, TK_LE, L, R); }
expr(A) ::= expr(L) GT expr(R).                 { A = ast_new_binary(ps, AST_BINARY, TK_GT, L, R); }
expr(A) ::= expr(L) GE expr(R).                 { A = ast_new_binary(ps, AST_BINARY, TK_GE, L, R); }
expr(A) ::= expr(L) IN expr(R).                 { A = ast_new_binary(ps, AST_BINARY, TK_IN, L, R); }
expr(A) ::= expr(L) NOTIN expr(R).              { A = ast_new_binary(ps, AST_BINARY, TK_NOTIN, L, R); }
expr(A) ::= expr(L) MATCH expr(R).              { A = ast_new_binary(ps, AST_BINARY, TK_MATCH, L, R); }
expr(A) ::= expr(L) NOMATCH expr(R).            { A = ast_new_binary(ps, AST_BINARY, TK_NOMATCH, L, R); }
expr(A) ::= expr(L) LIKE expr(R).               { A = ast_new_binary(ps, AST_BINARY, TK_LIKE, L, R); }

expr(A) ::= expr(L) PLUS expr(R).               { A = ast_new_binary(ps, AST_BINARY, TK_PLUS, L, R); }
expr(A) ::= expr(L) MINUS expr(R).              { A = ast_new_binary(ps, AST_BINARY, TK_MINUS, L, R); }
expr(A) ::= expr(L) STAR expr(R).               { A = ast_new_binary(ps, AST_BINARY, TK_STAR, L, R); }
expr(A) ::= expr(L) SLASH expr(R).              { A = ast_new_binary(ps, AST_BINARY, TK_SLASH, L, R); }
expr(A) ::= expr(L) PERCENT expr(R).            { A = ast_new_binary(ps, AST_BINARY, TK_PERCENT, L, R); }
expr(A) ::= MINUS(K) expr(E). [UMINUS]          { A = ast_new_unary(ps, AST_UNARY, TK_MINUS, &K, E); }

expr(A) ::= expr(E) DOT IDENT(N).               { A = ast_new_field(ps, E, &N); }
expr(A) ::= expr(E) LBRACKET expr(I) RBRACKET(R).
                                                { A = ast_new_index(ps, E, I, &R); }
expr(A) ::= expr(E) LPAREN args(L) RPAREN(R).   { A = ast_new_call(ps, E, &L, &R); }

expr(A) ::= LPAREN(L) expr(E) RPAREN(R).        { A = ast_new_paren(ps, &L, E, &R); }
expr(A) ::= NULL(T).                            { A = ast_new_leaf(ps, AST_NULL, &T); }
expr(A) ::= TRUE(T).                            { A = ast_new_leaf(ps, AST_BOOL, &T); }
expr(A) ::= FALSE(T).                           { A = ast_new_leaf(ps, AST_BOOL, &T); }
expr(A) ::= INT(T).                             { A = ast_new_leaf(ps, AST_INT, &T); }
expr(A) ::= FLOAT(T).                           { A = ast_new_leaf(ps, AST_FLOAT, &T); }
expr(A) ::= STRING(T).                          { A = ast_new_leaf(ps, AST_STRING, &T); }
expr(A) ::= IDENT(T).                           { A = ast_new_leaf(ps, AST_NAME, &T); }
expr(A) ::= tparts(A) TEND(T).                  { ast_template_add(ps, A, &T, NULL); }

/* "a ${x} b ${y} c" arrives as TSTART("a ") x TMID(" b ") y TEND(" c"). */
tparts(A) ::= TSTART(T) expr(E).                { A = ast_new_template(ps, &T, E); }
tparts(A) ::= tparts(A) TMID(T) expr(E).        { ast_template_add(ps, A, &T, E); }

expr(A) ::= LBRACKET(L) args(I) RBRACKET(R).    { A = ast_new_list(ps, AST_ARRAY, &L, &I, &R); }
expr(A) ::= LBRACE(L) RBRACE(R).                { A = ast_new_list(ps, AST_OBJECT, &L, NULL, &R); }
expr(A) ::= LBRACE(L) elems(I) optcomma RBRACE(R).
                                                { A = ast_new_list(ps, AST_SET, &L, &I, &R); }
expr(A) ::= LBRACE(L) pairs(I) optcomma RBRACE(R).
                                                { A = ast_new_list(ps, AST_OBJECT, &L, &I, &R); }

expr(A) ::= LBRACKET(L) expr(E) FOR binding(B) RBRACKET(R).
                                                { A = ast_new_comp(ps, AST_ARRAY_COMP, &L, E, NULL, B, NULL, &R); }
expr(A) ::= LBRACKET(L) expr(E) FOR binding(B) IF expr(F) RBRACKET(R).
                                                { A = ast_new_comp(ps, AST_ARRAY_COMP, &L, E, NULL, B, F, &R); }
expr(A) ::= LBRACE(L) expr(E) FOR binding(B) RBRACE(R).
                                                { A = ast_new_comp(ps, AST_SET_COMP, &L, E, NULL, B, NULL, &R); }
expr(A) ::= LBRACE(L) expr(E) FOR binding(B) IF expr(F) RBRACE(R).
                                                { A = ast_new_comp(ps, AST_SET_COMP, &L, E, NULL, B, F, &R); }
expr(A) ::= LBRACE(L) expr(K) COLON expr(V) FOR binding(B) RBRACE(R).
                                                { A = ast_new_comp(ps, AST_OBJECT_COMP, &L, K, V, B, NULL, &R); }
expr(A) ::= LBRACE(L) expr(K) COLON expr(V) FOR binding(B) IF expr(F) RBRACE(R).
                                                { A = ast_new_comp(ps, AST_OBJECT_COMP, &L, K, V, B, F, &R); }

%type args {AstList}
args(A) ::= .                                   { A = ast_list_new(ps, NULL); }
args(A) ::= elems(A) optcomma.
%type elems {AstList}
elems(A) ::= expr(E).                           { A = ast_list_new(ps, E); }
elems(A) ::= elems(A) COMMA expr(E).            { ast_list_push(ps, &A, E); }
%type pairs {AstList}
pairs(A) ::= expr(K) COLON expr(V).             { A = ast_list_new(ps, ast_new_pair(ps, K, V)); }
pairs(A) ::= pairs(A) COMMA expr(K) COLON expr(V).
                                                { ast_list_push(ps, &A, ast_new_pair(ps, K, V)); }

/* The parser's machinery, not the language: which terminals the parser
 * could shift in its current state, for "expected `)`" in messages.
 * Simulates the reductions each candidate would cause on a scratch copy of
 * the top of the stack (lemon 3.40 has no API for this). */
%code {
/* Lets the next syntax error be reported at once. The driver calls it at
 * each token that starts a declaration: lemon otherwise stays silent until
 * three tokens were shifted after an error, which hides real errors in
 * short declarations that follow a broken one. */
void PolicyParserResync(void *parser)
{
    ((yyParser *)parser)->yyerrcnt = -1;
}

int PolicyParserExpected(void *parser, int *out, int max)
{
    yyParser *p = (yyParser *)parser;
    int n = 0;
    for (int t = 1; t < YYNTOKEN && n < max; t++) {
        if (t == YYERRORSYMBOL)
            continue;
        YYACTIONTYPE over[64]; /* states pushed by simulated gotos */
        int nover = 0;
        yyStackEntry *base = p->yytos; /* real stack top still in use */
        int ok = 0;
        for (int steps = 0; steps < 256; steps++) {
            YYACTIONTYPE st = nover ? over[nover - 1] : base->stateno;
            YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)t, st);
            if (act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION) {
                ok = 1;
                break;
            }
            if (act < YY_MIN_REDUCE || act >= YY_MIN_REDUCE + YYNRULE)
                break; /* error */
            unsigned rule = act - YY_MIN_REDUCE;
            int pop = -yyRuleInfoNRhs[rule];
            while (pop > 0 && nover > 0) {
                nover--;
                pop--;
            }
            if (pop > base - p->yystack)
                break;
            base -= pop;
            if (nover == 64)
                break;
            YYACTIONTYPE from = nover ? over[nover - 1] : base->stateno;
            YYACTIONTYPE go = yy_find_reduce_action(from, yyRuleInfoLhs[rule]);
            if (go > YY_MAX_SHIFT)
                go += YY_MIN_REDUCE - YY_MIN_SHIFTREDUCE;
            over[nover++] = go;
        }
        if (ok)
            out[n++] = t;
    }
    return n;
}
}
