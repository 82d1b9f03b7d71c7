/* compiler.c — the compiler's driver: it takes files and directories,
 * parses them, finds the modules they use (among the given files, then in
 * the embedded standard library), collects each file's declarations, reads
 * policy metadata, checks rule kinds, and asks codegen.c for bytecode.
 *
 * It owns the veto_compiler lifetime and builds the Program; it does not
 * generate code or resolve names inside expressions (codegen.c does).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "lang/codegen.h"
#include "lang/compiler.h"
#include "lang/parser.h"
#include "policy_tokens.h"
#include "stdlib/builtin.h"
#include "stdlib/stdlib_modules.h"

/* ---- policy metadata ---------------------------------------------------- */

static const char *const kind_names[PK__COUNT] = {"plan", "approval", "access", "trigger", "drift"};
static const char *const severity_names[] = {"info", "low", "medium", "high", "critical"};
static const char *const enforcement_names[] = {"advisory", "soft", "hard"};
static const char *const rule_names[RK__COUNT] = {"deny",    "warn",   "allow",
                                                  "approve", "reject", "trigger"};
static const char *const meta_keys[] = {"kind",     "id",          "title", "description",
                                        "severity", "enforcement", "maps",  "labels"};

const char *policy_kind_name(PolicyKind k) { return k < PK__COUNT ? kind_names[k] : "?"; }
const char *severity_name(Severity s) { return s <= SEV_CRITICAL ? severity_names[s] : "?"; }
const char *enforcement_name(Enforcement e) { return e <= ENF_HARD ? enforcement_names[e] : "?"; }
const char *rule_kind_name(RuleKind k) { return k < RK__COUNT ? rule_names[k] : "?"; }

/* A metadata value that is one word: a bare name or a string. */
static const char *compiler_meta_word(Compiler *c, Unit *u, AstNode *v)
{
    if (v->kind == AST_NAME) /* keywords (`trigger`) carry no text: take the span */
        return v->name ? v->name : arena_strndup(&c->arena, u->src->text + v->off, v->len);
    Value val;
    if (codegen_constant(c, u, v, &val) && val.kind == V_STR)
        return arena_strndup(&c->prog->arena, val.u.s, val.n);
    return NULL;
}

static int compiler_meta_enum(Compiler *c, Unit *u, AstNode *meta, const char *const *names,
                              int count)
{
    const char *w = compiler_meta_word(c, u, meta->a);
    if (w) {
        for (int i = 0; i < count; i++)
            if (strcmp(w, names[i]) == 0)
                return i;
    }
    char hint[256];
    size_t len = 0;
    len += (size_t)snprintf(hint + len, sizeof hint - len, "one of:");
    for (int i = 0; i < count && len < sizeof hint; i++)
        len += (size_t)snprintf(hint + len, sizeof hint - len, " %s", names[i]);
    const char *best = w ? diag_suggest(w, strlen(w), names, (size_t)count) : NULL;
    if (best)
        snprintf(hint, sizeof hint, "did you mean `%s`?", best);
    diag_add(c->diags, DIAG_ERROR, u->src, meta->a->off, meta->a->len, hint, "invalid %s `%s`",
             meta->name, w ? w : "(not a name)");
    return -1;
}

static const char **compiler_meta_strings(Compiler *c, Unit *u, AstNode *meta, uint32_t *count)
{
    Value v;
    if (!codegen_constant(c, u, meta->a, &v) || v.kind != V_ARR) {
        diag_add(c->diags, DIAG_ERROR, u->src, meta->a->off, meta->a->len, NULL,
                 "`%s` must be a list of strings", meta->name);
        return NULL;
    }
    const char **out = arena_zalloc(&c->prog->arena, (v.n ? v.n : 1) * sizeof *out);
    for (uint32_t i = 0; out && i < v.n; i++) {
        if (v.u.a[i].kind != V_STR) {
            diag_add(c->diags, DIAG_ERROR, u->src, meta->a->off, meta->a->len, NULL,
                     "`%s` must be a list of strings", meta->name);
            return NULL;
        }
        out[i] = arena_strndup(&c->prog->arena, v.u.a[i].u.s, v.u.a[i].n);
    }
    *count = v.n;
    return out;
}

static const char *compiler_meta_string(Compiler *c, Unit *u, AstNode *meta)
{
    Value v;
    if (!codegen_constant(c, u, meta->a, &v) || v.kind != V_STR) {
        diag_add(c->diags, DIAG_ERROR, u->src, meta->a->off, meta->a->len, NULL,
                 "`%s` must be a constant string", meta->name);
        return NULL;
    }
    return arena_strndup(&c->prog->arena, v.u.s, v.n);
}

