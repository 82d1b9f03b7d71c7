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
struct VmHooks; /* vm/vm.h: the step hook of veto_eval_options.hooks, opaque here */
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
/* veto_compiler_finish with the checks of `veto check` over the files added
 * (not over the embedded standard library): lint != 0 adds lint warnings
 * (docs/LINT.md); schema, a loaded `terraform providers schema -json`
 * document (borrowed), makes every resource type and attribute path the
 * policies use that the schema lacks an error (docs/LINT.md). Consumes c,
 * as finish does. Compiling alone never lints (author/check.c). */
veto_program *veto_check_finish(veto_compiler *c, int lint, const veto_doc *schema, veto_diags *d);

void veto_program_free(veto_program *p);
size_t veto_program_policy_count(const veto_program *p);
/* The policy-set hash: SHA-256 of the program's canonical serialised form
 * (the bytes `veto build` writes to a bundle), as 64 lowercase hex digits
 * and a NUL. Equal programs hash equal whatever machine compiled them. */
void veto_program_hash(const veto_program *p, char out_hex[65]);
/* Human-readable bytecode listing with source lines; malloc'd. */
char *veto_program_disasm(const veto_program *p);

/* ---- bundles (docs/BUNDLES.md) ---------------------------------------- */

/* Writes p as a bundle file: versioned, checksummed, loadable without the
 * sources. The file appears whole or not at all (written beside, renamed). */
veto_status veto_bundle_write(const veto_program *p, const char *path, veto_diags *d);
/* Loads a bundle written by veto_bundle_write into an owned program bound
 * to e (keys are re-interned in e's table). Everything is validated and
 * the bytecode verified before use, so a truncated, altered or crafted
 * file gives NULL and a clear error in d, never undefined behaviour. */
veto_program *veto_bundle_load(veto_engine *e, const char *path, veto_diags *d);

/* ---- documents -------------------------------------------------------- */

/* The text format of an input; see docs/INPUTS.md. */
typedef enum veto_doc_format {
    VETO_FORMAT_AUTO = 0, /* by extension (.json, .yaml, .yml), else by content */
    VETO_FORMAT_JSON = 1,
    VETO_FORMAT_YAML = 2,
} veto_doc_format;

typedef struct veto_load_options {
    uint32_t max_depth;       /* nesting bound; 0 = default (512) */
    size_t max_bytes;         /* input size cap; 0 = default (4 GiB) */
    veto_doc_format format;   /* AUTO (0) detects it */
    size_t max_mem;           /* memory the document's values may take; 0 = no cap */
    uint64_t max_alias_nodes; /* YAML: nodes aliases may stand for; 0 = default (1,000,000) */
} veto_load_options;

/* Loads a JSON or YAML document from a file ("-" reads stdin), detecting
 * the format as opt->format says. A YAML stream of several documents loads
 * as the array of them (see veto_doc_count). */
veto_doc *veto_doc_load_file(veto_engine *e, const char *path, const veto_load_options *opt,
                             veto_diags *d);
/* Parses JSON text (copied). name is used in error messages. */
veto_doc *veto_doc_load_json(veto_engine *e, const char *name, const char *text, size_t len,
                             const veto_load_options *opt, veto_diags *d);
/* Parses JSON or YAML text (copied), detected as for a file named name. */
veto_doc *veto_doc_load_text(veto_engine *e, const char *name, const char *text, size_t len,
                             const veto_load_options *opt, veto_diags *d);
void veto_doc_free(veto_doc *doc);
/* Like veto_doc_load_file, but for evaluating program p only: an analysis
 * of p finds the input paths its rules can read, and the loader maps the
 * file and keeps only those (other subtrees are validated and skipped), so
 * planned_values, configuration and prior_state cost nothing when no rule
 * reads them. Decisions of p on the result are identical to those on the
 * full document; other programs must not be evaluated on it. Falls back to
 * veto_doc_load_file when projection cannot help (stdin, YAML, a policy that
 * may read the whole input) or when VETO_NO_PROJECTION is set. */
veto_doc *veto_doc_load_file_projected(veto_engine *e, const veto_program *p, const char *path,
                                       const veto_load_options *opt, veto_diags *d);
/* SHA-256 of the document's bytes as read (UTF-16 decoded to UTF-8), as 64
 * lowercase hex digits: the input hash of decision records. */
const char *veto_doc_hash(const veto_doc *doc);
/* "json" or "yaml": how the document was read. */
const char *veto_doc_format_name(const veto_doc *doc);
/* Documents in the file: 1 for JSON; for a YAML stream the number of its
 * non-empty documents. Above 1, the root is the array of them. */
