/* testrun.c — the `veto test` runner; see testrun.h and docs/TESTING.md.
 *
 * Phases per test file: read the YAML into a tree of TNodes with 1-based
 * positions (libyaml's marks are 0-based: converted here), check the keys,
 * expand table cases, compile the policies, then evaluate and compare each
 * case. Everything of one file lives in one arena, freed at its end.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "author/testrun.h"

#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "base/arena.h"
#include "gate/decision.h"
#include "input/json_read.h"
#include "vm/program.h"

#define TR_MAX_DEPTH 256

/* ---- the YAML tree ------------------------------------------------------ */

typedef enum TNodeKind { TN_SCALAR, TN_SEQ, TN_MAP } TNodeKind;

typedef struct TNode {
    uint8_t kind;  /* TNodeKind */
    uint8_t plain; /* scalar written without quotes: may be null, bool or number */
    uint32_t line, col;
    const char *s; /* scalar text (NUL-terminated) */
    size_t len;
    struct TNode **kids; /* SEQ: n items; MAP: n pairs as kids[2i] = key, kids[2i+1] = value */
    uint32_t n;
} TNode;

typedef struct TAnchor {
    const char *name;
    TNode *node;
} TAnchor;

typedef struct TestFile {
    Arena arena;
    const char *path;
    char *dir; /* directory of the test file ("." when none), arena */
    yaml_parser_t parser;
    TAnchor *anchors;
    size_t nanchors, capanchors;
    char err[300];
    uint32_t eline, ecol;
    bool failed;
} TestFile;

static void tf_error(TestFile *tf, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void tf_error(TestFile *tf, uint32_t line, uint32_t col, const char *fmt, ...)
{
    if (tf->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tf->err, sizeof tf->err, fmt, ap);
    va_end(ap);
    tf->eline = line;
    tf->ecol = col;
    tf->failed = true;
}

static TNode *tn_new(TestFile *tf, TNodeKind kind, yaml_mark_t mark)
{
    TNode *n = arena_zalloc(&tf->arena, sizeof *n);
    if (!n) {
        tf_error(tf, 0, 0, "out of memory");
        return NULL;
    }
    n->kind = (uint8_t)kind;
    n->line = (uint32_t)mark.line + 1; /* libyaml marks are 0-based */
    n->col = (uint32_t)mark.column + 1;
    return n;
}

static void tn_push(TestFile *tf, TNode *parent, TNode *kid, uint32_t *cap)
{
    ARENA_GROW(&tf->arena, parent->kids, parent->n, *cap);
    if (!parent->kids) {
        tf_error(tf, 0, 0, "out of memory");
        return;
    }
    parent->kids[parent->n++] = kid;
}

static void tf_anchor(TestFile *tf, const yaml_char_t *anchor, TNode *node)
{
    if (!anchor || !node)
        return;
    ARENA_GROW(&tf->arena, tf->anchors, tf->nanchors, tf->capanchors);
    if (!tf->anchors)
        return;
    tf->anchors[tf->nanchors].name =
        arena_strndup(&tf->arena, (const char *)anchor, strlen((const char *)anchor));
    tf->anchors[tf->nanchors++].node = node;
}

static bool tf_next(TestFile *tf, yaml_event_t *ev)
{
    if (yaml_parser_parse(&tf->parser, ev))
        return true;
    tf_error(tf, (uint32_t)tf->parser.problem_mark.line + 1,
             (uint32_t)tf->parser.problem_mark.column + 1, "invalid YAML: %s",
             tf->parser.problem ? tf->parser.problem : "syntax error");
    return false;
}

static const TNode *tn_get(const TNode *map, const char *key);

static TNode *tf_node(TestFile *tf, yaml_event_t *ev, int depth);

/* Reads the items of a sequence or the pairs of a mapping until its end
 * event; `<<` merge keys add the pairs the mapping does not set itself. */
static void tf_children(TestFile *tf, TNode *node, yaml_event_type_t end, int depth)
{
    uint32_t cap = 0;
    TNode *merges[16];
    int nmerges = 0;
    for (;;) {
        yaml_event_t ev;
        if (!tf_next(tf, &ev))
            return;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        TNode *kid = tf_node(tf, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!kid)
            return;
        if (node->kind == TN_MAP && node->n % 2 == 0 && kid->kind == TN_SCALAR && kid->plain &&
            strcmp(kid->s, "<<") == 0) {
            yaml_event_t vev;
            if (!tf_next(tf, &vev))
                return;
            TNode *val = tf_node(tf, &vev, depth + 1);
            yaml_event_delete(&vev);
            if (!val)
                return;
            if (val->kind == TN_MAP && nmerges < 16)
                merges[nmerges++] = val;
            for (uint32_t i = 0; val->kind == TN_SEQ && i < val->n; i++)
                if (val->kids[i]->kind == TN_MAP && nmerges < 16)
                    merges[nmerges++] = val->kids[i];
            continue;
        }
        if (node->kind == TN_MAP && node->n % 2 == 0 && kid->kind != TN_SCALAR) {
            tf_error(tf, kid->line, kid->col, "a mapping key must be a scalar");
            return;
        }
        tn_push(tf, node, kid, &cap);
    }
    for (int m = 0; m < nmerges; m++)
        for (uint32_t i = 0; i + 1 < merges[m]->n; i += 2) {
            const TNode *k = merges[m]->kids[i];
            bool present = false;
            for (uint32_t j = 0; j + 1 < node->n; j += 2)
                present = present || strcmp(node->kids[j]->s, k->s) == 0;
            if (!present) {
                tn_push(tf, node, merges[m]->kids[i], &cap);
                tn_push(tf, node, merges[m]->kids[i + 1], &cap);
            }
        }
    node->n = node->kind == TN_MAP ? node->n / 2 : node->n;
}

/* The node that starts with event ev (which the caller deletes). */
static TNode *tf_node(TestFile *tf, yaml_event_t *ev, int depth)
{
    if (depth > TR_MAX_DEPTH) {
        tf_error(tf, (uint32_t)ev->start_mark.line + 1, (uint32_t)ev->start_mark.column + 1,
                 "nesting deeper than %d levels", TR_MAX_DEPTH);
        return NULL;
    }
    TNode *n = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = tn_new(tf, TN_SCALAR, ev->start_mark);
        if (!n)
            return NULL;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->len = ev->data.scalar.length;
        n->s = arena_strndup(&tf->arena, (const char *)ev->data.scalar.value, n->len);
        tf_anchor(tf, ev->data.scalar.anchor, n);
        return n;
    case YAML_SEQUENCE_START_EVENT:
        n = tn_new(tf, TN_SEQ, ev->start_mark);
        if (!n)
            return NULL;
        tf_anchor(tf, ev->data.sequence_start.anchor, n);
        tf_children(tf, n, YAML_SEQUENCE_END_EVENT, depth);
        return tf->failed ? NULL : n;
    case YAML_MAPPING_START_EVENT:
        n = tn_new(tf, TN_MAP, ev->start_mark);
        if (!n)
            return NULL;
        tf_anchor(tf, ev->data.mapping_start.anchor, n);
        tf_children(tf, n, YAML_MAPPING_END_EVENT, depth);
        return tf->failed ? NULL : n;
    case YAML_ALIAS_EVENT:
        for (size_t i = tf->nanchors; i-- > 0;)
            if (strcmp(tf->anchors[i].name, (const char *)ev->data.alias.anchor) == 0)
                return tf->anchors[i].node;
        tf_error(tf, (uint32_t)ev->start_mark.line + 1, (uint32_t)ev->start_mark.column + 1,
                 "unknown anchor '%s'", (const char *)ev->data.alias.anchor);
        return NULL;
    default:
        tf_error(tf, (uint32_t)ev->start_mark.line + 1, (uint32_t)ev->start_mark.column + 1,
                 "unexpected YAML event");
        return NULL;
    }
}