static uint32_t compiler_policy(Compiler *c, Unit *u, AstNode *n)
{
    Program *p = c->prog;
    ARENA_GROW(&p->arena, p->policies, p->npolicies, c->cappolicies);
    if (!p->policies)
        return UINT32_MAX;
    Policy *pol = &p->policies[p->npolicies];
    memset(pol, 0, sizeof *pol);
    pol->name = arena_strndup(&p->arena, n->name, strlen(n->name));
    pol->id = pol->name;
    pol->kind = PK_PLAN;
    pol->severity = SEV_MEDIUM;
    pol->enforcement = ENF_HARD;
    pol->source = u->src->id;
    pol->off = n->off;
    pol->first_rule = p->nrules;
    for (uint32_t i = 0; i < n->list.n; i++) {
        AstNode *m = n->list.items[i];
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(n->list.items[j]->name, m->name) == 0) {
                diag_add(c->diags, DIAG_ERROR, u->src, m->off, (uint32_t)strlen(m->name), NULL,
                         "metadata `%s` given twice", m->name);
                break;
            }
        }
        int e;
        if (strcmp(m->name, "kind") == 0) {
            if ((e = compiler_meta_enum(c, u, m, kind_names, PK__COUNT)) >= 0)
                pol->kind = (PolicyKind)e;
        } else if (strcmp(m->name, "severity") == 0) {
            if ((e = compiler_meta_enum(c, u, m, severity_names, 5)) >= 0)
                pol->severity = (Severity)e;
        } else if (strcmp(m->name, "enforcement") == 0) {
            if ((e = compiler_meta_enum(c, u, m, enforcement_names, 3)) >= 0)
                pol->enforcement = (Enforcement)e;
        } else if (strcmp(m->name, "id") == 0) {
            const char *s = compiler_meta_string(c, u, m);
            if (s)
                pol->id = s;
        } else if (strcmp(m->name, "title") == 0) {
            pol->title = compiler_meta_string(c, u, m);
        } else if (strcmp(m->name, "description") == 0) {
            pol->description = compiler_meta_string(c, u, m);
        } else if (strcmp(m->name, "maps") == 0) {
            pol->maps = compiler_meta_strings(c, u, m, &pol->nmaps);
        } else if (strcmp(m->name, "labels") == 0) {
            pol->labels = compiler_meta_strings(c, u, m, &pol->nlabels);
        } else {
            const char *best = diag_suggest(m->name, strlen(m->name), meta_keys,
                                            sizeof meta_keys / sizeof *meta_keys);
            char hint[128];
            if (best)
                snprintf(hint, sizeof hint, "did you mean `%s`?", best);
            else
                snprintf(hint, sizeof hint,
                         "known keys: kind id title description severity enforcement maps labels");
            diag_add(c->diags, DIAG_ERROR, u->src, m->off, (uint32_t)strlen(m->name), hint,
                     "unknown metadata key `%s`", m->name);
        }
    }
    for (uint32_t i = 0; i < p->npolicies; i++) {
        if (strcmp(p->policies[i].id, pol->id) == 0) {
            const Source *other = p->sources[p->policies[i].source];
            uint32_t line, col;
            source_position(other, p->policies[i].off, &line, &col);
            diag_add(c->diags, DIAG_ERROR, u->src, n->off, n->len, NULL,
                     "policy id `%s` is already used by %s at %s:%u", pol->id, p->policies[i].name,
                     other->name, line);
            break;
        }
    }
    return p->npolicies++;
}

static RuleKind compiler_rule_kind(int tk)
{
    switch (tk) {
    case TK_DENY:
        return RK_DENY;
    case TK_WARN:
        return RK_WARN;
    case TK_ALLOW:
        return RK_ALLOW;
    case TK_APPROVE:
        return RK_APPROVE;
    case TK_REJECT:
        return RK_REJECT;
    default:
        return RK_TRIGGER;
    }
}

static bool compiler_rule_allowed(PolicyKind pk, RuleKind rk)
{
    switch (pk) {
    case PK_PLAN:
    case PK_DRIFT:
        return rk == RK_DENY || rk == RK_WARN;
    case PK_APPROVAL:
        return rk == RK_APPROVE || rk == RK_REJECT;
    case PK_ACCESS:
        return rk == RK_ALLOW || rk == RK_DENY;
    case PK_TRIGGER:
        return rk == RK_TRIGGER;
    default:
        return false;
    }
}

static const char *compiler_rules_for(PolicyKind pk)
{
    switch (pk) {
    case PK_PLAN:
    case PK_DRIFT:
        return "deny and warn";
    case PK_APPROVAL:
        return "approve and reject";
    case PK_ACCESS:
        return "allow and deny";
    default:
        return "trigger";
    }
}