size_t veto_doc_count(const veto_doc *doc);
/* What the document is, from its shape: "terraform-plan",
 * "terraform-state", "kubernetes", "cloudformation", "stream" (several
 * documents, not all Kubernetes objects) or "document". Static string. */
const char *veto_doc_kind(const veto_doc *doc);

/* ---- evaluating ------------------------------------------------------- */

typedef struct veto_eval_options {
    uint64_t fuel;                 /* VM step budget per policy; 0 = default (50 million) */
    size_t mem_cap;                /* evaluation arena cap in bytes; 0 = default (1 GiB) */
    const char *kind;              /* policy kind to evaluate: "plan" (default), "approval", ... */
    const veto_doc *context;       /* may be NULL */
    const char *const *data_names; /* data documents, reached as data.NAME */
    const veto_doc *const *data_docs;
    size_t ndata;
    /* Internal observer of every VM step (coverage, explanations): a
     * struct VmHooks (vm/vm.h), borrowed; NULL runs the fast loop. */
    const struct VmHooks *hooks;
    /* Explanations (docs/EXPLAIN.md): VETO_EXPLAIN_RESULTS records, for
     * every result, the binding and each condition with the values it saw;
     * VETO_EXPLAIN_FAILS also records why each rule did not fire for the
     * resource explain_address. Read them with veto_decision_explain_*. */
    int explain;
    const char *explain_address;
    /* Threads for one input's policies (veto_eval, and veto_eval_file when
     * it evaluates the whole document; a veto_evaluator always uses one
     * thread): 0 = automatic, up to the online
     * CPUs but at most 2; 1 = the calling thread only; N = up to N. Used
     * only for an input of 1 MiB or more (VETO_JOBS_MIN_BYTES in the
     * environment changes that) with 4 or more policies of the kind,
     * without explanations or hooks. The decision is the same whatever
     * the number: what one thread could decide differently (a limit
     * reached) is evaluated again on one. VETO_JOBS_TRACE=1 prints one
     * line per split evaluation to stderr. */
    unsigned jobs;
} veto_eval_options;

enum { VETO_EXPLAIN_OFF = 0, VETO_EXPLAIN_RESULTS = 1, VETO_EXPLAIN_FAILS = 2 };

/* The explanations of a decision evaluated with opt.explain set: text for
 * people (color adds ANSI colours) or JSON; malloc'd. Sensitive values are
 * redacted. Without explanations they hold the results only. */
char *veto_decision_explain_text(const veto_decision *dec, int color);
char *veto_decision_explain_json(const veto_decision *dec, int pretty);

/* Evaluates every policy of the given kind against input. Never fails for
 * policy reasons: runtime errors become error results in the decision.
 * Returns NULL only on OOM. */
veto_decision *veto_eval(const veto_program *p, const veto_doc *input,
                         const veto_eval_options *opt);
/* Loads the input file at path (as veto_doc_load_file_projected with lo;
 * with opt->explain set, whole, as veto_doc_load_file) and evaluates it
 * (as veto_eval with opt). The decision is the same, byte for byte in every
 * view, as loading and evaluating, but a plan whose policies of the kind
 * read it one resource at a time (project.h) is evaluated while it is
 * read, one resource_changes entry at a time: memory holds the decision,
 * the rest of the plan and one entry, whatever the plan's size (--mem-cap
 * therefore bounds only that). Anything streaming cannot reproduce exactly
 * (a runtime error, a limit reached, invalid JSON) is evaluated on the
 * whole document instead. Returns an owned decision; NULL with the reason
 * in d when the input cannot be loaded, NULL without diagnostics on out of
 * memory. VETO_NO_STREAM in the environment turns streaming off;
 * VETO_STREAM_TRACE=1 prints one line per streamed (or given up) input to
 * stderr. Safe on several threads at once with one program. */
veto_decision *veto_eval_file(veto_engine *e, const veto_program *p, const char *path,
                              const veto_load_options *lo, const veto_eval_options *opt,
                              veto_diags *d);
void veto_decision_free(veto_decision *dec);

/* Reusable evaluation state for one program, for callers that evaluate
 * many inputs: veto_evaluator_run is veto_eval, with the same results,
 * but the evaluation arena, VM stack, globals and regex cache are reset
 * between runs instead of allocated and freed each time. Borrows p, which
 * must outlive it. One thread at a time; use one evaluator per thread.
 * The decisions it returns are the caller's and outlive it. */
