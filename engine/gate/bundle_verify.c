/* bundle_verify.c — the bytecode verifier (bundle_verify.h).
 *
 * The VM's loop trusts its program: it pops without checking the stack
 * height, indexes tables with raw operands and iterates whatever sits in
 * an iterator slot. That is right for compiler output and fatal for a
 * crafted bundle, so every loaded function passes through here first.
 *
 * What is proved, per function:
 *   - every opcode exists, every operand indexes its table, every jump lands
 *     on an instruction (never on an ITER_NEXT exit word), and control never
 *     runs off the end of the code;
 *   - stack discipline, by abstract interpretation over basic blocks: the
 *     stack above the locals is a list of levels, one per open MARK (the
 *     base level has none), each with a count k of values known to be on its
 *     top and a `star` bit for an unknown number below them (what a
 *     comprehension loop accumulates). Pops may never reach into a star
 *     region or below the base; COLLECT needs its MARK's level open; a write
 *     to a mark slot closes its level;
 *   - iterator slots: ITER_NEXT reads slot A as a collection, so slot A
 *     must provably hold what ITER_INIT put there (or the initial undefined);
 *   - termination under the step budget: backward jumps go only to an
 *     ITER_NEXT from inside its own loop body, and loop bodies nest, so
 *     every cycle passes through an ITER_NEXT that continues the loop, which
 *     burns fuel (calls and globals burn fuel too).
 * Call arity matches the callee, builtin arity is within its bounds, and
 * EMIT names the rule whose function it is in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/bundle_verify.h"
#include "stdlib/builtin.h"
#include "vm/program.h"

#define VERIFY_MAX_MARKS 64                  /* distinct MARK slots per function */
#define VERIFY_MAX_ITERS 4096                /* distinct iterator slots per function */
#define VERIFY_MAX_STATE (64u * 1024 * 1024) /* bytes of block states per function */
#define NONE             UINT32_MAX

typedef struct VLevel {
    uint32_t slot; /* MARK slot opening the level; NONE for the base */
    uint32_t k;    /* values known to be on top of this level */
    uint32_t star; /* 1: an unknown number of values below those k */
} VLevel;

typedef struct Verifier {
    const Program *p;
    uint32_t fi;
    const Function *f;
    char *err;
    size_t errlen;
    uint8_t *isinstr;  /* 1 where an instruction starts */
    uint32_t *leader;  /* pc -> block index, NONE when not a block start */
    uint32_t *markidx; /* slot -> 1 + index among MARK slots, 0 otherwise */
    uint32_t *iteridx; /* slot -> 1 + index among iterator slots, 0 otherwise */
    uint32_t nmarks, niters;
    uint32_t maxlev;     /* levels a state can hold: nmarks + 1 */
    size_t stride;       /* bytes of one block state */
    unsigned char *pool; /* block states, stride bytes each */
    unsigned char *work; /* the state being pushed through a block */
    uint32_t *queue, nqueue;
    uint8_t *queued;
} Verifier;

