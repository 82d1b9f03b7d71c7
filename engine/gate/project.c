/* project.c — the streamability analysis of project.h.
 *
 * Owns: an abstract interpretation of the bytecode over a six-point
 * domain, kept as bit masks (a value's mask is the join of what may flow
 * into it):
 *   K  independent of resource_changes (constants, context, data, every
 *      other top-level member of the input: the same in every document)
 *   E  computed from one element of resource_changes (a stream loop's
 *      variable, fields of it, objects built from it)
 *   S  a stream: an array whose items come from the elements in order,
 *      each from one element (resource_changes itself, comprehensions over
 *      a stream whose items are E or K)
 *   Z  the constant empty array: K, and also the empty stream
 *   I  the input document itself (only FIELD may look at it)
 *   F  a fold: `count(S)` of a stream, or a FOLD global read where its
 *      per-document value is what counts (summed by the caller)
 *   T  anything else (an aggregate over the list, or unknown)
 * Joins normalise (norm): T absorbs; S joins only with Z; E absorbs K; F
 * joins with nothing (`if k then count(S) else 0` would not sum right).
 * F used as data (an operand, an argument, a condition) is T: only a
 * global that returns exactly F is a fold, and only the post phase, where
 * that global is preset to its sum, may look at its value.
 *
 * Control flow: a conditional on T or S taints the function (its result
 * becomes T; in a rule, the rule is not streamable); a conditional on E
 * adds E to the result. A stream loop (ITER over S) must be left only
 * through its exit: a jump out of its body (`any r in S: …`) or a local
 * stored inside it and read outside taints the function. A rule's EMITs
 * must all sit inside one stream loop, with E or K operands; a stream loop
 * nested in another is a cross product and disqualifies the rule.
 *
 * Two modes. The stream mode above decides STREAM rules and classifies
 * globals. The post mode decides POST rules (project.h): there
 * input.resource_changes is T (the post phase may not have it), and a
 * global the stream mode found to be a fold reads as K (it is preset);
 * a rule is POST when every condition and EMIT operand is K.
 *
 * Calls are analysed per (function, argument masks, mode), memoised;
 * recursion, more than 8 arguments or too many analyses give T. Does not
 * own the Program.
 */
#include "gate/project.h"

#include <stdlib.h>
#include <string.h>

#include "stdlib/builtin.h"

enum { M_K = 1, M_E = 2, M_S = 4, M_T = 8, M_I = 16, M_Z = 32, M_F = 64 };

#define PJ_MAX_ARGS     8
#define PJ_MAX_ANALYSES 20000
#define PJ_MAX_PASSES   16

static uint8_t norm(uint8_t m)
{
    if (m & M_T)
        return M_T;
    if (m & M_F)
        return m == M_F ? M_F : M_T;
    if (m & M_I)
        return m == M_I ? M_I : M_T;
    if (m & M_S)
        return (m & (M_K | M_E)) ? M_T : (uint8_t)(m & (M_S | M_Z));
    if (m & M_E)
        return M_E;
    return m;
}

/* A value used as plain data (operand of an operator, builtin argument,
 * member of a built object): streams and the input are aggregates, and a
 * fold's per-document value is only a part of its whole-document value. */
static uint8_t data(uint8_t m)
{
    m = norm(m);
    if (m & (M_S | M_I | M_T | M_F))
        return M_T;
    return (m & M_E) ? M_E : M_K;
}

typedef struct Memo {
    uint32_t func;
    uint8_t args[PJ_MAX_ARGS];
    uint8_t post;  /* analysed in post mode */
    uint8_t state; /* 0 in progress, 1 done */
    uint8_t result;
} Memo;

typedef struct Pj {
    const Program *p;
    Memo *memo;
    uint32_t nmemo, capmemo;
    uint8_t *gstate; /* per mode and global ([post * nglobals + g]): 0 not done,
                      * 1 in progress, 2 done */
    uint8_t *gval;
    uint32_t analyses;
    bool oom;
} Pj;