/* Parses the first document of the file; NULL with tf->err on failure. */
static TNode *tf_parse(TestFile *tf, FILE *f)
{
    if (!yaml_parser_initialize(&tf->parser)) {
        tf_error(tf, 0, 0, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_file(&tf->parser, f);
    TNode *root = NULL;
    yaml_event_t ev;
    while (!tf->failed && tf_next(tf, &ev)) {
        yaml_event_type_t t = ev.type;
        if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT)
            root = tf_node(tf, &ev, 0);
        yaml_event_delete(&ev);
        if (root || t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT)
            break;
    }
    yaml_parser_delete(&tf->parser);
    if (!tf->failed && (!root || root->kind != TN_MAP))
        tf_error(tf, root ? root->line : 1, root ? root->col : 1,
                 "a test file is a mapping with 'policy' and 'tests'");
    return tf->failed ? NULL : root;
}

static const TNode *tn_get(const TNode *map, const char *key)
{
    if (!map || map->kind != TN_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->n; i++)
        if (strcmp(map->kids[2 * i]->s, key) == 0)
            return map->kids[2 * i + 1];
    return NULL;
}

/* Rejects keys of map not in allowed (NULL-terminated): a typo in a test
 * file must not make a test silently weaker. */
static bool tf_check_keys(TestFile *tf, const TNode *map, const char *what,
                          const char *const *allowed)
{
    for (uint32_t i = 0; i < map->n; i++) {
        const TNode *k = map->kids[2 * i];
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k->s) == 0;
        if (!ok) {
            char list[200] = "";
            for (const char *const *a = allowed; *a; a++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         a == allowed ? "" : ", ", *a);
            tf_error(tf, k->line, k->col, "unknown key '%s' in %s (expected one of: %s)", k->s,
                     what, list);
            return false;
        }
    }
    return true;
}

/* ---- scalars and JSON ----------------------------------------------------- */

static bool tn_is_null(const TNode *n)
{
    return n->kind == TN_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 ||
            strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0);
}

/* -1 not a bool, else 0/1. */
static int tn_bool(const TNode *n)
{
    if (n->kind != TN_SCALAR || !n->plain)
        return -1;
    static const char *const t[] = {"true", "True", "TRUE"}, *const f[] = {"false", "False",
                                                                           "FALSE"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(n->s, t[i]) == 0)
            return 1;
        if (strcmp(n->s, f[i]) == 0)
            return 0;
    }
    return -1;
}

/* A plain scalar that is a YAML 1.2 core-schema number, written as JSON
 * into out; false otherwise. */
static bool tn_number(const TNode *n, Buf *out)
{
    if (n->kind != TN_SCALAR || !n->plain || n->len == 0)
        return false;
    const char *s = n->s;
    char *end;
    if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) && s[2]) {
        unsigned long long v = strtoull(s + 2, &end, s[1] == 'x' ? 16 : 8);
        if (*end)
            return false;
        buf_printf(out, "%llu", v);
        return true;
    }
    const char *p = s + (*s == '-' || *s == '+');
    bool digits = false, frac = false;
    for (; *p >= '0' && *p <= '9'; p++)
        digits = true;
    if (*p == '.') {
        frac = true;
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits = true;
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        frac = true;
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return false;
    if (!frac) {
        const char *d = s + (*s == '+');
        buf_puts(out, d);
        return true;
    }
    double v = strtod(s, &end);
    if (!isfinite(v))
        return false;
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    buf_puts(out, tmp);
    if (!strpbrk(tmp, ".eEn"))
        buf_puts(out, ".0");
    return true;
}

static void tn_json(Buf *out, const TNode *n)
{
    switch (n->kind) {
    case TN_SCALAR:
        if (tn_is_null(n))
            buf_puts(out, "null");
        else if (tn_bool(n) >= 0)
            buf_puts(out, tn_bool(n) ? "true" : "false");
        else if (!tn_number(n, out))
            json_write_string(out, n->s, n->len);
        return;
    case TN_SEQ:
        buf_putc(out, '[');
        for (uint32_t i = 0; i < n->n; i++) {
            if (i)
                buf_puts(out, ", ");
            tn_json(out, n->kids[i]);
        }
        buf_putc(out, ']');
        return;
    default:
        buf_putc(out, '{');
        for (uint32_t i = 0; i < n->n; i++) {
            if (i)
                buf_puts(out, ", ");
            json_write_string(out, n->kids[2 * i]->s, n->kids[2 * i]->len);
            buf_puts(out, ": ");
            tn_json(out, n->kids[2 * i + 1]);
        }
        buf_putc(out, '}');
    }
}

static char *tn_json_new(const TNode *n)
{
    Buf b = BUF_INIT;
    tn_json(&b, n);
    return buf_take(&b);
}

static char *tr_json_string(const char *s)
{
    Buf b = BUF_INIT;
    if (s)
        json_write_string(&b, s, strlen(s));
    else
        buf_puts(&b, "null");
    return buf_take(&b);
}

/* A string field: a scalar that is not null, bool or number-free text. */
static const char *tn_string(TestFile *tf, const TNode *n, const char *what)
{
    if (!n)
        return NULL;
    if (n->kind != TN_SCALAR) {
        tf_error(tf, n->line, n->col, "%s must be a string", what);
        return NULL;
    }
    return n->s;
}

/* ---- table substitution ----------------------------------------------------- */

/* n with every ${name} of row substituted: a scalar that is exactly
 * "${name}" becomes the row's value (any type); inside longer text the
 * value's text is spliced in. Names that are not columns stay as written
 * (plans hold Terraform's own "${...}" strings). */
