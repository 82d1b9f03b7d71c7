/* parser.h — parsing one source into a syntax tree (parser.c drives the
 * lexer and the lemon parser generated from grammar/policy_grammar.y, and
 * reports syntax errors with what was expected). */
#ifndef VETO_PARSER_H
#define VETO_PARSER_H

#include "base/arena.h"
#include "lang/ast.h"

/* Parses one source into an AST_FILE. Returns NULL when there were syntax
 * errors (all reported to diags) or OOM. The tree lives in `arena`. */
AstNode *parse_source(Arena *arena, const struct Source *src, struct veto_diags *diags);

#endif