typedef struct Saved {
    bool has;
    uint32_t n;
    uint8_t *s;
} Saved;

typedef struct Region {
    uint32_t head, exit; /* ITER_NEXT pc and its exit target */
} Region;

/* What one function analysis found. */
typedef struct Fn {
    uint8_t result;
    bool taint;      /* a conditional on T/S/F or an escape from a stream loop */
    const char *bad; /* rules only: why the rule is not STREAM (POST in post mode) */
} Fn;

static uint8_t pj_call(Pj *pj, uint32_t func, const uint8_t *args, uint32_t argc, bool post);

static const char pj_not_in_loop[] = "a result is not inside a loop over resource_changes";

static uint8_t pj_global(Pj *pj, uint32_t g, bool post)
{
    if (g >= pj->p->nglobals)
        return M_T;
    if (post && pj_global(pj, g, false) == M_F)
        return M_K; /* the post phase presets it to the whole document's value */
    uint32_t i = post ? pj->p->nglobals + g : g;
    if (pj->gstate[i] == 2)
        return pj->gval[i];
    if (pj->gstate[i] == 1)
        return M_T;
    pj->gstate[i] = 1;
    uint8_t v = pj_call(pj, pj->p->globals[g].func, NULL, 0, post);
    pj->gstate[i] = 2;
    pj->gval[i] = v;
    return v;
}

static bool push(Pj *pj, uint8_t **st, uint32_t *sp, uint32_t *cap, uint8_t m)
{
    if (*sp == *cap) {
        uint32_t c = *cap ? *cap * 2 : 64;
        uint8_t *n = realloc(*st, c);
        if (!n) {
            pj->oom = true;
            return false;
        }
        *st = n;
        *cap = c;
    }
    (*st)[(*sp)++] = m;
    return true;
}

static bool in_region(const Region *r, uint32_t pc) { return pc > r->head && pc < r->exit; }

/* Interprets function `func` with parameter masks args; for rules (no
 * params) also decides into out->bad whether the rule is STREAM (stream
 * mode) or POST (post mode). */
