/* stream.c — evaluating a plan file resource by resource (veto_eval_file),
 * and the per-program analyses plan-native loading uses (stream.h).
 *
 * When every policy of the evaluated kind streams (project.h), the file is
 * read once with the projecting reader (json_read_stream) and each entry
 * of resource_changes is evaluated as soon as it is read, on a root object
 * that holds the rest of the plan (the "K document") and that one entry:
 * STREAM rules emit straight into the decision, the FOLD globals POST
 * rules read are summed, then the element arena is reset. POST rules run
 * once at the end with the sums. Memory: the K document, the decision, one
 * entry; the file's pages are given back behind the reader.
 *
 * When some policies of the kind stream and others do not ("mixed"), the
 * streaming ones run as above, and of each entry the reader hands over, a
 * copy restricted to what the others read (a path analysis rooted at
 * their rules, paths_analyze_rules) is kept in the K document's arena.
 * After the stream those others are evaluated, as veto_eval would, on the
 * K document holding the kept entries as its resource_changes: a document
 * equal to the projected whole document on every path they can read. The
 * memory is what they need of every entry, not every entry.
 *
 * Whole-document evaluation runs the policies one after the other; here
 * each entry runs them all. So results are stable-sorted by (policy, rule)
 * at the end — within a rule, entry order is the order a whole-document
 * loop would have seen. Anything this cannot reproduce exactly — a runtime
 * error, the step budget or the memory cap reached, invalid JSON, an input
 * not shaped for streaming — throws the partial decision away and
 * evaluates the whole document instead, which gives the exact results and
 * diagnostics. The step budget is per policy over all entries, as on the
 * whole document. In mixed mode a runtime error of a policy that does not
 * stream is its error result, as on the whole document, unless it is a
 * resource limit (stream_limit_error): then too the whole document.
 *
 * Owns: the streaming Vm and arenas of one call, and each program's
 * StreamCache (in the program's arena). Borrows the program and options.
 */
#include "gate/stream.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/decision.h"
#include "gate/eval_core.h"
#include "input/doc.h"
#include "input/json_read.h"
#include "input/taint.h"
#include "vm/vm.h"

#define STREAM_KEY     "resource_changes"
#define STREAM_KEY_LEN 16

/* ---- the per-program cache ------------------------------------------------ */

/* Serialises building caches: they are allocated from the program's arena,
 * which nothing else allocates from once the program is compiled. */
static pthread_mutex_t stream_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* A copy of the projection tree n (and below) in a. */
static PathNode *stream_copy_node(Arena *a, const PathNode *n, PathNode *parent)
{
    PathNode *c = arena_alloc(a, sizeof *c);
    if (!c)
        return NULL;
    *c = *n;
    c->parent = parent;
    c->kids = NULL;
    c->star = NULL;
    c->capkids = n->nkids;
    if (n->key && !(c->key = arena_strndup(a, n->key, n->klen)))
        return NULL;
    if (n->nkids && !(c->kids = arena_alloc(a, n->nkids * sizeof *c->kids)))
        return NULL;
    for (uint32_t i = 0; i < n->nkids; i++)
        if (!(c->kids[i] = stream_copy_node(a, n->kids[i], c)))
            return NULL;
    if (n->star && !(c->star = stream_copy_node(a, n->star, c)))
        return NULL;
    return c;
}

static void *stream_dup(Arena *a, const void *src, size_t n)
{
    void *d = arena_alloc(a, n ? n : 1);
    if (d && n)
        memcpy(d, src, n);
    return d;
}