/* Walks a policy file: each policy header opens a policy; rules attach to
 * the latest one. Code for rules is generated right away. */
static void compiler_policies(Compiler *c, Unit *u)
{
    if (!u->ast || u->module)
        return;
    uint32_t current = UINT32_MAX;
    Program *p = c->prog;
    for (uint32_t i = 0; i < u->ast->list.n; i++) {
        AstNode *n = u->ast->list.items[i];
        if (n->kind == AST_POLICY) {
            current = compiler_policy(c, u, n);
            continue;
        }
        if (n->kind != AST_RULE)
            continue;
        if (current == UINT32_MAX) {
            diag_add(c->diags, DIAG_ERROR, u->src, n->off, n->len,
                     "start the file with `policy NAME` and its metadata",
                     "rule outside of a policy");
            continue;
        }
        RuleKind rk = compiler_rule_kind(n->op);
        Policy *pol = &p->policies[current];
        if (!compiler_rule_allowed(pol->kind, rk)) {
            char hint[128];
            snprintf(hint, sizeof hint, "%s policies have %s rules", policy_kind_name(pol->kind),
                     compiler_rules_for(pol->kind));
            diag_add(c->diags, DIAG_ERROR, u->src, n->off, (uint32_t)strlen(rule_kind_name(rk)),
                     hint, "`%s` rule in a%s %s policy", rule_kind_name(rk),
                     pol->kind == PK_ACCESS || pol->kind == PK_APPROVAL ? "n" : "",
                     policy_kind_name(pol->kind));
            continue;
        }
        if (pol->first_rule + pol->nrules != p->nrules) {
            /* Rules of one policy must be contiguous; another policy's
             * header cannot come between them, so this never happens. */
            diag_add(c->diags, DIAG_ERROR, u->src, n->off, n->len, NULL,
                     "internal error: rules of `%s` are not contiguous", pol->name);
            continue;
        }
        ARENA_GROW(&p->arena, p->rules, p->nrules, c->caprules);
        if (!p->rules)
            return;
        uint32_t ri = p->nrules++;
        Rule *r = &p->rules[ri];
        memset(r, 0, sizeof *r);
        r->kind = rk;
        r->policy = current;
        r->source = u->src->id;
        r->off = n->off;
        source_position(u->src, n->off, &r->line, &r->col);
        r->has_message = n->b != NULL || rk == RK_TRIGGER;
        pol->nrules++;
        char fname[512];
        snprintf(fname, sizeof fname, "%s#%u %s", pol->name, pol->nrules, rule_kind_name(rk));
        uint32_t fi = units_add_function(c, fname, FN_RULE, u->src->id, n->off);
        p->rules[ri].func = fi;
        codegen_rule(c, u, fi, ri, n);
    }
}

/* ---- public API ----------------------------------------------------------- */

veto_compiler *veto_compiler_new(veto_engine *e)
{
    veto_compiler *vc = calloc(1, sizeof *vc);
    if (!vc)
        return NULL;
    Compiler *c = &vc->c;
    c->engine = e;
    arena_init(&c->arena, 64 * 1024);
    c->prog = units_new_program(e);
    if (!c->prog) {
        arena_free(&c->arena);
        free(vc);
        return NULL;
    }
    return vc;
}

void veto_compiler_free(veto_compiler *vc)
{
    if (!vc)
        return;
    if (vc->c.prog)
        veto_program_free(vc->c.prog);
    arena_free(&vc->c.arena);
    free(vc);
}

/* Parses a loaded source into a new unit; the program takes the source. */
static veto_status compiler_take_source(Compiler *c, Source *src, veto_diags *d)
{
    size_t before = d->errors;
    if (!units_add_unit(c, src))
        return VETO_ERR_NOMEM;
    return d->errors > before ? VETO_ERR_PARSE : VETO_OK;
}

veto_status veto_compiler_add_source(veto_compiler *vc, const char *name, const char *text,
                                     size_t len, veto_diags *d)
{
    Compiler *c = &vc->c;
    c->diags = d;
    Source *src = source_new(name, text, len);
    if (!src) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory reading %s", name);
        return VETO_ERR_NOMEM;
    }
    return compiler_take_source(c, src, d);
}