static TNode *tn_subst(TestFile *tf, TNode *n, const TNode *row, int depth)
{
    if (!row || depth > TR_MAX_DEPTH || tf->failed)
        return n;
    if (n->kind == TN_SCALAR) {
        if (!strstr(n->s, "${"))
            return n;
        if (n->s[0] == '$' && n->s[1] == '{' && n->s[n->len - 1] == '}' &&
            !memchr(n->s + 2, '}', n->len - 3)) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(n->len - 3), n->s + 2);
            const TNode *v = tn_get(row, name);
            if (v)
                return (TNode *)v;
        }
        Buf b = BUF_INIT;
        const char *p = n->s;
        bool changed = false;
        while (*p) {
            const char *open = strstr(p, "${");
            const char *close = open ? strchr(open, '}') : NULL;
            if (!close) {
                buf_puts(&b, p);
                break;
            }
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(close - open - 2), open + 2);
            const TNode *v = tn_get(row, name);
            buf_append(&b, p, (size_t)(open - p));
            if (v && v->kind == TN_SCALAR) {
                buf_append(&b, v->s, v->len);
                changed = true;
            } else if (v) { /* a list or mapping spliced into text: its JSON */
                tn_json(&b, v);
                changed = true;
            } else {
                buf_append(&b, open, (size_t)(close + 1 - open));
            }
            p = close + 1;
        }
        if (!changed) {
            buf_free(&b);
            return n;
        }
        TNode *s = arena_zalloc(&tf->arena, sizeof *s);
        if (!s) {
            buf_free(&b);
            tf_error(tf, 0, 0, "out of memory");
            return n;
        }
        *s = *n;
        s->plain = 0;
        s->len = b.len;
        s->s = arena_strndup(&tf->arena, b.p ? b.p : "", b.len);
        buf_free(&b);
        return s;
    }
    uint32_t nk = n->kind == TN_MAP ? 2 * n->n : n->n;
    TNode *c = arena_zalloc(&tf->arena, sizeof *c);
    TNode **kids = arena_alloc(&tf->arena, (nk ? nk : 1) * sizeof *kids);
    if (!c || !kids) {
        tf_error(tf, 0, 0, "out of memory");
        return n;
    }
    *c = *n;
    c->kids = kids;
    for (uint32_t i = 0; i < nk; i++)
        kids[i] = (n->kind == TN_MAP && i % 2 == 0) ? n->kids[i]
                                                    : tn_subst(tf, n->kids[i], row, depth + 1);
    return c;
}

/* ---- the report --------------------------------------------------------------- */

static TestResult *tr_add(TestReport *rep, const char *file, uint32_t line, const char *name)
{
    if (rep->n == rep->cap) {
        size_t ncap = rep->cap ? rep->cap * 2 : 64;
        TestResult *t = realloc(rep->tests, ncap * sizeof *t);
        if (!t) {
            rep->oom = true;
            return NULL;
        }
        rep->tests = t;
        rep->cap = ncap;
    }
    TestResult *r = &rep->tests[rep->n++];
    memset(r, 0, sizeof *r);
    r->file = strdup(file);
    r->name = strdup(name);
    r->line = line;
    r->passed = true;
    if (!r->file || !r->name)
        rep->oom = true;
    return r;
}

/* Adds a failure; takes ownership of expected and got (malloc'd or NULL). */
static void tr_fail(TestReport *rep, TestResult *r, const char *path, char *expected, char *got,
                    const char *note_fmt, ...) __attribute__((format(printf, 6, 7)));
static void tr_fail(TestReport *rep, TestResult *r, const char *path, char *expected, char *got,
                    const char *note_fmt, ...)
{
    r->passed = false;
    if (r->nfails == r->cap) {
        uint32_t ncap = r->cap ? r->cap * 2 : 4;
        TestFailure *f = realloc(r->fails, ncap * sizeof *f);
        if (!f) {
            rep->oom = true;
            free(expected);
            free(got);
            return;
        }
        r->fails = f;
        r->cap = ncap;
    }
    TestFailure *f = &r->fails[r->nfails++];
    f->path = strdup(path);
    f->expected = expected;
    f->got = got;
    f->note = NULL;
    if (note_fmt) {
        Buf b = BUF_INIT;
        va_list ap;
        va_start(ap, note_fmt);
        buf_vprintf(&b, note_fmt, ap);
        va_end(ap);
        f->note = buf_take(&b);
    }
}

static void tr_finish(TestReport *rep, TestResult *r)
{
    if (r->passed)
        rep->passed++;
    else
        rep->failed++;
}

void testrun_report_free(TestReport *rep)
{
    for (size_t i = 0; i < rep->n; i++) {
        TestResult *r = &rep->tests[i];
        for (uint32_t j = 0; j < r->nfails; j++) {
            free(r->fails[j].path);
            free(r->fails[j].expected);
            free(r->fails[j].got);
            free(r->fails[j].note);
        }
        free(r->fails);
        free(r->file);
        free(r->name);
    }
    free(rep->tests);
    memset(rep, 0, sizeof *rep);
}

/* A test file that cannot run at all: one failed result carrying why. */
static void tr_file_error(TestReport *rep, const char *path, uint32_t line, const char *msg)
{
    TestResult *r = tr_add(rep, path, line, "(test file)");
    if (!r)
        return;
    tr_fail(rep, r, "file", NULL, NULL, "%s", msg);
    tr_finish(rep, r);
}

/* ---- patterns ------------------------------------------------------------------ */

static pcre2_code *tr_regex(const char *pattern, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (!re && err) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "invalid regex '%s': %s at offset %zu", pattern, (char *)msg,
                 (size_t)off);
    }
    return re;
}

bool testrun_pattern_ok(const char *pattern, char *err, size_t errlen)
{
    pcre2_code *re = tr_regex(pattern, err, errlen);
    pcre2_code_free(re);
    return re != NULL;
}

static bool tr_search(const pcre2_code *re, const char *s)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md)
        return false;
    int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* Does text match the expectation pattern: "~REGEX" searches, anything
 * else is compared exactly. A broken regex never matches (it is reported
 * when the file is checked). */
static bool tr_text_match(const char *pattern, const char *text)
{
    if (!text)
        return false;
    if (pattern[0] != '~')
        return strcmp(pattern, text) == 0;
    pcre2_code *re = tr_regex(pattern + 1, NULL, 0);
    bool ok = re && tr_search(re, text);
    pcre2_code_free(re);
    return ok;
}

/* ---- expectations ----------------------------------------------------------------- */

/* One expected result. A NULL field matches anything; address_null asks
 * for a result without an address. */
typedef struct Matcher {
    const char *policy, *rule, *address, *message;
    bool address_null;
} Matcher;