static int verify_fail(Verifier *v, uint32_t pc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int verify_fail(Verifier *v, uint32_t pc, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(v->err, v->errlen, "function %u (%.60s) pc %u: %s", v->fi,
             v->f->name ? v->f->name : "?", pc, msg);
    return 0;
}

/* ---- state layout: nlev, visited, levels[maxlev], iterator bits ------ */

static uint32_t *st_nlev(unsigned char *s) { return (uint32_t *)s; }
static uint32_t *st_visited(unsigned char *s) { return (uint32_t *)s + 1; }
static VLevel *st_lv(unsigned char *s) { return (VLevel *)(s + 8); }
static uint8_t *st_bits(const Verifier *v, unsigned char *s)
{
    return s + 8 + v->maxlev * sizeof(VLevel);
}
static int bit_get(const uint8_t *b, uint32_t i) { return (b[i / 8] >> (i % 8)) & 1; }
static void bit_set(uint8_t *b, uint32_t i, int on)
{
    if (on)
        b[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        b[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static uint32_t st_find_mark(unsigned char *s, uint32_t slot)
{
    VLevel *lv = st_lv(s);
    for (uint32_t j = 1; j < *st_nlev(s); j++)
        if (lv[j].slot == slot)
            return j;
    return NONE;
}

/* Level j stops being a mark (its slot was overwritten): its values join
 * the level below. */
static void st_close(unsigned char *s, uint32_t j)
{
    VLevel *lv = st_lv(s);
    uint32_t n = *st_nlev(s);
    if (lv[j].star) {
        lv[j - 1].star = 1;
        lv[j - 1].k = lv[j].k;
    } else {
        lv[j - 1].k += lv[j].k;
    }
    memmove(&lv[j], &lv[j + 1], (n - j - 1) * sizeof *lv);
    *st_nlev(s) = n - 1;
}

/* Something other than MARK wrote local `slot`. */
static void st_write(Verifier *v, unsigned char *s, uint32_t slot)
{
    uint32_t j = st_find_mark(s, slot);
    if (j != NONE)
        st_close(s, j);
    if (v->iteridx[slot])
        bit_set(st_bits(v, s), v->iteridx[slot] - 1, 0);
}

static int st_need(unsigned char *s, uint64_t n)
{
    VLevel *lv = st_lv(s);
    uint64_t avail = 0;
    for (uint32_t j = *st_nlev(s); j-- > 0;) {
        avail += lv[j].k;
        if (avail >= n)
            return 1;
        if (lv[j].star)
            return 0;
    }
    return avail >= n;
}

/* Pops n values (st_need said they are there); levels popped through
 * close, their marks now above the top. */
static void st_pop(unsigned char *s, uint64_t n)
{
    VLevel *lv = st_lv(s);
    while (n > 0) {
        uint32_t top = *st_nlev(s) - 1;
        if (lv[top].k >= n) {
            lv[top].k -= (uint32_t)n;
            return;
        }
        n -= lv[top].k;
        lv[top].k = 0;
        if (top == 0)
            return; /* unreachable after st_need */
        *st_nlev(s) = top;
    }
}

static void st_push(unsigned char *s) { st_lv(s)[*st_nlev(s) - 1].k++; }

/* Merges the working state into block b's; queues b when it changed. */
static int verify_merge(Verifier *v, uint32_t from_pc, uint32_t to_pc)
{
    uint32_t b = v->leader[to_pc];
    unsigned char *dst = v->pool + (size_t)b * v->stride, *src = v->work;
    int changed = 0;
    if (!*st_visited(dst)) {
        memcpy(dst, src, v->stride);
        *st_visited(dst) = 1;
        changed = 1;
    } else {
        uint32_t n = *st_nlev(dst);
        if (n != *st_nlev(src))
            return verify_fail(v, from_pc, "stack shape differs at pc %u (open MARKs)", to_pc);
        VLevel *dl = st_lv(dst), *sl = st_lv(src);
        for (uint32_t j = 0; j < n; j++) {
            if (dl[j].slot != sl[j].slot)
                return verify_fail(v, from_pc, "stack shape differs at pc %u (MARK slots)", to_pc);
            if (dl[j].k != sl[j].k) {
                /* Widen: a second disagreement drops to "nothing known". */
                uint32_t k = dl[j].star ? 0 : (dl[j].k < sl[j].k ? dl[j].k : sl[j].k);
                if (k != dl[j].k || !dl[j].star)
                    changed = 1;
                dl[j].k = k;
                dl[j].star = 1;
            } else if (sl[j].star && !dl[j].star) {
                dl[j].star = 1;
                changed = 1;
            }
        }
        uint8_t *db = st_bits(v, dst), *sb = st_bits(v, src);
        for (uint32_t i = 0; i < (v->niters + 7) / 8; i++) {
            uint8_t m = db[i] & sb[i];
            if (m != db[i]) {
                db[i] = m;
                changed = 1;
            }
        }
    }
    if (changed && !v->queued[b]) {
        v->queued[b] = 1;
        v->queue[v->nqueue++] = to_pc;
    }
    return 1;
}

/* ---- pass 1: decode, operands, control flow ---------------------------- */

static int verify_jump_op(Opcode op)
{
    return op == OP_JUMP || op == OP_JUMP_IF_NOT || op == OP_AND || op == OP_OR ||
           op == OP_COALESCE;
}

static int verify_operands(Verifier *v)
{
    const Program *p = v->p;
    const Function *f = v->f;
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        Instr ins = f->code[pc];
        unsigned op = INS_OP(ins);
        if (op >= OP__COUNT)
            return verify_fail(v, pc, "unknown opcode %u", op);
        v->isinstr[pc] = 1;
        uint32_t a = INS_A(ins), b = INS_B(ins), a8 = INS_A8(ins);
        switch (opcode_formats[op]) {
        case OPF_CONST:
            if (a >= p->nconsts)
                return verify_fail(v, pc, "constant %u of %u", a, p->nconsts);
            if (op == OP_OBJECT_SHAPE && p->consts[a].kind != V_OBJ)
                return verify_fail(v, pc, "OBJECT_SHAPE constant %u is not an object", a);
            break;
        case OPF_LOCAL:
            if (a >= f->nlocals)
                return verify_fail(v, pc, "local %u of %u", a, f->nlocals);
            if (op == OP_MARK || op == OP_COLLECT_ARR || op == OP_COLLECT_SET ||
                op == OP_COLLECT_OBJ) {
                if (!v->markidx[a]) {
                    if (v->nmarks >= VERIFY_MAX_MARKS)
                        return verify_fail(v, pc, "more than %d MARK slots", VERIFY_MAX_MARKS);
                    v->markidx[a] = ++v->nmarks;
                }
            }
            if (op == OP_ITER_INIT) {
                if (a + 3 >= f->nlocals)
                    return verify_fail(v, pc, "iterator slots %u..%u of %u", a, a + 3, f->nlocals);
                if (!v->iteridx[a]) {
                    if (v->niters >= VERIFY_MAX_ITERS)
                        return verify_fail(v, pc, "more than %d iterators", VERIFY_MAX_ITERS);
                    v->iteridx[a] = ++v->niters;
                }
            }
            break;
        case OPF_ITER:
            if (a + 3 >= f->nlocals)
                return verify_fail(v, pc, "iterator slots %u..%u of %u", a, a + 3, f->nlocals);
            if (pc + 1 >= f->ncode)
                return verify_fail(v, pc, "ITER_NEXT without its exit word");
            if (!v->iteridx[a]) {
                if (v->niters >= VERIFY_MAX_ITERS)
                    return verify_fail(v, pc, "more than %d iterators", VERIFY_MAX_ITERS);
                v->iteridx[a] = ++v->niters;
            }
            pc++; /* the exit word is data */
            break;
        case OPF_KEY:
            if (a >= p->nkeys)
                return verify_fail(v, pc, "key %u of %u", a, p->nkeys);
            break;
        case OPF_GLOB:
            if (a >= p->nglobals)
                return verify_fail(v, pc, "global %u of %u", a, p->nglobals);
            break;
        case OPF_REGEX:
            if (a >= p->nregexes)
                return verify_fail(v, pc, "regex %u of %u", a, p->nregexes);
            break;
        case OPF_RULE:
            if (a >= p->nrules)
                return verify_fail(v, pc, "rule %u of %u", a, p->nrules);
            if (p->rules[a].func != v->fi)
                return verify_fail(v, pc, "EMIT of rule %u outside its rule function", a);
            break;
        case OPF_FUNC:
            if (b >= p->nfuncs)
                return verify_fail(v, pc, "function %u of %u", b, p->nfuncs);
            if (a8 != p->funcs[b].nparams)
                return verify_fail(v, pc, "call with %u arguments, function %u takes %u", a8, b,
                                   p->funcs[b].nparams);
            break;
        case OPF_BUILT: {
            if (b >= builtin_count())
                return verify_fail(v, pc, "builtin %u of %u", b, builtin_count());
            const BuiltinDef *def = builtin_at(b);
            if (a8 < def->min_args || (def->max_args != 255 && a8 > def->max_args))
                return verify_fail(v, pc, "`%s` called with %u arguments", def->name, a8);
            break;
        }
        default: /* OPF_NONE, OPF_INT, OPF_COUNT, OPF_JUMP: checked later or any value */
            break;
        }
    }
    return 1;
}

/* Jump targets, loop structure and block leaders. */
static int verify_flow(Verifier *v)
{
    const Function *f = v->f;
    uint32_t n = f->ncode, nblocks = 0;
    uint32_t *stack = malloc((n ? n : 1) * sizeof *stack); /* open loops: ITER_NEXT pcs */
    uint32_t depth = 0;
    if (!stack)
        return verify_fail(v, 0, "out of memory");
    int ok = 1;
#define MARK_LEADER(x)                                                                             \
    do {                                                                                           \
        if ((x) < n && v->leader[(x)] == NONE)                                                     \
            v->leader[(x)] = 0;                                                                    \
    } while (0)
    MARK_LEADER(0u);
    for (uint32_t pc = 0; pc < n && ok; pc++) {
        if (!v->isinstr[pc])
            continue;
        Instr ins = f->code[pc];
        Opcode op = INS_OP(ins);
        if (op == OP_ITER_NEXT) {
            uint32_t exit = f->code[pc + 1];
            if (exit >= n || !v->isinstr[exit] || exit < pc + 2) {
                ok = verify_fail(v, pc, "bad loop exit %u", exit);
                break;
            }
            /* Loop bodies [pc, exit) must nest or be disjoint. */
            while (depth > 0 && f->code[stack[depth - 1] + 1] <= pc)
                depth--;
            if (depth > 0 && exit > f->code[stack[depth - 1] + 1]) {
                ok = verify_fail(v, pc, "loop overlaps the loop at pc %u", stack[depth - 1]);
                break;
            }
            stack[depth++] = pc;
            MARK_LEADER(exit);
            MARK_LEADER(pc + 2);
        } else if (verify_jump_op(op)) {
            uint32_t t = INS_A(ins);
            if (t >= n || !v->isinstr[t]) {
                ok = verify_fail(v, pc, "jump to %u, not an instruction", t);
                break;
            }
            if (t <= pc) {
                /* Backward: only to the ITER_NEXT of a loop we are inside. */
                int inside = INS_OP(f->code[t]) == OP_ITER_NEXT && pc >= t + 2 &&
                             pc < f->code[t + 1] && (op == OP_JUMP || op == OP_JUMP_IF_NOT);
                if (!inside) {
                    ok = verify_fail(v, pc, "backward jump to %u is not a loop continue", t);
                    break;
                }
            }
            MARK_LEADER(t);
            MARK_LEADER(pc + 1);
        } else if (op == OP_RET) {
            MARK_LEADER(pc + 1);
        }
    }
#undef MARK_LEADER
    free(stack);
    if (!ok)
        return 0;
    for (uint32_t pc = 0; pc < n; pc++)
        if (v->leader[pc] != NONE) {
            if (!v->isinstr[pc])
                return verify_fail(v, pc, "block starts inside an instruction");
            v->leader[pc] = nblocks++;
        }
    /* State size: the header, levels, iterator bits, rounded to 8. */
    v->maxlev = v->nmarks + 1;
    v->stride = (8 + v->maxlev * sizeof(VLevel) + (v->niters + 7) / 8 + 7) & ~(size_t)7;
    if ((size_t)nblocks > VERIFY_MAX_STATE / v->stride)
        return verify_fail(v, 0, "function too large to verify");
    v->pool = calloc(nblocks ? nblocks : 1, v->stride);
    v->work = calloc(1, v->stride);
    v->queue = malloc((nblocks ? nblocks : 1) * sizeof *v->queue);
    v->queued = calloc(nblocks ? nblocks : 1, 1);
    if (!v->pool || !v->work || !v->queue || !v->queued)
        return verify_fail(v, 0, "out of memory");
    return 1;
}

/* ---- pass 2: abstract interpretation ------------------------------------ */

/* Stack effect of the instructions with a fixed one. */
static int verify_effect(Opcode op, Instr ins, uint64_t *pops, uint64_t *pushes)
{
    *pops = 0;
    *pushes = 1;
    switch (op) {
    case OP_NOP:
        *pushes = 0;
        return 1;
    case OP_CONST:
    case OP_INT:
    case OP_UNDEF:
    case OP_NULL:
    case OP_TRUE:
    case OP_FALSE:
    case OP_LOAD:
    case OP_GLOBAL:
    case OP_INPUT:
    case OP_CONTEXT:
    case OP_DATA:
        return 1;
    case OP_POP:
        *pops = 1;
        *pushes = 0;
        return 1;
    case OP_FIELD:
    case OP_NEG:
    case OP_NOT:
    case OP_TO_BOOL:
    case OP_MATCH:
    case OP_NMATCH:
        *pops = 1;
        return 1;
    case OP_INDEX:
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD:
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
    case OP_IN:
    case OP_NOTIN:
    case OP_MATCH_DYN:
    case OP_NMATCH_DYN:
    case OP_LIKE:
        *pops = 2;
        return 1;
    case OP_ARRAY:
    case OP_SET:
    case OP_TEMPLATE:
        *pops = INS_A(ins);
        return 1;
    case OP_OBJECT:
        *pops = 2ull * INS_A(ins);
        return 1;
    case OP_CALL:
    case OP_BUILTIN:
        *pops = INS_A8(ins);
        return 1;
    case OP_EMIT:
        *pops = 2;
        *pushes = 0;
        return 1;
    default:
        return 0;
    }
}

/* Runs block starting at pc0 from its state; merges into successors. */
static int verify_block(Verifier *v, uint32_t pc0)
{
    const Program *p = v->p;
    const Function *f = v->f;
    unsigned char *s = v->work;
    memcpy(s, v->pool + (size_t)v->leader[pc0] * v->stride, v->stride);
    for (uint32_t pc = pc0;;) {
        if (pc >= f->ncode)
            return verify_fail(v, pc, "control runs off the end of the code");
        if (pc != pc0 && v->leader[pc] != NONE)
            return verify_merge(v, pc, pc);
        Instr ins = f->code[pc];
        Opcode op = INS_OP(ins);
        uint32_t a = INS_A(ins);
        uint64_t pops, pushes;
        if (verify_effect(op, ins, &pops, &pushes)) {
            if (!st_need(s, pops))
                return verify_fail(v, pc, "%s needs %llu values on the stack", opcode_names[op],
                                   (unsigned long long)pops);
            st_pop(s, pops);
            if (pushes)
                st_push(s);
            pc++;
            continue;
        }
        switch (op) {
        case OP_OBJECT_SHAPE:
            if (!st_need(s, p->consts[a].n))
                return verify_fail(v, pc, "OBJECT_SHAPE needs %u values", p->consts[a].n);
            st_pop(s, p->consts[a].n);
            st_push(s);
            pc++;
            break;
        case OP_STORE:
            if (!st_need(s, 1))
                return verify_fail(v, pc, "STORE on an empty stack");
            st_pop(s, 1);
            st_write(v, s, a);
            pc++;
            break;
        case OP_MARK: {
            uint32_t j = st_find_mark(s, a);
            if (j != NONE)
                st_close(s, j);
            if (v->iteridx[a])
                bit_set(st_bits(v, s), v->iteridx[a] - 1, 0);
            uint32_t n = *st_nlev(s);
            if (n >= v->maxlev)
                return verify_fail(v, pc, "too many open MARKs");
            VLevel *lv = st_lv(s);
            lv[n].slot = a;
            lv[n].k = 0;
            lv[n].star = 0;
            *st_nlev(s) = n + 1;
            pc++;
            break;
        }
        case OP_COLLECT_ARR:
        case OP_COLLECT_SET:
        case OP_COLLECT_OBJ: {
            uint32_t j = st_find_mark(s, a);
            if (j == NONE)
                return verify_fail(v, pc, "%s of slot %u without an open MARK", opcode_names[op],
                                   a);
            *st_nlev(s) = j;
            st_push(s);
            pc++;
            break;
        }
        case OP_ITER_INIT:
            if (!st_need(s, 1))
                return verify_fail(v, pc, "ITER_INIT on an empty stack");
            st_pop(s, 1);
            st_write(v, s, a);
            st_write(v, s, a + 1);
            bit_set(st_bits(v, s), v->iteridx[a] - 1, 1);
            pc++;
            break;
        case OP_ITER_NEXT:
            if (!bit_get(st_bits(v, s), v->iteridx[a] - 1))
                return verify_fail(v, pc, "ITER_NEXT on slot %u, which may not hold an iterator",
                                   a);
            st_write(v, s, a + 1);
            st_write(v, s, a + 2);
            st_write(v, s, a + 3);
            if (!verify_merge(v, pc, f->code[pc + 1]))
                return 0;
            pc += 2;
            break;
        case OP_JUMP:
            return verify_merge(v, pc, a);
        case OP_JUMP_IF_NOT:
            if (!st_need(s, 1))
                return verify_fail(v, pc, "JUMP_IF_NOT on an empty stack");
            st_pop(s, 1);
            if (!verify_merge(v, pc, a))
                return 0;
            pc++;
            break;
        case OP_AND:
        case OP_OR:
        case OP_COALESCE:
            if (!st_need(s, 1))
                return verify_fail(v, pc, "%s on an empty stack", opcode_names[op]);
            if (!verify_merge(v, pc, a))
                return 0;
            st_pop(s, 1);
            pc++;
            break;
        case OP_RET:
            if (!st_need(s, 1))
                return verify_fail(v, pc, "RET on an empty stack");
            return 1;
        default:
            return verify_fail(v, pc, "opcode %u has no stack rule", (unsigned)op);
        }
    }
}

static int verify_function(const Program *p, uint32_t fi, char *err, size_t errlen)
{
    Verifier v;
    memset(&v, 0, sizeof v);
    v.p = p;
    v.fi = fi;
    v.f = &p->funcs[fi];
    v.err = err;
    v.errlen = errlen;
    const Function *f = v.f;
    if (f->ncode == 0)
        return verify_fail(&v, 0, "no code");
    if (f->nparams > f->nlocals)
        return verify_fail(&v, 0, "%u parameters but %u locals", f->nparams, f->nlocals);
    int ok = 0;
    v.isinstr = calloc(f->ncode, 1);
    v.leader = malloc(f->ncode * sizeof *v.leader);
    v.markidx = calloc(f->nlocals ? f->nlocals : 1, sizeof *v.markidx);
    v.iteridx = calloc(f->nlocals ? f->nlocals : 1, sizeof *v.iteridx);
    if (!v.isinstr || !v.leader || !v.markidx || !v.iteridx) {
        verify_fail(&v, 0, "out of memory");
        goto out;
    }
    memset(v.leader, 0xff, f->ncode * sizeof *v.leader);
    if (!verify_operands(&v) || !verify_flow(&v))
        goto out;
    /* Entry: nothing on the stack; locals past the parameters are undefined,
     * which ITER_NEXT treats as an empty iterator. */
    unsigned char *e = v.pool;
    *st_nlev(e) = 1;
    *st_visited(e) = 1;
    st_lv(e)[0].slot = NONE;
    for (uint32_t slot = f->nparams; slot < f->nlocals; slot++)
        if (v.iteridx[slot])
            bit_set(st_bits(&v, e), v.iteridx[slot] - 1, 1);
    v.queue[v.nqueue++] = 0;
    v.queued[0] = 1;
    while (v.nqueue > 0) {
        uint32_t pc = v.queue[--v.nqueue];
        v.queued[v.leader[pc]] = 0;
        if (!verify_block(&v, pc))
            goto out;
    }
    ok = 1;
out:
    free(v.isinstr);
    free(v.leader);
    free(v.markidx);
    free(v.iteridx);
    free(v.pool);
    free(v.work);
    free(v.queue);
    free(v.queued);
    return ok;
}

int bundle_verify(const veto_program *p, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < p->nfuncs; i++)
        if (!verify_function(p, i, err, errlen))
            return 0;
    return 1;
}
