/* vm_loop.h — the interpreter loop, included twice by vm.c: once plain
 * (VM_TRACED 0) and once calling the step hook before every instruction
 * (VM_TRACED 1), so tracing, coverage and explanations cost nothing when
 * nobody asks for them. Not a header to include anywhere else.
 *
 * Runs `entry` (no arguments) from the current stack top. */
#ifndef VM_LOOP_HELPERS
#define VM_LOOP_HELPERS
/* value_equal of two strings, without the call: comparisons of short
 * strings (types, actions, attribute values) are most of what rules do. */
static inline bool vm_str_eq(Value a, Value b)
{
    return a.n == b.n && (a.n == 0 || (a.u.s[0] == b.u.s[0] && memcmp(a.u.s, b.u.s, a.n) == 0));
}

/* Member s of object o (vm_index's and ops_in's object case, inlined). */
static inline const Member *vm_get(Value o, Value s) { return value_get(o, s.u.s, s.n, 0); }
#endif

static bool VM_RUN_NAME(Vm *vm, uint32_t entry, Value *result)
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
        return vm_fail_limit(vm, func, 0, "value stack overflow");
    /* The stack and its capacity, kept in locals: a store into the stack
     * may alias vm->cap (a Value holds a uint32_t), which would make the
     * compiler reload it for every push. Refreshed wherever it can move. */
    Value *S = vm->stack;
    uint32_t cap = vm->cap;
    for (uint32_t i = 0; i < f->nlocals; i++)
        S[sp++] = value_undef();

#define A   INS_A(ins)
#define TOP S[sp - 1]
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        vm_fail(vm, func, pc - 1, __VA_ARGS__);                                                    \
        goto failed;                                                                               \
    } while (0)
#define FAIL_LIMIT(...)                                                                            \
    do {                                                                                           \
        vm_fail_limit(vm, func, pc - 1, __VA_ARGS__);                                              \
        goto failed;                                                                               \
    } while (0)
#define PUSH(expr)                                                                                 \
    do {                                                                                           \
        Value push_tmp__ = (expr);                                                                 \
        if (VM_UNLIKELY(sp >= cap)) {                                                              \
            if (!vm_grow(vm, sp + 1))                                                              \
                FAIL_LIMIT("value stack overflow (more than %u values)", vm->max_stack);           \
            S = vm->stack;                                                                         \
            cap = vm->cap;                                                                         \
        }                                                                                          \
        S[sp++] = push_tmp__;                                                                      \
    } while (0)
#define BURN()                                                                                     \
    do {                                                                                           \
        if (VM_UNLIKELY(vm->fuel-- == 0))                                                          \
            FAIL_LIMIT("step budget of %llu exhausted (a runaway loop? raise it with --fuel)",     \
                       (unsigned long long)vm->fuel_limit);                                        \
    } while (0)
#define CHECK_ARENA()                                                                              \
    do {                                                                                           \
        if (VM_UNLIKELY(vm->arena->failed)) {                                                      \
            vm_oom(vm, func, pc - 1);                                                              \
            goto failed;                                                                           \
        }                                                                                          \
    } while (0)

#if defined(__GNUC__)
    static const void *const dispatch[OP__COUNT] = {
#define OPCODE_LABEL(name, fmt, effect, doc) &&L_##name,
        VETO_OPCODES(OPCODE_LABEL)
#undef OPCODE_LABEL
    };
#define DISPATCH()                                                                                 \
    do {                                                                                           \
        if (VM_TRACED)                                                                             \
            vm->hooks->step(vm->hooks->ud, vm, func, pc, S, sp, base);                             \
        ins = code[pc++];                                                                          \
        goto *dispatch[INS_OP(ins)];                                                               \
    } while (0)
#define CASE(name) L_##name:
#define NEXT       DISPATCH()
    DISPATCH();