static const char *const tr_matcher_keys[] = {"policy", "rule", "address", "message", NULL};

static bool tr_matcher(TestFile *tf, const TNode *n, Matcher *m)
{
    memset(m, 0, sizeof *m);
    if (n->kind == TN_SCALAR) { /* shorthand: an address */
        m->address = n->s;
        return true;
    }
    if (n->kind != TN_MAP) {
        tf_error(tf, n->line, n->col, "an expected result is a mapping or an address");
        return false;
    }
    if (!tf_check_keys(tf, n, "an expected result", tr_matcher_keys))
        return false;
    const TNode *a = tn_get(n, "address");
    m->policy = tn_string(tf, tn_get(n, "policy"), "policy");
    m->rule = tn_string(tf, tn_get(n, "rule"), "rule");
    m->message = tn_string(tf, tn_get(n, "message"), "message");
    if (a && tn_is_null(a))
        m->address_null = true;
    else
        m->address = tn_string(tf, a, "address");
    static const char *const rules[] = {"deny",   "warn",    "allow", "approve",
                                        "reject", "trigger", "error", NULL};
    if (m->rule) {
        bool ok = false;
        for (const char *const *r = rules; *r; r++)
            ok = ok || strcmp(*r, m->rule) == 0;
        if (!ok) {
            const TNode *rn = tn_get(n, "rule");
            tf_error(tf, rn->line, rn->col,
                     "rule must be deny, warn, allow, approve, reject, trigger or error, not '%s'",
                     m->rule);
        }
    }
    const char *pats[] = {m->policy, m->rule, m->address, m->message};
    for (int i = 0; i < 4; i++)
        if (pats[i] && pats[i][0] == '~') {
            char err[240];
            if (!testrun_pattern_ok(pats[i] + 1, err, sizeof err))
                tf_error(tf, n->line, n->col, "%s", err);
        }
    return !tf->failed;
}

/* What a result shows to a matcher. */
typedef struct Got {
    const char *policy_id, *policy_name, *rule, *address, *message;
    const char *file;
    uint32_t line, col;
} Got;

static Got tr_got(const veto_decision *d, const Result *r)
{
    const Program *p = d->prog;
    const Policy *pol = &p->policies[r->policy];
    Got g = {pol->id, pol->name, "error", r->address, r->message, r->file, r->line, r->col};
    if (r->kind == RES_RULE)
        g.rule = rule_kind_name(p->rules[r->rule].kind);
    return g;
}

/* Bit per field: policy, rule, address, message. */
static unsigned tr_match_fields(const Matcher *m, const Got *g)
{
    unsigned ok = 0;
    if (!m->policy || tr_text_match(m->policy, g->policy_id) ||
        tr_text_match(m->policy, g->policy_name))
        ok |= 1;
    if (!m->rule || tr_text_match(m->rule, g->rule))
        ok |= 2;
    if (m->address_null ? !g->address : (!m->address || tr_text_match(m->address, g->address)))
        ok |= 4;
    if (!m->message || tr_text_match(m->message, g->message))
        ok |= 8;
    return ok;
}

