/* yaml_read.c — the YAML reader of yaml_read.h: libyaml events straight into
 * arena Values.
 *
 * Owns: scalar resolution, tags, anchors/aliases with their expansion
 * bound, merge keys, duplicate-key and depth checks, and error positions.
 * Does not own the input buffer, the arena, or libyaml's own limits.
 *
 * Shape (the same as json_read.c): one loop over parser events with an
 * explicit frame stack; sequence elements and mapping entries collect on
 * two scratch stacks and are copied, exactly sized, into the arena when
 * the collection ends. An alias is the anchored Value itself: Values are
 * immutable plain data, so sharing costs nothing; what would be expensive
 * is a consumer walking the expansion, hence the node budget.
 */
#define _GNU_SOURCE 1
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "input/yaml_read.h"

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* A mapping entry on the scratch stack. */
typedef struct YamlEnt {
    Member m;
    yaml_mark_t mark; /* of the key */
    bool is_merge;    /* the plain key `<<` */
} YamlEnt;

/* An open collection. */
typedef struct YamlFrame {
    bool is_map;
    bool have_key;    /* map: a key is on the entry stack waiting for its value */
    uint8_t cfn;      /* CloudFormation short tag to wrap the result in (index+1), or 0 */
    size_t base;      /* first element (seq) or entry (map) on its scratch stack */
    int64_t anchor;   /* index into the anchor table, or -1 */
    uint64_t size;    /* nodes it stands for, itself included */
    uint32_t height;  /* 1 + the height of its tallest child */
    yaml_mark_t mark; /* where it starts */
} YamlFrame;

/* An anchor: open while its node is being read. */
typedef struct YamlAnchor {
    char *name; /* malloc'd */
    bool open;
    Value v;
    uint64_t size;
    uint32_t height;
    const char *text; /* scalar anchors: the text (for use as a key), in the arena */
    uint32_t tlen;
    bool is_scalar;
} YamlAnchor;

typedef struct YamlReader {
    Arena *arena;
    const KeyTable *keys;
    uint32_t max_depth;
    uint64_t max_alias;
    uint64_t alias_nodes; /* nodes aliases stood for so far */
    YamlError *err;
    bool failed;
    Value *vals; /* scratch: elements of open sequences */
    size_t nvals, capvals;
    YamlEnt *ents; /* scratch: entries of open mappings */
    size_t nents, capents;
    YamlFrame *frames;
    size_t nframes, capframes;
    YamlAnchor *anchors; /* this document's anchors, in order of appearance */
    size_t nanchors, capanchors;
    uint32_t *atab; /* open-addressing hash: anchor index + 1, 0 = empty */
    size_t capatab;
    Value *docs;
    size_t ndocs, capdocs;
    char *numbuf;
    size_t capnum;
    locale_t cloc;
} YamlReader;

/* ---- errors -------------------------------------------------------------- */

static bool yaml_fail(YamlReader *r, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool yaml_fail(YamlReader *r, yaml_mark_t mark, const char *fmt, ...)
{
    if (r->failed)
        return false;
    r->failed = true;
    YamlError *e = r->err;
    if (!e)
        return false;
    e->offset = mark.index;
    e->line = (uint32_t)mark.line + 1; /* libyaml counts from 0 */
    e->col = (uint32_t)mark.column + 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return false;
}

static bool yaml_oom(YamlReader *r, yaml_mark_t mark)
{
    return yaml_fail(r, mark, "out of memory");
}

/* Grows a malloc'd scratch array to hold one more element. */
static bool yaml_grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 16;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return false;
    *p = np;
    *cap = nc;
    return true;
}

/* A short, printable excerpt of s for messages. */
static void yaml_excerpt(char *out, size_t outn, const char *s, size_t n)
{
    size_t o = 0;
    size_t i = 0;
    for (; i < n && o + 4 < outn; i++)
        out[o++] = ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f) ? s[i] : '?';
    if (i < n) {
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--; /* do not cut a UTF-8 sequence */
        if (o > 0 && (unsigned char)out[o - 1] >= 0xC0)
            o--;
        out[o++] = '.';
        out[o++] = '.';
        out[o++] = '.';
    }
    out[o] = '\0';
}

/* ---- anchors ------------------------------------------------------------- */

static uint64_t yaml_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void yaml_anchors_clear(YamlReader *r)
{
    for (size_t i = 0; i < r->nanchors; i++)
        free(r->anchors[i].name);
    r->nanchors = 0;
    if (r->atab)
        memset(r->atab, 0, r->capatab * sizeof *r->atab);
}

