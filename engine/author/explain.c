/* explain.c — explanations of results and of rules that did not fire;
 * see explain.h for the three parts and docs/EXPLAIN.md for the output.
 *
 * Owns: the RuleExplain records (program arena, built at compile time),
 * the Explainer (malloc'd, one per evaluation) and every Explanation it
 * hands to the decision (decision arena, rendered and redacted when
 * recorded, so nothing points into the evaluation arena afterwards).
 * Does not own: the VM (it only watches it through VmHooks) or the
 * decision's other views (report_*.c).
 */
#include "author/explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "input/json.h"
#include "policy_grammar.h"

#define EX_MAX_PROBES   64
#define EX_MAX_CONDS    32
#define EX_VALUE_MAX    120  /* bytes of a rendered value before it is cut */
#define EX_EVIDENCE_MAX 1024 /* the same for the decision record's evidence */

/* Condition states, as recorded. */
enum { CS_SKIPPED, CS_TRUE, CS_FALSE, CS_UNDEFINED, CS_OTHER };

typedef struct ExplainLine {
    uint8_t kind;      /* ProbeKind */
    uint8_t state;     /* PROBE_COND: CS_* */
    const char *text;  /* the expression (whitespace collapsed), or the let's name */
    const char *value; /* rendered, redacted; NULL when not evaluated */
} ExplainLine;

typedef struct Explanation {
    uint32_t rule;
    bool fired;
    bool selected;          /* FAILS: the address was among the rule's bindings */
    const char *var;        /* binding variable, or NULL (no `for`) */
    const char *binding;    /* its address, or its value rendered */
    const char *origin;     /* "resource_changes[3]", or NULL */
    const char *collection; /* the iterated expression */
    ExplainLine *lines;
    uint32_t nlines;
    struct Explanation *next; /* ExplainLog.misses */
} Explanation;

typedef struct ExplainLog {
    int mode;
    const char *address;
    Explanation *misses, *tail;
    uint32_t nmisses;
} ExplainLog;

/* ================================================================== */
/* compile time                                                        */
/* ================================================================== */

typedef struct Planner {
    Compiler *c;
    Unit *u;
    AstNode *rule;
    const char *var;
    AstNode *nodes[EX_MAX_PROBES];
    Probe probes[EX_MAX_PROBES];
    uint32_t n;
} Planner;

static void plan_add(Planner *pl, AstNode *n, ProbeKind kind, uint16_t cond)
{
    if (pl->n >= EX_MAX_PROBES)
        return;
    for (uint32_t i = 0; i < pl->n; i++)
        if (pl->probes[i].cond == cond && pl->probes[i].kind == kind &&
            pl->probes[i].off == n->off && pl->probes[i].len == n->len)
            return;
    Probe *p = &pl->probes[pl->n];
    memset(p, 0, sizeof *p);
    p->off = n->off;
    p->len = n->len;
    p->kind = (uint8_t)kind;
    p->cond = cond;
    pl->nodes[pl->n++] = n;
}

/* Is n a module alias (`tf` of `tf.changes`) rather than a value? */
static bool plan_is_module(const Planner *pl, const AstNode *n)
{
    if (n->kind != AST_NAME)
        return false;
    if (pl->var && strcmp(n->name, pl->var) == 0)
        return false;
    for (uint32_t i = 0; i < pl->rule->list.n; i++)
        if (strcmp(pl->rule->list.items[i]->name, n->name) == 0)
            return false;
    const Decl *d = compiler_find_decl(pl->u, n->name);
    return d && d->kind == DECL_USE;
}

static const AstNode *plan_root(const AstNode *n)
{
    while (n->kind == AST_FIELD || n->kind == AST_INDEX)
        n = n->a;
    return n;
}

static bool plan_is_path(const Planner *pl, const AstNode *n)
{
    const AstNode *r = plan_root(n);
    return r->kind == AST_NAME && !plan_is_module(pl, r);
}

static bool plan_is_comparison(int op)
{
    switch (op) {
    case TK_EQ:
    case TK_NE:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
    case TK_IN:
    case TK_NOTIN:
    case TK_MATCH:
    case TK_NOMATCH:
    case TK_LIKE:
        return true;
    default:
        return false;
    }
}

/* The values a condition reads: paths always, names and calls when they
 * are compared. Quantifier and comprehension bodies run many times and
 * are left out; their collections are in. */
