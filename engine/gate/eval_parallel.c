/* eval_parallel.c — one input's policies on several threads.
 *
 * veto_eval hands a large input with many policies here: workers (the
 * calling thread and jobs - 1 more) each take the next policy of the kind
 * not yet taken, in increasing policy order, and evaluate it on their own
 * Vm and evaluation arena into their own scratch decision; the results are
 * then copied into one decision in policy order, which is the order one
 * thread produces (policy, then rule, then emit).
 *
 * Why that decision is the one a single thread makes: a policy's results
 * depend on the input, the context and the data, and on the Vm's history
 * (the lazily computed globals, builtin caches, the arena) only through
 * the limits and the evidence of a global — nothing else a policy can
 * observe. Because each worker takes policies in increasing order, what
 * its Vm has computed before a policy is a subset of what one thread's
 * Vm has, so a policy here uses at least the steps, the nesting and the
 * stack it uses on one thread. Hence:
 *   - no limit reached here means none reached on one thread; a limit
 *     reached here (step budget, memory, global nesting, value stack) may
 *     not be reached there, so the whole evaluation falls back to one
 *     thread (NULL);
 *   - a global used as evidence is read only if already computed: a global
 *     a rule's evidence names but the worker has not computed might have
 *     been computed on one thread, so that falls back too;
 *   - one thread's arena holds what all policies allocate. Each worker's
 *     arena has the full cap (docs/LANGUAGE.md "Limits"); the run is
 *     redone on one thread unless the workers together handed out at most
 *     half of it (an arena block grown in place on one side may be copied
 *     on the other: at most twice the bytes, as arrays grow by doubling).
 * Out of memory anywhere (a worker's setup, a scratch decision, the merge)
 * also gives NULL: no partial decision.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gate/decision.h"
#include "gate/eval_core.h"
#include "gate/eval_parallel.h"
#include "lang/explain_plan.h"
#include "vm/vm.h"

/* Below this input size a second thread costs more than it saves: setting
 * up a Vm and a thread, and computing shared globals twice, against a few
 * milliseconds of evaluation (docs/PERFORMANCE.md). VETO_JOBS_MIN_BYTES
 * overrides it, so tests can split small real plans. */
#define EVAL_PARALLEL_MIN_BYTES ((size_t)1 << 20)
/* Fewer policies than this rarely split evenly enough to pay. */
#define EVAL_PARALLEL_MIN_POLICIES 4u
/* Upper bound on workers whatever opt->jobs says. */
#define EVAL_PARALLEL_MAX 64u
/* Each worker's C stack: what the main thread usually has, for the VM's
 * nested calls and globals. */
#define EVAL_PARALLEL_STACK ((size_t)8 << 20)

typedef struct Pool Pool;

typedef struct Worker {
    Pool *pool;
    uint32_t id;
    veto_decision *dec; /* scratch: this worker's results (owned) */
    size_t used;        /* bytes its evaluation arena handed out */
    bool ok;            /* set up, and nothing one thread might not reproduce */
    const char *why;    /* !ok: why, for VETO_JOBS_TRACE */
    /* while running (worker_run's frame): */
    EvalState st;
    const Vm *vm;
} Worker;

struct Pool {
    const Program *prog;
    const veto_doc *input;
    const veto_eval_options *opt;
    const uint32_t *pols; /* the policies of the kind, in order */
    uint32_t npols;
    uint32_t *owner;       /* per pols[k]: the worker that evaluated it */
    atomic_uint next;      /* next index into pols to take */
    atomic_bool abandoned; /* a worker failed: the rest stop early */
};

/* The input size from which policies are split: read from the
 * environment once (a race only stores the same value twice), as tiny
 * evaluations must not pay for getenv. */
static size_t parallel_min_bytes(void)
{
    static _Atomic long long cached = -1;
    long long v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        const char *s = getenv("VETO_JOBS_MIN_BYTES");
        char *end = NULL;
        v = s && *s ? strtoll(s, &end, 10) : -1;
        if (v < 0 || !end || *end)
            v = (long long)EVAL_PARALLEL_MIN_BYTES;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return (size_t)v;
}

