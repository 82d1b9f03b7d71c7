/* bundle.c — compiled policy sets on disk; see bundle.h and docs/BUNDLES.md.
 *
 * Writing walks a Program in a fixed order and emits little-endian fixed
 * width integers, so the payload is a pure function of the program: no
 * pointers, no timestamps, builtins by name. That makes its SHA-256 the
 * policy-set hash (veto_program_hash), identical for a program compiled
 * from sources and for the same program loaded from its bundle.
 *
 * Loading trusts nothing: the header and checksum first, then every count
 * against the bytes left, every index against its table, and finally the
 * bytecode verifier (bundle_verify), which interprets each function
 * abstractly. The VM's loop checks nothing itself (it runs compiler output
 * at full speed), so the verifier is what stands between a crafted file and
 * an out-of-bounds read.
 */
#include "gate/bundle.h"
#include "gate/bundle_verify.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/sha256.h"
#include "lang/explain_plan.h"
#include "stdlib/builtin.h"
#include "vm/program.h"
#include "vm/regex.h"

enum {
    SEC_SOURCES = 1,
    SEC_KEYS,
    SEC_REGEXES,
    SEC_BUILTINS,
    SEC_CONSTANTS,
    SEC_FUNCTIONS,
    SEC_GLOBALS,
    SEC_POLICIES,
    SEC_RULES,
    SEC__END
};

#define BUNDLE_MAX_DEPTH  512 /* nesting of constant values */
#define BUNDLE_MAX_PROBES 64  /* explain probes per rule (explain.c plans at most 64) */

/* ======================================================================
 * Writing
 * ====================================================================== */

typedef struct Writer {
    Buf b;
    uint32_t *bmap; /* builtin table index -> bundle-local index + 1 (0 = unused) */
    uint32_t nbuilt;
    uint32_t *border; /* bundle-local index -> builtin table index */
    int bad;          /* a program the format cannot hold (internal error) */
} Writer;

static void w_u8(Writer *w, uint8_t v) { buf_append(&w->b, (const char *)&v, 1); }

static void w_u16(Writer *w, uint16_t v)
{
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    buf_append(&w->b, (const char *)x, 2);
}

static void w_u32(Writer *w, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    buf_append(&w->b, (const char *)x, 4);
}

static void w_u64(Writer *w, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    buf_append(&w->b, (const char *)x, 8);
}

static void w_bytes(Writer *w, const char *s, size_t n)
{
    if (n > UINT32_MAX) {
        w->bad = 1;
        return;
    }
    w_u32(w, (uint32_t)n);
    if (n)
        buf_append(&w->b, s, n);
}

static void w_str(Writer *w, const char *s) { w_bytes(w, s, s ? strlen(s) : 0); }

/* An optional string: u8 present, then the string when present. */
static void w_optstr(Writer *w, const char *s)
{
    w_u8(w, s != NULL);
    if (s)
        w_str(w, s);
}

static void w_value(Writer *w, Value v)
{
    w_u8(w, v.kind);
    w_u8(w, v.flags);
    switch (v.kind) {
    case V_BOOL:
        w_u8(w, v.u.b ? 1 : 0);
        break;
    case V_INT:
        w_u64(w, (uint64_t)v.u.i);
        break;
    case V_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &v.u.f, sizeof bits);
        w_u64(w, bits);
        break;
    }
    case V_BIGNUM:
    case V_STR:
        w_bytes(w, v.u.s, v.n);
        break;
    case V_ARR:
    case V_SET:
        w_u32(w, v.n);
        for (uint32_t i = 0; i < v.n; i++)
            w_value(w, v.u.a[i]);
        break;
    case V_OBJ:
        w_u32(w, v.n);
        for (uint32_t i = 0; i < v.n; i++) {
            w_u8(w, v.u.o[i].kid != 0);
            w_bytes(w, v.u.o[i].key, v.u.o[i].klen);
            w_value(w, v.u.o[i].val);
        }
        break;
    default: /* V_UNDEF, V_NULL: the kind says it all */
        break;
    }
}

/* A rule's explain plan (explain.h): u8 present, then its fields. */
static void w_explain(Writer *w, const RuleExplain *x)
{
    w_u8(w, x != NULL);
    if (!x)
        return;
    w_u32(w, x->nprobes);
    for (uint32_t i = 0; i < x->nprobes; i++) {
        const Probe *pr = &x->probes[i];
        w_u32(w, pr->start);
        w_u32(w, pr->end);
        w_u32(w, pr->off);
        w_u32(w, pr->len);
        w_u8(w, pr->kind);
        w_u16(w, pr->cond);
        w_optstr(w, pr->name);
    }
    w_u32(w, x->loop_pc);
    w_u32(w, x->iter_slot);
    w_u32(w, x->emit_pc);
    w_optstr(w, x->var);
    w_u32(w, x->coll_off);
    w_u32(w, x->coll_len);
    w_u8(w, x->ev_kind);
    w_u32(w, x->ev_index);
    w_optstr(w, x->ev_name);
    w_u32(w, x->ev_nkeys);
    for (uint32_t i = 0; i < x->ev_nkeys; i++)
        w_value(w, x->ev_keys[i]);
    w_optstr(w, x->ev_path);
}