typedef struct veto_evaluator veto_evaluator;
veto_evaluator *veto_evaluator_new(const veto_program *p); /* NULL on OOM */
veto_decision *veto_evaluator_run(veto_evaluator *ev, const veto_doc *input,
                                  const veto_eval_options *opt);
void veto_evaluator_free(veto_evaluator *ev);

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

/* ---- the CI gate: overrides, waivers, .tf locations, views ------------ */

typedef struct veto_overrides veto_overrides;
typedef struct veto_waivers veto_waivers;
typedef struct veto_tfsource veto_tfsource;

/* Overrides accept soft-mandatory failures of a policy: each names the
 * policy id, a reason and who gives it. All strings are copied. */
veto_overrides *veto_overrides_new(void);
void veto_overrides_free(veto_overrides *o);
/* origin says where it came from ("command line" or a file name). */
veto_status veto_overrides_add(veto_overrides *o, const char *policy_id, const char *reason,
                               const char *by, const char *origin, veto_diags *d);
/* Adds the entries of an overrides file (JSON or YAML): a list of
 * {policy_id (or id), reason, by}, or an object {"overrides": [...]}. */
veto_status veto_overrides_load(veto_overrides *o, veto_engine *e, const char *path, veto_diags *d);
/* Errors for an override naming no policy of p, or a hard policy. */
veto_status veto_overrides_check(const veto_overrides *o, const veto_program *p, veto_diags *d);

/* Waivers (exceptions) from a YAML or JSON file: entries with policy_id,
 * resource (an address glob), optional attribute, reason, owner, ticket,
 * expires (YYYY-MM-DD), approved_by. See docs/CI.md. */
veto_waivers *veto_waivers_load(veto_engine *e, const char *path, veto_diags *d);
/* Errors for a waiver naming no policy of p. */
veto_status veto_waivers_check(const veto_waivers *w, const veto_program *p, veto_diags *d);
void veto_waivers_free(veto_waivers *w);

/* Scans a Terraform root module (and the local modules it calls) for
 * `resource "TYPE" "NAME"` blocks; NULL with errors in d. */
veto_tfsource *veto_tfsource_scan(const char *dir, veto_diags *d);
void veto_tfsource_free(veto_tfsource *t);
/* The block of a plan address ("module.a.aws_s3_bucket.b[0]"): returns 1
 * and sets file (owned by t) and line, or 0 when unknown. */
int veto_tfsource_find(const veto_tfsource *t, const char *address, const char **file,
                       uint32_t *line);
/* Number of resource blocks found. */
size_t veto_tfsource_count(const veto_tfsource *t);

typedef struct veto_gate_options {
    const veto_overrides *overrides; /* may be NULL */
    const veto_waivers *waivers;     /* may be NULL */
    const veto_tfsource *tfsource;   /* may be NULL */
    int fail_on_warn;                /* --fail-on warn: warnings and advisories fail */
    const char *today;               /* YYYY-MM-DD for waiver expiry; NULL: the context's
                                        time.date, else today's UTC date */
} veto_gate_options;

/* Applies waivers, overrides, .tf locations and --fail-on to a decision
 * from veto_eval and recomputes its outcome. Only borrows g during the
 * call: everything applied is copied into the decision. */
void veto_decision_gate(veto_decision *dec, const veto_gate_options *g);

/* The views of decisions: "text", "json", "junit", "sarif", "github",
 * "tap", "markdown". decs[0..n) are the decisions of one run, one per
 * input (json with n == 1 is the record itself; otherwise a wrapper
 * {"decisions": [...]}). color applies to text only. Returns malloc'd
 * text, or NULL for an unknown format or out of memory. */
char *veto_report_render(const veto_decision *const *decs, size_t n, const char *format, int color);
/* 1 when format names a view. */
int veto_report_format_known(const char *format);
/* The worst outcome of several decisions (error > fail > warn > pass). */
veto_outcome veto_report_outcome(const veto_decision *const *decs, size_t n);

/* ---- expressions (for `veto expr`, doc examples and REPL-like use) ---- */

/* Compiles `expr` (an expression of the language, which may `use` nothing
 * but sees the builtins, the standard modules and the globals input,
 * context and data) and evaluates it against input (may be NULL). Returns
 * the value as compact JSON (malloc'd, sensitive values redacted; an
 * undefined result is the text "undefined"), or NULL with errors in d. */
char *veto_eval_expr(veto_engine *e, const char *expr, const veto_doc *input,
                     const veto_eval_options *opt, veto_diags *d);

#endif