/* Workers for this evaluation: 1 when it should stay on one thread. The
 * cheap tests come first: this runs before every evaluation. */
static uint32_t parallel_jobs(const Program *p, PolicyKind kind, const veto_doc *input,
                              const veto_eval_options *opt, uint32_t *npols)
{
    unsigned asked = opt ? opt->jobs : 0;
    if (asked == 1 || (opt && (opt->explain || opt->hooks)))
        return 1; /* explanations and hooks observe one Vm's steps in order */
    if (!input || input->len < parallel_min_bytes())
        return 1;
    *npols = 0;
    for (uint32_t i = 0; i < p->npolicies; i++)
        *npols += p->policies[i].kind == kind;
    if (*npols < EVAL_PARALLEL_MIN_POLICIES)
        return 1;
    uint32_t n;
    if (asked) {
        n = asked;
    } else {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus >= 2 ? 2 : 1;
    }
    if (n > *npols)
        n = *npols;
    return n > EVAL_PARALLEL_MAX ? EVAL_PARALLEL_MAX : n;
}

/* After policy failed on vm: was it a limit that depends on what the Vm
 * computed before (and so may not be reached on one thread)? The Vm marks
 * its limit errors (err_limit); the step budget also leaves fuel at 0 or
 * wrapped past the limit, and memory the arena's sticky flag. */
static bool parallel_limit_error(const Vm *vm)
{
    return vm->err_limit || vm->fuel == 0 || vm->fuel > vm->fuel_limit || vm->arena->failed;
}

/* VmEmitFn: eval_emit, after checking that the result's evidence does not
 * depend on the Vm's history (see the top of the file). */
static void parallel_emit(void *ud, uint32_t ri, Value binding, Value message)
{
    Worker *w = ud;
    const Program *p = w->pool->prog;
    const RuleExplain *rx = p->rules[ri].explain;
    if (rx && rx->ev_kind == EV_GLOBAL && rx->ev_path && rx->ev_index < p->nglobals &&
        w->vm->globals[rx->ev_index].state != 2) {
        w->ok = false;
        w->why = "evidence from a global another policy may have computed";
    }
    eval_emit(&w->st, ri, binding, message);
}

/* A worker: takes policies until none is left, or until one of them did
 * something a single thread might not (then w->ok is false). */
static void *worker_run(void *arg)
{
    Worker *w = arg;
    Pool *pl = w->pool;
    Arena arena;
    _Alignas(16) unsigned char first[EVAL_STACK_CHUNK];
    Vm vm;
    w->ok = false;
    w->why = "out of memory";
    if (!w->dec || !eval_setup(&vm, &arena, first, pl->prog, pl->input, pl->opt)) {
        atomic_store(&pl->abandoned, true);
        return NULL;
    }
    w->ok = true;
    w->st = (EvalState){w->dec, pl->prog, BUF_INIT, &vm, 0, NULL};
    w->vm = &vm;
    vm.emit = parallel_emit;
    vm.emit_ud = w;
    while (!atomic_load_explicit(&pl->abandoned, memory_order_relaxed)) {
        uint32_t k = atomic_fetch_add(&pl->next, 1);
        if (k >= pl->npols)
            break;
        pl->owner[k] = w->id;
        bool done = eval_policy(&w->st, &vm, pl->pols[k]);
        if (arena.failed || w->dec->oom) {
            w->ok = false;
            w->why = "out of memory or over the memory cap";
        } else if (!done && parallel_limit_error(&vm)) {
            w->ok = false;
            w->why = "a limit reached";
        }
        if (!w->ok) {
            atomic_store(&pl->abandoned, true);
            break;
        }
    }
    w->used = arena.used;
    buf_free(&w->st.text);
    vm_free(&vm);
    arena_free(&arena);
    return NULL;
}

/* The workers' results in policy order, in a new decision; NULL (and
 * *why) when one failed, they used too much memory together, or out of
 * memory. */