static void plan_values(Planner *pl, AstNode *n, bool operand, uint16_t cond)
{
    if (!n)
        return;
    switch (n->kind) {
    case AST_NAME:
        if (operand && !plan_is_module(pl, n))
            plan_add(pl, n, PROBE_VALUE, cond);
        return;
    case AST_FIELD:
    case AST_INDEX:
        if (plan_is_path(pl, n))
            plan_add(pl, n, PROBE_VALUE, cond);
        return;
    case AST_CALL:
        if (operand)
            plan_add(pl, n, PROBE_VALUE, cond);
        for (uint32_t i = 0; i < n->list.n; i++)
            plan_values(pl, n->list.items[i], false, cond);
        return;
    case AST_BINARY:
        if (plan_is_comparison(n->op)) {
            plan_values(pl, n->a, true, cond);
            plan_values(pl, n->b, true, cond);
            return;
        }
        if (operand)
            plan_add(pl, n, PROBE_VALUE, cond);
        plan_values(pl, n->a, false, cond);
        plan_values(pl, n->b, false, cond);
        return;
    case AST_NOT:
    case AST_AND:
    case AST_OR:
    case AST_UNARY:
    case AST_IF:
        plan_values(pl, n->a, false, cond);
        plan_values(pl, n->b, false, cond);
        plan_values(pl, n->c, false, cond);
        return;
    case AST_ANY:
    case AST_ALL:
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        plan_values(pl, n->bind->a, false, cond);
        return;
    case AST_LET:
        plan_values(pl, n->a, false, cond);
        return;
    default:
        return;
    }
}

static void plan_conjuncts(AstNode *n, AstNode **out, uint32_t *count)
{
    if (n->kind == AST_AND) {
        plan_conjuncts(n->a, out, count);
        plan_conjuncts(n->b, out, count);
    } else if (*count < EX_MAX_CONDS) {
        out[(*count)++] = n;
    }
}

/* A path of the binding with constant keys: its depth, or -1. */
static int plan_binding_depth(const Planner *pl, const AstNode *n)
{
    int depth = 0;
    while (n->kind == AST_FIELD || n->kind == AST_INDEX) {
        if (n->kind == AST_INDEX && n->b->kind != AST_STRING && n->b->kind != AST_INT)
            return -1;
        depth++;
        n = n->a;
    }
    return n->kind == AST_NAME && pl->var && strcmp(n->name, pl->var) == 0 ? depth : -1;
}

static const char *plan_last_key(const AstNode *n)
{
    if (n->kind == AST_FIELD)
        return n->name;
    if (n->kind == AST_INDEX && n->b->kind == AST_STRING)
        return n->b->str;
    return "";
}