/* The slot for name: where it is, or the empty slot where it would go. */
static size_t yaml_atab_slot(const YamlReader *r, const char *name)
{
    size_t mask = r->capatab - 1, i = (size_t)yaml_hash(name) & mask;
    while (r->atab[i] && strcmp(r->anchors[r->atab[i] - 1].name, name) != 0)
        i = (i + 1) & mask;
    return i;
}

static bool yaml_atab_rehash(YamlReader *r)
{
    size_t nc = r->capatab ? r->capatab * 2 : 64;
    uint32_t *nt = calloc(nc, sizeof *nt);
    if (!nt)
        return false;
    uint32_t *old = r->atab;
    size_t oldcap = r->capatab;
    r->atab = nt;
    r->capatab = nc;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i])
            r->atab[yaml_atab_slot(r, r->anchors[old[i] - 1].name)] = old[i];
    free(old);
    return true;
}

/* Opens an anchor (the newest definition of a name wins); its index or -1. */
static int64_t yaml_anchor_open(YamlReader *r, const char *name, yaml_mark_t mark)
{
    if (r->nanchors >= UINT32_MAX - 1)
        return yaml_fail(r, mark, "too many anchors"), -1;
    if (!yaml_grow((void **)&r->anchors, &r->capanchors, r->nanchors, sizeof *r->anchors))
        return yaml_oom(r, mark), -1;
    if ((r->nanchors + 1) * 2 > r->capatab && !yaml_atab_rehash(r))
        return yaml_oom(r, mark), -1;
    YamlAnchor *a = &r->anchors[r->nanchors];
    memset(a, 0, sizeof *a);
    a->name = strdup(name);
    if (!a->name)
        return yaml_oom(r, mark), -1;
    a->open = true;
    r->atab[yaml_atab_slot(r, name)] = (uint32_t)(r->nanchors + 1);
    return (int64_t)r->nanchors++;
}

static const YamlAnchor *yaml_anchor_find(const YamlReader *r, const char *name)
{
    if (!r->capatab)
        return NULL;
    uint32_t k = r->atab[yaml_atab_slot(r, name)];
    return k ? &r->anchors[k - 1] : NULL;
}

/* ---- scalars ------------------------------------------------------------- */

static bool yaml_is(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0)
            return true;
    return false;
}

static const char *const yaml_nulls[] = {"null", "Null", "NULL", "~", NULL};
static const char *const yaml_trues[] = {"true", "True", "TRUE", NULL};
static const char *const yaml_falses[] = {"false", "False", "FALSE", NULL};

static bool yaml_digits(const char *s, size_t n, int base)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = base == 16
                      ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                  : base == 8 ? c >= '0' && c <= '7'
                              : c >= '0' && c <= '9';
        if (!ok)
            return false;
    }
    return true;
}

typedef enum { YAML_NOT_INT, YAML_INT_OK, YAML_INT_RANGE } YamlIntResult;

/* The core schema's ints: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+. Decimal
 * ints too large for int64 become V_BIGNUM (sign and digits, no leading
 * zeros); octal and hex ones are out of range. */
static YamlIntResult yaml_int(YamlReader *r, const char *s, size_t n, Value *out)
{
    if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        int base = s[1] == 'o' ? 8 : 16;
        if (!yaml_digits(s + 2, n - 2, base))
            return YAML_NOT_INT;
        uint64_t m = 0;
        for (size_t i = 2; i < n; i++) {
            char c = s[i];
            uint64_t d = c <= '9' ? (uint64_t)(c - '0') : (uint64_t)((c | 0x20) - 'a' + 10);
            if (m > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
                return YAML_INT_RANGE;
            m = m * (uint64_t)base + d;
        }
        *out = value_int((int64_t)m);
        return YAML_INT_OK;
    }
    bool neg = n > 0 && s[0] == '-';
    size_t i = n > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (!yaml_digits(s + i, n - i, 10))
        return YAML_NOT_INT;
    while (i + 1 < n && s[i] == '0')
        i++;
    uint64_t m = 0;
    bool big = false;
    for (size_t j = i; j < n && !big; j++) {
        uint64_t d = (uint64_t)(s[j] - '0');
        if (m > ((uint64_t)INT64_MAX + 1 - d) / 10)
            big = true;
        else
            m = m * 10 + d;
    }
    if (!big && (neg || m <= (uint64_t)INT64_MAX)) {
        *out =
            value_int(neg ? (m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m) : (int64_t)m);
        return YAML_INT_OK;
    }
    size_t digits = n - i;
    char *t = arena_alloc(r->arena, digits + 2);
    if (!t)
        return YAML_INT_OK; /* the arena's sticky flag reports it */
    size_t o = 0;
    if (neg)
        t[o++] = '-';
    memcpy(t + o, s + i, digits);
    o += digits;
    t[o] = '\0';
    Value v = value_undef();
    v.kind = V_BIGNUM;
    v.u.s = t;
    v.n = (uint32_t)o;
    *out = v;
    return YAML_INT_OK;
}