static int tr_popcount(unsigned x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

static char *tr_got_json(const Got *g)
{
    Buf b = BUF_INIT;
    buf_puts(&b, "{\"policy\": ");
    json_write_string(&b, g->policy_id, strlen(g->policy_id));
    buf_printf(&b, ", \"rule\": \"%s\", \"address\": ", g->rule);
    if (g->address)
        json_write_string(&b, g->address, strlen(g->address));
    else
        buf_puts(&b, "null");
    buf_puts(&b, ", \"message\": ");
    json_write_string(&b, g->message, strlen(g->message));
    buf_putc(&b, '}');
    return buf_take(&b);
}

/* ---- running one case ---------------------------------------------------------------- */

typedef struct FileRun {
    TestFile *tf;
    veto_engine *e;
    const TestOptions *opt;
    TestReport *rep;
    veto_program *prog;
    const TNode *root;
    bool *selected; /* per policy index: under test */
    PolicyKind default_kind;
    CoverageRun cov;
    bool covering;
    pcre2_code *run_re;
} FileRun;

static char *tr_path(TestFile *tf, const char *rel)
{
    if (rel[0] == '/' || strcmp(tf->dir, ".") == 0)
        return arena_strndup(&tf->arena, rel, strlen(rel));
    size_t n = strlen(tf->dir) + strlen(rel) + 2;
    char *p = arena_alloc(&tf->arena, n);
    if (p)
        snprintf(p, n, "%s/%s", tf->dir, rel);
    return p;
}

/* Loads one document of the case: inline (key) or from a file (key_file).
 * *doc stays NULL when neither is given. False after a failure is added. */
static bool tr_doc(FileRun *fr, TestResult *r, const TNode *body, const char *key,
                   const char *file_key, veto_doc **doc)
{
    const TNode *inl = tn_get(body, key), *file = tn_get(body, file_key);
    *doc = NULL;
    if (!inl && !file)
        return true;
    veto_diags *d = veto_diags_new();
    char label[300];
    if (inl) {
        char *json = tn_json_new(inl);
        snprintf(label, sizeof label, "%s:%u", fr->tf->path, inl->line);
        *doc = json ? veto_doc_load_json(fr->e, label, json, strlen(json), NULL, d) : NULL;
        free(json);
    } else if (file->kind != TN_SCALAR) {
        snprintf(label, sizeof label, "%s", file_key);
    } else {
        const char *path = tr_path(fr->tf, file->s);
        snprintf(label, sizeof label, "%s", path ? path : file->s);
        *doc = path ? veto_doc_load_file(fr->e, path, NULL, d) : NULL;
    }
    if (!*doc) {
        char *msg = veto_diags_render(d, 0);
        size_t ml = msg ? strlen(msg) : 0;
        while (ml && msg[ml - 1] == '\n')
            msg[--ml] = '\0';
        tr_fail(fr->rep, r, inl ? key : file_key, NULL, NULL, "cannot load %s: %s", label,
                msg && *msg ? msg : "not a file name");
        free(msg);
    }
    veto_diags_free(d);
    return *doc != NULL;
}

static const char *const tr_kinds[] = {"plan", "approval", "access", "trigger", "drift", NULL};

static const char *const tr_expect_keys[] = {"outcome", "verdict", "results", "only",
                                             "none",    "count",   NULL};

/* Compares the decision with the case's `expect`; adds failures to r. */
static void tr_compare(FileRun *fr, TestResult *r, const TNode *expect, const veto_decision *dec)
{
    TestReport *rep = fr->rep;
    const TNode *outcome = tn_get(expect, "outcome"), *verdict = tn_get(expect, "verdict");
    const char *got_outcome = veto_outcome_name(dec->outcome);
    if (outcome && strcmp(outcome->s, got_outcome) != 0)
        tr_fail(rep, r, "expect.outcome", tr_json_string(outcome->s), tr_json_string(got_outcome),
                NULL);
    if (verdict && !(dec->verdict && strcmp(verdict->s, dec->verdict) == 0))
        tr_fail(rep, r, "expect.verdict", tr_json_string(verdict->s), tr_json_string(dec->verdict),
                NULL);
    const TNode *count = tn_get(expect, "count");
    if (count) {
        char got[32];
        snprintf(got, sizeof got, "%u", dec->nresults);
        if (strcmp(count->s, got) != 0)
            tr_fail(rep, r, "expect.count", strdup(count->s), strdup(got), NULL);
    }
    bool *used = calloc(dec->nresults ? dec->nresults : 1, sizeof *used);
    if (!used) {
        rep->oom = true;
        return;
    }
    const TNode *results = tn_get(expect, "results");
    for (uint32_t i = 0; results && i < results->n; i++) {
        Matcher m;
        tr_matcher(fr->tf, results->kids[i], &m);
        int best = -1, best_score = -1;
        unsigned best_fields = 0;
        for (uint32_t k = 0; k < dec->nresults; k++) {
            if (used[k])
                continue;
            Got g = tr_got(dec, &dec->results[k]);
            unsigned f = tr_match_fields(&m, &g);
            if (f == 15) {
                best = (int)k;
                best_fields = f;
                break;
            }
            if (tr_popcount(f) > best_score) {
                best_score = tr_popcount(f);
                best = (int)k;
                best_fields = f;
            }
        }
        char path[80];
        snprintf(path, sizeof path, "expect.results[%u]", i);
        if (best >= 0 && best_fields == 15) {
            used[best] = true;
            continue;
        }
        char *want = tn_json_new(results->kids[i]);
        if (best < 0) {
            tr_fail(rep, r, path, want, strdup("[]"), "no result matches: %s",
                    dec->nresults ? "every result is matched already" : "nothing fired");
            continue;
        }
        /* The structural diff against the closest result, field by field. */
        Got g = tr_got(dec, &dec->results[best]);
        tr_fail(rep, r, path, want, NULL, "no result matches; closest is got.results[%d]", best);
        const char *names[4] = {"policy", "rule", "address", "message"};
        const char *want_f[4] = {m.policy, m.rule, m.address_null ? NULL : m.address, m.message};
        const char *got_f[4] = {g.policy_id, g.rule, g.address, g.message};
        for (int f = 0; f < 4; f++) {
            if (best_fields & (1u << f))
                continue;
            char fpath[100];
            snprintf(fpath, sizeof fpath, "%s.%s", path, names[f]);
            tr_fail(rep, r, fpath, tr_json_string(want_f[f]), tr_json_string(got_f[f]), NULL);
        }
    }
    const TNode *none = tn_get(expect, "none");
    for (uint32_t j = 0; none && j < none->n; j++) {
        Matcher m;
        tr_matcher(fr->tf, none->kids[j], &m);
        for (uint32_t k = 0; k < dec->nresults; k++) {
            Got g = tr_got(dec, &dec->results[k]);
            if (tr_match_fields(&m, &g) == 15) {
                char path[80];
                snprintf(path, sizeof path, "expect.none[%u]", j);
                tr_fail(rep, r, path, tn_json_new(none->kids[j]), tr_got_json(&g),
                        "matched got.results[%u], which must not fire", k);
            }
        }
    }
    const TNode *only = tn_get(expect, "only");
    bool only_set = only && tn_bool(only) == 1;
    for (uint32_t k = 0; k < dec->nresults; k++) {
        if (used[k])
            continue;
        Got g = tr_got(dec, &dec->results[k]);
        bool error = dec->results[k].kind == RES_ERROR;
        if (!only_set && !(error && !r->passed))
            continue;
        char path[80];
        snprintf(path, sizeof path, "got.results[%u]", k);
        if (error)
            tr_fail(rep, r, path, NULL, tr_got_json(&g), "policy error at %s:%u:%u", g.file, g.line,
                    g.col);
        else
            tr_fail(rep, r, path, NULL, tr_got_json(&g), "unexpected result (only: true)");
    }
    free(used);
}

/* The decision restricted to the policies under test (their outcome is
 * what a test asserts, whatever else the directory holds). */
static veto_decision *tr_filter(FileRun *fr, const veto_decision *full)
{
    veto_decision *d = decision_new(full->prog, full->kind);
    if (!d)
        return NULL;
    for (uint32_t i = 0; i < full->nresults; i++) {
        const Result *r = &full->results[i];
        if (!fr->selected[r->policy])
            continue;
        decision_add(d, r->kind, r->policy, r->rule, r->message, strlen(r->message), r->address,
                     r->address ? strlen(r->address) : 0, r->file, r->line, r->col);
    }
    d->policies_evaluated = full->policies_evaluated;
    decision_finish(d);
    return d;
}

static const char *const tr_case_keys[] = {"name",         "input", "input_file", "context",
                                           "context_file", "data",  "data_files", "kind",
                                           "expect",       "cases", NULL};

static void tr_case(FileRun *fr, const TNode *body, const char *name, uint32_t line)
{
    TestReport *rep = fr->rep;
    TestResult *r = tr_add(rep, fr->tf->path, line, name);
    if (!r)
        return;
    veto_doc *input = NULL, *context = NULL;
    veto_doc **data = NULL;
    const char **data_names = NULL;
    size_t ndata = 0;
    veto_eval_options eo;
    memset(&eo, 0, sizeof eo);
    eo.fuel = fr->opt->fuel;
    eo.mem_cap = fr->opt->mem_cap;
    eo.kind = policy_kind_name(fr->default_kind);
    const TNode *kind = tn_get(body, "kind");
    if (kind)
        eo.kind = kind->s;
    if (!tr_doc(fr, r, body, "input", "input_file", &input) ||
        !tr_doc(fr, r, body, "context", "context_file", &context))
        goto done;
    const TNode *dmaps[2] = {tn_get(body, "data"), tn_get(body, "data_files")};
    size_t dcap = (dmaps[0] ? dmaps[0]->n : 0) + (dmaps[1] ? dmaps[1]->n : 0);
    data = calloc(dcap ? dcap : 1, sizeof *data);
    data_names = calloc(dcap ? dcap : 1, sizeof *data_names);
    if (!data || !data_names) {
        rep->oom = true;
        goto done;
    }
    for (int w = 0; w < 2; w++)
        for (uint32_t i = 0; dmaps[w] && i < dmaps[w]->n; i++) {
            /* One document per name: a one-pair map handed to tr_doc. */
            TNode pair = *dmaps[w];
            TNode *kids[2] = {dmaps[w]->kids[2 * i], dmaps[w]->kids[2 * i + 1]};
            TNode fake_key = *kids[0];
            fake_key.s = w ? "data_file" : "data";
            fake_key.len = strlen(fake_key.s);
            kids[0] = &fake_key;
            pair.kids = kids;
            pair.n = 1;
            data_names[ndata] = dmaps[w]->kids[2 * i]->s;
            if (!tr_doc(fr, r, &pair, "data", "data_file", &data[ndata]))
                goto done;
            ndata++;
        }
    eo.context = context;
    eo.data_names = data_names;
    eo.data_docs = (const veto_doc *const *)data;
    eo.ndata = ndata;
    eo.hooks = fr->covering ? &fr->cov.hooks : NULL;
    veto_decision *full = veto_eval(fr->prog, input, &eo);
    veto_decision *dec = full ? tr_filter(fr, full) : NULL;
    if (!dec)
        rep->oom = true;
    else
        tr_compare(fr, r, tn_get(body, "expect"), dec);
    veto_decision_free(dec);
    veto_decision_free(full);
done:
    for (size_t i = 0; i < ndata; i++)
        veto_doc_free(data[i]);
    free(data);
    free(data_names);
    veto_doc_free(input);
    veto_doc_free(context);
    tr_finish(rep, r);
}

/* Checks a case's shape before anything runs, so a broken test file is
 * reported once, at the line of the mistake. */
static bool tr_check_case(TestFile *tf, const TNode *c)
{
    if (c->kind != TN_MAP) {
        tf_error(tf, c->line, c->col, "a test is a mapping with 'name' and 'expect'");
        return false;
    }
    if (!tf_check_keys(tf, c, "a test", tr_case_keys))
        return false;
    const TNode *name = tn_get(c, "name"), *expect = tn_get(c, "expect");
    if (!name || name->kind != TN_SCALAR) {
        tf_error(tf, c->line, c->col, "a test needs a 'name' (a string)");
        return false;
    }
    if (!expect || expect->kind != TN_MAP) {
        tf_error(tf, c->line, c->col, "test '%s' needs an 'expect' mapping", name->s);
        return false;
    }
    if (!tf_check_keys(tf, expect, "expect", tr_expect_keys))
        return false;
    if (tn_get(c, "input") && tn_get(c, "input_file")) {
        const TNode *k = tn_get(c, "input_file");
        tf_error(tf, k->line, k->col, "give 'input' or 'input_file', not both");
        return false;
    }
    if (tn_get(c, "context") && tn_get(c, "context_file")) {
        const TNode *k = tn_get(c, "context_file");
        tf_error(tf, k->line, k->col, "give 'context' or 'context_file', not both");
        return false;
    }
    static const char *const scalar_keys[] = {"input_file", "context_file", "kind", NULL};
    for (const char *const *k = scalar_keys; *k; k++) {
        const TNode *v = tn_get(c, *k);
        if (v && v->kind != TN_SCALAR) {
            tf_error(tf, v->line, v->col, "'%s' must be a string", *k);
            return false;
        }
    }
    const TNode *kind = tn_get(c, "kind");
    if (kind && !strstr(kind->s, "${")) {
        bool ok = false;
        for (const char *const *k = tr_kinds; *k; k++)
            ok = ok || strcmp(*k, kind->s) == 0;
        if (!ok) {
            tf_error(tf, kind->line, kind->col,
                     "kind must be plan, approval, access, trigger or drift, not '%s'", kind->s);
            return false;
        }
    }
    static const char *const map_keys[] = {"data", "data_files", NULL};
    for (const char *const *k = map_keys; *k; k++) {
        const TNode *v = tn_get(c, *k);
        if (v && v->kind != TN_MAP) {
            tf_error(tf, v->line, v->col, "'%s' maps names to documents", *k);
            return false;
        }
    }
    static const char *const exp_scalars[] = {"outcome", "verdict", "count", "only", NULL};
    for (const char *const *k = exp_scalars; *k; k++) {
        const TNode *v = tn_get(expect, *k);
        if (v && v->kind != TN_SCALAR) {
            tf_error(tf, v->line, v->col, "expect.%s must be a scalar", *k);
            return false;
        }
    }
    const TNode *count = tn_get(expect, "count");
    if (count && !strstr(count->s, "${") && strspn(count->s, "0123456789") != count->len) {
        tf_error(tf, count->line, count->col, "expect.count must be a whole number, not '%s'",
                 count->s);
        return false;
    }
    const TNode *outcome = tn_get(expect, "outcome");
    if (outcome && !strstr(outcome->s, "${") && strcmp(outcome->s, "pass") &&
        strcmp(outcome->s, "warn") && strcmp(outcome->s, "fail") && strcmp(outcome->s, "error")) {
        tf_error(tf, outcome->line, outcome->col,
                 "expect.outcome must be pass, warn, fail or error, not '%s'", outcome->s);
        return false;
    }
    static const char *const exp_lists[] = {"results", "none", NULL};
    for (const char *const *k = exp_lists; *k; k++) {
        const TNode *v = tn_get(expect, *k);
        if (v && v->kind != TN_SEQ) {
            tf_error(tf, v->line, v->col, "expect.%s must be a list", *k);
            return false;
        }
        for (uint32_t i = 0; v && i < v->n; i++) {
            Matcher m;
            if (!tr_matcher(tf, v->kids[i], &m))
                return false;
        }
    }
    const TNode *cases = tn_get(c, "cases");
    if (cases && cases->kind != TN_SEQ) {
        tf_error(tf, cases->line, cases->col, "'cases' must be a list of parameter mappings");
        return false;
    }
    for (uint32_t i = 0; cases && i < cases->n; i++)
        if (cases->kids[i]->kind != TN_MAP) {
            tf_error(tf, cases->kids[i]->line, cases->kids[i]->col,
                     "a row of 'cases' must be a mapping of parameters");
            return false;
        }
    return true;
}

static bool tr_selected_name(FileRun *fr, const char *name)
{
    return !fr->run_re || tr_search(fr->run_re, name);
}

/* Expands and runs one entry of `tests`. */
static void tr_entry(FileRun *fr, TNode *c)
{
    const TNode *name = tn_get(c, "name"), *cases = tn_get(c, "cases");
    if (!cases) {
        if (tr_selected_name(fr, name->s))
            tr_case(fr, c, name->s, c->line);
        return;
    }
    for (uint32_t i = 0; i < cases->n; i++) {
        const TNode *row = cases->kids[i];
        TNode *body = tn_subst(fr->tf, c, row, 0);
        const TNode *bname = tn_get(body, "name");
        char label[400];
        if (strcmp(bname->s, name->s) == 0)
            snprintf(label, sizeof label, "%s [%u]", name->s, i + 1);
        else
            snprintf(label, sizeof label, "%s", bname->s);
        if (fr->tf->failed || !tr_check_case(fr->tf, body)) {
            tr_file_error(fr->rep, fr->tf->path, fr->tf->eline, fr->tf->err);
            fr->tf->failed = false;
            continue;
        }
        if (tr_selected_name(fr, label))
            tr_case(fr, body, label, row->line);
    }
}

/* "dir/x_test.yaml" → "dir/x.veto" when that file exists. */
static char *tr_stem_policy(TestFile *tf)
{
    const char *base = strrchr(tf->path, '/');
    base = base ? base + 1 : tf->path;
    const char *suffixes[] = {"_test.yaml", "_test.yml"};
    for (int i = 0; i < 2; i++) {
        size_t bl = strlen(base), sl = strlen(suffixes[i]);
        if (bl <= sl || strcmp(base + bl - sl, suffixes[i]) != 0)
            continue;
        char stem[400];
        snprintf(stem, sizeof stem, "%.*s.veto", (int)(bl - sl), base);
        char *p = tr_path(tf, stem);
        struct stat st;
        if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode))
            return p;
    }
    return NULL;
}