static StreamCache *stream_cache_build(Program *p)
{
    Arena *a = &p->arena;
    StreamCache *c = arena_zalloc(a, sizeof *c);
    PathTree *t = c ? paths_analyze(p) : NULL;
    if (!t)
        return NULL;
    c->proj = stream_copy_node(a, t->root, NULL);
    paths_free(t);
    if (!c->proj)
        return NULL;
    /* Without a plan (out of memory in the analysis) nothing streams. */
    StreamPlan sp;
    if (project_stream_plan(p, &sp)) {
        uint32_t np = p->npolicies, nr = p->nrules, ng = p->nglobals;
        c->plan.nstream = sp.nstream;
        c->plan.policy = stream_dup(a, sp.policy, np);
        c->plan.rule = stream_dup(a, sp.rule, nr);
        c->plan.global = stream_dup(a, sp.global, ng);
        c->plan.why = stream_dup(a, sp.why, np * sizeof *sp.why);
        c->plan.fold_kinds = stream_dup(a, sp.fold_kinds, ng * sizeof *sp.fold_kinds);
        c->keep = arena_zalloc(a, ng ? ng : 1);
        project_stream_plan_free(&sp);
        if (!c->plan.policy || !c->plan.rule || !c->plan.global || !c->plan.why ||
            !c->plan.fold_kinds || !c->keep)
            return NULL;
        for (uint32_t g = 0; g < ng; g++)
            c->keep[g] = c->plan.global[g] == PJ_GLOBAL_KEEP;
        uint32_t total[PK__COUNT] = {0}, streams[PK__COUNT] = {0};
        for (uint32_t i = 0; i < np; i++) {
            total[p->policies[i].kind]++;
            streams[p->policies[i].kind] += c->plan.policy[i];
        }
        for (int k = 0; k < PK__COUNT; k++) {
            c->kind_streams[k] = total[k] > 0 && streams[k] == total[k];
            c->kind_mixed[k] = streams[k] > 0 && streams[k] < total[k];
        }
    }
    return c;
}

const StreamCache *stream_cache_get(const Program *cp)
{
    /* The cache is a memo of pure functions of the program: filling it in
     * does not change what the program means, so a const program may. */
    Program *p = (Program *)cp;
    StreamCache *c = __atomic_load_n(&p->stream_cache, __ATOMIC_ACQUIRE);
    if (c)
        return c;
    pthread_mutex_lock(&stream_cache_lock);
    c = p->stream_cache;
    if (!c) {
        c = stream_cache_build(p);
        __atomic_store_n(&p->stream_cache, c, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&stream_cache_lock);
    return c;
}

/* The analysis of the rules of the policies of `kind` that stream
 * (streams 1) or do not; NULL on out of memory. */
static PathTree *stream_analyze_kind(const Program *p, const StreamCache *sc, PolicyKind kind,
                                     uint8_t streams)
{
    uint8_t *mask = calloc(p->nrules ? p->nrules : 1, 1);
    if (!mask)
        return NULL;
    for (uint32_t i = 0; i < p->npolicies; i++) {
        const Policy *pol = &p->policies[i];
        if (pol->kind == kind && sc->plan.policy[i] == streams)
            memset(mask + pol->first_rule, 1, pol->nrules);
    }
    PathTree *t = paths_analyze_rules(p, mask);
    free(mask);
    return t;
}

/* What the policies of `kind` read, for mixed streaming: decides m->state
 * and sets m->entry and m->early. False on out of memory. */
static bool stream_mixed_build(Program *p, const StreamCache *sc, PolicyKind kind,
                               struct StreamMixed *m)
{
    PathTree *w = stream_analyze_kind(p, sc, kind, 0);
    PathTree *st = w ? stream_analyze_kind(p, sc, kind, 1) : NULL;
    bool ok = st != NULL;
    if (!ok) {
        /* out of memory */
    } else if (w->root->whole) {
        m->state = STREAM_MIXED_NO;
        m->why = "the policies that do not stream read the whole input";
    } else if (!paths_covers(sc->proj, w->root) || !paths_covers(sc->proj, st->root)) {
        /* the stream reads with the program's projection: it must keep
         * everything either part reads (it does, the analysis being
         * monotone in its roots; this makes sure) */
        m->state = STREAM_MIXED_NO;
        m->why = "the projection does not keep what the policies read";
    } else {
        static const PathNode whole = {.whole = 1};
        const PathNode *rc =
            paths_child(w->root, STREAM_KEY, STREAM_KEY_LEN,
                        p->engine ? keys_lookup(p->engine->keys, STREAM_KEY, STREAM_KEY_LEN) : 0);
        const PathNode *en = !rc ? NULL : rc->whole ? &whole : paths_elem(rc);
        m->entry = en ? stream_copy_node(&p->arena, en, NULL) : NULL;
        m->early = stream_copy_node(&p->arena, st->root, NULL);
        ok = (!en || m->entry) && m->early;
        m->state = STREAM_MIXED_YES;
    }
    paths_free(w);
    paths_free(st);
    return ok;
}

const struct StreamMixed *stream_mixed_get(const Program *cp, const StreamCache *sc,
                                           PolicyKind kind)
{
    /* a memo in the program's cache, as stream_cache_get */
    Program *p = (Program *)cp;
    struct StreamMixed *m = (struct StreamMixed *)&sc->mixed[kind];
    if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) != STREAM_MIXED_UNKNOWN)
        return m;
    pthread_mutex_lock(&stream_cache_lock);
    if (m->state == STREAM_MIXED_UNKNOWN) {
        struct StreamMixed built = {0};
        if (!stream_mixed_build(p, sc, kind, &built)) {
            built.state = STREAM_MIXED_NO;
            built.why = "out of memory";
            built.entry = built.early = NULL;
        }
        m->entry = built.entry;
        m->early = built.early;
        m->why = built.why;
        __atomic_store_n(&m->state, built.state, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&stream_cache_lock);
    return m;
}