static bool plan_ident(const char *s, uint32_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

/* The program key (Program.keys index) of text s if the program already
 * has it — the one the rule's FIELD for that step will use, as codegen
 * reuses keys by interned id — else UINT32_MAX. Never adds a key: the
 * keys' order is part of the compiled program and of its hash. */
static uint32_t plan_key(const Compiler *c, const char *s, uint32_t len)
{
    const Program *p = c->prog;
    uint32_t kid = keys_lookup(c->engine->keys, s, len);
    for (uint32_t i = 0; kid && i < p->nkeys; i++)
        if (p->keys[i].kid == kid)
            return i;
    return UINT32_MAX;
}

/* Records the evidence path `node` (a binding path) in ex. */
static void plan_set_path(Planner *pl, RuleExplain *ex, const AstNode *node, int depth)
{
    Arena *a = &pl->c->prog->arena;
    Value *keys = arena_zalloc(a, (size_t)depth * sizeof(Value));
    uint32_t *keyix = arena_alloc(a, (size_t)depth * sizeof(uint32_t));
    if (!keys || !keyix)
        return;
    int i = depth;
    for (const AstNode *n = node; n->kind == AST_FIELD || n->kind == AST_INDEX; n = n->a) {
        i--;
        if (n->kind == AST_FIELD)
            keys[i] =
                value_str(arena_strndup(a, n->name, strlen(n->name)), (uint32_t)strlen(n->name));
        else if (n->b->kind == AST_STRING)
            keys[i] = value_str(arena_strndup(a, n->b->str, n->b->slen), n->b->slen);
        else
            keys[i] = value_int(n->b->ival);
        keyix[i] = keys[i].kind == V_STR ? plan_key(pl->c, keys[i].u.s, keys[i].n) : UINT32_MAX;
    }
    Buf b = BUF_INIT;
    for (int k = 0; k < depth; k++) {
        if (keys[k].kind == V_INT)
            buf_printf(&b, "[%lld]", (long long)keys[k].u.i);
        else if (plan_ident(keys[k].u.s, keys[k].n))
            buf_printf(&b, "%s%.*s", k ? "." : "", (int)keys[k].n, keys[k].u.s);
        else {
            buf_putc(&b, '[');
            json_write_string(&b, keys[k].u.s, keys[k].n);
            buf_putc(&b, ']');
        }
    }
    ex->ev_kind = EV_PATH;
    ex->ev_keys = keys;
    ex->ev_nkeys = (uint32_t)depth;
    ex->ev_keyix = keyix;
    ex->ev_path = b.p ? arena_strndup(a, b.p, b.len) : NULL;
    buf_free(&b);
    if (!ex->ev_path)
        ex->ev_kind = EV_NONE;
}

/* The first name a condition reads that is not the binding, a module or
 * a called function (for evidence without a binding path). */
static const AstNode *plan_first_name(const Planner *pl, const AstNode *n)
{
    if (!n)
        return NULL;
    switch (n->kind) {
    case AST_NAME:
        if ((pl->var && strcmp(n->name, pl->var) == 0) || plan_is_module(pl, n))
            return NULL;
        return n;
    case AST_CALL:
        for (uint32_t i = 0; i < n->list.n; i++) {
            const AstNode *r = plan_first_name(pl, n->list.items[i]);
            if (r)
                return r;
        }
        return NULL;
    case AST_ANY:
    case AST_ALL:
    case AST_ARRAY_COMP:
    case AST_SET_COMP:
    case AST_OBJECT_COMP:
        return plan_first_name(pl, n->bind->a);
    case AST_LET:
        return plan_first_name(pl, n->a);
    case AST_FIELD:
    case AST_INDEX:
        return plan_first_name(pl, plan_root(n));
    default: {
        const AstNode *r = plan_first_name(pl, n->a);
        if (!r)
            r = plan_first_name(pl, n->b);
        if (!r)
            r = plan_first_name(pl, n->c);
        return r;
    }
    }
}

/* Evidence: walking the conditions from the last, the deepest binding
 * path of the first condition that reads one (whole `after`/`before`
 * objects do not count); else the first name the last condition reads. */
static void plan_evidence(Planner *pl, RuleExplain *ex, AstNode **conds, uint32_t nconds)
{
    for (uint32_t ci = nconds; ci-- > 0;) {
        const AstNode *best = NULL;
        int best_depth = 0;
        for (uint32_t i = 0; i < pl->n; i++) {
            if (pl->probes[i].kind != PROBE_VALUE || pl->probes[i].cond != ci)
                continue;
            int d = plan_binding_depth(pl, pl->nodes[i]);
            const char *last = d > 0 ? plan_last_key(pl->nodes[i]) : "";
            if (d <= 0 || strcmp(last, "after") == 0 || strcmp(last, "before") == 0 ||
                strcmp(last, "change") == 0)
                continue;
            if (d > best_depth) {
                best = pl->nodes[i];
                best_depth = d;
            }
        }
        if (best) {
            plan_set_path(pl, ex, best, best_depth);
            return;
        }
    }
    if (nconds == 0)
        return;
    const AstNode *name = plan_first_name(pl, conds[nconds - 1]);
    if (name) {
        Arena *a = &pl->c->prog->arena;
        ex->ev_kind = EV_LOCAL; /* codegen resolves it: a rule let or a file-level let */
        ex->ev_name = arena_strndup(a, name->name, strlen(name->name));
        ex->ev_path = ex->ev_name;
    }
}

RuleExplain *explain_plan(Compiler *c, Unit *u, AstNode *rule, AstNode ***nodes)
{
    *nodes = NULL;
    Arena *pa = &c->prog->arena;
    Planner *pl = calloc(1, sizeof *pl);
    RuleExplain *ex = arena_zalloc(pa, sizeof *ex);
    if (!pl || !ex) {
        free(pl);
        return NULL;
    }
    pl->c = c;
    pl->u = u;
    pl->rule = rule;
    ex->loop_pc = UINT32_MAX;
    if (rule->bind) {
        pl->var = rule->bind->name2 ? rule->bind->name2 : rule->bind->name;
        ex->var = arena_strndup(pa, pl->var, strlen(pl->var));
        ex->coll_off = rule->bind->a->off;
        ex->coll_len = rule->bind->a->len;
    }
    for (uint32_t i = 0; i < rule->list.n; i++) {
        AstNode *let = rule->list.items[i];
        plan_add(pl, let->a, PROBE_LET, UINT16_MAX);
        if (pl->n && pl->nodes[pl->n - 1] == let->a)
            pl->probes[pl->n - 1].name = arena_strndup(pa, let->name, strlen(let->name));
    }
    AstNode *conds[EX_MAX_CONDS];
    uint32_t nconds = 0;
    if (rule->c)
        plan_conjuncts(rule->c, conds, &nconds);
    for (uint32_t i = 0; i < nconds; i++) {
        plan_add(pl, conds[i], PROBE_COND, (uint16_t)i);
        plan_values(pl, conds[i], false, (uint16_t)i);
    }
    plan_evidence(pl, ex, conds, nconds);
    ex->nprobes = pl->n;
    ex->probes = arena_zalloc(pa, (pl->n ? pl->n : 1) * sizeof(Probe));
    AstNode **nl = arena_alloc(&c->arena, (pl->n ? pl->n : 1) * sizeof(AstNode *));
    if (!ex->probes || !nl) {
        free(pl);
        return NULL;
    }
    memcpy(ex->probes, pl->probes, pl->n * sizeof(Probe));
    memcpy(nl, pl->nodes, pl->n * sizeof(AstNode *));
    *nodes = nl;
    free(pl);
    return ex;
}

/* ================================================================== */
/* evaluation                                                          */
/* ================================================================== */

struct Explainer {
    const Program *p;
    veto_decision *dec;
    ExplainLog *log;
    Value input;
    VmHooks hooks;
    const VmHooks *inner;
    /* the rule running */
    bool active;
    uint32_t rule, func, base, prev_pc;
    const RuleExplain *rx;
    Value *vals;   /* per probe: the value seen this iteration */
    uint8_t *seen; /* per probe: 1 when vals[i] is set */
    uint32_t cap;  /* entries in vals/seen */
    bool in_iter;  /* between the binding and the next ITER_NEXT */
    bool fired;    /* this iteration EMITted */
    bool selected; /* FAILS: some binding had the address */
    Value binding;
};

/* Appends v for people: redacted, undefined spelt out, cut after max
 * bytes. */
static void explain_value_max(Buf *b, Value v, size_t max)
{
    if (v.kind == V_UNDEF) {
        buf_puts(b, "undefined");
        return;
    }
    if (v.flags & VF_SENSITIVE) {
        buf_puts(b, REDACTED_MARKER);
        return;
    }
    size_t start = b->len;
    json_write(b, v, JSON_REDACT);
    if (b->len - start > max) {
        size_t cut = start + max;
        while (cut > start && ((unsigned char)b->p[cut] & 0xC0) == 0x80)
            cut--; /* never split a UTF-8 sequence */
        b->len = cut;
        buf_puts(b, "…");
    }
}

static void explain_value(Buf *b, Value v) { explain_value_max(b, v, EX_VALUE_MAX); }

static const char *explain_dup_value(veto_decision *d, Value v)
{
    Buf b = BUF_INIT;
    explain_value(&b, v);
    const char *s = b.p ? arena_strndup(&d->arena, b.p, b.len) : NULL;
    buf_free(&b);
    return s;
}

/* Source text of [off, off+len) with runs of whitespace (and comments)
 * folded into one space. */
static const char *explain_text(veto_decision *d, const Source *src, uint32_t off, uint32_t len)
{
    Buf b = BUF_INIT;
    bool space = false, in_str = false;
    for (uint32_t i = off; i < off + len && i < src->len; i++) {
        char ch = src->text[i];
        if (!in_str && ch == '#') {
            while (i + 1 < off + len && src->text[i + 1] != '\n')
                i++;
            space = true;
            continue;
        }
        if (!in_str && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')) {
            space = true;
            continue;
        }
        if (ch == '"' && (i == off || src->text[i - 1] != '\\'))
            in_str = !in_str;
        if (space && b.len)
            buf_putc(&b, ' ');
        space = false;
        buf_putc(&b, ch);
    }
    const char *s = b.p ? arena_strndup(&d->arena, b.p, b.len) : "";
    buf_free(&b);
    return s;
}

static bool explain_address_of(Value binding, const char **s, uint32_t *n)
{
    if (binding.kind != V_OBJ)
        return false;
    const Member *m = value_get(binding, "address", 7, 0);
    if (!m || m->val.kind != V_STR || (m->val.flags & VF_SENSITIVE))
        return false;
    *s = m->val.u.s;
    *n = m->val.n;
    return true;
}

/* Builds the explanation of the current iteration in the decision arena. */
static Explanation *explain_record(Explainer *x, bool fired)
{
    veto_decision *d = x->dec;
    const Program *p = x->p;
    const RuleExplain *rx = x->rx;
    const Source *src = p->sources[p->rules[x->rule].source];
    Explanation *e = arena_zalloc(&d->arena, sizeof *e);
    if (!e)
        return NULL;
    e->rule = x->rule;
    e->fired = fired;
    e->selected = true;
    if (rx->var) {
        e->var = rx->var;
        e->collection = explain_text(d, src, rx->coll_off, rx->coll_len);
        const char *a;
        uint32_t an;
        if (explain_address_of(x->binding, &a, &an)) {
            e->binding = arena_strndup(&d->arena, a, an);
            Value rcs = value_undef();
            if (x->input.kind == V_OBJ) {
                const Member *m = value_get(x->input, "resource_changes", 16, 0);
                if (m)
                    rcs = m->val;
            }
            for (uint32_t i = 0; rcs.kind == V_ARR && i < rcs.n; i++) {
                const char *b;
                uint32_t bn;
                if (explain_address_of(rcs.u.a[i], &b, &bn) && bn == an && memcmp(a, b, an) == 0) {
                    char o[48];
                    snprintf(o, sizeof o, "resource_changes[%u]", i);
                    e->origin = arena_strndup(&d->arena, o, strlen(o));
                    break;
                }
            }
        } else {
            e->binding = explain_dup_value(d, x->binding);
        }
    }
    e->lines = arena_zalloc(&d->arena, (rx->nprobes ? rx->nprobes : 1) * sizeof(ExplainLine));
    if (!e->lines)
        return e;
    for (uint32_t i = 0; i < rx->nprobes; i++) {
        const Probe *pr = &rx->probes[i];
        ExplainLine *l = &e->lines[e->nlines];
        l->kind = pr->kind;
        if (pr->kind == PROBE_VALUE && !x->seen[i])
            continue; /* not reached: the condition line says so */
        l->text = pr->kind == PROBE_LET ? pr->name : explain_text(d, src, pr->off, pr->len);
        if (x->seen[i]) {
            Value v = x->vals[i];
            l->value = explain_dup_value(d, v);
            if (pr->kind == PROBE_COND)
                l->state = v.kind == V_BOOL    ? (v.u.b ? CS_TRUE : CS_FALSE)
                           : v.kind == V_UNDEF ? CS_UNDEFINED
                                               : CS_OTHER;
        } else {
            l->state = CS_SKIPPED;
        }
        e->nlines++;
    }
    return e;
}

static void explain_log_miss(Explainer *x, Explanation *e)
{
    if (!e)
        return;
    ExplainLog *log = x->log;
    if (log->tail)
        log->tail->next = e;
    else
        log->misses = e;
    log->tail = e;
    log->nmisses++;
}

static bool explain_is_target(const Explainer *x)
{
    const char *a;
    uint32_t an;
    if (!x->log->address || !explain_address_of(x->binding, &a, &an))
        return false;
    return strlen(x->log->address) == an && memcmp(x->log->address, a, an) == 0;
}

/* The iteration (or the one run of a rule without `for`) is over. */
static void explain_iter_end(Explainer *x)
{
    if (!x->in_iter)
        return;
    x->in_iter = false;
    if (x->log->mode != VETO_EXPLAIN_FAILS)
        return;
    bool target = x->rx->var ? explain_is_target(x) : false;
    if (target)
        x->selected = true;
    if (!x->fired && (target || !x->rx->var))
        explain_log_miss(x, explain_record(x, false));
}

static void explain_iter_start(Explainer *x, const Value *stack, uint32_t base)
{
    x->in_iter = true;
    x->fired = false;
    x->binding = x->rx->var ? stack[base + x->rx->iter_slot + 3] : value_undef();
    memset(x->seen, 0, x->rx->nprobes);
}

static void explain_step(void *ud, const Vm *vm, uint32_t func, uint32_t pc, const Value *stack,
                         uint32_t sp, uint32_t base)
{
    Explainer *x = ud;
    if (x->inner)
        x->inner->step(x->inner->ud, vm, func, pc, stack, sp, base);
    if (!x->active || func != x->func)
        return;
    if (x->base == UINT32_MAX)
        x->base = base; /* the rule's own frame: its first step */
    if (base != x->base)
        return;
    const RuleExplain *rx = x->rx;
    uint32_t prev = x->prev_pc;
    x->prev_pc = pc;
    /* Control just left a probe's code: its value is on top. */
    if (prev != UINT32_MAX && sp > 0) {
        for (uint32_t i = 0; i < rx->nprobes; i++) {
            const Probe *p = &rx->probes[i];
            if (p->start < p->end && prev >= p->start && prev < p->end &&
                (pc < p->start || pc >= p->end)) {
                x->vals[i] = stack[sp - 1];
                x->seen[i] = 1;
            }
        }
    }
    if (rx->loop_pc == UINT32_MAX) {
        if (pc == 0)
            explain_iter_start(x, stack, base);
    } else if (pc == rx->loop_pc) {
        explain_iter_end(x);
    } else if (pc == rx->loop_pc + 2) {
        explain_iter_start(x, stack, base);
    }
}

Explainer *explain_new(const Program *p, veto_decision *dec, int mode, const char *address,
                       const Value *input, const VmHooks *inner)
{
    Explainer *x = calloc(1, sizeof *x);
    ExplainLog *log = arena_zalloc(&dec->arena, sizeof *log);
    if (!x || !log) {
        free(x);
        return NULL;
    }
    log->mode = mode;
    log->address = address ? arena_strndup(&dec->arena, address, strlen(address)) : NULL;
    dec->explain_log = log;
    x->p = p;
    x->dec = dec;
    x->log = log;
    x->input = input ? *input : value_undef();
    x->inner = inner && inner->step ? inner : NULL;
    x->hooks.step = explain_step;
    x->hooks.ud = x;
    return x;
}

void explain_free(Explainer *x)
{
    if (!x)
        return;
    free(x->vals);
    free(x->seen);
    free(x);
}

const VmHooks *explain_hooks(Explainer *x) { return &x->hooks; }

void explain_rule_begin(Explainer *x, uint32_t rule, uint32_t base)
{
    (void)base;
    const Rule *r = &x->p->rules[rule];
    x->active = false;
    x->rx = r->explain;
    if (!x->rx)
        return;
    if (x->rx->nprobes > x->cap) {
        Value *v = realloc(x->vals, x->rx->nprobes * sizeof *v);
        if (v)
            x->vals = v;
        uint8_t *s = realloc(x->seen, x->rx->nprobes);
        if (s)
            x->seen = s;
        if (!v || !s)
            return;
        x->cap = x->rx->nprobes;
    }
    x->rule = rule;
    x->func = r->func;
    x->base = UINT32_MAX;
    x->prev_pc = UINT32_MAX;
    x->in_iter = x->fired = x->selected = false;
    x->binding = value_undef();
    if (x->rx->nprobes)
        memset(x->seen, 0, x->rx->nprobes);
    x->active = true;
}

void explain_rule_end(Explainer *x, bool ok)
{
    if (!x->active)
        return;
    if (ok) {
        explain_iter_end(x);
        if (x->log->mode == VETO_EXPLAIN_FAILS && x->rx->var && !x->selected) {
            Explanation *e = arena_zalloc(&x->dec->arena, sizeof *e);
            if (e) {
                const Source *src = x->p->sources[x->p->rules[x->rule].source];
                e->rule = x->rule;
                e->var = x->rx->var;
                e->collection = explain_text(x->dec, src, x->rx->coll_off, x->rx->coll_len);
                explain_log_miss(x, e);
            }
        }
    }
    x->active = false;
}

void explain_emitted(Explainer *x, Result *res)
{
    if (!x->active || !x->in_iter)
        return;
    x->fired = true;
    if (x->rx->var && explain_is_target(x))
        x->selected = true;
    res->explain = explain_record(x, true);
}

/* ---- evidence ------------------------------------------------------------- */

/* Member key (the i-th evidence key, a string) of object o: what
 * value_get(o, key, 0) finds. With the program key at hand it is first
 * looked for where the rule's own FIELD last found it (vm_member's inline
 * cache), then by interned id, which equals comparing texts as both ids
 * come from the engine's one key table. */
static const Member *explain_member(const Vm *vm, const RuleExplain *rx, uint32_t i, Value o,
                                    Value key)
{
    uint32_t ki = rx->ev_keyix ? rx->ev_keyix[i] : UINT32_MAX;
    if (vm && ki < vm->prog->nkeys && vm->prog->keys[ki].kid) {
        uint32_t kid = vm->prog->keys[ki].kid, h = vm->key_hint[ki];
        if (h < o.n && o.u.o[h].kid == kid)
            return &o.u.o[h];
        return value_get(o, key.u.s, key.n, kid);
    }
    return value_get(o, key.u.s, key.n, 0);
}

void explain_evidence(veto_decision *dec, Result *res, const Rule *rule, Value binding,
                      const Vm *vm, uint32_t base)
{
    const RuleExplain *rx = rule->explain;
    if (!rx || rx->ev_kind == EV_NONE || !rx->ev_path)
        return;
    Value v = value_undef();
    switch (rx->ev_kind) {
    case EV_PATH:
        v = binding;
        for (uint32_t i = 0; i < rx->ev_nkeys && v.kind != V_UNDEF; i++) {
            Value k = rx->ev_keys[i], next = value_undef();
            if (k.kind == V_STR && v.kind == V_OBJ) {
                const Member *m = explain_member(vm, rx, i, v, k);
                if (m)
                    next = m->val;
            } else if (k.kind == V_INT && v.kind == V_ARR && k.u.i >= 0 && k.u.i < v.n) {
                next = v.u.a[k.u.i];
            }
            next.flags |= v.flags & VF_SENSITIVE; /* as OP_FIELD does */
            v = next;
        }
        break;
    case EV_LOCAL:
        if (vm && base + rx->ev_index < vm->cap)
            v = vm->stack[base + rx->ev_index];
        break;
    case EV_GLOBAL:
        if (vm && rx->ev_index < vm->prog->nglobals && vm->globals[rx->ev_index].state == 2)
            v = vm->globals[rx->ev_index].value;
        break;
    default:
        return;
    }
    res->evidence_path = rx->ev_path;
    if (v.kind == V_STR && !(v.flags & VF_SENSITIVE)) {
        /* a string is shown as itself: copied straight, no scratch buffer */
        res->evidence_value = arena_strndup(&dec->arena, v.u.s ? v.u.s : "", v.n);
        return;
    }
    Buf b = BUF_INIT;
    explain_value_max(&b, v, EX_EVIDENCE_MAX);
    res->evidence_value = b.p ? arena_strndup(&dec->arena, b.p, b.len) : NULL;
    buf_free(&b);
}

/* ================================================================== */
/* views                                                               */
/* ================================================================== */

static const char *explain_label(const veto_decision *d, const Result *r)
{
    if (r->kind == RES_ERROR)
        return "ERROR";
    const Program *p = d->prog;
    RuleKind rk = p->rules[r->rule].kind;
    if (rk == RK_DENY && (d->kind == PK_PLAN || d->kind == PK_DRIFT) &&
        p->policies[r->policy].enforcement == ENF_ADVISORY)
        return "ADVISORY";
    static const char *const names[RK__COUNT] = {"DENY",    "WARN",   "ALLOW",
                                                 "APPROVE", "REJECT", "TRIGGER"};
    return rk < RK__COUNT ? names[rk] : "?";
}

static const char *const cs_mark[] = {"- not evaluated", "\xe2\x9c\x93", "\xe2\x9c\x97",
                                      "\xe2\x9c\x97 undefined", "\xe2\x9c\x97 not a boolean"};
static const char *const cs_name[] = {"not evaluated", "true", "false", "undefined", "other"};

static void explain_rule_where(Buf *b, const Program *p, uint32_t rule)
{
    const Rule *r = &p->rules[rule];
    buf_printf(b, "%s:%u:%u", p->sources[r->source]->name, r->line, r->col);
}

/* The body of one explanation, two-space indented. */
static void explain_body_text(Buf *b, const veto_decision *d, const Explanation *e,
                              const char *ev_path, const char *ev_value, int color)
{
    const char *dim = color ? "\033[2m" : "", *reset = color ? "\033[0m" : "";
    if (e->var) {
        if (!e->selected) {
            buf_printf(b, "  not selected: no %s in %s is %s\n", e->var, e->collection,
                       d->explain_log && d->explain_log->address ? d->explain_log->address
                                                                 : "the resource");
            return;
        }
        buf_printf(b, "  for %s = %s", e->var, e->binding ? e->binding : "?");
        if (e->origin)
            buf_printf(b, " %s(%s)%s", dim, e->origin, reset);
        buf_printf(b, "\n      in %s\n", e->collection);
    }
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind == PROBE_LET)
            buf_printf(b, "  let %s = %s\n", l->text, l->value ? l->value : "(not evaluated)");
    }
    bool first = true;
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind == PROBE_COND) {
            const char *mark = cs_mark[l->state];
            const char *mc = !color                   ? ""
                             : l->state == CS_TRUE    ? "\033[32m"
                             : l->state == CS_SKIPPED ? "\033[2m"
                                                      : "\033[31m";
            buf_printf(b, "  %s %s   %s%s%s\n", first ? "when" : " and", l->text, mc, mark, reset);
            first = false;
        } else if (l->kind == PROBE_VALUE) {
            buf_printf(b, "       %s = %s\n", l->text, l->value);
        }
    }
    if (first && e->fired)
        buf_puts(b, "  (no `when`: fires for every binding)\n");
    if (ev_path)
        buf_printf(b, "  evidence: %s = %s\n", ev_path, ev_value ? ev_value : "undefined");
}