static veto_decision *parallel_merge(const Pool *pl, Worker *ws, uint32_t n, PolicyKind kind,
                                     const char **why)
{
    size_t used = 0, cap = pl->opt && pl->opt->mem_cap ? pl->opt->mem_cap : EVAL_DEFAULT_MEM_CAP;
    for (uint32_t i = 0; i < n; i++) {
        if (!ws[i].ok) {
            *why = ws[i].why;
            return NULL;
        }
        used += ws[i].used;
    }
    *why = "over half the memory cap together";
    if (used > cap / 2)
        return NULL;
    *why = "out of memory";
    veto_decision *dec = decision_new(pl->prog, kind);
    uint32_t cursor[EVAL_PARALLEL_MAX] = {0};
    for (uint32_t k = 0; dec && k < pl->npols; k++) {
        const veto_decision *from = ws[pl->owner[k]].dec;
        uint32_t *c = &cursor[pl->owner[k]];
        while (*c < from->nresults && from->results[*c].policy == pl->pols[k])
            decision_add_copy(dec, &from->results[(*c)++]);
        dec->policies_evaluated++;
    }
    bool complete = dec && !dec->oom;
    for (uint32_t i = 0; complete && i < n; i++)
        complete = cursor[i] == ws[i].dec->nresults; /* every result has its policy's place */
    if (!complete) {
        veto_decision_free(dec);
        return NULL;
    }
    return dec;
}

veto_decision *eval_parallel(const Program *p, PolicyKind kind, const veto_doc *input,
                             const veto_eval_options *opt)
{
    uint32_t npols = 0;
    uint32_t n = parallel_jobs(p, kind, input, opt, &npols);
    if (n < 2)
        return NULL;
    Pool pl = {p, input, opt, NULL, npols, NULL, 0, false};
    uint32_t *pols = malloc(npols * sizeof *pols);
    pl.owner = calloc(npols, sizeof *pl.owner);
    Worker *ws = calloc(n, sizeof *ws);
    pthread_t *threads = malloc(n * sizeof *threads);
    veto_decision *dec = NULL;
    if (!pols || !pl.owner || !ws || !threads)
        goto out;
    npols = 0;
    for (uint32_t i = 0; i < p->npolicies; i++)
        if (p->policies[i].kind == kind)
            pols[npols++] = i;
    pl.pols = pols;
    atomic_init(&pl.next, 0);
    atomic_init(&pl.abandoned, false);
    for (uint32_t i = 0; i < n; i++) {
        ws[i].pool = &pl;
        ws[i].id = i;
        ws[i].dec = decision_new(p, kind); /* NULL: that worker fails, so the run */
    }
    pthread_attr_t attr;
    bool attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok)
        pthread_attr_setstacksize(&attr, EVAL_PARALLEL_STACK);
    /* A thread that cannot start leaves its policies to the others: its
     * worker takes none and counts as done. */
    uint32_t started = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (pthread_create(&threads[i], attr_ok ? &attr : NULL, worker_run, &ws[i]) != 0)
            break;
        started = i;
    }
    if (attr_ok)
        pthread_attr_destroy(&attr);
    worker_run(&ws[0]);
    for (uint32_t i = 1; i <= started; i++)
        pthread_join(threads[i], NULL);
    const char *why = NULL;
    dec = parallel_merge(&pl, ws, started + 1, kind, &why);
    const char *trace = getenv("VETO_JOBS_TRACE");
    if (trace && strcmp(trace, "1") == 0) {
        if (dec)
            fprintf(stderr, "jobs: %u policies on %u threads\n", npols, started + 1);
        else
            fprintf(stderr, "jobs: %u policies on %u threads, redone on one (%s)\n", npols,
                    started + 1, why ? why : "out of memory");
    }
out:
    for (uint32_t i = 0; ws && i < n; i++)
        veto_decision_free(ws[i].dec);
    free(threads);
    free(ws);
    free(pl.owner);
    free(pols);
    return dec;
}