/* Opens a section: its id and a length patched by w_end. */
static size_t w_begin(Writer *w, uint32_t id)
{
    w_u32(w, id);
    size_t at = w->b.len;
    w_u32(w, 0);
    return at;
}

static void w_end(Writer *w, size_t at)
{
    if (w->b.failed)
        return;
    size_t n = w->b.len - at - 4;
    if (n > UINT32_MAX) {
        w->bad = 1;
        return;
    }
    for (int i = 0; i < 4; i++)
        w->b.p[at + (size_t)i] = (char)(unsigned char)(n >> (8 * i));
}

/* Numbers the builtins the code calls in order of first use, so the bundle
 * names only those, in an order that does not depend on this binary's
 * builtin table. */
static int w_collect_builtins(Writer *w, const Program *p)
{
    uint32_t nb = builtin_count();
    w->bmap = calloc(nb ? nb : 1, sizeof *w->bmap);
    w->border = calloc(nb ? nb : 1, sizeof *w->border);
    if (!w->bmap || !w->border)
        return -1;
    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        const Function *f = &p->funcs[fi];
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            Instr ins = f->code[pc];
            if (INS_OP(ins) == OP_ITER_NEXT) {
                pc++; /* skip the exit word */
                continue;
            }
            if (INS_OP(ins) != OP_BUILTIN)
                continue;
            uint32_t b = INS_B(ins);
            if (b >= nb) {
                w->bad = 1;
                continue;
            }
            if (!w->bmap[b]) {
                w->border[w->nbuilt] = b;
                w->bmap[b] = ++w->nbuilt;
            }
        }
    }
    return 0;
}

/* The canonical payload of p (every section, no header) into w->b. */
static int w_payload(Writer *w, const Program *p)
{
    if (w_collect_builtins(w, p) != 0)
        return -1;
    size_t at = w_begin(w, SEC_SOURCES);
    w_u32(w, p->nsources);
    for (uint32_t i = 0; i < p->nsources; i++) {
        const Source *s = p->sources[i];
        w_str(w, s->name);
        w_bytes(w, s->text, s->len);
        w_u32(w, s->line_shift);
    }
    w_end(w, at);

    at = w_begin(w, SEC_KEYS);
    w_u32(w, p->nkeys);
    for (uint32_t i = 0; i < p->nkeys; i++)
        w_bytes(w, p->keys[i].s, p->keys[i].len);
    w_end(w, at);

    at = w_begin(w, SEC_REGEXES);
    w_u32(w, p->nregexes);
    for (uint32_t i = 0; i < p->nregexes; i++)
        w_str(w, p->regex_src[i]);
    w_end(w, at);

    at = w_begin(w, SEC_BUILTINS);
    w_u32(w, w->nbuilt);
    for (uint32_t i = 0; i < w->nbuilt; i++)
        w_str(w, builtin_at(w->border[i])->name);
    w_end(w, at);

    at = w_begin(w, SEC_CONSTANTS);
    w_u32(w, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++)
        w_value(w, p->consts[i]);
    w_end(w, at);

    at = w_begin(w, SEC_FUNCTIONS);
    w_u32(w, p->nfuncs);
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        const Function *f = &p->funcs[i];
        w_str(w, f->name);
        w_u8(w, (uint8_t)f->kind);
        w_u32(w, f->source);
        w_u32(w, f->off);
        w_u16(w, f->nparams);
        w_u16(w, f->nlocals);
        w_u32(w, f->ncode);
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            Instr ins = f->code[pc];
            w_u32(w, ins);
            if (INS_OP(ins) == OP_ITER_NEXT && pc + 1 < f->ncode) {
                w_u32(w, f->code[++pc]); /* the exit word is data, not an opcode */
            } else if (INS_OP(ins) == OP_BUILTIN && INS_B(ins) < builtin_count()) {
                /* Rewrite B to the bundle-local index (undo the w_u32 above). */
                w->b.len -= 4;
                w_u32(w, MK_AB(OP_BUILTIN, INS_A8(ins), w->bmap[INS_B(ins)] - 1));
            }
        }
        for (uint32_t pc = 0; pc < f->ncode; pc++)
            w_u32(w, f->offsets[pc]);
    }
    w_end(w, at);

    at = w_begin(w, SEC_GLOBALS);
    w_u32(w, p->nglobals);
    for (uint32_t i = 0; i < p->nglobals; i++) {
        w_str(w, p->globals[i].name);
        w_u32(w, p->globals[i].func);
    }
    w_u32(w, p->expr_func);
    w_end(w, at);

    at = w_begin(w, SEC_POLICIES);
    w_u32(w, p->npolicies);
    for (uint32_t i = 0; i < p->npolicies; i++) {
        const Policy *pol = &p->policies[i];
        w_str(w, pol->name);
        w_str(w, pol->id);
        w_optstr(w, pol->title);
        w_optstr(w, pol->description);
        w_u8(w, (uint8_t)pol->kind);
        w_u8(w, (uint8_t)pol->severity);
        w_u8(w, (uint8_t)pol->enforcement);
        w_u32(w, pol->nmaps);
        for (uint32_t j = 0; j < pol->nmaps; j++)
            w_str(w, pol->maps[j]);
        w_u32(w, pol->nlabels);
        for (uint32_t j = 0; j < pol->nlabels; j++)
            w_str(w, pol->labels[j]);
        w_u32(w, pol->source);
        w_u32(w, pol->off);
        w_u32(w, pol->first_rule);
        w_u32(w, pol->nrules);
    }
    w_end(w, at);

    at = w_begin(w, SEC_RULES);
    w_u32(w, p->nrules);
    for (uint32_t i = 0; i < p->nrules; i++) {
        const Rule *r = &p->rules[i];
        w_u8(w, (uint8_t)r->kind);
        w_u32(w, r->policy);
        w_u32(w, r->func);
        w_u32(w, r->source);
        w_u32(w, r->off);
        w_u8(w, r->has_message ? 1 : 0);
        w_explain(w, r->explain);
    }
    w_end(w, at);
    return w->b.failed ? -1 : 0;
}

