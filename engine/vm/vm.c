/* vm.c — the bytecode interpreter; see vm.h for what a Vm owns.
 *
 * Dispatch is a switch, or computed goto on GCC/Clang (one indirect jump
 * per instruction, which branch predictors handle far better). The step
 * budget is checked only where work can repeat — loop iterations, calls,
 * builtins, globals — so straight-line code pays nothing for it.
 *
 * Undefined is never stored in a collection: literals and comprehensions
 * leave undefined elements and members out.
 */
#include "vm/vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "vm/glob.h"
#include "vm/ops.h"
#include "vm/regex.h"

#define VM_DEFAULT_FUEL 50000000ull
#define VM_MAX_FRAMES   200
#define VM_MAX_DEPTH    64

#if defined(__GNUC__)
#define VM_LIKELY(x)   __builtin_expect(!!(x), 1)
#define VM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define VM_LIKELY(x)   (x)
#define VM_UNLIKELY(x) (x)
#endif

const char *const opcode_names[OP__COUNT] = {
#define OPCODE_NAME(name, fmt, effect, doc) #name,
    VETO_OPCODES(OPCODE_NAME)
#undef OPCODE_NAME
};

const unsigned char opcode_formats[OP__COUNT] = {
#define OPCODE_FMT(name, fmt, effect, doc) fmt,
    VETO_OPCODES(OPCODE_FMT)
#undef OPCODE_FMT
};

typedef struct Frame {
    uint32_t func;
    uint32_t pc;
    uint32_t base;
} Frame;

bool vm_init(Vm *vm, const Program *p, Arena *arena, uint64_t fuel)
{
    memset(vm, 0, sizeof *vm);
    vm->prog = p;
    vm->arena = arena;
    vm->cap = 1024;
    vm->max_stack = 1u << 26;
    vm->stack = malloc(vm->cap * sizeof(Value));
    vm->globals = calloc(p->nglobals ? p->nglobals : 1, sizeof(VmGlobal));
    vm->key_hint = calloc(p->nkeys ? p->nkeys : 1, sizeof *vm->key_hint);
    vm->bctx.arena = arena;
    vm->bctx.keys = p->engine ? p->engine->keys : NULL;
    vm->bctx.regex = regex_cache_new();
    vm->input = vm->context = vm->data = value_undef();
    vm->fuel = vm->fuel_limit = fuel ? fuel : VM_DEFAULT_FUEL;
    return vm->stack && vm->globals && vm->key_hint && vm->bctx.regex;
}

void vm_free(Vm *vm)
{
    free(vm->computed);
    free(vm->stack);
    free(vm->globals);
    free(vm->key_hint);
    regex_cache_free(vm->bctx.regex);
    memset(vm, 0, sizeof *vm);
}

void vm_reset(Vm *vm, uint64_t fuel)
{
    builtin_ctx_reset(&vm->bctx); /* tf.of_type's indexes went with the reset arena */
    memset(vm->globals, 0, (vm->prog->nglobals ? vm->prog->nglobals : 1) * sizeof(VmGlobal));
    vm->fuel = vm->fuel_limit = fuel ? fuel : VM_DEFAULT_FUEL;
    vm->failed = false;
    vm->err[0] = '\0';
    vm->sp = 0;
    vm->depth = 0;
    vm->ncomputed = 0;
}

bool vm_stream_begin(Vm *vm, const uint8_t *keep, Arena *keep_arena)
{
    uint32_t n = vm->prog->nglobals ? vm->prog->nglobals : 1;
    if (!vm->computed && !(vm->computed = malloc(n * sizeof *vm->computed)))
        return false;
    vm->keep = keep;
    vm->keep_arena = keep_arena;
    vm->ncomputed = 0;
    return true;
}

void vm_forget_globals(Vm *vm)
{
    /* Only the globals this element computed: a program may have hundreds
     * of globals, an element usually touches a handful. */
    for (uint32_t i = 0; i < vm->ncomputed; i++)
        vm->globals[vm->computed[i]].state = 0;
    vm->ncomputed = 0;
    /* what builtins cached in the arena about to be reset */
    if (vm->bctx.tfindex.n)
        builtin_ctx_reset(&vm->bctx);
}

void vm_set_global(Vm *vm, uint32_t g, Value v)
{
    if (g < vm->prog->nglobals) {
        vm->globals[g].state = 2;
        vm->globals[g].value = v;
    }
}

static bool vm_grow(Vm *vm, uint32_t need)
{
    if (need <= vm->cap)
        return true;
    uint32_t cap = vm->cap;
    while (cap < need) {
        if (cap >= vm->max_stack)
            return false;
        cap *= 2;
    }
    Value *s = realloc(vm->stack, (size_t)cap * sizeof(Value));
    if (!s)
        return false;
    vm->stack = s;
    vm->cap = cap;
    return true;
}