static const char *const tr_file_keys[] = {"policy", "policies", "kind", "tests", NULL};

/* Compiles the policies of the file and marks the selected ones. */
static bool tr_compile(FileRun *fr)
{
    TestFile *tf = fr->tf;
    veto_diags *d = veto_diags_new();
    veto_compiler *c = d ? veto_compiler_new(fr->e) : NULL;
    if (!c) {
        veto_diags_free(d);
        tf_error(tf, 1, 1, "out of memory");
        return false;
    }
    veto_status st = VETO_OK;
    size_t added = 0;
    const TNode *pols = tn_get(fr->root, "policies");
    for (uint32_t i = 0; pols && i < pols->n && st == VETO_OK; i++, added++) {
        const char *p = tr_path(tf, pols->kids[i]->s);
        st = p ? veto_compiler_add_path(c, p, d) : VETO_ERR_NOMEM;
    }
    if (!pols) {
        char *stem = tr_stem_policy(tf);
        if (stem && st == VETO_OK) {
            st = veto_compiler_add_path(c, stem, d);
            added++;
        }
    }
    for (size_t i = 0; i < fr->opt->npolicies && st == VETO_OK; i++, added++)
        st = veto_compiler_add_path(c, fr->opt->policies[i], d);
    if (added == 0 && st == VETO_OK)
        st = veto_compiler_add_path(c, tf->dir, d);
    if (st == VETO_OK)
        fr->prog = veto_compiler_finish(c, d);
    else
        veto_compiler_free(c);
    if (!fr->prog) {
        char *msg = veto_diags_render(d, 0);
        size_t ml = msg ? strlen(msg) : 0;
        while (ml && msg[ml - 1] == '\n')
            msg[--ml] = '\0';
        tf_error(tf, 1, 1, "the policies do not compile:\n%s", msg ? msg : "");
        free(msg);
        veto_diags_free(d);
        return false;
    }
    veto_diags_free(d);
    const Program *p = fr->prog;
    fr->selected = arena_zalloc(&tf->arena, (p->npolicies ? p->npolicies : 1) * sizeof(bool));
    if (!fr->selected) {
        tf_error(tf, 1, 1, "out of memory");
        return false;
    }
    const TNode *sel = tn_get(fr->root, "policy");
    bool first = true;
    for (uint32_t i = 0; i < (sel ? (sel->kind == TN_SEQ ? sel->n : 1) : 0); i++) {
        const TNode *s = sel->kind == TN_SEQ ? sel->kids[i] : sel;
        bool found = false;
        for (uint32_t pi = 0; pi < p->npolicies; pi++)
            if (strcmp(p->policies[pi].name, s->s) == 0 || strcmp(p->policies[pi].id, s->s) == 0) {
                fr->selected[pi] = found = true;
                if (first)
                    fr->default_kind = p->policies[pi].kind;
                first = false;
            }
        if (!found) {
            tf_error(tf, s->line, s->col, "no policy named or with id '%s' in the compiled files",
                     s->s);
            return false;
        }
    }
    if (!sel)
        for (uint32_t pi = 0; pi < p->npolicies; pi++) {
            fr->selected[pi] = true;
            if (pi == 0)
                fr->default_kind = p->policies[pi].kind;
        }
    const TNode *kind = tn_get(fr->root, "kind");
    for (int k = 0; kind && tr_kinds[k]; k++)
        if (strcmp(tr_kinds[k], kind->s) == 0)
            fr->default_kind = (PolicyKind)k;
    return true;
}