/* ---- streaming one file --------------------------------------------------- */

typedef struct Streamer {
    const Program *p;
    const StreamCache *sc;
    veto_decision *dec;
    Vm vm;
    Arena keep; /* outlives the entries: data, KEEP globals */
    Arena elem; /* one entry and everything the rules make of it */
    EvalState st;
    Arena *doc_arena; /* the K document's, for tainting it */
    JsonStream *js;   /* the read in progress */
    bool started;     /* the first entry set the root up */
    Value slot;       /* the entry the root's resource_changes holds */
    /* the kind's policies, in program order: those that stream, then
     * (mixed) those that do not */
    uint32_t *pols;
    uint32_t npols;
    uint32_t nstream; /* pols[0 .. nstream) stream */
    uint64_t *fuel;   /* per pols[i], i < nstream: steps left */
    uint32_t *folds;  /* FOLD globals the kind's POST rules read */
    uint32_t nfolds;
    int64_t *sums;       /* per folds[i] */
    uint64_t fold_steps; /* steps spent computing folds, charged to POST rules */
    const char *why;     /* why streaming gave up (for the trace) */
    size_t nelems;       /* entries streamed */
    bool deferred;       /* streamed after the document's end */
    /* Mixed: some policies of the kind do not stream (npols - nstream of
     * them); each entry is also copied, as far as they read it (entry;
     * NULL: they read no entry), into the K document's arena and kept in
     * kept[0..nkept) for their evaluation after the stream. */
    bool mixed;
    const PathNode *entry;
    const PathNode *early; /* what the streaming policies read (JsonStream.early) */
    Value *kept;           /* malloc'd */
    size_t nkept, capkept;
    const KeyTable *keys;
} Streamer;

static bool stream_stop(Streamer *s, const char *why)
{
    if (!s->why)
        s->why = why;
    return false;
}

/* The first entry: the root the entries see is known (json.h), so taint
 * it, point its resource_changes at the slot and give it to the Vm. */
static bool stream_setup_root(Streamer *s, Value root)
{
    taint_plan(s->doc_arena, &root);
    Member *rc = (Member *)value_get(root, STREAM_KEY, STREAM_KEY_LEN, 0);
    if (!rc || s->doc_arena->failed)
        return stream_stop(s, "out of memory");
    rc->val = value_undef();
    rc->val.kind = V_ARR;
    rc->val.n = 1;
    rc->val.u.a = &s->slot;
    s->vm.input = root;
    s->started = true;
    return true;
}