char *veto_decision_explain_text(const veto_decision *d, int color)
{
    const Program *p = d->prog;
    Buf b = BUF_INIT;
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        const Policy *pol = &p->policies[r->policy];
        buf_printf(&b, "%s %s", explain_label(d, r), pol->id);
        if (r->address)
            buf_printf(&b, " %s", r->address);
        buf_putc(&b, '\n');
        if (r->kind == RES_ERROR) {
            buf_printf(&b, "  %s\n  at %s:%u:%u\n\n", r->message, r->file ? r->file : "?", r->line,
                       r->col);
            continue;
        }
        buf_printf(&b, "  rule %s %s at ", rule_kind_name(p->rules[r->rule].kind), pol->name);
        explain_rule_where(&b, p, r->rule);
        buf_printf(&b, "\n  message: %s\n", r->message);
        if (r->explain)
            explain_body_text(&b, d, r->explain, r->evidence_path, r->evidence_value, color);
        else if (r->evidence_path)
            buf_printf(&b, "  evidence: %s = %s\n", r->evidence_path,
                       r->evidence_value ? r->evidence_value : "undefined");
        buf_putc(&b, '\n');
    }
    const ExplainLog *log = d->explain_log;
    if (log && log->mode == VETO_EXPLAIN_FAILS) {
        buf_printf(&b, "NOT FIRED for %s: %u rule%s\n\n", log->address ? log->address : "?",
                   log->nmisses, log->nmisses == 1 ? "" : "s");
        for (const Explanation *e = log->misses; e; e = e->next) {
            const Rule *rule = &p->rules[e->rule];
            const Policy *pol = &p->policies[rule->policy];
            buf_printf(&b, "NOT FIRED %s %s\n  rule %s %s at ", rule_kind_name(rule->kind), pol->id,
                       rule_kind_name(rule->kind), pol->name);
            explain_rule_where(&b, p, e->rule);
            buf_putc(&b, '\n');
            explain_body_text(&b, d, e, NULL, NULL, color);
            buf_putc(&b, '\n');
        }
    }
    /* The decision's own summary line closes the explanation. */
    char *summary = veto_decision_text(d, 0);
    if (summary) {
        size_t n = strlen(summary);
        while (n && summary[n - 1] == '\n')
            n--;
        size_t s = n;
        while (s && summary[s - 1] != '\n')
            s--;
        buf_append(&b, summary + s, n - s);
        buf_putc(&b, '\n');
        free(summary);
    }
    return buf_take(&b);
}