#else
#define CASE(name) case OP_##name:
#define NEXT       break
    for (;;) {
        if (VM_TRACED)
            vm->hooks->step(vm->hooks->ud, vm, func, pc, S, sp, base);
        ins = code[pc++];
        switch (INS_OP(ins)) {
#endif

    CASE(NOP) NEXT;
    CASE(CONST) PUSH(prog->consts[A]);
    NEXT;
    CASE(INT) PUSH(value_int(INS_SA(ins)));
    NEXT;
    CASE(UNDEF) PUSH(value_undef());
    NEXT;
    CASE(NULL) PUSH(value_null());
    NEXT;
    CASE(TRUE) PUSH(value_bool(true));
    NEXT;
    CASE(FALSE) PUSH(value_bool(false));
    NEXT;
    CASE(POP) sp--;
    NEXT;
    CASE(LOAD) PUSH(S[base + A]);
    NEXT;
    CASE(STORE) S[base + A] = S[--sp];
    NEXT;
    CASE(GLOBAL)
    {
        Value v;
        vm->sp = sp;
        bool ok = vm_global(vm, A, func, pc - 1, &v);
        S = vm->stack;
        cap = vm->cap;
        if (!ok)
            goto failed;
        BURN();
        PUSH(v);
        NEXT;
    }
    CASE(INPUT) PUSH(vm->input);
    NEXT;
    CASE(CONTEXT) PUSH(vm->context);
    NEXT;
    CASE(DATA) PUSH(vm->data);
    NEXT;
    CASE(FIELD)
    {
        Value o = TOP;
        Value r = value_undef();
        if (VM_LIKELY(o.kind == V_OBJ)) {
            const Member *m = vm_member(vm, o, A);
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
        if (TOP.kind == V_OBJ && k.kind == V_STR) { /* vm_index's object case */
            const Member *m = vm_get(TOP, k);
            Value r = m ? m->val : value_undef();
            r.flags |= TOP.flags & VF_SENSITIVE;
            TOP = r;
            NEXT;
        }
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
            case OP_EQ:
                TOP = value_bool(x == y);
                NEXT;
            case OP_NE:
                TOP = value_bool(x != y);
                NEXT;
            case OP_LT:
                TOP = value_bool(x < y);
                NEXT;
            case OP_LE:
                TOP = value_bool(x <= y);
                NEXT;
            case OP_GT:
                TOP = value_bool(x > y);
                NEXT;
            case OP_GE:
                TOP = value_bool(x >= y);
                NEXT;
            default:
                break;
            }
        }
        /* Same results as ops_binary, for the common cases: a string only
         * ever equals a string, a boolean only a boolean; comparisons are
         * never tainted. */
        if (a.kind == V_STR && (op == OP_EQ || op == OP_NE) && b.kind == V_STR) {
            TOP = value_bool(vm_str_eq(a, b) == (op == OP_EQ));
            NEXT;
        }
        if (a.kind == V_BOOL && (op == OP_EQ || op == OP_NE) && b.kind == V_BOOL) {
            TOP = value_bool((a.u.b == b.u.b) == (op == OP_EQ));
            NEXT;
        }
        if (a.kind == V_STR && op == OP_IN && (b.kind == V_ARR || b.kind == V_SET)) {
            bool found = false;
            for (uint32_t i = 0; i < b.n && !found; i++)
                found = b.u.a[i].kind == V_STR && vm_str_eq(a, b.u.a[i]);
            TOP = value_bool(found);
            NEXT;
        }
        if (a.kind == V_STR && op == OP_IN && b.kind == V_OBJ) {
            TOP = value_bool(vm_get(b, a) != NULL);
            NEXT;
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
        if (VM_LIKELY(TOP.kind == V_BOOL)) /* ops_truth, but a boolean needs no call */
            b = TOP.u.b;
        else if (!ops_truth(TOP, &b, err, sizeof err))
            FAIL("`not` %s", err);
        TOP = value_bool(!b);
        NEXT;
    }
    CASE(TO_BOOL)
    {
        bool b;
        if (VM_LIKELY(TOP.kind == V_BOOL))
            b = TOP.u.b;
        else if (!ops_truth(TOP, &b, err, sizeof err))
            FAIL("%s", err);
        TOP = value_bool(b);
        NEXT;
    }
    CASE(JUMP) pc = A;
    NEXT;
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
        if (VM_LIKELY(TOP.kind == V_BOOL))
            b = TOP.u.b;
        else if (!ops_truth(TOP, &b, err, sizeof err))
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
    CASE(MARK) S[base + A] = value_int((int64_t)sp);
    NEXT;
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
            FAIL_LIMIT("call depth of %d exceeded (unbounded recursion?)", VM_MAX_FRAMES);
        frames[nf].func = func;
        frames[nf].pc = pc;
        frames[nf].base = base;
        nf++;
        func = callee;
        f = &prog->funcs[func];
        code = f->code;
        base = sp - argc;
        pc = 0;
        if (VM_UNLIKELY(base + f->nlocals + 8 > cap)) {
            if (!vm_grow(vm, base + f->nlocals + 8))
                FAIL_LIMIT("value stack overflow");
            S = vm->stack;
            cap = vm->cap;
        }
        for (uint32_t i = argc; i < f->nlocals; i++)
            S[base + i] = value_undef();
        sp = base + f->nlocals;
        NEXT;
    }
    CASE(BUILTIN)
    {
        BURN();
        uint32_t argc = INS_A8(ins);
        const BuiltinDef *b = prog->builtins[INS_B(ins)];
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
default:
    FAIL("invalid opcode %u", (unsigned)INS_OP(ins));
}
}
#endif

failed : return false; /* vm_call puts the stack top back */
#undef A
#undef TOP
#undef FAIL
#undef FAIL_LIMIT
#undef PUSH
#undef BURN
#undef CHECK_ARENA
#undef CASE
#undef NEXT
#undef DISPATCH
}