static void pj_func(Pj *pj, uint32_t func, const uint8_t *args, uint32_t argc, bool post, Fn *out)
{
    const Program *p = pj->p;
    const Function *f = &p->funcs[func];
    bool is_rule = f->kind == FN_RULE;
    out->result = 0;
    out->taint = false;
    out->bad = NULL;
    uint32_t nl = f->nlocals ? f->nlocals : 1, n = f->ncode;
    uint8_t *loc = calloc(nl, 1), *st = NULL;
    uint32_t *ltag = calloc(nl, sizeof *ltag);     /* 1 + region index a local was stored in */
    uint32_t *mdepth = calloc(nl, sizeof *mdepth); /* MARK local: stack depth */
    uint8_t *macc = calloc(nl, 1);                 /* MARK local: items collected */
    uint8_t *mstream = calloc(nl, 1);              /* MARK local: a stream loop inside */
    uint32_t *marks = calloc(nl, sizeof *marks);   /* open MARK locals, innermost last */
    uint32_t *depth_at = malloc((n + 1) * sizeof *depth_at);
    Saved *sv = calloc(n + 1, sizeof *sv);
    Region *reg = calloc(n + 1, sizeof *reg);
    uint32_t sp = 0, cap = 0;
    if (!loc || !ltag || !mdepth || !macc || !mstream || !marks || !depth_at || !sv || !reg) {
        pj->oom = true;
        out->result = M_T;
        goto done;
    }
    for (uint32_t i = 0; i < argc && i < nl; i++)
        loc[i] = args[i];
    const char *bad = NULL;
    for (int pass = 0; pass < PJ_MAX_PASSES; pass++) {
        uint8_t before[256];
        bool small = nl <= sizeof before;
        if (small)
            memcpy(before, loc, nl);
        for (uint32_t i = 0; i <= n; i++) {
            free(sv[i].s);
            sv[i] = (Saved){0};
            depth_at[i] = UINT32_MAX;
        }
        uint32_t nreg = 0, nmarks = 0;
        uint8_t result = 0;
        bool taint = false, live = true, emitted_outside = false;
        bad = NULL;
        sp = 0;
#define BAD(msg)                                                                                   \
    do {                                                                                           \
        if (!bad)                                                                                  \
            bad = (msg);                                                                           \
    } while (0)
#define POP()   (sp ? st[--sp] : (bad = bad ? bad : "stack underflow", (uint8_t)M_T))
#define PUSH(m) (void)push(pj, &st, &sp, &cap, (uint8_t)(m))
#define SAVE(t)                                                                                    \
    do {                                                                                           \
        uint32_t t_ = (t);                                                                         \
        if (t_ > n) {                                                                              \
            BAD("jump out of the function");                                                       \
            break;                                                                                 \
        }                                                                                          \
        if (!sv[t_].has) {                                                                         \
            sv[t_].s = malloc(sp ? sp : 1);                                                        \
            if (!sv[t_].s) {                                                                       \
                pj->oom = true;                                                                    \
                break;                                                                             \
            }                                                                                      \
            memcpy(sv[t_].s, st, sp);                                                              \
            sv[t_].n = sp;                                                                         \
            sv[t_].has = true;                                                                     \
        } else if (sv[t_].n != sp) {                                                               \
            BAD("stack depths disagree");                                                          \
        } else {                                                                                   \
            for (uint32_t k_ = 0; k_ < sp; k_++)                                                   \
                sv[t_].s[k_] = norm((uint8_t)(sv[t_].s[k_] | st[k_]));                             \
        }                                                                                          \
    } while (0)
        for (uint32_t pc = 0; pc < n && !pj->oom; pc++) {
            if (sv[pc].has) {
                if (live) {
                    if (sv[pc].n != sp)
                        BAD("stack depths disagree");
                    else
                        for (uint32_t k = 0; k < sp; k++)
                            st[k] = norm((uint8_t)(st[k] | sv[pc].s[k]));
                } else {
                    sp = 0;
                    for (uint32_t k = 0; k < sv[pc].n; k++)
                        PUSH(sv[pc].s[k]);
                }
                live = true;
            }
            if (!live)
                continue;
            if (depth_at[pc] == UINT32_MAX)
                depth_at[pc] = sp;
            /* the innermost stream region holding pc, if any */
            const Region *cur = NULL;
            uint32_t cur_i = 0;
            for (uint32_t r = 0; r < nreg; r++)
                if (in_region(&reg[r], pc)) {
                    cur = &reg[r];
                    cur_i = r + 1;
                }
            Instr ins = f->code[pc];
            uint32_t A = INS_A(ins);
            switch (INS_OP(ins)) {
            case OP_NOP:
                break;
            case OP_CONST: {
                Value c = A < p->nconsts ? p->consts[A] : value_undef();
                PUSH(c.kind == V_ARR && c.n == 0 ? M_Z : M_K);
                break;
            }
            case OP_INT:
            case OP_UNDEF:
            case OP_NULL:
            case OP_TRUE:
            case OP_FALSE:
            case OP_CONTEXT:
            case OP_DATA:
                PUSH(M_K);
                break;
            case OP_INPUT:
                PUSH(M_I);
                break;
            case OP_POP:
                (void)POP();
                break;
            case OP_LOAD: {
                uint8_t m = A < nl ? loc[A] : M_T;
                if (A < nl && ltag[A] && (ltag[A] == UINT32_MAX || !cur_i || ltag[A] != cur_i)) {
                    taint = true; /* a value carried out of a stream loop */
                    m = M_T;
                }
                PUSH(m ? m : M_K);
                break;
            }
            case OP_STORE: {
                uint8_t m = POP();
                if (A >= nl) {
                    BAD("bad local");
                    break;
                }
                loc[A] = norm((uint8_t)(loc[A] | m));
                if (cur_i)
                    ltag[A] = ltag[A] && ltag[A] != cur_i ? UINT32_MAX : cur_i;
                break;
            }
            case OP_GLOBAL:
                PUSH(pj_global(pj, A, post));
                break;
            case OP_FIELD: {
                uint8_t o = norm(POP());
                uint8_t r;
                if (o == M_I) {
                    const Key *k = A < p->nkeys ? &p->keys[A] : NULL;
                    bool rcs = k && k->len == 16 && memcmp(k->s, "resource_changes", 16) == 0;
                    r = !k || (rcs && post) ? M_T : rcs ? M_S : M_K;
                } else {
                    r = data(o);
                }
                PUSH(r);
                break;
            }
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
            case OP_LIKE: {
                uint8_t b = POP(), a = POP();
                PUSH(data((uint8_t)(data(a) | data(b))));
                break;
            }
            case OP_MATCH:
            case OP_NMATCH:
            case OP_NEG:
            case OP_NOT:
            case OP_TO_BOOL:
                PUSH(data(POP()));
                break;
            case OP_JUMP:
                if (A <= pc) { /* back edge: what the body left are items */
                    if (A >= n || INS_OP(f->code[A]) != OP_ITER_NEXT || depth_at[A] == UINT32_MAX ||
                        sp < depth_at[A]) {
                        BAD("unexpected loop shape");
                    } else if (sp > depth_at[A]) {
                        if (!nmarks) {
                            BAD("loop items without a comprehension");
                        } else {
                            uint32_t m = marks[nmarks - 1];
                            for (uint32_t k = depth_at[A]; k < sp; k++)
                                macc[m] = norm((uint8_t)(macc[m] | st[k]));
                        }
                        sp = depth_at[A];
                    }
                } else {
                    if (cur && A >= cur->exit)
                        taint = true; /* leaves a stream loop early */
                    SAVE(A);
                }
                live = false;
                break;
            case OP_JUMP_IF_NOT:
            case OP_AND:
            case OP_OR:
            case OP_COALESCE: {
                Opcode op = INS_OP(ins);
                uint8_t c = norm(op == OP_JUMP_IF_NOT ? POP() : (sp ? st[sp - 1] : M_T));
                if (op == OP_COALESCE && (c & M_S))
                    c = M_K; /* a stream is always a defined array */
                if ((c & (M_S | M_T | M_I | M_F)) || (post && (c & M_E)))
                    taint = true;
                else if ((c & M_E) && !cur) /* in a stream loop it only filters items */
                    result |= M_E;
                if (cur && (A >= cur->exit || A < cur->head))
                    taint = true;
                if (A <= pc) {
                    if (A >= n || INS_OP(f->code[A]) != OP_ITER_NEXT || depth_at[A] != sp)
                        BAD("unexpected loop shape");
                } else {
                    SAVE(A);
                }
                if (op != OP_JUMP_IF_NOT)
                    (void)POP();
                break;
            }
            case OP_ARRAY:
            case OP_SET:
            case OP_TEMPLATE: {
                uint8_t m = M_K;
                for (uint32_t k = 0; k < A; k++)
                    m |= data(POP());
                PUSH(norm(m));
                break;
            }
            case OP_OBJECT:
            case OP_OBJECT_SHAPE: {
                uint32_t cnt = INS_OP(ins) == OP_OBJECT ? 2 * A
                               : A < p->nconsts         ? p->consts[A].n
                                                        : 0;
                uint8_t m = M_K;
                for (uint32_t k = 0; k < cnt; k++)
                    m |= data(POP());
                PUSH(norm(m));
                break;
            }
            case OP_MARK:
                if (A >= nl) {
                    BAD("bad local");
                    break;
                }
                if (nmarks >= nl) {
                    BAD("unexpected comprehension shape");
                    break;
                }
                mdepth[A] = sp;
                macc[A] = 0;
                mstream[A] = 0;
                marks[nmarks++] = A;
                break;
            case OP_COLLECT_ARR:
            case OP_COLLECT_SET:
            case OP_COLLECT_OBJ: {
                if (A >= nl || !nmarks || marks[nmarks - 1] != A || sp < mdepth[A]) {
                    BAD("unexpected comprehension shape");
                    PUSH(M_T);
                    break;
                }
                nmarks--;
                uint8_t items = macc[A];
                while (sp > mdepth[A])
                    items |= POP();
                items = norm(items);
                uint8_t r;
                if (mstream[A])
                    r = INS_OP(ins) == OP_COLLECT_ARR && !(items & (M_S | M_T | M_I | M_F)) ? M_S
                                                                                            : M_T;
                else
                    r = items ? data(items) : M_K;
                PUSH(r);
                break;
            }
            case OP_ITER_INIT: {
                uint8_t c = norm(POP());
                if (A + 3 >= nl || pc + 2 >= n || INS_OP(f->code[pc + 1]) != OP_ITER_NEXT) {
                    BAD("unexpected loop shape");
                    break;
                }
                uint8_t key, val;
                if (c & M_S) {
                    uint32_t exit = f->code[pc + 2];
                    if (cur)
                        BAD("a loop over resources inside another (cross product)");
                    if (nmarks)
                        mstream[marks[nmarks - 1]] = 1;
                    if (exit <= pc + 1 || exit > n)
                        BAD("unexpected loop shape");
                    else if (nreg < n)
                        reg[nreg++] = (Region){pc + 1, exit};
                    key = M_T; /* the element's index differs per document */
                    val = M_E;
                } else if (c & (M_T | M_I | M_F)) {
                    key = val = M_T;
                } else {
                    key = val = (c & M_E) ? M_E : M_K;
                }
                loc[A + 2] = norm((uint8_t)(loc[A + 2] | key));
                loc[A + 3] = norm((uint8_t)(loc[A + 3] | val));
                break;
            }
            case OP_ITER_NEXT: {
                uint32_t exit = pc + 1 < n ? f->code[pc + 1] : 0;
                if (exit <= pc || exit > n) {
                    BAD("unexpected loop shape");
                } else {
                    SAVE(exit);
                }
                pc++; /* the exit word */
                break;
            }
            case OP_CALL: {
                uint32_t argc2 = INS_A8(ins), callee = INS_B(ins);
                uint8_t av[PJ_MAX_ARGS] = {0};
                bool ok = argc2 <= PJ_MAX_ARGS && sp >= argc2 && callee < p->nfuncs;
                for (uint32_t k = argc2; k-- > 0;) {
                    uint8_t m = norm(POP());
                    if (k < PJ_MAX_ARGS)
                        av[k] = m;
                }
                PUSH(ok ? pj_call(pj, callee, av, argc2, post) : M_T);
                break;
            }
            case OP_BUILTIN: {
                uint32_t argc2 = INS_A8(ins);
                const BuiltinDef *def = builtin_at(INS_B(ins));
                bool kind_test =
                    def && argc2 == 1 &&
                    (strcmp(def->name, "is_array") == 0 || strcmp(def->name, "is_object") == 0);
                /* tf.normalise_all maps each object of its list to one
                 * object built from it alone (builtins_tf.c): element-wise */
                if (def && argc2 == 1 && strcmp(def->name, "tf.normalise_all") == 0 && sp &&
                    (norm(st[sp - 1]) & M_S) && !(norm(st[sp - 1]) & (M_T | M_I))) {
                    sp--;
                    PUSH(M_S);
                    break;
                }
                /* tf.of_type / tf.of_types keep the elements of their list
                 * whose type matches an argument that is the same in every
                 * document (builtins_tf.c): an element-wise filter */
                if (def && argc2 == 2 &&
                    (strcmp(def->name, "tf.of_type") == 0 ||
                     strcmp(def->name, "tf.of_types") == 0) &&
                    sp >= 2 && (norm(st[sp - 2]) & M_S) && !(norm(st[sp - 2]) & (M_T | M_I)) &&
                    data(st[sp - 1]) == M_K) {
                    sp -= 2;
                    PUSH(M_S);
                    break;
                }
                /* count (length is the same builtin) of a stream is the
                 * sum of the per-element counts: the stream is their
                 * concatenation, and S|Z picks [] alike in every document */
                if (def && argc2 == 1 &&
                    (strcmp(def->name, "count") == 0 || strcmp(def->name, "length") == 0) && sp &&
                    (norm(st[sp - 1]) & M_S)) {
                    sp--;
                    PUSH(M_F);
                    break;
                }
                uint8_t m = M_K;
                for (uint32_t k = 0; k < argc2; k++) {
                    uint8_t a = norm(POP());
                    /* a stream is always an array: its kind is known */
                    m |= kind_test && (a & M_S) && !(a & (M_T | M_I)) ? M_K : data(a);
                }
                PUSH(norm(m));
                break;
            }
            case OP_RET: {
                uint8_t m = norm(POP());
                if (cur)
                    taint = true;
                result = norm((uint8_t)(result | m));
                live = false;
                break;
            }
            case OP_EMIT: {
                uint8_t msg = norm(POP()), bind = norm(POP());
                if (!cur)
                    emitted_outside = true;
                if (post && ((msg | bind) & ~(M_K | M_Z)))
                    BAD("a result outside a loop over resources depends on them (other than "
                        "through a global that counts a stream)");
                else if ((msg | bind) & (M_S | M_T | M_I | M_F))
                    BAD("a result depends on more than one resource");
                break;
            }
            default:
                BAD("an instruction the analysis does not model");
                break;
            }
        }
        if (taint && is_rule)
            BAD(post ? "a condition outside a loop over resources depends on them (other than "
                       "through a global that counts a stream)"
                     : "a condition or value depends on the whole list of resources");
        if (is_rule && emitted_outside && !post)
            BAD(pj_not_in_loop);
        if (is_rule && post && nreg)
            BAD("a loop over resources");
        out->result = taint ? M_T : norm(result ? result : M_K);
        if (bad)
            out->result = M_T;
        out->taint = taint;
        if (!small || memcmp(before, loc, nl) == 0)
            break;
        if (pass == PJ_MAX_PASSES - 1)
            BAD("locals did not settle");
    }
    out->bad = bad;
    if (pj->oom)
        out->result = M_T;
#undef BAD
#undef POP
#undef PUSH
#undef SAVE
done:
    if (sv)
        for (uint32_t i = 0; i <= n; i++)
            free(sv[i].s);
    free(sv);
    free(reg);
    free(depth_at);
    free(marks);
    free(mstream);
    free(macc);
    free(mdepth);
    free(ltag);
    free(loc);
    free(st);
}