static void w_free(Writer *w)
{
    buf_free(&w->b);
    free(w->bmap);
    free(w->border);
}

/* The policy-set hash: SHA-256 of the payload. On out of memory (the payload
 * cannot be built) the result is the empty string: a wrong hash would be
 * worse than none. */
static void bundle_hash_now(const veto_program *p, char out_hex[65])
{
    Writer w;
    memset(&w, 0, sizeof w);
    out_hex[0] = '\0';
    if (w_payload(&w, p) == 0 && !w.bad) {
        uint8_t md[SHA256_LEN];
        sha256(w.b.p, w.b.len, md);
        sha256_hex(md, out_hex);
    }
    w_free(&w);
}

/* The hash is computed on first use, not when a program is compiled or
 * loaded: most runs never show it (`veto check`, text reports), and
 * serialising a program with its embedded modules was a third of a small
 * `veto eval`. A shared program may be asked from several threads at once,
 * so the first computes under the lock, and hash[0], stored last with
 * release order, publishes the other 64 bytes to readers that load it with
 * acquire; those bytes never change again. The value is the same as an
 * eager computation: nothing the payload holds changes after compiling. */
static pthread_mutex_t bundle_hash_lock = PTHREAD_MUTEX_INITIALIZER;

void bundle_cache_hash(veto_program *p)
{
    if (__atomic_load_n(&p->hash[0], __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&bundle_hash_lock);
    if (!p->hash[0]) {
        char hex[65];
        bundle_hash_now(p, hex);
        if (hex[0]) {
            memcpy(p->hash + 1, hex + 1, 64);
            __atomic_store_n(&p->hash[0], hex[0], __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&bundle_hash_lock);
}

void veto_program_hash(const veto_program *p, char out_hex[65])
{
    /* The cache is the only part of a compiled program written after it
     * is built; programs are always heap objects, never const-defined. */
    veto_program *mp = (veto_program *)p;
    bundle_cache_hash(mp);
    char c0 = __atomic_load_n(&mp->hash[0], __ATOMIC_ACQUIRE);
    out_hex[0] = c0;
    if (c0)
        memcpy(out_hex + 1, mp->hash + 1, 64);
}

veto_status bundle_serialize(const veto_program *p, unsigned char **out, size_t *len, veto_diags *d)
{
    Writer w;
    memset(&w, 0, sizeof w);
    *out = NULL;
    *len = 0;
    /* Header first, with the length and checksum patched in below. */
    buf_append(&w.b, BUNDLE_MAGIC, 8);
    w_u32(&w, BUNDLE_FORMAT);
    char ver[16] = {0};
    strncpy(ver, VETO_VERSION, sizeof ver - 1);
    buf_append(&w.b, ver, sizeof ver);
    w_u64(&w, 0);
    char zero[32] = {0};
    buf_append(&w.b, zero, sizeof zero);
    if (w_payload(&w, p) != 0 || w.bad) {
        if (d)
            diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "%s",
                     w.bad ? "internal error: the program does not fit the bundle format"
                           : "out of memory writing the bundle");
        w_free(&w);
        return w.bad ? VETO_ERR_COMPILE : VETO_ERR_NOMEM;
    }
    unsigned char *bytes = (unsigned char *)w.b.p;
    uint64_t plen = w.b.len - BUNDLE_HEADER_SIZE;
    for (int i = 0; i < 8; i++)
        bytes[28 + i] = (unsigned char)(plen >> (8 * i));
    sha256(bytes + BUNDLE_HEADER_SIZE, (size_t)plen, bytes + 36);
    *len = w.b.len;
    *out = (unsigned char *)buf_take(&w.b);
    w_free(&w);
    return VETO_OK;
}

veto_status veto_bundle_write(const veto_program *p, const char *path, veto_diags *d)
{
    unsigned char *bytes;
    size_t len;
    veto_status st = bundle_serialize(p, &bytes, &len, d);
    if (st != VETO_OK)
        return st;
    /* Write beside the target and rename, so a failed write never leaves a
     * half bundle under the real name. */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        free(bytes);
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory writing %s", path);
        return VETO_ERR_NOMEM;
    }
    snprintf(tmp, plen + 16, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL;
    if (ok && fwrite(bytes, 1, len, f) != len)
        ok = 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    free(bytes);
    return ok ? VETO_OK : VETO_ERR_IO;
}

/* ======================================================================
 * Reading
 * ====================================================================== */

typedef struct Reader {
    const unsigned char *p; /* next byte */
    const unsigned char *end;
    Program *prog;
    char err[200]; /* first error, set once */
} Reader;

static int r_fail(Reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int r_fail(Reader *r, const char *fmt, ...)
{
    if (!r->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static size_t r_left(const Reader *r) { return (size_t)(r->end - r->p); }

static int r_need(Reader *r, size_t n)
{
    if (r->err[0])
        return -1;
    if (r_left(r) < n)
        return r_fail(r, "unexpected end of data");
    return 0;
}

static uint8_t r_u8(Reader *r)
{
    if (r_need(r, 1))
        return 0;
    return *r->p++;
}

static uint16_t r_u16(Reader *r)
{
    if (r_need(r, 2))
        return 0;
    uint16_t v = (uint16_t)(r->p[0] | (r->p[1] << 8));
    r->p += 2;
    return v;
}

static uint32_t r_u32(Reader *r)
{
    if (r_need(r, 4))
        return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)r->p[i] << (8 * i);
    r->p += 4;
    return v;
}

static uint64_t r_u64(Reader *r)
{
    if (r_need(r, 8))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return v;
}

/* A count of items that each take at least `each` bytes: checked against
 * what is left, so a forged count cannot make us allocate gigabytes. */
static uint32_t r_count(Reader *r, size_t each, const char *what)
{
    uint32_t n = r_u32(r);
    if (!r->err[0] && (size_t)n > r_left(r) / each)
        r_fail(r, "%s count %u exceeds the data left", what, n);
    return r->err[0] ? 0 : n;
}

/* A length-prefixed byte string, copied NUL-terminated into the program
 * arena. */
static const char *r_bytes(Reader *r, uint32_t *len_out)
{
    uint32_t n = r_u32(r);
    if (r_need(r, n))
        return NULL;
    char *s = arena_strndup(&r->prog->arena, (const char *)r->p, n);
    if (!s) {
        r_fail(r, "out of memory");
        return NULL;
    }
    r->p += n;
    if (len_out)
        *len_out = n;
    return s;
}

static const char *r_str(Reader *r) { return r_bytes(r, NULL); }

static const char *r_optstr(Reader *r)
{
    uint8_t present = r_u8(r);
    if (present > 1) {
        r_fail(r, "bad optional-string flag %u", present);
        return NULL;
    }
    return present ? r_str(r) : NULL;
}

static int r_bignum_ok(const char *s, uint32_t n)
{
    uint32_t i = n > 0 && s[0] == '-' ? 1 : 0;
    if (i == n)
        return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int r_value(Reader *r, Value *out, int depth)
{
    memset(out, 0, sizeof *out);
    if (depth > BUNDLE_MAX_DEPTH)
        return r_fail(r, "constant nested more than %d deep", BUNDLE_MAX_DEPTH);
    uint8_t kind = r_u8(r), flags = r_u8(r);
    if (r->err[0])
        return -1;
    if (kind >= V_KIND_COUNT)
        return r_fail(r, "bad value kind %u", kind);
    if (flags & ~(VF_SENSITIVE | VF_UNKNOWN))
        return r_fail(r, "bad value flags 0x%x", flags);
    out->kind = kind;
    out->flags = flags;
    switch (kind) {
    case V_BOOL: {
        uint8_t b = r_u8(r);
        if (b > 1)
            return r_fail(r, "bad boolean %u", b);
        out->u.b = b;
        break;
    }
    case V_INT:
        out->u.i = (int64_t)r_u64(r);
        break;
    case V_FLOAT: {
        uint64_t bits = r_u64(r);
        memcpy(&out->u.f, &bits, sizeof bits);
        break;
    }
    case V_BIGNUM:
    case V_STR: {
        uint32_t n = 0;
        out->u.s = r_bytes(r, &n);
        out->n = n;
        if (out->u.s && kind == V_BIGNUM && !r_bignum_ok(out->u.s, n))
            return r_fail(r, "bad big integer text");
        break;
    }
    case V_ARR:
    case V_SET: {
        uint32_t n = r_count(r, 2, "array");
        Value *a = arena_zalloc(&r->prog->arena, (n ? n : 1) * sizeof *a);
        if (!a)
            return r_fail(r, "out of memory");
        for (uint32_t i = 0; i < n && !r->err[0]; i++) {
            if (r_value(r, &a[i], depth + 1))
                return -1;
            if (kind == V_SET && i > 0 && value_compare(a[i - 1], a[i]) >= 0)
                return r_fail(r, "set constant not sorted");
        }
        out->u.a = a;
        out->n = n;
        break;
    }
    case V_OBJ: {
        uint32_t n = r_count(r, 7, "object");
        Member *ms = arena_zalloc(&r->prog->arena, (n ? n : 1) * sizeof *ms);
        if (!ms)
            return r_fail(r, "out of memory");
        for (uint32_t i = 0; i < n && !r->err[0]; i++) {
            uint8_t interned = r_u8(r);
            if (interned > 1)
                return r_fail(r, "bad key flag %u", interned);
            ms[i].key = r_bytes(r, &ms[i].klen);
            if (!ms[i].key)
                return -1;
            if (interned) {
                ms[i].kid = keys_intern(r->prog->engine->keys, ms[i].key, ms[i].klen);
                if (!ms[i].kid)
                    return r_fail(r, "out of memory");
            }
            if (r_value(r, &ms[i].val, depth + 1))
                return -1;
        }
        out->u.o = ms;
        out->n = n;
        break;
    }
    default:
        break;
    }
    return r->err[0] ? -1 : 0;
}

/* Section framing: the id must be the expected one and the body must take
 * exactly its stated length. */
static const unsigned char *r_section(Reader *r, uint32_t id)
{
    uint32_t got = r_u32(r), len = r_u32(r);
    if (r->err[0])
        return NULL;
    if (got != id) {
        r_fail(r, "expected section %u, found %u", id, got);
        return NULL;
    }
    if (r_left(r) < len) {
        r_fail(r, "section %u is longer than the data left", id);
        return NULL;
    }
    return r->p + len;
}

static int r_section_end(Reader *r, const unsigned char *end, uint32_t id)
{
    if (r->err[0])
        return -1;
    if (r->p != end)
        return r_fail(r, "section %u has %zu bytes left over", id, (size_t)(end - r->p));
    return 0;
}

static int r_sources(Reader *r)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_SOURCES);
    uint32_t n = r_count(r, 12, "source");
    p->sources = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->sources);
    if (!p->sources)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        const char *name = r_str(r);
        uint32_t tlen = 0;
        const char *text = r_bytes(r, &tlen);
        uint32_t shift = r_u32(r);
        if (r->err[0])
            break;
        Source *s = source_new(name, text, tlen);
        if (!s)
            return r_fail(r, "out of memory");
        s->id = i;
        p->sources[p->nsources++] = s;
        if (shift > s->nlines)
            return r_fail(r, "source %u: line shift %u past its %u lines", i, shift, s->nlines);
        s->line_shift = shift;
    }
    return r_section_end(r, end, SEC_SOURCES);
}

static int r_keys(Reader *r)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_KEYS);
    uint32_t n = r_count(r, 4, "key");
    p->keys = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->keys);
    if (!p->keys)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        Key *k = &p->keys[i];
        k->s = r_bytes(r, &k->len);
        if (!k->s)
            break;
        k->kid = keys_intern(p->engine->keys, k->s, k->len);
        if (!k->kid)
            return r_fail(r, "out of memory");
        p->nkeys++;
    }
    return r_section_end(r, end, SEC_KEYS);
}

