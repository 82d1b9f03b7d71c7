/* compiler.h — state shared by the compiler's driver (compiler.c: files,
 * modules, declarations, policy metadata) and its code generator
 * (codegen.c: name resolution, constant folding, bytecode).
 *
 * The compiler owns a compile arena (ASTs, scopes, declaration tables) and
 * the Program under construction. veto_compiler_finish() hands the Program
 * to the caller and frees everything else.
 */
#ifndef VETO_COMPILER_H
#define VETO_COMPILER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "lang/ast.h"
#include "vm/program.h"

#include "lang/units.h"

struct veto_compiler {
    Compiler c;
};

/* veto_compiler_finish in two halves, so a tool can read the ASTs between
 * them (author/check.c runs lint and schema checks there): build declares
 * every unit and generates every body, reporting to d; release frees the
 * compile arena and returns the program, or NULL (freeing vc too) when d
 * has errors. */
void compiler_build(veto_compiler *vc, veto_diags *d);
veto_program *compiler_release(veto_compiler *vc, veto_diags *d);

/* Compiles one expression as a program of its own (veto_eval_expr). */
veto_program *compiler_compile_expr(veto_engine *e, const char *expr, veto_diags *d);

#endif