static uint8_t pj_call(Pj *pj, uint32_t func, const uint8_t *args, uint32_t argc, bool post)
{
    if (argc > PJ_MAX_ARGS || func >= pj->p->nfuncs || pj->oom)
        return M_T;
    uint8_t key[PJ_MAX_ARGS] = {0};
    for (uint32_t i = 0; i < argc; i++)
        key[i] = args[i];
    for (uint32_t i = 0; i < pj->nmemo; i++)
        if (pj->memo[i].func == func && pj->memo[i].post == post &&
            memcmp(pj->memo[i].args, key, sizeof key) == 0)
            return pj->memo[i].state ? pj->memo[i].result : M_T; /* in progress: recursion */
    if (++pj->analyses > PJ_MAX_ANALYSES)
        return M_T;
    if (pj->nmemo == pj->capmemo) {
        uint32_t c = pj->capmemo ? pj->capmemo * 2 : 64;
        Memo *m = realloc(pj->memo, c * sizeof *m);
        if (!m) {
            pj->oom = true;
            return M_T;
        }
        pj->memo = m;
        pj->capmemo = c;
    }
    uint32_t slot = pj->nmemo++;
    pj->memo[slot].func = func;
    pj->memo[slot].post = post;
    memcpy(pj->memo[slot].args, key, sizeof key);
    pj->memo[slot].state = 0;
    Fn r;
    pj_func(pj, func, key, argc, post, &r);
    pj->memo[slot].state = 1;
    pj->memo[slot].result = r.result;
    return r.result;
}

