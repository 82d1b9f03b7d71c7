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
#include "lang/ast.h"
#include "base/diag.h"
#include "vm/program.h"

typedef enum DeclKind { DECL_LET, DECL_FUNC, DECL_USE } DeclKind;

typedef struct Unit Unit;

typedef struct Decl {
    const char *name; /* let/func name, or use alias */
    DeclKind kind;
    AstNode *node;  /* AST_LET_DECL / AST_FUNC_DECL / AST_USE */
    uint32_t index; /* global index (let), function index (func) */
    Unit *module;   /* DECL_USE: the module's unit */
    bool used;      /* referenced anywhere (for lint) */
} Decl;

/* One parsed file: a policy file or a module. */
struct Unit {
    Source *src;          /* owned by the program once added */
    AstNode *ast;         /* AST_FILE, NULL when it failed to parse */
    const char *module;   /* module name, or NULL for a policy file */
    bool implicit_stdlib; /* expression unit: every stdlib module is in scope */
    bool embedded;        /* loaded from the embedded standard library, not given by the user */
    bool declared;        /* declarations collected */
    Decl *decls;
    uint32_t ndecls, capdecls;
};

typedef struct Compiler {
    veto_engine *engine;
    Arena arena;   /* compile lifetime */
    Program *prog; /* under construction */
    DiagList *diags;
    Unit **units;
    uint32_t nunits, capunits;
    /* Program arrays grow here (capacities; counts live in prog). */
    uint32_t capfuncs, capconsts, capkeys, capregexes, capglobals, cappolicies, caprules,
        capsources;
} Compiler;

struct veto_compiler {
    Compiler c;
};

/* compiler.c */
/* veto_compiler_finish in two halves, so a tool can read the ASTs between
 * them (author/check.c runs lint and schema checks there): build declares
 * every unit and generates every body, reporting to d; release frees the
 * compile arena and returns the program, or NULL (freeing vc too) when d
 * has errors. */
void compiler_build(veto_compiler *vc, veto_diags *d);
veto_program *compiler_release(veto_compiler *vc, veto_diags *d);
Unit *compiler_module(Compiler *c, const char *name, const Source *from, uint32_t off);
uint32_t compiler_add_function(Compiler *c, const char *name, FuncKind kind, uint32_t source,
                               uint32_t off);
const Decl *compiler_find_decl(const Unit *u, const char *name);
void compiler_declare(Compiler *c, Unit *u);
/* Is `name` a module of the embedded standard library? */
bool compiler_is_stdlib_module(const char *name);

/* codegen.c */
/* Compiles the body of function `fi` for a declaration of unit u. */
void codegen_function(Compiler *c, Unit *u, uint32_t fi, AstNode *decl);
void codegen_global(Compiler *c, Unit *u, uint32_t fi, AstNode *expr);
void codegen_rule(Compiler *c, Unit *u, uint32_t fi, uint32_t rule_index, AstNode *rule);
/* Evaluates a constant expression at compile time (metadata values).
 * Returns false when it is not constant. */
bool codegen_constant(Compiler *c, Unit *u, AstNode *n, Value *out);
uint32_t codegen_key(Compiler *c, const char *s, uint32_t len);

#endif