static int r_regexes(Reader *r)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_REGEXES);
    uint32_t n = r_count(r, 4, "regex");
    p->regexes = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->regexes);
    p->regex_src = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->regex_src);
    if (!p->regexes || !p->regex_src)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        uint32_t len = 0;
        const char *src = r_bytes(r, &len);
        if (!src)
            break;
        char err[160];
        struct Regex *re = regex_compile(src, len, err, sizeof err);
        if (!re)
            return r_fail(r, "regex %u does not compile: %s", i, err);
        p->regexes[i] = re;
        p->regex_src[i] = src;
        p->nregexes++;
    }
    return r_section_end(r, end, SEC_REGEXES);
}

/* The builtins section maps bundle-local indexes to this binary's table. */
static int r_builtins(Reader *r, uint32_t **map, uint32_t *nmap)
{
    const unsigned char *end = r_section(r, SEC_BUILTINS);
    uint32_t n = r_count(r, 4, "builtin");
    *map = calloc(n ? n : 1, sizeof **map);
    if (!*map)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        uint32_t len = 0;
        const char *name = r_bytes(r, &len);
        if (!name)
            break;
        const BuiltinDef *b = builtin_find(name, len);
        if (!b || strlen(name) != len)
            return r_fail(r, "it calls the builtin `%s`, which this veto (%s) does not have", name,
                          VETO_VERSION);
        (*map)[i] = builtin_index(b);
        *nmap = i + 1;
    }
    return r_section_end(r, end, SEC_BUILTINS);
}