static bool tr_check_file(TestFile *tf, const TNode *root)
{
    if (!tf_check_keys(tf, root, "a test file", tr_file_keys))
        return false;
    const TNode *sel = tn_get(root, "policy"), *pols = tn_get(root, "policies");
    const TNode *tests = tn_get(root, "tests"), *kind = tn_get(root, "kind");
    if (sel && sel->kind == TN_MAP) {
        tf_error(tf, sel->line, sel->col, "'policy' is a policy name or id, or a list of them");
        return false;
    }
    for (uint32_t i = 0; sel && sel->kind == TN_SEQ && i < sel->n; i++)
        if (sel->kids[i]->kind != TN_SCALAR) {
            tf_error(tf, sel->kids[i]->line, sel->kids[i]->col, "a policy name must be a string");
            return false;
        }
    if (pols && pols->kind != TN_SEQ) {
        tf_error(tf, pols->line, pols->col, "'policies' must be a list of paths");
        return false;
    }
    for (uint32_t i = 0; pols && i < pols->n; i++)
        if (pols->kids[i]->kind != TN_SCALAR) {
            tf_error(tf, pols->kids[i]->line, pols->kids[i]->col, "a path must be a string");
            return false;
        }
    if (kind) {
        bool ok = kind->kind == TN_SCALAR;
        for (const char *const *k = tr_kinds; ok && *k; k++)
            if (strcmp(*k, kind->s) == 0)
                break;
            else if (!k[1])
                ok = false;
        if (!ok) {
            tf_error(tf, kind->line, kind->col,
                     "kind must be plan, approval, access, trigger or drift");
            return false;
        }
    }
    if (!tests || tests->kind != TN_SEQ) {
        tf_error(tf, tests ? tests->line : 1, tests ? tests->col : 1,
                 "a test file needs 'tests', a list of tests");
        return false;
    }
    for (uint32_t i = 0; i < tests->n; i++)
        if (!tr_check_case(tf, tests->kids[i]))
            return false;
    return true;
}

