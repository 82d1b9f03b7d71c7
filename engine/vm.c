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
#include "vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ops.h"

#define VM_DEFAULT_FUEL 50000000ull
#define VM_MAX_FRAMES 200
#define VM_MAX_DEPTH 64

#if defined(__GNUC__)
#define VM_LIKELY(x) __builtin_expect(!!(x), 1)
#define VM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define VM_LIKELY(x) (x)
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
    vm->bctx.arena = arena;
    vm->bctx.keys = p->engine ? p->engine->keys : NULL;
    vm->bctx.regex = regex_cache_new();
    vm->input = vm->context = vm->data = value_undef();
    vm->fuel = vm->fuel_limit = fuel ? fuel : VM_DEFAULT_FUEL;
    return vm->stack && vm->globals && vm->bctx.regex;
}

void vm_free(Vm *vm)
{
    free(vm->stack);
    free(vm->globals);
    regex_cache_free(vm->bctx.regex);
    memset(vm, 0, sizeof *vm);
}

void vm_reset(Vm *vm, uint64_t fuel)
{
    memset(vm->globals, 0, (vm->prog->nglobals ? vm->prog->nglobals : 1) * sizeof(VmGlobal));
    vm->fuel = vm->fuel_limit = fuel ? fuel : VM_DEFAULT_FUEL;
    vm->failed = false;
    vm->err[0] = '\0';
    vm->sp = 0;
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

static bool vm_fail(Vm *vm, uint32_t func, uint32_t pc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool vm_fail(Vm *vm, uint32_t func, uint32_t pc, const char *fmt, ...)
{
    if (vm->failed)
        return false; /* keep the innermost error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->err, sizeof vm->err, fmt, ap);
    va_end(ap);
    vm->failed = true;
    vm->err_func = func;
    vm->err_pc = pc;
    return false;
}

static bool vm_oom(Vm *vm, uint32_t func, uint32_t pc)
{
    if (vm->arena->over_cap)
        return vm_fail(vm, func, pc, "memory cap of %zu bytes exceeded", vm->arena->cap);
    return vm_fail(vm, func, pc, "out of memory");
}

/* Member lookup with the interned-id fast path. */
static inline const Member *vm_member(Value o, const Key *k)
{
    const Member *m = o.u.o;
    if (k->kid) {
        for (uint32_t i = 0; i < o.n; i++) {
            if (m[i].kid == k->kid)
                return &m[i];
            if (m[i].kid == 0 && m[i].klen == k->len && memcmp(m[i].key, k->s, k->len) == 0)
                return &m[i];
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
        return vm_fail(vm, func, pc, "globals nested too deeply");
    g->state = 1;
    vm->depth++;
    bool ok = vm_run(vm, vm->prog->globals[gi].func, out);
    vm->depth--;
    if (!ok) {
        g->state = 0;
        return false;
    }
    g->state = 2;
    g->value = *out;
    return true;
}

/* Runs `entry` (no arguments) from the current stack top. */
static bool vm_run(Vm *vm, uint32_t entry, Value *result)
{
    const Program *prog = vm->prog;
    Frame frames[VM_MAX_FRAMES];
    int nf = 0;
    uint32_t func = entry;
    const Function *f = &prog->funcs[func];
    const Instr *code = f->code;
    uint32_t base = vm->sp;
    uint32_t sp = base;
    uint32_t pc = 0;
    Instr ins;
    char err[256];
    if (!vm_grow(vm, sp + f->nlocals + 8))
        return vm_fail(vm, func, 0, "value stack overflow");
    Value *S = vm->stack;
    for (uint32_t i = 0; i < f->nlocals; i++)
        S[sp++] = value_undef();

#define A INS_A(ins)
#define TOP S[sp - 1]
#define FAIL(...)                                                                         \
    do {                                                                                  \
        vm_fail(vm, func, pc - 1, __VA_ARGS__);                                           \
        goto failed;                                                                      \
    } while (0)
#define PUSH(expr)                                                                        \
    do {                                                                                  \
        Value push_tmp__ = (expr);                                                        \
        if (VM_UNLIKELY(sp >= vm->cap)) {                                                 \
            if (!vm_grow(vm, sp + 1))                                                     \
                FAIL("value stack overflow (more than %u values)", vm->max_stack);        \
            S = vm->stack;                                                                \
        }                                                                                 \
        S[sp++] = push_tmp__;                                                             \
    } while (0)
#define BURN()                                                                            \
    do {                                                                                  \
        if (VM_UNLIKELY(vm->fuel-- == 0))                                                 \
            FAIL("step budget of %llu exhausted (a runaway loop? raise it with --fuel)",  \
                 (unsigned long long)vm->fuel_limit);                                     \
    } while (0)
#define CHECK_ARENA()                                                                     \
    do {                                                                                  \
        if (VM_UNLIKELY(vm->arena->failed)) {                                             \
            vm_oom(vm, func, pc - 1);                                                     \
            goto failed;                                                                  \
        }                                                                                 \
    } while (0)

#if defined(__GNUC__)
    static const void *const dispatch[OP__COUNT] = {
#define OPCODE_LABEL(name, fmt, effect, doc) &&L_##name,
        VETO_OPCODES(OPCODE_LABEL)
#undef OPCODE_LABEL
    };
#define DISPATCH()                                                                        \
    do {                                                                                  \
        ins = code[pc++];                                                                 \
        goto *dispatch[INS_OP(ins)];                                                      \
    } while (0)
#define CASE(name) L_##name:
#define NEXT DISPATCH()
    DISPATCH();
#else
#define CASE(name) case OP_##name:
#define NEXT break
    for (;;) {
        ins = code[pc++];
        switch (INS_OP(ins)) {
#endif

    CASE(NOP) NEXT;
    CASE(CONST) PUSH(prog->consts[A]); NEXT;
    CASE(INT) PUSH(value_int(INS_SA(ins))); NEXT;
    CASE(UNDEF) PUSH(value_undef()); NEXT;
    CASE(NULL) PUSH(value_null()); NEXT;
    CASE(TRUE) PUSH(value_bool(true)); NEXT;
    CASE(FALSE) PUSH(value_bool(false)); NEXT;
    CASE(POP) sp--; NEXT;
    CASE(LOAD) PUSH(S[base + A]); NEXT;
    CASE(STORE) S[base + A] = S[--sp]; NEXT;
    CASE(GLOBAL)
    {
        Value v;
        vm->sp = sp;
        bool ok = vm_global(vm, A, func, pc - 1, &v);
        S = vm->stack;
        if (!ok)
            goto failed;
        BURN();
        PUSH(v);
        NEXT;
    }
    CASE(INPUT) PUSH(vm->input); NEXT;
    CASE(CONTEXT) PUSH(vm->context); NEXT;
    CASE(DATA) PUSH(vm->data); NEXT;
    CASE(FIELD)
    {
        Value o = TOP;
        Value r = value_undef();
        if (VM_LIKELY(o.kind == V_OBJ)) {
            const Member *m = vm_member(o, &prog->keys[A]);
            if (m) {
                r = m->val;
                r.flags |= o.flags & VF_SENSITIVE;
            }
        }
        TOP = r;
        NEXT;
    }
    CASE(INDEX)
    {
        Value k = S[--sp];
        TOP = vm_index(TOP, k);
        NEXT;
    }
    CASE(ADD)
    CASE(SUB)
    CASE(MUL)
    CASE(DIV)
    CASE(MOD)
    CASE(EQ)
    CASE(NE)
    CASE(LT)
    CASE(LE)
    CASE(GT)
    CASE(GE)
    CASE(IN)
    {
        Value b = S[--sp], a = TOP, r;
        Opcode op = INS_OP(ins);
        if (a.kind == V_INT && b.kind == V_INT) {
            int64_t x = a.u.i, y = b.u.i;
            switch (op) {
            case OP_EQ: TOP = value_bool(x == y); NEXT;
            case OP_NE: TOP = value_bool(x != y); NEXT;
            case OP_LT: TOP = value_bool(x < y); NEXT;
            case OP_LE: TOP = value_bool(x <= y); NEXT;
            case OP_GT: TOP = value_bool(x > y); NEXT;
            case OP_GE: TOP = value_bool(x >= y); NEXT;
            default: break;
            }
        }
        if (!ops_binary(op, a, b, vm->arena, &r, err, sizeof err))
            FAIL("%s", err);
        CHECK_ARENA();
        TOP = r;
        NEXT;
    }
    CASE(NOTIN)
    {
        Value b = S[--sp], a = TOP, r;
        if (!ops_binary(OP_IN, a, b, vm->arena, &r, err, sizeof err))
            FAIL("%s", err);
        if (r.kind == V_BOOL)
            r.u.b = !r.u.b;
        TOP = r;
        NEXT;
    }
    CASE(NEG)
    {
        Value r;
        if (!ops_negate(TOP, &r, err, sizeof err))
            FAIL("%s", err);
        TOP = r;
        NEXT;
    }
    CASE(MATCH)
    CASE(NMATCH)
    {
        Value s = TOP;
        if (s.kind == V_UNDEF)
            NEXT;
        if (s.kind != V_STR)
            FAIL("a regex match needs a string on the left, got %s",
                 value_kind_name((ValueKind)s.kind));
        int m = regex_search(prog->regexes[A], s.u.s, s.n, err, sizeof err);
        if (m < 0)
            FAIL("%s", err);
        TOP = value_bool(INS_OP(ins) == OP_MATCH ? m == 1 : m == 0);
        NEXT;
    }
    CASE(MATCH_DYN)
    CASE(NMATCH_DYN)
    {
        Value re = S[--sp], s = TOP;
        if (s.kind == V_UNDEF || re.kind == V_UNDEF) {
            TOP = value_undef();
            NEXT;
        }
        if (s.kind != V_STR || re.kind != V_STR)
            FAIL("a regex match needs two strings, got %s and %s",
                 value_kind_name((ValueKind)s.kind), value_kind_name((ValueKind)re.kind));
        const Regex *rx = regex_cache_get(vm->bctx.regex, re.u.s, re.n, err, sizeof err);
        if (!rx)
            FAIL("invalid regular expression: %s", err);
        int m = regex_search(rx, s.u.s, s.n, err, sizeof err);
        if (m < 0)
            FAIL("%s", err);
        TOP = value_bool(INS_OP(ins) == OP_MATCH_DYN ? m == 1 : m == 0);
        NEXT;
    }
    CASE(LIKE)
    {
        Value gp = S[--sp], s = TOP;
        if (s.kind == V_UNDEF || gp.kind == V_UNDEF) {
            TOP = value_undef();
            NEXT;
        }
        if (s.kind != V_STR || gp.kind != V_STR)
            FAIL("`like` needs two strings, got %s and %s", value_kind_name((ValueKind)s.kind),
                 value_kind_name((ValueKind)gp.kind));
        TOP = value_bool(glob_match(gp.u.s, gp.n, s.u.s, s.n));
        NEXT;
    }
    CASE(NOT)
    {
        bool b;
        if (!ops_truth(TOP, &b, err, sizeof err))
            FAIL("`not` %s", err);
        TOP = value_bool(!b);
        NEXT;
    }
    CASE(TO_BOOL)
    {
        bool b;
        if (!ops_truth(TOP, &b, err, sizeof err))
            FAIL("%s", err);
        TOP = value_bool(b);
        NEXT;
    }
    CASE(JUMP) pc = A; NEXT;
    CASE(JUMP_IF_NOT)
    {
        Value c = S[--sp];
        if (VM_LIKELY(c.kind == V_BOOL)) {
            if (!c.u.b)
                pc = A;
            NEXT;
        }
        bool b;
        if (!ops_truth(c, &b, err, sizeof err))
            FAIL("%s", err);
        if (!b)
            pc = A;
        NEXT;
    }
    CASE(AND)
    CASE(OR)
    {
        bool b;
        if (!ops_truth(TOP, &b, err, sizeof err))
            FAIL("%s", err);
        if (b == (INS_OP(ins) == OP_OR)) {
            TOP = value_bool(b);
            pc = A;
        } else {
            sp--;
        }
        NEXT;
    }
    CASE(COALESCE)
    {
        if (TOP.kind != V_UNDEF && TOP.kind != V_NULL)
            pc = A;
        else
            sp--;
        NEXT;
    }
    CASE(ARRAY)
    CASE(SET)
    {
        uint32_t n = A;
        Value r;
        if (!vm_make_array(vm, &S[sp - n], n, INS_OP(ins) == OP_SET, &r)) {
            vm_oom(vm, func, pc - 1);
            goto failed;
        }
        sp -= n;
        PUSH(r);
        NEXT;
    }
    CASE(OBJECT)
    {
        uint32_t n = A;
        Value r;
        if (!vm_make_object(vm, func, pc - 1, &S[sp - 2 * n], n, &r))
            goto failed;
        sp -= 2 * n;
        PUSH(r);
        NEXT;
    }
    CASE(OBJECT_SHAPE)
    {
        Value shape = prog->consts[A];
        uint32_t n = shape.n;
        Member *ms = arena_alloc(vm->arena, (n ? n : 1) * sizeof(Member));
        if (!ms) {
            vm_oom(vm, func, pc - 1);
            goto failed;
        }
        uint32_t k = 0;
        const Value *vals = &S[sp - n];
        for (uint32_t i = 0; i < n; i++) {
            if (vals[i].kind == V_UNDEF)
                continue;
            ms[k] = shape.u.o[i];
            ms[k].val = vals[i];
            k++;
        }
        sp -= n;
        Value o = {0};
        o.kind = V_OBJ;
        o.n = k;
        o.u.o = ms;
        PUSH(o);
        NEXT;
    }
    CASE(MARK) S[base + A] = value_int((int64_t)sp); NEXT;
    CASE(COLLECT_ARR)
    CASE(COLLECT_SET)
    CASE(COLLECT_OBJ)
    {
        uint32_t mark = (uint32_t)S[base + A].u.i;
        uint32_t n = sp - mark;
        Value r;
        bool ok;
        if (INS_OP(ins) == OP_COLLECT_OBJ) {
            if (!vm_make_object(vm, func, pc - 1, &S[mark], n / 2, &r))
                goto failed;
            ok = true;
        } else {
            ok = vm_make_array(vm, &S[mark], n, INS_OP(ins) == OP_COLLECT_SET, &r);
        }
        if (!ok) {
            vm_oom(vm, func, pc - 1);
            goto failed;
        }
        sp = mark;
        PUSH(r);
        NEXT;
    }
    CASE(ITER_INIT)
    {
        Value c = S[--sp];
        if (c.kind == V_UNDEF || c.kind == V_NULL) {
            c = value_undef(); /* n == 0: nothing to visit */
        } else if (c.kind != V_ARR && c.kind != V_SET && c.kind != V_OBJ) {
            FAIL("cannot iterate over %s", value_kind_name((ValueKind)c.kind));
        }
        S[base + A] = c;
        S[base + A + 1] = value_int(0);
        NEXT;
    }
    CASE(ITER_NEXT)
    {
        Value *it = &S[base + A];
        uint32_t i = (uint32_t)it[1].u.i;
        if (i >= it[0].n) {
            pc = code[pc];
            NEXT;
        }
        BURN();
        uint8_t taint = it[0].flags & VF_SENSITIVE;
        if (it[0].kind == V_OBJ) {
            const Member *m = &it[0].u.o[i];
            it[2] = value_str(m->key, m->klen);
            it[3] = m->val;
        } else {
            it[2] = value_int(i);
            it[3] = it[0].u.a[i];
        }
        it[3].flags |= taint;
        it[1].u.i = i + 1;
        pc++;
        NEXT;
    }
    CASE(TEMPLATE)
    {
        uint32_t n = A;
        Value r;
        if (!vm_template(vm, &S[sp - n], n, &r)) {
            vm_oom(vm, func, pc - 1);
            goto failed;
        }
        sp -= n;
        PUSH(r);
        NEXT;
    }
    CASE(CALL)
    {
        BURN();
        uint32_t argc = INS_A8(ins), callee = INS_B(ins);
        if (nf >= VM_MAX_FRAMES)
            FAIL("call depth of %d exceeded (unbounded recursion?)", VM_MAX_FRAMES);
        frames[nf].func = func;
        frames[nf].pc = pc;
        frames[nf].base = base;
        nf++;
        func = callee;
        f = &prog->funcs[func];
        code = f->code;
        base = sp - argc;
        pc = 0;
        if (!vm_grow(vm, base + f->nlocals + 8))
            FAIL("value stack overflow");
        S = vm->stack;
        for (uint32_t i = argc; i < f->nlocals; i++)
            S[base + i] = value_undef();
        sp = base + f->nlocals;
        NEXT;
    }
    CASE(BUILTIN)
    {
        BURN();
        uint32_t argc = INS_A8(ins);
        const BuiltinDef *b = builtin_at(INS_B(ins));
        const Value *args = &S[sp - argc];
        uint8_t taint = 0;
        for (uint32_t i = 0; i < argc; i++)
            taint |= args[i].flags & VF_SENSITIVE;
        Value r = value_undef();
        vm->bctx.err[0] = '\0';
        if (!b->fn(&vm->bctx, args, argc, &r)) {
            if (vm->arena->failed) {
                vm_oom(vm, func, pc - 1);
                goto failed;
            }
            FAIL("%s", vm->bctx.err[0] ? vm->bctx.err : b->name);
        }
        CHECK_ARENA();
        /* Derived text, numbers and collections carry the taint; a boolean
         * answer about a secret reveals nothing printable. */
        if (r.kind != V_UNDEF && r.kind != V_BOOL && r.kind != V_NULL)
            r.flags |= taint;
        sp -= argc;
        PUSH(r);
        NEXT;
    }
    CASE(RET)
    {
        Value r = TOP;
        sp = base;
        if (nf == 0) {
            vm->sp = sp;
            *result = r;
            return true;
        }
        nf--;
        func = frames[nf].func;
        pc = frames[nf].pc;
        base = frames[nf].base;
        f = &prog->funcs[func];
        code = f->code;
        PUSH(r);
        NEXT;
    }
    CASE(EMIT)
    {
        Value m = S[--sp];
        Value b = S[--sp];
        if (vm->emit)
            vm->emit(vm->emit_ud, A, b, m);
        CHECK_ARENA();
        NEXT;
    }

#if !defined(__GNUC__)
        default: FAIL("invalid opcode %u", (unsigned)INS_OP(ins));
        }
    }
#endif

failed:
    return false; /* vm_call puts the stack top back */
#undef A
#undef TOP
#undef FAIL
#undef PUSH
#undef BURN
#undef CHECK_ARENA
#undef CASE
#undef NEXT
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