/* Mixed: keeps what the policies that do not stream read of entry e
 * (tainted already), in the K document's arena: capped by the load's
 * memory limit like the whole document it stands for. */
static bool stream_keep(Streamer *s, Value e)
{
    if (s->nkept == s->capkept) {
        /* an array holds at most UINT32_MAX values */
        size_t cap = s->capkept ? s->capkept * 2 : 1024;
        if (cap > UINT32_MAX)
            cap = UINT32_MAX;
        Value *k = cap > s->nkept ? realloc(s->kept, cap * sizeof *k) : NULL;
        if (!k)
            return stream_stop(s, "out of memory");
        s->kept = k;
        s->capkept = cap;
    }
    if (!paths_copy(s->doc_arena, e, s->entry, false, s->keys, &s->kept[s->nkept]))
        return stream_stop(s, "out of memory keeping an entry");
    s->nkept++;
    return true;
}

/* JsonStream.elem (ud: the Streamer): evaluates one entry. */
static bool stream_element(void *ud, Value e)
{
    Streamer *s = ud;
    const Program *p = s->p;
    const uint8_t *mode = s->sc->plan.rule;
    Vm *vm = &s->vm;
    if (!s->started && !stream_setup_root(s, s->js->root))
        return false;
    /* Secrets are tainted before any rule sees the entry, as taint_plan
     * would on the whole document. */
    taint_resource_change(&s->elem, e);
    if (s->elem.failed)
        return stream_stop(s, "memory cap");
    s->slot = e;
    if (s->mixed && s->entry && !stream_keep(s, e))
        return false;
    for (uint32_t k = 0; k < s->nstream; k++) {
        const Policy *pol = &p->policies[s->pols[k]];
        vm->fuel = s->fuel[k];
        for (uint32_t r = 0; r < pol->nrules; r++) {
            uint32_t ri = pol->first_rule + r;
            if (mode[ri] != PJ_RULE_STREAM)
                continue;
            Value ignored;
            s->st.base = vm->sp;
            if (!vm_call(vm, p->rules[ri].func, &ignored))
                return stream_stop(s, "runtime error");
        }
        s->fuel[k] = vm->fuel;
    }
    for (uint32_t i = 0; i < s->nfolds; i++) {
        Value v;
        vm->fuel = vm->fuel_limit;
        if (!vm_call(vm, p->globals[s->folds[i]].func, &v))
            return stream_stop(s, "runtime error");
        s->fold_steps += vm->fuel_limit - vm->fuel;
        if (s->fold_steps > vm->fuel_limit)
            return stream_stop(s, "step budget");
        if (v.kind != V_INT || __builtin_add_overflow(s->sums[i], v.u.i, &s->sums[i]))
            return stream_stop(s, "fold not an integer");
    }
    if (s->dec->oom)
        return stream_stop(s, "out of memory");
    vm_forget_globals(vm);
    return true;
}

/* Stable sort of the results into evaluation order — policy, then rule,
 * then a policy's runtime error (which ends it) — a counting sort: results
 * keep their order within a rule. False on out of memory. */
static bool stream_sort(const Program *p, veto_decision *dec)
{
    uint32_t n = dec->nresults, nr = p->nrules, np = p->npolicies;
    if (n < 2)
        return true;
    /* slot of rule r: order[r]; of policy i's error: order[nr + i] */
    uint32_t *order = calloc((size_t)nr + np + 1, sizeof *order);
    uint32_t *start = calloc((size_t)nr + np + 2, sizeof *start);
    uint32_t *slot = malloc(n * sizeof *slot);
    Result *out = malloc(n * sizeof *out);
    bool ok = order && start && slot && out;
    if (ok) {
        uint32_t next = 0;
        for (uint32_t i = 0; i < np; i++) {
            const Policy *pol = &p->policies[i];
            if (pol->kind != dec->kind)
                continue;
            for (uint32_t r = 0; r < pol->nrules; r++)
                order[pol->first_rule + r] = next++;
            order[nr + i] = next++;
        }
        for (uint32_t i = 0; i < n; i++) {
            const Result *res = &dec->results[i];
            slot[i] = order[res->kind == RES_ERROR ? nr + res->policy : res->rule];
            start[slot[i] + 1]++;
        }
        for (uint32_t i = 1; i <= next; i++)
            start[i] += start[i - 1];
        for (uint32_t i = 0; i < n; i++)
            out[start[slot[i]]++] = dec->results[i];
        memcpy(dec->results, out, n * sizeof *out);
    }
    free(order);
    free(start);
    free(slot);
    free(out);
    return ok;
}

