/* units.h — the state of one compile (Compiler) and its units: the parsed
 * files and modules, their declarations and the program arrays they fill
 * (units.c). Shared by the driver (compiler.c), code generation
 * (codegen.c), the explanation planner and the tools that read ASTs
 * (author/lint.c, author/schema_check.c).
 */
#ifndef VETO_UNITS_H
#define VETO_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "lang/ast.h"
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

/* A new, empty program for engine e (malloc'd; the compile owns it until
 * compiler_release hands it out). */
Program *units_new_program(veto_engine *e);
/* Adds src (taking it) to the program's sources; its index. */
uint32_t units_add_source(Compiler *c, Source *src);
/* Parses src (taken) into a new unit; NULL on OOM. */
Unit *units_add_unit(Compiler *c, Source *src);
Unit *units_module(Compiler *c, const char *name, const Source *from, uint32_t off);
uint32_t units_add_function(Compiler *c, const char *name, FuncKind kind, uint32_t source,
                            uint32_t off);
const Decl *units_find_decl(const Unit *u, const char *name);
void units_declare(Compiler *c, Unit *u);
/* Is `name` a module of the embedded standard library? */
bool units_is_stdlib_module(const char *name);

#endif