/* The core schema's floats (ints included when as_float). */
static bool yaml_float(YamlReader *r, const char *s, size_t n, Value *out)
{
    size_t i = n > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    bool neg = n > 0 && s[0] == '-';
    static const char *const infs[] = {".inf", ".Inf", ".INF", NULL};
    static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
    if (yaml_is(s + i, n - i, infs)) {
        *out = value_float(neg ? -INFINITY : INFINITY);
        return true;
    }
    if (i == 0 && yaml_is(s, n, nans)) {
        *out = value_float(NAN);
        return true;
    }
    /* (\.[0-9]+ | [0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
    size_t p = i, d0 = p;
    while (p < n && s[p] >= '0' && s[p] <= '9')
        p++;
    size_t intdigits = p - d0, fracdigits = 0;
    if (p < n && s[p] == '.') {
        p++;
        size_t f0 = p;
        while (p < n && s[p] >= '0' && s[p] <= '9')
            p++;
        fracdigits = p - f0;
    }
    if (intdigits == 0 && fracdigits == 0)
        return false;
    if (p < n && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < n && (s[p] == '-' || s[p] == '+'))
            p++;
        size_t e0 = p;
        while (p < n && s[p] >= '0' && s[p] <= '9')
            p++;
        if (p == e0)
            return false;
    }
    if (p != n)
        return false;
    while (r->capnum <= n + 1)
        if (!yaml_grow((void **)&r->numbuf, &r->capnum, r->capnum, 1))
            return false;
    memcpy(r->numbuf, s, n);
    r->numbuf[n] = '\0';
    if (!r->cloc)
        r->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    double d = r->cloc ? strtod_l(r->numbuf, NULL, r->cloc) : strtod(r->numbuf, NULL);
    *out = value_float(d);
    return true;
}

/* CloudFormation's short-form intrinsic functions. */
static const char *const yaml_cfn_tags[] = {
    "!Ref",         "!Condition", "!Base64", "!Cidr",  "!FindInMap",    "!GetAtt",    "!GetAZs",
    "!ImportValue", "!Join",      "!Select", "!Split", "!Sub",          "!Transform", "!And",
    "!Equals",      "!If",        "!Not",    "!Or",    "!ToJsonString", "!Length",    NULL};

static uint8_t yaml_cfn_index(const char *tag)
{
    if (!tag)
        return 0;
    for (size_t i = 0; yaml_cfn_tags[i]; i++)
        if (strcmp(tag, yaml_cfn_tags[i]) == 0)
            return (uint8_t)(i + 1);
    return 0;
}

static bool yaml_is_core(const char *tag, const char *name)
{
    size_t pl = sizeof YAML_TAG_PREFIX - 1;
    return tag && strncmp(tag, YAML_TAG_PREFIX, pl) == 0 && strcmp(tag + pl, name) == 0;
}

/* Wraps v as CloudFormation's long form: {"Ref": v}, {"Condition": v},
 * {"Fn::GetAtt": ["a", "b.c"]} for "a.b.c", {"Fn::NAME": v} otherwise. */
static Value yaml_cfn_wrap(YamlReader *r, uint8_t cfn, Value v)
{
    const char *tag = yaml_cfn_tags[cfn - 1] + 1;
    char key[32];
    if (strcmp(tag, "Ref") == 0 || strcmp(tag, "Condition") == 0)
        snprintf(key, sizeof key, "%s", tag);
    else
        snprintf(key, sizeof key, "Fn::%s", tag);
    if (strcmp(tag, "GetAtt") == 0 && v.kind == V_STR) {
        const char *dot = memchr(v.u.s, '.', v.n);
        if (dot) {
            Value *parts = arena_alloc(r->arena, 2 * sizeof *parts);
            if (!parts)
                return v;
            parts[0] = value_str(v.u.s, (uint32_t)(dot - v.u.s));
            parts[1] = value_str(dot + 1, (uint32_t)(v.n - (uint32_t)(dot - v.u.s) - 1));
            Value arr = value_undef();
            arr.kind = V_ARR;
            arr.n = 2;
            arr.u.a = parts;
            v = arr;
        }
    }
    size_t kl = strlen(key);
    Member *m = arena_alloc(r->arena, sizeof *m);
    char *k = arena_strndup(r->arena, key, kl);
    if (!m || !k)
        return v;
    m->key = k;
    m->klen = (uint32_t)kl;
    m->kid = r->keys ? keys_lookup(r->keys, k, kl) : 0;
    m->val = v;
    Value obj = value_undef();
    obj.kind = V_OBJ;
    obj.n = 1;
    obj.u.o = m;
    return obj;
}

/* Resolves a scalar event to a Value (text copied into the arena). */
static bool yaml_scalar(YamlReader *r, const yaml_event_t *ev, Value *out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (n > UINT32_MAX)
        return yaml_fail(r, ev->start_mark, "scalar longer than 4 GiB");
    char ex[48];
    if (!tag && plain) {
        if (n == 0 || yaml_is(s, n, yaml_nulls)) {
            *out = value_null();
            return true;
        }
        if (yaml_is(s, n, yaml_trues) || yaml_is(s, n, yaml_falses)) {
            *out = value_bool(s[0] == 't' || s[0] == 'T');
            return true;
        }
        YamlIntResult ir = yaml_int(r, s, n, out);
        if (ir == YAML_INT_OK)
            return true;
        if (ir == YAML_INT_RANGE) {
            yaml_excerpt(ex, sizeof ex, s, n);
            return yaml_fail(r, ev->start_mark, "integer %s does not fit in 64 bits", ex);
        }
        if (yaml_float(r, s, n, out))
            return true;
    } else if (tag && strncmp(tag, YAML_TAG_PREFIX, sizeof YAML_TAG_PREFIX - 1) == 0) {
        const char *t = tag + sizeof YAML_TAG_PREFIX - 1;
        yaml_excerpt(ex, sizeof ex, s, n);
        if (strcmp(t, "null") == 0) {
            if (n == 0 || yaml_is(s, n, yaml_nulls)) {
                *out = value_null();
                return true;
            }
            return yaml_fail(r, ev->start_mark, "'%s' is not a !!null", ex);
        }
        if (strcmp(t, "bool") == 0) {
            if (yaml_is(s, n, yaml_trues) || yaml_is(s, n, yaml_falses)) {
                *out = value_bool(s[0] == 't' || s[0] == 'T');
                return true;
            }
            return yaml_fail(r, ev->start_mark, "'%s' is not a !!bool", ex);
        }
        if (strcmp(t, "int") == 0) {
            YamlIntResult ir = yaml_int(r, s, n, out);
            if (ir == YAML_INT_OK)
                return true;
            return yaml_fail(r, ev->start_mark,
                             ir == YAML_INT_RANGE ? "integer %s does not fit in 64 bits"
                                                  : "'%s' is not an !!int",
                             ex);
        }
        if (strcmp(t, "float") == 0) {
            if (yaml_float(r, s, n, out))
                return true;
            return yaml_fail(r, ev->start_mark, "'%s' is not a !!float", ex);
        }
        if (strcmp(t, "map") == 0 || strcmp(t, "seq") == 0)
            return yaml_fail(r, ev->start_mark, "!!%s tag on a scalar", t);
        /* !!str, !!binary, !!timestamp, ...: the text */
    }
    char *copy = arena_strndup(r->arena, s, n);
    if (!copy)
        return yaml_oom(r, ev->start_mark);
    *out = value_str(copy, (uint32_t)n);
    return true;
}

/* ---- building ------------------------------------------------------------ */

/* Hands a finished node to its parent (or to the document list). */
static bool yaml_deliver(YamlReader *r, Value v, uint64_t size, uint32_t height, yaml_mark_t mark)
{
    if (r->nframes == 0) {
        if (!yaml_grow((void **)&r->docs, &r->capdocs, r->ndocs, sizeof *r->docs))
            return yaml_oom(r, mark);
        r->docs[r->ndocs++] = v;
        return true;
    }
    YamlFrame *f = &r->frames[r->nframes - 1];
    f->size = f->size + size < f->size ? UINT64_MAX : f->size + size;
    if (height + 1 > f->height)
        f->height = height + 1;
    if (!f->is_map) {
        if (!yaml_grow((void **)&r->vals, &r->capvals, r->nvals, sizeof *r->vals))
            return yaml_oom(r, mark);
        r->vals[r->nvals++] = v;
        return true;
    }
    /* a value for the pending key (keys go through yaml_key) */
    YamlEnt *e = &r->ents[r->nents - 1];
    if (e->is_merge) {
        bool ok = v.kind == V_OBJ;
        if (v.kind == V_ARR) {
            ok = true;
            for (uint32_t i = 0; i < v.n; i++)
                ok = ok && v.u.a[i].kind == V_OBJ;
        }
        if (!ok)
            return yaml_fail(r, mark,
                             "the value of the merge key '<<' must be a mapping or a sequence "
                             "of mappings");
    }
    e->m.val = v;
    f->have_key = false;
    return true;
}

/* Records a key (scalar text) for the innermost mapping. */
static bool yaml_key(YamlReader *r, const char *s, size_t n, bool is_merge, yaml_mark_t mark)
{
    if (n > UINT32_MAX)
        return yaml_fail(r, mark, "key longer than 4 GiB");
    if (!yaml_grow((void **)&r->ents, &r->capents, r->nents, sizeof *r->ents))
        return yaml_oom(r, mark);
    char *k = arena_strndup(r->arena, s, n);
    if (!k)
        return yaml_oom(r, mark);
    YamlEnt *e = &r->ents[r->nents++];
    memset(e, 0, sizeof *e);
    e->m.key = k;
    e->m.klen = (uint32_t)n;
    e->m.kid = r->keys ? keys_lookup(r->keys, k, n) : 0;
    e->mark = mark;
    e->is_merge = is_merge;
    YamlFrame *f = &r->frames[r->nframes - 1];
    f->have_key = true;
    f->size = f->size + 1 < f->size ? UINT64_MAX : f->size + 1;
    return true;
}

static bool yaml_awaiting_key(const YamlReader *r)
{
    return r->nframes > 0 && r->frames[r->nframes - 1].is_map &&
           !r->frames[r->nframes - 1].have_key;
}

/* Entries sorted by key text, then by position: duplicates end up adjacent. */
typedef struct YamlKeyRef {
    const char *key;
    uint32_t klen;
    uint32_t pos;
} YamlKeyRef;

static int yaml_keyref_cmp(const void *pa, const void *pb)
{
    const YamlKeyRef *a = pa, *b = pb;
    uint32_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    if (c)
        return c;
    if (a->klen != b->klen)
        return a->klen < b->klen ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static bool yaml_keyref_same(const YamlKeyRef *a, const YamlKeyRef *b)
{
    return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

/* Closes the innermost mapping: duplicate check, merge keys, copy out.
 *
 * Every member the mapping could have is a candidate, in output order:
 * explicit entries where they stand, a merge's members where its `<<`
 * stands. Each candidate also has a rank — explicit entries first (in
 * document order), then merged members (in merge order) — and sorting by
 * (key, rank) puts each key's winner first in its run; the rest are
 * dropped. Two explicit entries in one run are a duplicate-key error. */
static bool yaml_end_map(YamlReader *r, Value *out)
{
    YamlFrame *f = &r->frames[r->nframes - 1];
    YamlEnt *ents = r->ents ? r->ents + f->base : NULL; /* NULL + 0 is undefined */
    size_t n = r->nents - f->base, nexplicit = 0, ncand = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ents[i].is_merge) {
            nexplicit++;
            continue;
        }
        Value mv = ents[i].m.val;
        if (mv.kind == V_OBJ)
            ncand += mv.n;
        else
            for (uint32_t j = 0; j < mv.n; j++)
                ncand += mv.u.a[j].n;
    }
    ncand += nexplicit;
    if (ncand > UINT32_MAX)
        return yaml_fail(r, f->mark, "mapping with more than 2^32 keys");
    Member *cand = NULL;
    YamlKeyRef *refs = NULL;
    uint32_t *byrank = NULL; /* rank -> candidate index */
    bool *drop = NULL;
    if (ncand) {
        cand = malloc(ncand * sizeof *cand);
        refs = malloc(ncand * sizeof *refs);
        byrank = malloc(ncand * sizeof *byrank);
        drop = calloc(ncand, sizeof *drop);
    }
    bool ok = true;
    if (ncand && (!cand || !refs || !byrank || !drop))
        ok = yaml_oom(r, f->mark);
    size_t c = 0, ne = 0, nm = nexplicit;
    for (size_t i = 0; ok && i < n; i++) {
        if (!ents[i].is_merge) {
            cand[c] = ents[i].m;
            refs[c].pos = (uint32_t)ne++;
            c++;
            continue;
        }
        Value mv = ents[i].m.val;
        uint32_t nsrc = mv.kind == V_OBJ ? 1 : mv.n;
        for (uint32_t j = 0; j < nsrc; j++) {
            Value src = mv.kind == V_OBJ ? mv : mv.u.a[j];
            for (uint32_t k = 0; k < src.n; k++) {
                cand[c] = src.u.o[k];
                refs[c].pos = (uint32_t)nm++;
                c++;
            }
        }
    }
    for (size_t i = 0; ok && i < ncand; i++) {
        refs[i].key = cand[i].key;
        refs[i].klen = cand[i].klen;
        byrank[refs[i].pos] = (uint32_t)i;
    }
    if (ok && ncand > 1)
        qsort(refs, ncand, sizeof *refs, yaml_keyref_cmp);
    uint32_t dup = UINT32_MAX, first = 0; /* ranks of the first duplicate pair */
    for (size_t i = 1, run = 0; ok && i < ncand; i++) {
        if (!yaml_keyref_same(&refs[i], &refs[i - 1])) {
            run = i;
            continue;
        }
        drop[byrank[refs[i].pos]] = true;
        if (refs[i].pos < nexplicit && refs[i].pos < dup) {
            dup = refs[i].pos;
            first = refs[run].pos;
        }
    }
    if (ok && dup != UINT32_MAX) {
        /* explicit ranks are indexes among the explicit entries */
        const YamlEnt *e1 = NULL, *e2 = NULL;
        for (size_t i = 0, k = 0; i < n; i++) {
            if (ents[i].is_merge)
                continue;
            if (k == first)
                e1 = &ents[i];
            if (k == dup)
                e2 = &ents[i];
            k++;
        }
        char ex[64];
        yaml_excerpt(ex, sizeof ex, e2->m.key, e2->m.klen);
        ok = yaml_fail(r, e2->mark, "duplicate key '%s' (first at line %u, column %u)", ex,
                       (unsigned)e1->mark.line + 1, (unsigned)e1->mark.column + 1);
    }
    size_t keep = 0;
    for (size_t i = 0; ok && i < ncand; i++)
        keep += !drop[i];
    Member *mem = NULL;
    if (ok && keep) {
        mem = arena_alloc(r->arena, keep * sizeof *mem);
        if (!mem)
            ok = yaml_oom(r, f->mark);
        for (size_t i = 0, o = 0; ok && i < ncand; i++)
            if (!drop[i])
                mem[o++] = cand[i];
    }
    free(cand);
    free(refs);
    free(byrank);
    free(drop);
    if (!ok)
        return false;
    Value v = value_undef();
    v.kind = V_OBJ;
    v.n = (uint32_t)keep;
    v.u.o = mem;
    *out = v;
    r->nents = f->base;
    return true;
}

static bool yaml_end_seq(YamlReader *r, Value *out)
{
    YamlFrame *f = &r->frames[r->nframes - 1];
    size_t n = r->nvals - f->base;
    if (n > UINT32_MAX)
        return yaml_fail(r, f->mark, "sequence with more than 2^32 elements");
    Value v = value_undef();
    v.kind = V_ARR;
    v.n = (uint32_t)n;
    if (n) {
        v.u.a = arena_alloc(r->arena, n * sizeof *v.u.a);
        if (!v.u.a)
            return yaml_oom(r, f->mark);
        memcpy(v.u.a, r->vals + f->base, n * sizeof *v.u.a);
    }
    r->nvals = f->base;
    *out = v;
    return true;
}

/* Sets an anchor's node once it is complete. */
static void yaml_anchor_close(YamlReader *r, int64_t idx, Value v, uint64_t size, uint32_t height,
                              const char *text, size_t tlen, bool is_scalar)
{
    if (idx < 0)
        return;
    YamlAnchor *a = &r->anchors[idx];
    a->open = false;
    a->v = v;
    a->size = size;
    a->height = height;
    a->text = text;
    a->tlen = (uint32_t)tlen;
    a->is_scalar = is_scalar;
}

static bool yaml_on_scalar(YamlReader *r, const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    int64_t anchor = -1;
    if (ev->data.scalar.anchor) {
        anchor = yaml_anchor_open(r, (const char *)ev->data.scalar.anchor, ev->start_mark);
        if (anchor < 0)
            return false;
    }
    uint8_t cfn = yaml_cfn_index(tag);
    if (yaml_awaiting_key(r)) {
        if (cfn)
            return yaml_fail(r, ev->start_mark, "a %s tag cannot be used on a key", tag);
        bool merge = (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && n == 2 &&
                      s[0] == '<' && s[1] == '<') ||
                     yaml_is_core(tag, "merge");
        if (!yaml_key(r, s, n, merge, ev->start_mark))
            return false;
        if (anchor >= 0) {
            Value v;
            if (!yaml_scalar(r, ev, &v))
                return false;
            const char *t = arena_strndup(r->arena, s, n);
            if (!t)
                return yaml_oom(r, ev->start_mark);
            yaml_anchor_close(r, anchor, v, 1, 0, t, n, true);
        }
        return true;
    }
    Value v;
    if (!yaml_scalar(r, ev, &v))
        return false;
    uint32_t height = 0;
    if (cfn) {
        v = yaml_cfn_wrap(r, cfn, v);
        height = v.kind == V_OBJ ? 2 : 0;
    }
    if (anchor >= 0) {
        const char *t = v.kind == V_STR ? v.u.s : arena_strndup(r->arena, s, n);
        if (!t)
            return yaml_oom(r, ev->start_mark);
        yaml_anchor_close(r, anchor, v, 1, height, t, v.kind == V_STR ? v.n : n, !cfn);
    }
    return yaml_deliver(r, v, 1, height, ev->start_mark);
}

static bool yaml_on_alias(YamlReader *r, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const YamlAnchor *a = yaml_anchor_find(r, name);
    char ex[64];
    yaml_excerpt(ex, sizeof ex, name, strlen(name));
    if (!a)
        return yaml_fail(r, ev->start_mark, "alias *%s names no anchor defined before it", ex);
    if (a->open)
        return yaml_fail(r, ev->start_mark, "alias *%s refers to a node that contains it", ex);
    r->alias_nodes += a->size;
    if (a->size > r->max_alias || r->alias_nodes > r->max_alias)
        return yaml_fail(r, ev->start_mark,
                         "aliases expand to more than %llu nodes (a \"billion laughs\" "
                         "document?)",
                         (unsigned long long)r->max_alias);
    if (r->nframes + a->height > r->max_depth)
        return yaml_fail(r, ev->start_mark, "nesting deeper than %u levels (through alias *%s)",
                         (unsigned)r->max_depth, ex);
    if (yaml_awaiting_key(r)) {
        if (!a->is_scalar)
            return yaml_fail(r, ev->start_mark,
                             "alias *%s used as a key is not a scalar (keys must be scalars)", ex);
        return yaml_key(r, a->text, a->tlen, false, ev->start_mark);
    }
    return yaml_deliver(r, a->v, a->size, a->height, ev->start_mark);
}

static bool yaml_on_start(YamlReader *r, const yaml_event_t *ev, bool is_map)
{
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    const char *anchor_name =
        (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    if (yaml_awaiting_key(r))
        return yaml_fail(r, ev->start_mark,
                         "a %s as a mapping key is not supported (keys "
                         "must be scalars)",
                         is_map ? "mapping" : "sequence");
    if (r->nframes + 1 > r->max_depth)
        return yaml_fail(r, ev->start_mark, "nesting deeper than %u levels",
                         (unsigned)r->max_depth);
    if (tag && strncmp(tag, YAML_TAG_PREFIX, sizeof YAML_TAG_PREFIX - 1) == 0) {
        const char *t = tag + sizeof YAML_TAG_PREFIX - 1;
        static const char *const scalars[] = {"str", "int", "float", "bool", "null", NULL};
        if ((is_map && strcmp(t, "seq") == 0) || (!is_map && strcmp(t, "map") == 0) ||
            yaml_is(t, strlen(t), scalars))
            return yaml_fail(r, ev->start_mark, "!!%s tag on a %s", t,
                             is_map ? "mapping" : "sequence");
    }
    int64_t anchor = -1;
    if (anchor_name) {
        anchor = yaml_anchor_open(r, anchor_name, ev->start_mark);
        if (anchor < 0)
            return false;
    }
    if (!yaml_grow((void **)&r->frames, &r->capframes, r->nframes, sizeof *r->frames))
        return yaml_oom(r, ev->start_mark);
    YamlFrame *f = &r->frames[r->nframes++];
    memset(f, 0, sizeof *f);
    f->is_map = is_map;
    f->base = is_map ? r->nents : r->nvals;
    f->anchor = anchor;
    f->size = 1;
    f->height = 1;
    f->mark = ev->start_mark;
    f->cfn = yaml_cfn_index(tag);
    return true;
}

static bool yaml_on_end(YamlReader *r)
{
    YamlFrame *f = &r->frames[r->nframes - 1];
    Value v;
    if (!(f->is_map ? yaml_end_map(r, &v) : yaml_end_seq(r, &v)))
        return false;
    uint64_t size = f->size;
    uint32_t height = f->height;
    if (f->cfn) {
        v = yaml_cfn_wrap(r, f->cfn, v);
        height++;
    }
    yaml_anchor_close(r, f->anchor, v, size, height, NULL, 0, false);
    yaml_mark_t mark = f->mark;
    r->nframes--;
    return yaml_deliver(r, v, size, height, mark);
}

/* libyaml's own error, with its context when it gives one. Reader errors
 * (bad UTF-8, control characters) carry a byte offset, not a mark. */
static bool yaml_parser_fail(YamlReader *r, const yaml_parser_t *p, const char *buf, size_t len)
{
    if (p->error == YAML_MEMORY_ERROR)
        return yaml_fail(r, p->problem_mark, "out of memory");
    if (p->error == YAML_READER_ERROR) {
        yaml_mark_t m = {p->problem_offset, 0, 0};
        for (size_t i = 0; i < p->problem_offset && i < len; i++) {
            if (buf[i] == '\n') {
                m.line++;
                m.column = 0;
            } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
                m.column++;
            }
        }
        if (p->problem_value >= 0 && strstr(p->problem ? p->problem : "", "control"))
            return yaml_fail(r, m, "%s (byte 0x%02X)", p->problem, (unsigned)p->problem_value);
        return yaml_fail(r, m, "%s", p->problem ? p->problem : "invalid input");
    }
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->context && (p->context_mark.line != p->problem_mark.line ||
                       p->context_mark.column != p->problem_mark.column))
        return yaml_fail(r, p->problem_mark, "%s (%s at line %u, column %u)", problem, p->context,
                         (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
    if (p->context)
        return yaml_fail(r, p->problem_mark, "%s (%s)", problem, p->context);
    return yaml_fail(r, p->problem_mark, "%s", problem);
}

bool yaml_read(Arena *arena, const char *buf, size_t len, const YamlReadOptions *opt, Value *out,
               uint32_t *ndocs, YamlError *err)
{
    YamlReader r;
    memset(&r, 0, sizeof r);
    r.arena = arena;
    r.keys = opt ? opt->keys : NULL;
    r.max_depth = opt && opt->max_depth ? opt->max_depth : YAML_DEFAULT_MAX_DEPTH;
    r.max_alias = opt && opt->max_alias_nodes ? opt->max_alias_nodes : YAML_DEFAULT_MAX_ALIAS_NODES;
    r.err = err;
    if (err)
        memset(err, 0, sizeof *err);
    *out = value_undef();
    if (ndocs)
        *ndocs = 0;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        yaml_mark_t m = {0, 0, 0};
        return yaml_oom(&r, m);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    bool ok = true, done = false;
    size_t doc_first = 0; /* r.ndocs when the current document started */
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            ok = yaml_parser_fail(&r, &parser, buf, len);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            yaml_anchors_clear(&r);
            doc_first = r.ndocs;
            break;
        case YAML_DOCUMENT_END_EVENT:
            /* an empty document (nothing but `---`) is skipped */
            if (r.ndocs == doc_first + 1 && r.docs[doc_first].kind == V_NULL &&
                r.docs[doc_first].spare == 1)
                r.ndocs--;
            break;
        case YAML_SCALAR_EVENT:
            ok = yaml_on_scalar(&r, &ev);
            if (ok && r.nframes == 0 && ev.data.scalar.length == 0 && !ev.data.scalar.tag &&
                !ev.data.scalar.anchor && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                ev.start_mark.index == ev.end_mark.index)
                r.docs[r.ndocs - 1].spare = 1; /* marks "empty document" until DOCUMENT_END */
            break;
        case YAML_ALIAS_EVENT:
            ok = yaml_on_alias(&r, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            ok = yaml_on_start(&r, &ev, false);
            break;
        case YAML_MAPPING_START_EVENT:
            ok = yaml_on_start(&r, &ev, true);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            ok = yaml_on_end(&r);
            break;
        default:
            break;
        }
        if (ok && arena->failed)
            ok = yaml_fail(&r, ev.start_mark, "out of memory");
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (ok) {
        for (size_t i = 0; i < r.ndocs; i++)
            r.docs[i].spare = 0;
        if (r.ndocs > UINT32_MAX) {
            yaml_mark_t m = {0, 0, 0};
            ok = yaml_fail(&r, m, "more than 2^32 documents");
        }
    }
    if (ok) {
        if (ndocs)
            *ndocs = (uint32_t)r.ndocs;
        if (r.ndocs == 1 && !(opt && opt->always_array)) {
            *out = r.docs[0];
        } else if (r.ndocs == 0 && !(opt && opt->always_array)) {
            *out = value_null();
        } else {
            Value a = value_undef();
            a.kind = V_ARR;
            a.n = (uint32_t)r.ndocs;
            if (r.ndocs) {
                a.u.a = arena_alloc(arena, r.ndocs * sizeof *a.u.a);
                if (a.u.a)
                    memcpy(a.u.a, r.docs, r.ndocs * sizeof *a.u.a);
            }
            *out = a;
            if (arena->failed) {
                yaml_mark_t m = {0, 0, 0};
                ok = yaml_oom(&r, m);
            }
        }
    }
    yaml_anchors_clear(&r);
    free(r.anchors);
    free(r.atab);
    free(r.vals);
    free(r.ents);
    free(r.frames);
    free(r.docs);
    free(r.numbuf);
    if (r.cloc)
        freelocale(r.cloc);
    if (!ok)
        *out = value_undef();
    return ok;
}