/* A runtime error the whole document might not have raised, or raised
 * elsewhere: a limit on resources. Evaluated alone, the policies that do
 * not stream compute every global they read themselves, which whole-
 * document evaluation may have done in an earlier policy, out of that
 * policy's step budget, stack and memory: with those not shared, an error
 * here may be none there. (The converse cannot happen: the whole document
 * spends at least as much of each.) Anything else they raise, they raise
 * there too, on the same values. The Vm marks limit errors (err_limit);
 * a builtin that ran out of memory shows in the arena. */
static bool stream_limit_error(const Vm *vm, const Arena *a) { return a->failed || vm->err_limit; }

/* Mixed: the policies that do not stream, evaluated as veto_eval would
 * evaluate them, on the K document whose resource_changes holds the kept
 * copies of the entries. That document equals the projected whole
 * document on every path they can read (stream_mixed_get), so they give
 * the results they give there: the same per-policy step budget, a runtime
 * error an error result ending the policy. A clean Vm: every global is
 * computed afresh on this document, as it would be on the whole one
 * (KEEP globals too: not worth sharing). Results go into s->dec. False
 * (s->why set) on a resource limit: fall back. */
static bool stream_whole(Streamer *s, Value root, const veto_eval_options *opt)
{
    const Program *p = s->p;
    Arena arena;
    arena_init(&arena, EVAL_CHUNK);
    arena_set_cap(&arena, opt && opt->mem_cap ? opt->mem_cap : EVAL_DEFAULT_MEM_CAP);
    Vm vm;
    bool ok = vm_init(&vm, p, &arena, opt ? opt->fuel : 0);
    if (ok)
        eval_bind(&vm, &arena, root, opt);
    if (!ok || arena.failed) {
        ok = stream_stop(s, "out of memory");
        goto done;
    }
    EvalState st = {s->dec, p, BUF_INIT, &vm, 0, NULL};
    vm.emit = eval_emit;
    vm.emit_ud = &st;
    /* policies_evaluated, which eval_policy counts, is set for all
     * policies at the end (stream_run) */
    for (uint32_t k = s->nstream; k < s->npols && ok; k++)
        if (!eval_policy(&st, &vm, s->pols[k]) && stream_limit_error(&vm, &arena))
            ok = stream_stop(s, "resource limit in a policy that does not stream");
    buf_free(&st.text);
done:
    vm_free(&vm);
    arena_free(&arena);
    return ok;
}

/* Mixed: *out is the K document (doc's root) with the kept entries as its
 * resource_changes — a new root object, sharing the rest. False on out of
 * memory. */
static bool stream_mixed_root(Streamer *s, veto_doc *doc, Value *out)
{
    Value root = doc->root;
    Member *ms =
        root.kind == V_OBJ && root.n ? arena_alloc(&doc->arena, root.n * sizeof *ms) : NULL;
    if (!ms)
        return false;
    memcpy(ms, root.u.o, root.n * sizeof *ms);
    for (uint32_t i = 0; i < root.n; i++) {
        if (ms[i].klen != STREAM_KEY_LEN || memcmp(ms[i].key, STREAM_KEY, STREAM_KEY_LEN) != 0)
            continue;
        ms[i].val = value_undef();
        ms[i].val.kind = V_ARR;
        ms[i].val.n = (uint32_t)s->nkept;
        ms[i].val.u.a = s->nkept ? s->kept : NULL;
    }
    root.u.o = ms;
    *out = root;
    return true;
}