/* Whether some EMIT of f sits in the body of a loop (`deny for x in …`):
 * the stream mode's reason then says why the rule is not STREAM better
 * than the post mode's. */
static bool pj_emits_in_loop(const Function *f)
{
    for (uint32_t pc = 0; pc + 1 < f->ncode; pc++) {
        if (INS_OP(f->code[pc]) != OP_ITER_NEXT)
            continue;
        for (uint32_t k = pc + 2; k < f->code[pc + 1] && k < f->ncode; k++)
            if (INS_OP(f->code[k]) == OP_EMIT)
                return true;
        pc++; /* the exit word */
    }
    return false;
}

/* Global classes from the stream mode's masks; unreached globals stay OTHER. */
static uint8_t pj_global_class(const Pj *pj, uint32_t g)
{
    if (pj->gstate[g] != 2)
        return PJ_GLOBAL_OTHER;
    uint8_t m = pj->gval[g];
    if (m == M_K)
        return PJ_GLOBAL_KEEP;
    if (m == M_F)
        return PJ_GLOBAL_FOLD;
    if (m && !(m & ~(M_E | M_S | M_Z)))
        return PJ_GLOBAL_ELEM;
    return PJ_GLOBAL_OTHER;
}

/* Sets bit in fold_kinds of every FOLD global the POST rules of policies
 * of kind `kind` may read: a walk of the call graph (calls and globals'
 * functions) from those rules. It reads dead code too, so it may mark more
 * than the post phase reads, never less. Returns false on out of memory. */
