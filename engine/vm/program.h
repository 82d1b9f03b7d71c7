/* program.h — the compiled form of a policy set (struct veto_program).
 *
 * A Program is immutable once veto_compiler_finish() returns it: the VM
 * only reads it, so one program may be evaluated by several threads at
 * once. Everything it points to lives in its own arena, except the Sources
 * (malloc-owned, freed with the program) and the compiled regexes.
 *
 * Code is organised in functions: one per user `func`, one per top-level
 * `let` (a global, computed lazily once per evaluation), one per rule. Each
 * function records, for every instruction, the byte offset in its source
 * that produced it (the pc→offset table), so runtime errors point into the
 * policy text.
 */
#ifndef VETO_PROGRAM_H
#define VETO_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/source.h"
#include "veto.h"
#include "vm/builtin_abi.h"
#include "vm/opcodes.h"
#include "vm/value.h"

struct Regex;
struct RuleExplain; /* lang/explain_plan.h: the compiler's plan, opaque to the VM */
struct StreamCache; /* gate/analysis.h: made and owned by plan-native loading, opaque here */

typedef enum FuncKind { FN_USER, FN_GLOBAL, FN_RULE } FuncKind;

typedef struct Function {
    const char *name; /* "tf.changes", "let public_acls", "deny#2 of aws.s3.public_acl" */
    FuncKind kind;
    uint32_t source;  /* index into Program.sources */
    uint32_t off;     /* source offset of the declaration */
    uint16_t nparams; /* arguments, in locals 0..nparams-1 */
    uint16_t nlocals; /* total local slots, params included */
    Instr *code;
    uint32_t *offsets; /* offsets[pc] = source byte offset of instruction pc */
    uint32_t ncode;
} Function;

typedef struct Key {
    const char *s; /* key text (program arena) */
    uint32_t len;
    uint32_t kid; /* engine-interned id */
} Key;

typedef enum PolicyKind {
    PK_PLAN,
    PK_APPROVAL,
    PK_ACCESS,
    PK_TRIGGER,
    PK_DRIFT,
    PK__COUNT
} PolicyKind;

typedef enum Severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL } Severity;
typedef enum Enforcement { ENF_ADVISORY, ENF_SOFT, ENF_HARD } Enforcement;

/* Rule keywords, independent of the grammar's token numbers. */
typedef enum RuleKind {
    RK_DENY,
    RK_WARN,
    RK_ALLOW,
    RK_APPROVE,
    RK_REJECT,
    RK_TRIGGER,
    RK__COUNT
} RuleKind;

typedef struct Rule {
    RuleKind kind;
    uint32_t policy;                   /* owning policy index */
    uint32_t func;                     /* function that iterates and EMITs */
    uint32_t source;                   /* source index */
    uint32_t off;                      /* offset of the rule keyword */
    uint32_t line, col;                /* precomputed 1-based position, for results */
    bool has_message;                  /* false: the message is the policy title */
    const struct RuleExplain *explain; /* what explanations observe (explain.h); may be NULL */
} Rule;

typedef struct Policy {
    const char *name;        /* dotted name */
    const char *id;          /* metadata id (defaults to name) */
    const char *title;       /* may be NULL */
    const char *description; /* may be NULL */
    PolicyKind kind;
    Severity severity;
    Enforcement enforcement;
    const char **maps; /* mapping ids */
    uint32_t nmaps;
    const char **labels;
    uint32_t nlabels;
    uint32_t source;
    uint32_t off;
    uint32_t first_rule, nrules; /* rules[first_rule .. first_rule+nrules) */
} Policy;

typedef struct Global {
    const char *name; /* qualified: "tf.public_acls" or "file.veto:name" */
    uint32_t func;    /* function computing it */
} Global;

struct veto_program {
    Arena arena;         /* owns everything below except sources and regexes */
    veto_engine *engine; /* borrowed: must outlive the program */
    Source **sources;    /* owned */
    uint32_t nsources;
    Function *funcs;
    uint32_t nfuncs;
    Value *consts;
    uint32_t nconsts;
    Key *keys;
    uint32_t nkeys;
    const BuiltinDef *const
        *builtins;          /* the builtin table CALL_BUILTIN indexes (borrowed, static) */
    struct Regex **regexes; /* owned, compiled once */
    const char **regex_src; /* pattern texts, for disasm */
    uint32_t nregexes;
    Global *globals;
    uint32_t nglobals;
    Policy *policies;
    uint32_t npolicies;
    Rule *rules;
    uint32_t nrules;
    uint32_t expr_func; /* veto_eval_expr: the expression's global function, else UINT32_MAX */
    char hash[65];      /* veto_program_hash, computed once before the program is shared */
    /* Plan-native loading's analyses (stream.h), made on first use under a
     * lock and published atomically; in the arena. NULL until then. */
    struct StreamCache *stream_cache;
};
typedef struct veto_program Program;

const char *policy_kind_name(PolicyKind k);
const char *severity_name(Severity s);
const char *enforcement_name(Enforcement e);
const char *rule_kind_name(RuleKind k);

/* The engine (engine.c). */
struct veto_engine {
    KeyTable *keys;
};

/* A loaded document (doc.c): its buffer (strings point into it) and arena.
 * Only doc.c creates documents: each is the first member of a larger
 * private struct (format, document count, input hash), so never declare a
 * veto_doc on the stack or calloc one — borrow a loaded one instead. */
struct veto_doc {
    Arena arena;
    char *buf; /* owned bytes the values may point into */
    size_t len;
    Value root;
    char *name;     /* owned display name */
    size_t map_len; /* nonzero: buf is a read-only mmap of map_len bytes (munmap, not free) */
};

#endif