enum { STREAM_DONE, STREAM_AS_READ, STREAM_FALLBACK };

/* Plan-native loading (paths.h, json_read_projected): maps the file and
 * materialises only what `p` can read. Anything it does not handle — stdin,
 * YAML, UTF-16, a program that may read everything, a parse error (for the
 * exact diagnostic), VETO_NO_PROJECTION set — goes to veto_doc_load_file. */
veto_doc *veto_doc_load_file_projected(veto_engine *e, const veto_program *p, const char *path,
                                       const veto_load_options *opt, veto_diags *d)
{
    if (!p || getenv("VETO_NO_PROJECTION"))
        return veto_doc_load_file(e, path, opt, d);
    const StreamCache *c = stream_cache_get(p); /* the analysis, once per program */
    veto_doc *doc = c && !c->proj->whole ? doc_open_mapped(path, opt) : NULL;
    if (doc && doc_read_projected(doc, e, c->proj, opt))
        return doc;
    veto_doc_free(doc);
    return veto_doc_load_file(e, path, opt, d);
}

/* Streams doc (from doc_open_mapped) for the policies of `kind`, all of
 * which stream, or (s->mixed) some of which do. STREAM_DONE: *out is the decision. STREAM_AS_READ:
 * doc holds the whole projected document (no entry to stream): evaluate it. STREAM_FALLBACK: give
 * up (s->why says why); doc must be read again. */