static bool pj_fold_kinds(const Program *p, const StreamPlan *sp, uint32_t kind)
{
    uint8_t *seen = calloc(p->nfuncs ? p->nfuncs : 1, 1);
    uint32_t *work = malloc((p->nfuncs ? p->nfuncs : 1) * sizeof *work);
    if (!seen || !work) {
        free(seen);
        free(work);
        return false;
    }
    uint32_t nw = 0;
    for (uint32_t pi = 0; pi < p->npolicies; pi++) {
        const Policy *pol = &p->policies[pi];
        if ((uint32_t)pol->kind != kind)
            continue;
        for (uint32_t r = 0; r < pol->nrules; r++) {
            uint32_t ri = pol->first_rule + r;
            if (ri < p->nrules && sp->rule[ri] == PJ_RULE_POST && !seen[p->rules[ri].func]) {
                seen[p->rules[ri].func] = 1;
                work[nw++] = p->rules[ri].func;
            }
        }
    }
    while (nw) {
        const Function *f = &p->funcs[work[--nw]];
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            Instr ins = f->code[pc];
            uint32_t next = UINT32_MAX;
            if (INS_OP(ins) == OP_ITER_NEXT) {
                pc++; /* the exit word is not an instruction */
            } else if (INS_OP(ins) == OP_CALL) {
                next = INS_B(ins);
            } else if (INS_OP(ins) == OP_GLOBAL && INS_A(ins) < p->nglobals) {
                if (sp->global[INS_A(ins)] == PJ_GLOBAL_FOLD)
                    sp->fold_kinds[INS_A(ins)] |= 1u << kind;
                next = p->globals[INS_A(ins)].func;
            }
            if (next < p->nfuncs && !seen[next]) {
                seen[next] = 1;
                work[nw++] = next;
            }
        }
    }
    free(seen);
    free(work);
    return true;
}