static void ej_str(Buf *b, const char *s)
{
    if (s)
        json_write_string(b, s, strlen(s));
    else
        buf_puts(b, "null");
}

static void explain_body_json(Buf *b, const Explanation *e, const char *ind)
{
    buf_printf(b, ",\n%s\"fired\": %s", ind, e->fired ? "true" : "false");
    buf_printf(b, ",\n%s\"binding\": ", ind);
    if (e->var) {
        buf_puts(b, "{\"var\": ");
        ej_str(b, e->var);
        buf_puts(b, ", \"in\": ");
        ej_str(b, e->collection);
        buf_printf(b, ", \"selected\": %s, \"value\": ", e->selected ? "true" : "false");
        ej_str(b, e->binding);
        buf_puts(b, ", \"origin\": ");
        ej_str(b, e->origin);
        buf_putc(b, '}');
    } else {
        buf_puts(b, "null");
    }
    buf_printf(b, ",\n%s\"lets\": [", ind);
    bool any = false;
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind != PROBE_LET)
            continue;
        buf_printf(b, "%s{\"name\": ", any ? ", " : "");
        ej_str(b, l->text);
        buf_puts(b, ", \"value\": ");
        ej_str(b, l->value);
        buf_putc(b, '}');
        any = true;
    }
    buf_printf(b, "],\n%s\"conditions\": [", ind);
    bool first = true;
    for (uint32_t i = 0; i < e->nlines; i++) {
        const ExplainLine *l = &e->lines[i];
        if (l->kind != PROBE_COND)
            continue;
        buf_printf(b, "%s\n%s  {\"expr\": ", first ? "" : ",", ind);
        ej_str(b, l->text);
        buf_printf(b, ", \"result\": \"%s\", \"values\": [", cs_name[l->state]);
        bool fv = true;
        for (uint32_t j = i + 1; j < e->nlines && e->lines[j].kind == PROBE_VALUE; j++) {
            buf_printf(b, "%s{\"expr\": ", fv ? "" : ", ");
            ej_str(b, e->lines[j].text);
            buf_puts(b, ", \"value\": ");
            ej_str(b, e->lines[j].value);
            buf_putc(b, '}');
            fv = false;
        }
        buf_puts(b, "]}");
        first = false;
    }
    buf_printf(b, "%s%s]", first ? "" : "\n", first ? "" : ind);
}