static int stream_run(Streamer *s, veto_engine *e, veto_doc *doc, PolicyKind kind,
                      const veto_load_options *lo, const veto_eval_options *opt,
                      veto_decision **out)
{
    const Program *p = s->p;
    const StreamCache *sc = s->sc;
    uint32_t ng = p->nglobals;
    s->pols = malloc((p->npolicies ? p->npolicies : 1) * sizeof *s->pols);
    s->fuel = malloc((p->npolicies ? p->npolicies : 1) * sizeof *s->fuel);
    s->folds = malloc((ng ? ng : 1) * sizeof *s->folds);
    s->sums = calloc(ng ? ng : 1, sizeof *s->sums);
    s->dec = decision_new(p, kind);
    if (!s->pols || !s->fuel || !s->folds || !s->sums || !s->dec)
        return stream_stop(s, "out of memory"), STREAM_FALLBACK;
    /* the streaming ones first; then, mixed, the others */
    for (uint32_t i = 0; i < p->npolicies; i++)
        if (p->policies[i].kind == kind && sc->plan.policy[i])
            s->pols[s->npols++] = i;
    s->nstream = s->npols;
    for (uint32_t i = 0; i < p->npolicies; i++)
        if (p->policies[i].kind == kind && !sc->plan.policy[i])
            s->pols[s->npols++] = i;
    for (uint32_t g = 0; g < ng; g++)
        if (sc->plan.global[g] == PJ_GLOBAL_FOLD && (sc->plan.fold_kinds[g] & (1u << kind)))
            s->folds[s->nfolds++] = g;

    size_t cap = opt && opt->mem_cap ? opt->mem_cap : EVAL_DEFAULT_MEM_CAP;
    arena_init(&s->keep, EVAL_CHUNK);
    arena_set_cap(&s->keep, cap);
    arena_init(&s->elem, EVAL_CHUNK);
    /* the entry is part of the document (lo->max_mem) and of the evaluation */
    arena_set_cap(&s->elem, lo && lo->max_mem && lo->max_mem < cap ? lo->max_mem : cap);
    Vm *vm = &s->vm;
    if (!vm_init(vm, p, &s->elem, opt ? opt->fuel : 0) || !vm_stream_begin(vm, sc->keep, &s->keep))
        return stream_stop(s, "out of memory"), STREAM_FALLBACK;
    eval_bind(vm, &s->keep, value_undef(), opt); /* the input: per entry */
    if (s->keep.failed)
        return stream_stop(s, "out of memory"), STREAM_FALLBACK;
    s->st = (EvalState){s->dec, p, BUF_INIT, vm, 0, NULL};
    vm->emit = eval_emit;
    vm->emit_ud = &s->st;
    for (uint32_t k = 0; k < s->nstream; k++)
        s->fuel[k] = vm->fuel_limit;

    JsonStream js = {0};
    js.key = STREAM_KEY;
    js.klen = STREAM_KEY_LEN;
    js.elem_arena = &s->elem;
    js.elem = stream_element;
    js.ud = s;
    js.release = doc->map_len != 0;
    /* the sensitivity masks paths.h keeps beside every needed object, the
     * root included, where plans never have them */
    static const char *const masks[] = {"after_sensitive", "before_sensitive", "sensitive_values",
                                        "sensitive", NULL};
    js.rare = masks;
    js.early = s->early;
    s->js = &js;
    s->doc_arena = &doc->arena;
    s->keys = e ? e->keys : NULL;
    JsonReadOptions jo = {lo && lo->max_depth ? lo->max_depth : 0, e ? e->keys : NULL};
    JsonError err;
    JsonStreamResult res =
        json_read_stream(&doc->arena, doc->buf, doc->len, &jo, sc->proj, &js, &doc->root, &err);
    s->js = NULL;
    if (res == JSON_STREAM_NO)
        return stream_stop(s, "input not shaped for streaming"), STREAM_FALLBACK;
    if (res != JSON_STREAM_OK)
        return stream_stop(s, "invalid JSON or out of memory"), STREAM_FALLBACK;
    if (js.absent || js.nelems == 0) {
        /* no entry: the K document is the projected document itself */
        s->why = js.absent ? "no resource_changes" : "no entries";
        taint_plan(&doc->arena, &doc->root);
        return doc->arena.failed ? STREAM_FALLBACK : STREAM_AS_READ;
    }
    s->nelems = js.nelems;
    s->deferred = js.deferred;
    if (s->mixed) {
        /* members only the policies that do not stream read may have come
         * after the entries, unseen by stream_setup_root's tainting (which
         * this repeats, to the same effect, for the others) */
        taint_plan(&doc->arena, &doc->root);
        if (doc->arena.failed)
            return stream_stop(s, "out of memory"), STREAM_FALLBACK;
    }

    /* After the stream: POST rules on the K document, FOLD globals set to
     * their sums. */
    Member *rc = (Member *)value_get(doc->root, STREAM_KEY, STREAM_KEY_LEN, 0);
    if (!rc)
        return stream_stop(s, "out of memory"), STREAM_FALLBACK;
    rc->val = value_undef();
    rc->val.kind = V_ARR;
    vm->input = doc->root;
    arena_reset(&s->elem);
    for (uint32_t i = 0; i < s->nfolds; i++)
        vm_set_global(vm, s->folds[i], value_int(s->sums[i]));
    for (uint32_t k = 0; k < s->nstream; k++) {
        const Policy *pol = &p->policies[s->pols[k]];
        bool first = true;
        for (uint32_t r = 0; r < pol->nrules; r++) {
            uint32_t ri = pol->first_rule + r;
            if (sc->plan.rule[ri] != PJ_RULE_POST)
                continue;
            if (first) {
                /* the folds were computed for the POST rules: their steps
                 * count against this policy, as they would on the whole */
                if (s->fold_steps >= s->fuel[k])
                    return stream_stop(s, "step budget"), STREAM_FALLBACK;
                vm->fuel = s->fuel[k] - s->fold_steps;
                first = false;
            }
            Value ignored;
            s->st.base = vm->sp;
            if (!vm_call(vm, p->rules[ri].func, &ignored))
                return stream_stop(s, "runtime error"), STREAM_FALLBACK;
        }
    }
    if (s->mixed) {
        Value root;
        if (!stream_mixed_root(s, doc, &root))
            return stream_stop(s, "out of memory"), STREAM_FALLBACK;
        if (!stream_whole(s, root, opt))
            return STREAM_FALLBACK;
    }
    if (s->dec->oom || !stream_sort(p, s->dec))
        return stream_stop(s, "out of memory"), STREAM_FALLBACK;
    s->dec->policies_evaluated = s->npols;
    decision_finish(s->dec);
    doc_hash_wait(doc);
    decision_set_docs(s->dec, doc, opt ? opt->context : NULL);
    *out = s->dec;
    s->dec = NULL;
    return STREAM_DONE;
}