static int r_constants(Reader *r)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_CONSTANTS);
    uint32_t n = r_count(r, 2, "constant");
    p->consts = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->consts);
    if (!p->consts)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++)
        if (r_value(r, &p->consts[i], 0) == 0)
            p->nconsts++;
    return r_section_end(r, end, SEC_CONSTANTS);
}

static int r_functions(Reader *r, const uint32_t *bmap, uint32_t nbmap)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_FUNCTIONS);
    uint32_t n = r_count(r, 25, "function");
    p->funcs = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->funcs);
    if (!p->funcs)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        Function *f = &p->funcs[i];
        f->name = r_str(r);
        uint8_t kind = r_u8(r);
        f->source = r_u32(r);
        f->off = r_u32(r);
        f->nparams = r_u16(r);
        f->nlocals = r_u16(r);
        f->ncode = r_count(r, 8, "instruction");
        if (r->err[0])
            break;
        if (kind > FN_RULE)
            return r_fail(r, "function %u: bad kind %u", i, kind);
        f->kind = (FuncKind)kind;
        f->code = arena_alloc(&p->arena, (f->ncode ? f->ncode : 1) * sizeof *f->code);
        f->offsets = arena_alloc(&p->arena, (f->ncode ? f->ncode : 1) * sizeof *f->offsets);
        if (!f->code || !f->offsets)
            return r_fail(r, "out of memory");
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            Instr ins = r_u32(r);
            if (INS_OP(ins) == OP_BUILTIN) {
                if (INS_B(ins) >= nbmap)
                    return r_fail(r, "function %u pc %u: builtin %u of %u", i, pc, INS_B(ins),
                                  nbmap);
                ins = MK_AB(OP_BUILTIN, INS_A8(ins), bmap[INS_B(ins)]);
            }
            f->code[pc] = ins;
            if (INS_OP(ins) == OP_ITER_NEXT && pc + 1 < f->ncode)
                f->code[++pc] = r_u32(r);
        }
        for (uint32_t pc = 0; pc < f->ncode; pc++)
            f->offsets[pc] = r_u32(r);
        p->nfuncs = i + 1;
    }
    return r_section_end(r, end, SEC_FUNCTIONS);
}