static void explain_head_json(Buf *b, const Program *p, uint32_t rule, const char *ind)
{
    const Rule *r = &p->rules[rule];
    const Policy *pol = &p->policies[r->policy];
    buf_printf(b, "%s\"policy_id\": ", ind);
    ej_str(b, pol->id);
    buf_printf(b, ",\n%s\"policy\": ", ind);
    ej_str(b, pol->name);
    buf_printf(b, ",\n%s\"rule\": \"%s\",\n%s\"location\": ", ind, rule_kind_name(r->kind), ind);
    Buf loc = BUF_INIT;
    explain_rule_where(&loc, p, rule);
    json_write_string(b, loc.p ? loc.p : "", loc.len);
    buf_free(&loc);
}

char *veto_decision_explain_json(const veto_decision *d, int pretty)
{
    (void)pretty; /* always indented: explanations are for reading */
    const Program *p = d->prog;
    Buf b = BUF_INIT;
    buf_printf(&b, "{\n  \"outcome\": \"%s\",\n  \"results\": [", veto_outcome_name(d->outcome));
    for (uint32_t i = 0; i < d->nresults; i++) {
        const Result *r = &d->results[i];
        buf_printf(&b, "%s\n    {\n", i ? "," : "");
        if (r->kind == RES_ERROR) {
            buf_puts(&b, "      \"policy_id\": ");
            ej_str(&b, p->policies[r->policy].id);
            buf_puts(&b, ",\n      \"rule\": \"error\",\n      \"message\": ");
            ej_str(&b, r->message);
            buf_puts(&b, "\n    }");
            continue;
        }
        explain_head_json(&b, p, r->rule, "      ");
        buf_puts(&b, ",\n      \"address\": ");
        ej_str(&b, r->address);
        buf_puts(&b, ",\n      \"message\": ");
        ej_str(&b, r->message);
        buf_puts(&b, ",\n      \"evidence\": ");
        if (r->evidence_path) {
            buf_puts(&b, "{\"path\": ");
            ej_str(&b, r->evidence_path);
            buf_puts(&b, ", \"value\": ");
            ej_str(&b, r->evidence_value);
            buf_putc(&b, '}');
        } else {
            buf_puts(&b, "null");
        }
        if (r->explain)
            explain_body_json(&b, r->explain, "      ");
        buf_puts(&b, "\n    }");
    }
    buf_printf(&b, "%s]", d->nresults ? "\n  " : "");
    const ExplainLog *log = d->explain_log;
    if (log && log->mode == VETO_EXPLAIN_FAILS) {
        buf_puts(&b, ",\n  \"address\": ");
        ej_str(&b, log->address);
        buf_puts(&b, ",\n  \"not_fired\": [");
        bool first = true;
        for (const Explanation *e = log->misses; e; e = e->next) {
            buf_printf(&b, "%s\n    {\n", first ? "" : ",");
            explain_head_json(&b, p, e->rule, "      ");
            explain_body_json(&b, e, "      ");
            buf_puts(&b, "\n    }");
            first = false;
        }
        buf_printf(&b, "%s]", first ? "" : "\n  ");
    }
    buf_puts(&b, "\n}\n");
    return buf_take(&b);
}
