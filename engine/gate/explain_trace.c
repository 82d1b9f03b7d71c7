/* explain_trace.c — explanations recorded while a policy is evaluated; see
 * explain_trace.h and docs/EXPLAIN.md.
 *
 * Owns: the Explainer (malloc'd, one per evaluation) and every Explanation
 * it hands to the decision (decision arena, rendered and redacted when
 * recorded, so nothing points into the evaluation arena afterwards).
 * Does not own: the VM (it only watches it through VmHooks), the plan
 * (the program's) or the views (report/explain_view.c).
 */
#include "gate/explain_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "input/json_read.h"

#define EX_VALUE_MAX    120  /* bytes of a rendered value before it is cut */
#define EX_EVIDENCE_MAX 1024 /* the same for the decision record's evidence */

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