static int r_globals(Reader *r)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_GLOBALS);
    uint32_t n = r_count(r, 8, "global");
    p->globals = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->globals);
    if (!p->globals)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        p->globals[i].name = r_str(r);
        p->globals[i].func = r_u32(r);
        if (!r->err[0])
            p->nglobals = i + 1;
    }
    p->expr_func = r_u32(r);
    return r_section_end(r, end, SEC_GLOBALS);
}

static const char **r_strlist(Reader *r, uint32_t *count)
{
    uint32_t n = r_count(r, 4, "string list");
    const char **out = arena_zalloc(&r->prog->arena, (n ? n : 1) * sizeof *out);
    if (!out) {
        r_fail(r, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < n && !r->err[0]; i++)
        out[i] = r_str(r);
    *count = r->err[0] ? 0 : n;
    return out;
}

static int r_policies(Reader *r)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_POLICIES);
    uint32_t n = r_count(r, 45, "policy");
    p->policies = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->policies);
    if (!p->policies)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        Policy *pol = &p->policies[i];
        pol->name = r_str(r);
        pol->id = r_str(r);
        pol->title = r_optstr(r);
        pol->description = r_optstr(r);
        uint8_t kind = r_u8(r), sev = r_u8(r), enf = r_u8(r);
        pol->maps = r_strlist(r, &pol->nmaps);
        pol->labels = r_strlist(r, &pol->nlabels);
        pol->source = r_u32(r);
        pol->off = r_u32(r);
        pol->first_rule = r_u32(r);
        pol->nrules = r_u32(r);
        if (r->err[0])
            break;
        if (kind >= PK__COUNT || sev > SEV_CRITICAL || enf > ENF_HARD)
            return r_fail(r, "policy %u: bad kind, severity or enforcement", i);
        pol->kind = (PolicyKind)kind;
        pol->severity = (Severity)sev;
        pol->enforcement = (Enforcement)enf;
        p->npolicies = i + 1;
    }
    return r_section_end(r, end, SEC_POLICIES);
}