void project_stream_plan_free(StreamPlan *sp)
{
    if (!sp)
        return;
    free(sp->policy);
    free(sp->rule);
    free(sp->global);
    free(sp->why);
    free(sp->fold_kinds);
    memset(sp, 0, sizeof *sp);
}

bool project_stream_plan(const Program *p, StreamPlan *out)
{
    memset(out, 0, sizeof *out);
    uint32_t np = p->npolicies ? p->npolicies : 1, nr = p->nrules ? p->nrules : 1,
             ng = p->nglobals ? p->nglobals : 1;
    Pj pj = {0};
    pj.p = p;
    pj.gstate = calloc(2 * (size_t)ng, 1);
    pj.gval = calloc(2 * (size_t)ng, 1);
    out->policy = calloc(np, 1);
    out->rule = calloc(nr, 1);
    out->global = calloc(ng, 1);
    out->why = calloc(np, sizeof *out->why);
    out->fold_kinds = calloc(ng, sizeof *out->fold_kinds);
    const char **rwhy = calloc(nr, sizeof *rwhy); /* per rule: its stream-mode reason */
    bool ok = pj.gstate && pj.gval && out->policy && out->rule && out->global && out->why &&
              out->fold_kinds && rwhy;
    /* The stream mode first, over every rule: it classifies the globals
     * the post mode needs (which ones are folds). */
    for (uint32_t ri = 0; ok && ri < p->nrules; ri++) {
        if (p->rules[ri].func >= p->nfuncs) {
            rwhy[ri] = "bad rule";
            continue;
        }
        Fn fn;
        pj_func(&pj, p->rules[ri].func, NULL, 0, false, &fn);
        if (!fn.bad)
            out->rule[ri] = PJ_RULE_STREAM;
        else if (fn.bad != pj_not_in_loop && pj_emits_in_loop(&p->funcs[p->rules[ri].func]))
            rwhy[ri] = fn.bad;
    }
    for (uint32_t ri = 0; ok && !pj.oom && ri < p->nrules; ri++) {
        if (out->rule[ri] == PJ_RULE_STREAM || p->rules[ri].func >= p->nfuncs)
            continue;
        Fn fn;
        pj_func(&pj, p->rules[ri].func, NULL, 0, true, &fn);
        if (!fn.bad)
            out->rule[ri] = PJ_RULE_POST;
        else if (!rwhy[ri])
            rwhy[ri] = fn.bad;
    }
    ok = ok && !pj.oom;
    for (uint32_t pi = 0; ok && pi < p->npolicies; pi++) {
        const Policy *pol = &p->policies[pi];
        const char *reason = pol->nrules ? NULL : "no rules";
        for (uint32_t r = 0; r < pol->nrules && !reason; r++) {
            uint32_t ri = pol->first_rule + r;
            if (ri >= p->nrules)
                reason = "bad rule";
            else if (out->rule[ri] == PJ_RULE_WHOLE)
                reason = rwhy[ri] ? rwhy[ri] : "not modelled";
        }
        out->policy[pi] = !reason;
        out->why[pi] = reason;
        out->nstream += !reason;
    }
    for (uint32_t g = 0; ok && g < p->nglobals; g++)
        out->global[g] = pj_global_class(&pj, g);
    for (uint32_t k = 0; ok && k < PK__COUNT; k++)
        ok = pj_fold_kinds(p, out, k);
    free(rwhy);
    free(pj.memo);
    free(pj.gstate);
    free(pj.gval);
    if (!ok)
        project_stream_plan_free(out);
    return ok;
}

uint32_t project_stream_policies(const Program *p, uint8_t *ok, const char **why)
{
    StreamPlan sp;
    for (uint32_t pi = 0; pi < p->npolicies; pi++) {
        ok[pi] = 0;
        if (why)
            why[pi] = NULL;
    }
    if (!project_stream_plan(p, &sp))
        return UINT32_MAX;
    for (uint32_t pi = 0; pi < p->npolicies; pi++) {
        ok[pi] = sp.policy[pi];
        if (why)
            why[pi] = sp.why[pi];
    }
    uint32_t n = sp.nstream;
    project_stream_plan_free(&sp);
    return n;
}