void testrun_file(veto_engine *e, const char *path, const TestOptions *opt, TestReport *rep)
{
    TestFile tf;
    memset(&tf, 0, sizeof tf);
    arena_init(&tf.arena, 64 * 1024);
    tf.path = path;
    const char *slash = strrchr(path, '/');
    tf.dir = slash ? arena_strndup(&tf.arena, path, (size_t)(slash - path ? slash - path : 1))
                   : arena_strndup(&tf.arena, ".", 1);
    FileRun fr;
    memset(&fr, 0, sizeof fr);
    fr.tf = &tf;
    fr.e = e;
    fr.opt = opt;
    fr.rep = rep;
    FILE *f = fopen(path, "rb");
    if (!f) {
        char msg[400];
        snprintf(msg, sizeof msg, "cannot read %s", path);
        tr_file_error(rep, path, 1, msg);
        arena_free(&tf.arena);
        return;
    }
    fr.root = tf_parse(&tf, f);
    fclose(f);
    if (fr.root && tr_check_file(&tf, fr.root) && tr_compile(&fr)) {
        if (opt->run)
            fr.run_re = tr_regex(opt->run, NULL, 0);
        if (opt->coverage)
            fr.covering = coverage_begin(opt->coverage, &fr.cov, fr.prog);
        const TNode *tests = tn_get(fr.root, "tests");
        for (uint32_t i = 0; i < tests->n; i++)
            tr_entry(&fr, tests->kids[i]);
        if (fr.covering)
            coverage_end(opt->coverage, &fr.cov);
        pcre2_code_free(fr.run_re);
    }
    if (tf.failed) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s:%u:%u: error: %s", path, tf.eline, tf.ecol, tf.err);
        tr_file_error(rep, path, tf.eline, msg);
    }
    veto_program_free(fr.prog);
    arena_free(&tf.arena);
}

/* ---- views ------------------------------------------------------------------------- */

void testrun_render_text(const TestReport *rep, bool verbose, Buf *out)
{
    for (size_t i = 0; i < rep->n; i++) {
        const TestResult *r = &rep->tests[i];
        if (r->passed && !verbose)
            continue;
        buf_printf(out, "%s %s:%u: %s\n", r->passed ? "PASS" : "FAIL", r->file, r->line, r->name);
        for (uint32_t j = 0; j < r->nfails; j++) {
            const TestFailure *f = &r->fails[j];
            if (strcmp(f->path, "file") == 0) { /* may hold a rendered diagnostic */
                buf_puts(out, "    ");
                for (const char *p = f->note; *p; p++) {
                    buf_putc(out, *p);
                    if (*p == '\n' && p[1])
                        buf_puts(out, "    ");
                }
                buf_putc(out, '\n');
                continue;
            }
            buf_printf(out, "    %s:", f->path);
            if (f->note)
                buf_printf(out, " %s", f->note);
            if (f->expected && f->got)
                buf_printf(out, "%s expected %s, got %s", f->note ? ";" : "", f->expected, f->got);
            else if (f->expected)
                buf_printf(out, "%s expected %s", f->note ? ";" : "", f->expected);
            else if (f->got)
                buf_printf(out, "%s got %s", f->note ? ";" : "", f->got);
            buf_putc(out, '\n');
        }
    }
}

static void tr_json_str(Buf *out, const char *s) { json_write_string(out, s, strlen(s)); }

void testrun_render_json(const TestReport *rep, Buf *out)
{
    buf_printf(out, "{\n  \"passed\": %zu,\n  \"failed\": %zu,\n  \"tests\": [", rep->passed,
               rep->failed);
    for (size_t i = 0; i < rep->n; i++) {
        const TestResult *r = &rep->tests[i];
        buf_printf(out, "%s\n    {\"file\": ", i ? "," : "");
        tr_json_str(out, r->file);
        buf_printf(out, ", \"line\": %u, \"name\": ", r->line);
        tr_json_str(out, r->name);
        buf_printf(out, ", \"status\": \"%s\"", r->passed ? "pass" : "fail");
        if (r->nfails) {
            buf_puts(out, ", \"failures\": [");
            for (uint32_t j = 0; j < r->nfails; j++) {
                const TestFailure *f = &r->fails[j];
                buf_printf(out, "%s\n      {\"path\": ", j ? "," : "");
                tr_json_str(out, f->path);
                if (f->expected)
                    buf_printf(out, ", \"expected\": %s", f->expected);
                if (f->got)
                    buf_printf(out, ", \"got\": %s", f->got);
                if (f->note) {
                    buf_puts(out, ", \"note\": ");
                    tr_json_str(out, f->note);
                }
                buf_putc(out, '}');
            }
            buf_puts(out, "\n    ]");
        }
        buf_putc(out, '}');
    }
    buf_puts(out, rep->n ? "\n  ]\n}\n" : "]\n}\n");
}

static void tr_xml(Buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                buf_printf(out, "&#%u;", (unsigned)(unsigned char)*s); /* never valid XML 1.0 */
            else
                buf_putc(out, *s);
        }
    }
}

void testrun_render_junit(const TestReport *rep, Buf *out)
{
    buf_printf(out,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"veto test\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
               rep->n, rep->failed);
    for (size_t i = 0; i < rep->n;) {
        size_t j = i, failed = 0;
        while (j < rep->n && strcmp(rep->tests[j].file, rep->tests[i].file) == 0)
            failed += !rep->tests[j++].passed;
        buf_puts(out, "  <testsuite name=\"");
        tr_xml(out, rep->tests[i].file);
        buf_printf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", j - i,
                   failed);
        for (size_t k = i; k < j; k++) {
            const TestResult *r = &rep->tests[k];
            buf_puts(out, "    <testcase name=\"");
            tr_xml(out, r->name);
            buf_puts(out, "\" classname=\"");
            tr_xml(out, r->file);
            buf_puts(out, "\" file=\"");
            tr_xml(out, r->file);
            buf_printf(out, "\" line=\"%u\"", r->line);
            if (r->passed) {
                buf_puts(out, "/>\n");
                continue;
            }
            TestReport one = {(TestResult *)r, 1, 1, 0, 1, false};
            Buf body = BUF_INIT;
            testrun_render_text(&one, false, &body);
            const char *first = r->nfails ? r->fails[0].path : "failed";
            buf_puts(out, ">\n      <failure type=\"assertion\" message=\"");
            tr_xml(out, first);
            buf_puts(out, "\">");
            tr_xml(out, body.p ? body.p : "");
            buf_puts(out, "</failure>\n    </testcase>\n");
            buf_free(&body);
        }
        buf_puts(out, "  </testsuite>\n");
        i = j;
    }
    buf_puts(out, "</testsuites>\n");
}