/* Records the error (the innermost one: a failure further out keeps it);
 * limit says it is a resource limit (Vm.err_limit). Returns false. */
static bool vm_fail_va(Vm *vm, bool limit, uint32_t func, uint32_t pc, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static bool vm_fail_va(Vm *vm, bool limit, uint32_t func, uint32_t pc, const char *fmt, va_list ap)
{
    if (vm->failed)
        return false;
    vsnprintf(vm->err, sizeof vm->err, fmt, ap);
    vm->failed = true;
    vm->err_limit = limit;
    vm->err_func = func;
    vm->err_pc = pc;
    return false;
}

static bool vm_fail(Vm *vm, uint32_t func, uint32_t pc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool vm_fail(Vm *vm, uint32_t func, uint32_t pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vm_fail_va(vm, false, func, pc, fmt, ap);
    va_end(ap);
    return false;
}

/* vm_fail for a resource limit: steps, memory, call or let depth, stack. */
static bool vm_fail_limit(Vm *vm, uint32_t func, uint32_t pc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool vm_fail_limit(Vm *vm, uint32_t func, uint32_t pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vm_fail_va(vm, true, func, pc, fmt, ap);
    va_end(ap);
    return false;
}

static bool vm_oom(Vm *vm, uint32_t func, uint32_t pc)
{
    if (vm->arena->over_cap)
        return vm_fail_limit(vm, func, pc, "memory cap of %zu bytes exceeded", vm->arena->cap);
    return vm_fail_limit(vm, func, pc, "out of memory");
}

/* Member lookup of program key ki with the interned-id fast path. Objects
 * of one shape (normalised resources, plan entries) keep a key at the same
 * position, so the position where key ki was last found is tried first (an
 * inline cache per key, in the Vm: the Program stays immutable). Keys are
 * unique in an object, so a hit is the member a scan would find. */
static inline const Member *vm_member(Vm *vm, Value o, uint32_t ki)
{
    const Key *k = &vm->prog->keys[ki];
    const Member *m = o.u.o;
    if (k->kid) {
        uint32_t h = vm->key_hint[ki];
        if (h < o.n && m[h].kid == k->kid)
            return &m[h];
        for (uint32_t i = 0; i < o.n; i++) {
            if (m[i].kid == k->kid ||
                (m[i].kid == 0 && m[i].klen == k->len && memcmp(m[i].key, k->s, k->len) == 0)) {
                vm->key_hint[ki] = i;
                return &m[i];
            }
        }
        return NULL;
    }
    return value_get(o, k->s, k->len, 0);
}

static Value vm_index(Value o, Value k)
{
    Value out = value_undef();
    if (o.kind == V_ARR || o.kind == V_SET) {
        if (o.kind == V_SET) {
            for (uint32_t i = 0; i < o.n; i++)
                if (value_equal(o.u.a[i], k))
                    out = o.u.a[i];
        } else {
            int64_t i = -1;
            if (k.kind == V_INT)
                i = k.u.i;
            else if (k.kind == V_FLOAT && k.u.f == (double)(int64_t)k.u.f)
                i = (int64_t)k.u.f;
            if (i >= 0 && (uint64_t)i < o.n)
                out = o.u.a[i];
        }
    } else if (o.kind == V_OBJ && k.kind == V_STR) {
        const Member *m = value_get(o, k.u.s, k.n, 0);
        if (m)
            out = m->val;
    }
    out.flags |= o.flags & VF_SENSITIVE;
    return out;
}

/* Builds an array (or set) from n stack values, leaving out undefined. */
static bool vm_make_array(Vm *vm, const Value *src, uint32_t n, bool set, Value *out)
{
    Value *items = arena_alloc(vm->arena, (n ? n : 1) * sizeof(Value));
    if (!items)
        return false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (src[i].kind != V_UNDEF)
            items[k++] = src[i];
    if (set) {
        *out = value_make_set(vm->arena, items, k);
        return out->kind == V_SET;
    }
    Value v = {0};
    v.kind = V_ARR;
    v.n = k;
    v.u.a = items;
    *out = v;
    return true;
}

/* Builds an object from n key/value pairs (2n stack values). Later keys
 * replace earlier ones in place; undefined values and keys are left out. */
static bool vm_make_object(Vm *vm, uint32_t func, uint32_t pc, const Value *src, uint32_t n,
                           Value *out)
{
    Member *ms = arena_alloc(vm->arena, (n ? n : 1) * sizeof(Member));
    if (!ms)
        return vm_oom(vm, func, pc);
    uint32_t count = 0;
    /* Above a few dozen pairs, find duplicates through a hash table. */
    uint32_t *table = NULL, mask = 0;
    if (n > 32) {
        uint32_t size = 64;
        while (size < n * 2)
            size *= 2;
        table = malloc(size * sizeof *table);
        if (!table)
            return vm_oom(vm, func, pc);
        memset(table, 0xff, size * sizeof *table);
        mask = size - 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        Value k = src[2 * i], v = src[2 * i + 1];
        if (k.kind == V_UNDEF || v.kind == V_UNDEF)
            continue;
        if (k.kind != V_STR) {
            free(table);
            return vm_fail(vm, func, pc, "object keys must be strings, got %s",
                           value_kind_name((ValueKind)k.kind));
        }
        uint32_t j = count;
        if (table) {
            uint32_t h = (uint32_t)value_hash(k) & mask;
            while (table[h] != UINT32_MAX) {
                Member *m = &ms[table[h]];
                if (m->klen == k.n && memcmp(m->key, k.u.s, k.n) == 0) {
                    j = table[h];
                    break;
                }
                h = (h + 1) & mask;
            }
            if (j == count)
                table[h] = count;
        } else {
            for (uint32_t q = 0; q < count; q++) {
                if (ms[q].klen == k.n && memcmp(ms[q].key, k.u.s, k.n) == 0) {
                    j = q;
                    break;
                }
            }
        }
        ms[j].key = k.u.s;
        ms[j].klen = k.n;
        ms[j].kid = vm->bctx.keys ? keys_lookup(vm->bctx.keys, k.u.s, k.n) : 0;
        ms[j].val = v;
        if (j == count)
            count++;
    }
    free(table);
    Value o = {0};
    o.kind = V_OBJ;
    o.n = count;
    o.u.o = ms;
    *out = o;
    return true;
}

static bool vm_template(Vm *vm, const Value *parts, uint32_t n, Value *out)
{
    /* Parts that read as their own bytes (plain strings, the common case)
     * are joined straight into the arena, without the scratch buffer. */
    size_t len = 0;
    uint32_t plain = 0;
    while (plain < n && parts[plain].kind == V_STR && !(parts[plain].flags & VF_SENSITIVE))
        len += parts[plain++].n;
    if (plain == n && len <= UINT32_MAX) {
        char *s = arena_alloc(vm->arena, len ? len : 1);
        if (!s)
            return false;
        size_t at = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (parts[i].n)
                memcpy(s + at, parts[i].u.s, parts[i].n);
            at += parts[i].n;
        }
        *out = value_str(s, (uint32_t)len);
        return true;
    }
    Buf b = BUF_INIT;
    for (uint32_t i = 0; i < n; i++)
        ops_to_text(&b, parts[i]);
    if (b.failed) {
        buf_free(&b);
        return false;
    }
    char *s = arena_alloc(vm->arena, b.len ? b.len : 1);
    if (s && b.len)
        memcpy(s, b.p, b.len);
    *out = value_str(s, (uint32_t)b.len);
    buf_free(&b);
    return s != NULL;
}

static bool vm_run(Vm *vm, uint32_t entry, Value *result);

static bool vm_global(Vm *vm, uint32_t gi, uint32_t func, uint32_t pc, Value *out)
{
    VmGlobal *g = &vm->globals[gi];
    if (g->state == 2) {
        *out = g->value;
        return true;
    }
    if (g->state == 1)
        return vm_fail(vm, func, pc, "let `%s` depends on itself", vm->prog->globals[gi].name);
    if (vm->depth >= VM_MAX_DEPTH)
        return vm_fail_limit(vm, func, pc, "globals nested too deeply");
    g->state = 1;
    vm->depth++;
    bool keep = vm->keep && vm->keep[gi];
    Arena *arena = vm->arena;
    if (keep && vm->keep_arena) /* outlives the element: allocate where it will stay */
        vm->arena = vm->bctx.arena = vm->keep_arena;
    bool ok = vm_run(vm, vm->prog->globals[gi].func, out);
    vm->arena = vm->bctx.arena = arena;
    vm->depth--;
    if (!ok) {
        g->state = 0;
        return false;
    }
    g->state = 2;
    g->value = *out;
    if (vm->keep && !keep)
        vm->computed[vm->ncomputed++] = gi;
    return true;
}

#define VM_TRACED   0
#define VM_RUN_NAME vm_run_plain
#include "vm/vm_loop.inc"
#undef VM_TRACED
#undef VM_RUN_NAME
#define VM_TRACED   1
#define VM_RUN_NAME vm_run_traced
#include "vm/vm_loop.inc"
#undef VM_TRACED
#undef VM_RUN_NAME

static bool vm_run(Vm *vm, uint32_t entry, Value *result)
{
    return vm->hooks ? vm_run_traced(vm, entry, result) : vm_run_plain(vm, entry, result);
}

bool vm_call(Vm *vm, uint32_t func, Value *result)
{
    if (func >= vm->prog->nfuncs)
        return vm_fail(vm, func, 0, "no such function");
    uint32_t sp0 = vm->sp;
    bool ok = vm_run(vm, func, result);
    vm->sp = sp0;
    return ok;
}
