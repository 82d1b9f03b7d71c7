/* codegen.h — from AST to bytecode (codegen.c): name resolution, constant
 * folding and instruction emission for functions, globals and rules. */
#ifndef VETO_CODEGEN_H
#define VETO_CODEGEN_H

#include "lang/units.h"

/* Compiles the body of function `fi` for a declaration of unit u. */
void codegen_function(Compiler *c, Unit *u, uint32_t fi, AstNode *decl);
void codegen_global(Compiler *c, Unit *u, uint32_t fi, AstNode *expr);
void codegen_rule(Compiler *c, Unit *u, uint32_t fi, uint32_t rule_index, AstNode *rule);
/* Evaluates a constant expression at compile time (metadata values).
 * Returns false when it is not constant. */
bool codegen_constant(Compiler *c, Unit *u, AstNode *n, Value *out);
uint32_t codegen_key(Compiler *c, const char *s, uint32_t len);

#endif
