/* veto.h — the public API of libveto, the policy engine.
 *
 * Lifetimes, in one place:
 *   veto_engine   one per process; holds the interned keys and the standard
 *                 library, compiled once. Outlives every program and document
 *                 made with it.
 *   veto_program  an immutable compiled policy set; may be shared by threads
 *                 evaluating at once.
 *   veto_doc      a loaded input document (JSON or YAML) in its own arena;
 *                 borrowed by evaluations, freed by its owner.
 *   veto_decision the result of one evaluation; owned by the caller.
 *   veto_diags    a caller-owned list of errors and warnings.
 *
 * The library never prints and never exits. Functions that can fail return
 * NULL or a negative veto_status and add the reason to a veto_diags.
 * Compiling and loading documents grow the engine's key table, so do not
 * compile on one thread while another loads or evaluates.
 */
#ifndef VETO_H
#define VETO_H

#include <stddef.h>
#include <stdint.h>

#define VETO_VERSION "0.1.0"

typedef struct veto_engine veto_engine;
typedef struct veto_program veto_program;
typedef struct veto_compiler veto_compiler;
typedef struct veto_doc veto_doc;
typedef struct veto_decision veto_decision;
typedef struct veto_diags veto_diags;

typedef enum veto_status {
    VETO_OK = 0,
    VETO_ERR_USAGE = -1,   /* bad arguments */
    VETO_ERR_IO = -2,      /* a file could not be read */
    VETO_ERR_PARSE = -3,   /* malformed policy or input */
    VETO_ERR_COMPILE = -4, /* name, type or other compile error */
    VETO_ERR_NOMEM = -5,   /* out of memory or over a configured cap */
} veto_status;

/* ---- diagnostics ------------------------------------------------------ */

veto_diags *veto_diags_new(void);
void veto_diags_free(veto_diags *d);
size_t veto_diags_errors(const veto_diags *d);
size_t veto_diags_warnings(const veto_diags *d);
/* "file:line:col: error: msg", the line, a caret, a hint; malloc'd. */
char *veto_diags_render(const veto_diags *d, int color);

/* ---- engine ----------------------------------------------------------- */

veto_engine *veto_engine_new(void);
void veto_engine_free(veto_engine *e);

/* ---- compiling -------------------------------------------------------- */

veto_compiler *veto_compiler_new(veto_engine *e);
/* Adds a policy or module file, or every *.veto file under a directory
 * (recursively, in sorted order). Errors go to diags. */
veto_status veto_compiler_add_path(veto_compiler *c, const char *path, veto_diags *d);
/* Adds source text under a display name (copied). */
veto_status veto_compiler_add_source(veto_compiler *c, const char *name, const char *text,
                                     size_t len, veto_diags *d);
/* Compiles everything added. Returns an owned program, or NULL with the
 * errors in diags (warnings may be added either way). Frees the compiler. */
veto_program *veto_compiler_finish(veto_compiler *c, veto_diags *d);
void veto_compiler_free(veto_compiler *c); /* only when finish was not called */

void veto_program_free(veto_program *p);
size_t veto_program_policy_count(const veto_program *p);
/* The policy-set hash: SHA-256 of the program's canonical serialised form
 * (the bytes `veto build` writes to a bundle), as 64 lowercase hex digits
 * and a NUL. Equal programs hash equal whatever machine compiled them. */
void veto_program_hash(const veto_program *p, char out_hex[65]);
/* Human-readable bytecode listing with source lines; malloc'd. */
char *veto_program_disasm(const veto_program *p);

/* ---- documents -------------------------------------------------------- */

typedef struct veto_load_options {
    uint32_t max_depth; /* nesting bound; 0 = default (512) */
    size_t max_bytes;   /* input size cap; 0 = default (4 GiB) */
} veto_load_options;

/* Loads JSON (or YAML, by content) from a file; "-" reads stdin. */
veto_doc *veto_doc_load_file(veto_engine *e, const char *path, const veto_load_options *opt,
                             veto_diags *d);
/* Parses JSON text (copied). name is used in error messages. */
veto_doc *veto_doc_load_json(veto_engine *e, const char *name, const char *text, size_t len,
                             const veto_load_options *opt, veto_diags *d);
void veto_doc_free(veto_doc *doc);

/* ---- evaluating ------------------------------------------------------- */

typedef struct veto_eval_options {
    uint64_t fuel;                 /* VM step budget per policy; 0 = default (50 million) */
    size_t mem_cap;                /* evaluation arena cap in bytes; 0 = default (1 GiB) */
    const char *kind;              /* policy kind to evaluate: "plan" (default), "approval", ... */
    const veto_doc *context;       /* may be NULL */
    const char *const *data_names; /* data documents, reached as data.NAME */
    const veto_doc *const *data_docs;
    size_t ndata;
} veto_eval_options;

/* Evaluates every policy of the given kind against input. Never fails for
 * policy reasons: runtime errors become error results in the decision.
 * Returns NULL only on OOM. */
veto_decision *veto_eval(const veto_program *p, const veto_doc *input,
                         const veto_eval_options *opt);
void veto_decision_free(veto_decision *dec);

typedef enum veto_outcome {
    VETO_PASS = 0,
    VETO_WARN = 1,
    VETO_FAIL = 2,
    VETO_ERROR = 3,
} veto_outcome;

veto_outcome veto_decision_outcome(const veto_decision *dec);
const char *veto_outcome_name(veto_outcome o);
size_t veto_decision_result_count(const veto_decision *dec);
/* The decision record as JSON (pretty when pretty != 0); malloc'd. */
char *veto_decision_json(const veto_decision *dec, int pretty);
/* The decision for people; color adds ANSI colours; malloc'd. */
char *veto_decision_text(const veto_decision *dec, int color);

/* ---- expressions (for `veto expr`, doc examples and REPL-like use) ---- */

/* Compiles `expr` (an expression of the language, which may `use` nothing
 * but sees the builtins, the standard modules and the globals input,
 * context and data) and evaluates it against input (may be NULL). Returns
 * the value as compact JSON (malloc'd, sensitive values redacted; an
 * undefined result is the text "undefined"), or NULL with errors in d. */
char *veto_eval_expr(veto_engine *e, const char *expr, const veto_doc *input,
                     const veto_eval_options *opt, veto_diags *d);

#endif