static int compiler_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static veto_status compiler_add_dir(veto_compiler *vc, const char *dir, veto_diags *d, int depth)
{
    if (depth > 32) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "%s: directories nested too deeply", dir);
        return VETO_ERR_IO;
    }
    DIR *dp = opendir(dir);
    if (!dp) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot open directory %s: %s", dir,
                 strerror(errno));
        return VETO_ERR_IO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n])
            break;
        snprintf(names[n], len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
        n++;
    }
    closedir(dp);
    qsort(names, n, sizeof *names, compiler_cmp_str);
    veto_status st = VETO_OK;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (stat(names[i], &sb) == 0) {
            veto_status s2 = VETO_OK;
            if (S_ISDIR(sb.st_mode))
                s2 = compiler_add_dir(vc, names[i], d, depth + 1);
            else {
                size_t len = strlen(names[i]);
                if (len > 5 && strcmp(names[i] + len - 5, ".veto") == 0)
                    s2 = veto_compiler_add_path(vc, names[i], d);
            }
            if (s2 != VETO_OK && st == VETO_OK)
                st = s2;
        }
        free(names[i]);
    }
    free(names);
    return st;
}

veto_status veto_compiler_add_path(veto_compiler *vc, const char *path, veto_diags *d)
{
    Compiler *c = &vc->c;
    c->diags = d;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot read %s: %s", path, strerror(errno));
        return VETO_ERR_IO;
    }
    if (S_ISDIR(sb.st_mode))
        return compiler_add_dir(vc, path, d, 0);
    char err[512];
    Source *src = source_load_file(path, err, sizeof err);
    if (!src) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "%s", err);
        return VETO_ERR_IO;
    }
    return compiler_take_source(c, src, d);
}

/* Generates code for every let and func of every unit. */
static void compiler_bodies(Compiler *c)
{
    for (uint32_t i = 0; i < c->nunits; i++) {
        Unit *u = c->units[i];
        for (uint32_t j = 0; j < u->ndecls; j++) {
            Decl *d = &u->decls[j];
            if (d->kind == DECL_LET)
                codegen_global(c, u, c->prog->globals[d->index].func, d->node->a);
            else if (d->kind == DECL_FUNC)
                codegen_function(c, u, d->index, d->node);
        }
    }
}

void compiler_build(veto_compiler *vc, veto_diags *d)
{
    Compiler *c = &vc->c;
    c->diags = d;
    /* Declaring may add module units; the loop bound grows with them. */
    for (uint32_t i = 0; i < c->nunits; i++)
        units_declare(c, c->units[i]);
    uint32_t nunits = c->nunits;
    for (uint32_t i = 0; i < nunits; i++)
        compiler_policies(c, c->units[i]);
    compiler_bodies(c);
}

veto_program *compiler_release(veto_compiler *vc, veto_diags *d)
{
    Compiler *c = &vc->c;
    Program *p = c->prog;
    if (c->arena.failed || p->arena.failed) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory while compiling");
    }
    if (d->errors > 0) {
        veto_compiler_free(vc);
        return NULL;
    }
    c->prog = NULL;
    arena_free(&c->arena);
    free(vc);
    /* The policy-set hash is made on first use (veto_program_hash). */
    return p;
}

veto_program *veto_compiler_finish(veto_compiler *vc, veto_diags *d)
{
    compiler_build(vc, d);
    return compiler_release(vc, d);
}

/* Compiles one expression as a program of its own (veto_eval_expr). */
veto_program *compiler_compile_expr(veto_engine *e, const char *expr, veto_diags *d)
{
    if (expr[strspn(expr, " \t\r\n")] == '\0') {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "empty expression");
        return NULL;
    }
    veto_compiler *vc = veto_compiler_new(e);
    if (!vc)
        return NULL;
    Compiler *c = &vc->c;
    c->diags = d;
    /* The expression sits on its own line, after a hidden one, so error
     * positions are those of what the user typed. */
    Buf text = BUF_INIT;
    buf_puts(&text, "let __expr__ =\n");
    buf_puts(&text, expr);
    buf_putc(&text, '\n');
    Source *src = text.p ? source_new("<expr>", text.p, text.len) : NULL;
    buf_free(&text);
    if (src)
        src->line_shift = 1; /* the `let` line is ours, not the user's */
    if (!src) {
        veto_compiler_free(vc);
        return NULL;
    }
    Unit *u = units_add_unit(c, src);
    if (!u || !u->ast) {
        veto_compiler_free(vc);
        return NULL;
    }
    u->implicit_stdlib = true;
    for (uint32_t i = 0; i < c->nunits; i++)
        units_declare(c, c->units[i]);
    const Decl *decl = units_find_decl(u, "__expr__");
    compiler_bodies(c);
    if (d->errors > 0 || !decl || decl->kind != DECL_LET) {
        if (d->errors == 0)
            diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "not a single expression");
        veto_compiler_free(vc);
        return NULL;
    }
    Program *p = c->prog;
    p->expr_func = decl->index; /* a global index */
    c->prog = NULL;
    arena_free(&c->arena);
    free(vc);
    return p;
}

void veto_program_free(veto_program *p);