static RuleExplain *r_explain(Reader *r)
{
    uint8_t present = r_u8(r);
    if (present > 1)
        r_fail(r, "bad explain flag %u", present);
    if (!present || r->err[0])
        return NULL;
    RuleExplain *x = arena_zalloc(&r->prog->arena, sizeof *x);
    if (!x) {
        r_fail(r, "out of memory");
        return NULL;
    }
    x->nprobes = r_u32(r);
    if (x->nprobes > BUNDLE_MAX_PROBES) {
        r_fail(r, "%u explain probes, at most %d", x->nprobes, BUNDLE_MAX_PROBES);
        return NULL;
    }
    Probe *probes = arena_zalloc(&r->prog->arena, (x->nprobes ? x->nprobes : 1) * sizeof *probes);
    if (!probes) {
        r_fail(r, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < x->nprobes && !r->err[0]; i++) {
        probes[i].start = r_u32(r);
        probes[i].end = r_u32(r);
        probes[i].off = r_u32(r);
        probes[i].len = r_u32(r);
        probes[i].kind = r_u8(r);
        probes[i].cond = r_u16(r);
        probes[i].name = r_optstr(r);
    }
    x->probes = probes;
    x->loop_pc = r_u32(r);
    x->iter_slot = r_u32(r);
    x->emit_pc = r_u32(r);
    x->var = r_optstr(r);
    x->coll_off = r_u32(r);
    x->coll_len = r_u32(r);
    x->ev_kind = r_u8(r);
    x->ev_index = r_u32(r);
    x->ev_name = r_optstr(r);
    x->ev_nkeys = r_count(r, 2, "evidence key");
    Value *keys = arena_zalloc(&r->prog->arena, (x->ev_nkeys ? x->ev_nkeys : 1) * sizeof *keys);
    if (!keys) {
        r_fail(r, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < x->ev_nkeys && !r->err[0]; i++)
        r_value(r, &keys[i], BUNDLE_MAX_DEPTH);
    x->ev_keys = keys;
    x->ev_path = r_optstr(r);
    return r->err[0] ? NULL : x;
}

static int r_rules(Reader *r)
{
    Program *p = r->prog;
    const unsigned char *end = r_section(r, SEC_RULES);
    uint32_t n = r_count(r, 19, "rule");
    p->rules = arena_zalloc(&p->arena, (n ? n : 1) * sizeof *p->rules);
    if (!p->rules)
        return r_fail(r, "out of memory");
    for (uint32_t i = 0; i < n && !r->err[0]; i++) {
        Rule *ru = &p->rules[i];
        uint8_t kind = r_u8(r);
        ru->policy = r_u32(r);
        ru->func = r_u32(r);
        ru->source = r_u32(r);
        ru->off = r_u32(r);
        uint8_t msg = r_u8(r);
        ru->explain = r_explain(r);
        if (r->err[0])
            break;
        if (kind >= RK__COUNT || msg > 1)
            return r_fail(r, "rule %u: bad kind or message flag", i);
        ru->kind = (RuleKind)kind;
        ru->has_message = msg;
        p->nrules = i + 1;
    }
    return r_section_end(r, end, SEC_RULES);
}

/* Cross-table checks the verifier does not do: every index into another
 * table, every source offset. Fills derived fields (rule line/col). */
static int bundle_check_tables(Program *p, char *err, size_t errlen)
{
#define BAD(...) return (snprintf(err, errlen, __VA_ARGS__), 0)
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        const Function *f = &p->funcs[i];
        if (f->source >= p->nsources || f->off > p->sources[f->source]->len)
            BAD("function %u: source position out of range", i);
        for (uint32_t pc = 0; pc < f->ncode; pc++)
            if (f->offsets[pc] > p->sources[f->source]->len)
                BAD("function %u: offset of pc %u past the end of its source", i, pc);
    }
    for (uint32_t i = 0; i < p->nglobals; i++)
        if (p->globals[i].func >= p->nfuncs)
            BAD("global %u: function %u of %u", i, p->globals[i].func, p->nfuncs);
    if (p->expr_func != UINT32_MAX && p->expr_func >= p->nglobals)
        BAD("expression global %u of %u", p->expr_func, p->nglobals);
    for (uint32_t i = 0; i < p->npolicies; i++) {
        const Policy *pol = &p->policies[i];
        if (pol->source >= p->nsources || pol->off > p->sources[pol->source]->len)
            BAD("policy %u: source position out of range", i);
        if (pol->first_rule > p->nrules || pol->nrules > p->nrules - pol->first_rule)
            BAD("policy %u: rules %u+%u of %u", i, pol->first_rule, pol->nrules, p->nrules);
        for (uint32_t j = 0; j < pol->nrules; j++)
            if (p->rules[pol->first_rule + j].policy != i)
                BAD("policy %u: rule %u belongs to another policy", i, pol->first_rule + j);
    }
    for (uint32_t i = 0; i < p->nrules; i++) {
        Rule *ru = &p->rules[i];
        if (ru->policy >= p->npolicies || ru->func >= p->nfuncs)
            BAD("rule %u: policy or function out of range", i);
        if (ru->source >= p->nsources || ru->off > p->sources[ru->source]->len)
            BAD("rule %u: source position out of range", i);
        source_position(p->sources[ru->source], ru->off, &ru->line, &ru->col);
        const RuleExplain *x = ru->explain;
        if (!x)
            continue;
        /* explain.c reads the rule's frame, its source and the globals with
         * these, so each must be in range. */
        const Function *f = &p->funcs[ru->func];
        size_t slen = p->sources[ru->source]->len;
        for (uint32_t j = 0; j < x->nprobes; j++) {
            const Probe *pr = &x->probes[j];
            if (pr->start > pr->end || pr->end > f->ncode || pr->off > slen ||
                pr->len > slen - pr->off || pr->kind > PROBE_LET ||
                (pr->kind == PROBE_LET && !pr->name))
                BAD("rule %u: explain probe %u out of range", i, j);
        }
        if ((x->loop_pc != UINT32_MAX &&
             (x->loop_pc + 1 >= f->ncode || INS_OP(f->code[x->loop_pc]) != OP_ITER_NEXT)) ||
            x->emit_pc >= f->ncode || (x->var && x->iter_slot + 3 >= f->nlocals) ||
            x->coll_off > slen || x->coll_len > slen - x->coll_off || x->ev_kind > EV_GLOBAL ||
            (x->ev_kind == EV_LOCAL && x->ev_index >= f->nlocals) ||
            (x->ev_kind == EV_GLOBAL && x->ev_index >= p->nglobals))
            BAD("rule %u: explain plan out of range", i);
    }
    return 1;
#undef BAD
}

veto_program *bundle_load_mem(veto_engine *e, const char *name, const unsigned char *data,
                              size_t len, veto_diags *d)
{
#define LOAD_ERR(...)                                                                              \
    do {                                                                                           \
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, __VA_ARGS__);                                    \
        return NULL;                                                                               \
    } while (0)
    if (len < 8 || memcmp(data, BUNDLE_MAGIC, 8) != 0)
        LOAD_ERR("%s: not a veto bundle (no VETOBNDL magic); make one with `veto build`", name);
    if (len < 12)
        LOAD_ERR("%s: bundle is truncated (%zu bytes, the header alone is %u)", name, len,
                 BUNDLE_HEADER_SIZE);
    uint32_t format = (uint32_t)data[8] | (uint32_t)data[9] << 8 | (uint32_t)data[10] << 16 |
                      (uint32_t)data[11] << 24;
    if (format != BUNDLE_FORMAT)
        LOAD_ERR("%s: bundle format %u, this veto reads %u; rebuild it with `veto build`", name,
                 format, BUNDLE_FORMAT);
    if (len < BUNDLE_HEADER_SIZE)
        LOAD_ERR("%s: bundle is truncated (%zu bytes, the header alone is %u)", name, len,
                 BUNDLE_HEADER_SIZE);
    uint64_t plen = 0;
    for (int i = 0; i < 8; i++)
        plen |= (uint64_t)data[28 + i] << (8 * i);
    size_t have = len - BUNDLE_HEADER_SIZE;
    if (plen > have)
        LOAD_ERR("%s: bundle is truncated (payload of %llu bytes, %zu present)", name,
                 (unsigned long long)plen, have);
    if (plen < have)
        LOAD_ERR("%s: bundle is corrupt: %zu bytes after the payload", name, have - (size_t)plen);
    uint8_t md[SHA256_LEN];
    sha256(data + BUNDLE_HEADER_SIZE, have, md);
    if (memcmp(md, data + 36, sizeof md) != 0)
        LOAD_ERR("%s: bundle is corrupt: checksum mismatch", name);

    Program *p = calloc(1, sizeof *p);
    if (!p)
        LOAD_ERR("%s: out of memory loading the bundle", name);
    arena_init(&p->arena, 64 * 1024);
    p->builtins = builtin_table();
    p->engine = e;
    p->expr_func = UINT32_MAX;
    Reader r;
    memset(&r, 0, sizeof r);
    r.p = data + BUNDLE_HEADER_SIZE;
    r.end = data + len;
    r.prog = p;
    uint32_t *bmap = NULL, nbmap = 0;
    if (r_sources(&r) == 0 && r_keys(&r) == 0 && r_regexes(&r) == 0 &&
        r_builtins(&r, &bmap, &nbmap) == 0 && r_constants(&r) == 0 &&
        r_functions(&r, bmap, nbmap) == 0 && r_globals(&r) == 0 && r_policies(&r) == 0 &&
        r_rules(&r) == 0 && r.p != r.end)
        r_fail(&r, "%zu bytes after the last section", r_left(&r));
    free(bmap);
    if (!r.err[0] && p->arena.failed)
        r_fail(&r, "out of memory");
    if (!r.err[0] && !bundle_check_tables(p, r.err, sizeof r.err) && !r.err[0])
        snprintf(r.err, sizeof r.err, "bad table");
    if (!r.err[0] && !bundle_verify(p, r.err, sizeof r.err) && !r.err[0])
        snprintf(r.err, sizeof r.err, "bytecode does not verify");
    if (r.err[0]) {
        veto_program_free(p);
        LOAD_ERR("%s: bundle is invalid: %s", name, r.err);
    }
    return p;
#undef LOAD_ERR
}

veto_program *veto_bundle_load(veto_engine *e, const char *path, veto_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    Buf b = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || b.failed) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot read %s: %s", path,
                 b.failed ? "out of memory" : "read error");
        buf_free(&b);
        return NULL;
    }
    veto_program *p = bundle_load_mem(e, path, (const unsigned char *)(b.p ? b.p : ""), b.len, d);
    buf_free(&b);
    return p;
}