static void stream_free(Streamer *s)
{
    vm_free(&s->vm);
    arena_free(&s->keep);
    arena_free(&s->elem);
    buf_free(&s->st.text);
    veto_decision_free(s->dec);
    free(s->pols);
    free(s->fuel);
    free(s->folds);
    free(s->sums);
    free(s->kept);
}

veto_decision *veto_eval_file(veto_engine *e, const veto_program *p, const char *path,
                              const veto_load_options *lo, const veto_eval_options *opt,
                              veto_diags *d)
{
    if (!p || !path)
        return NULL;
    veto_doc *doc = NULL;
    if (opt && opt->explain) {
        /* explanations show whole sub-expressions (`r.after`): a whole document */
        doc = veto_doc_load_file(e, path, lo, d);
    } else {
        const StreamCache *sc = getenv("VETO_NO_PROJECTION") ? NULL : stream_cache_get(p);
        doc = sc && !sc->proj->whole ? doc_open_mapped(path, lo) : NULL;
        PolicyKind kind = eval_kind(opt ? opt->kind : NULL);
        const char *trace = getenv("VETO_STREAM_TRACE");
        bool traced = trace && *trace && strcmp(trace, "0") != 0;
        bool can = doc && kind != PK__COUNT && !(opt && opt->hooks) && !getenv("VETO_NO_STREAM");
        const struct StreamMixed *mixed = NULL;
        if (can && sc->kind_mixed[kind]) {
            mixed = stream_mixed_get(p, sc, kind);
            if (mixed->state != STREAM_MIXED_YES) {
                if (traced)
                    fprintf(stderr, "stream: whole document (mixed: %s)\n", mixed->why);
                mixed = NULL;
            }
        }
        if (can && (sc->kind_streams[kind] || mixed)) {
            Streamer s = {0};
            s.p = p;
            s.sc = sc;
            s.mixed = mixed != NULL;
            s.entry = mixed ? mixed->entry : NULL;
            s.early = mixed ? mixed->early : NULL;
            veto_decision *dec = NULL;
            int how = stream_run(&s, e, doc, kind, lo, opt, &dec);
            if (traced) {
                if (how == STREAM_DONE && s.mixed)
                    fprintf(
                        stderr, "stream: mixed, %zu elements, %u streamed + %u whole policies%s\n",
                        s.nelems, s.nstream, s.npols - s.nstream, s.deferred ? " (deferred)" : "");
                else if (how == STREAM_DONE)
                    fprintf(stderr, "stream: %zu elements, %u policies%s\n", s.nelems, s.npols,
                            s.deferred ? " (deferred)" : "");
                else
                    fprintf(stderr, "stream: whole document (%s)\n", s.why ? s.why : "?");
            }
            stream_free(&s);
            if (how == STREAM_DONE) {
                veto_doc_free(doc);
                return dec;
            }
            if (how == STREAM_AS_READ) {
                doc_hash_wait(doc);
                dec = veto_eval(p, doc, opt);
                veto_doc_free(doc);
                return dec;
            }
        }
        /* the mapping (and the hash already under way) serve the whole read */
        if (doc && !doc_read_projected(doc, e, sc->proj, lo)) {
            veto_doc_free(doc);
            doc = NULL;
        }
        if (!doc)
            doc = veto_doc_load_file(e, path, lo, d);
    }
    if (!doc)
        return NULL;
    veto_decision *dec = veto_eval(p, doc, opt);
    veto_doc_free(doc);
    return dec;
}
