/* jdoc.c — a small JSON tree; see jdoc.h. Recursive descent with a depth
 * bound; strings are decoded (\uXXXX with surrogate pairs to UTF-8). */
#include "jdoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JD_MAX_DEPTH 256

typedef struct JdParser {
    const char *p, *end, *start;
    char *err;
    size_t errlen;
    int failed;
} JdParser;

static void jd_fail(JdParser *ps, const char *msg)
{
    if (!ps->failed && ps->err && ps->errlen)
        snprintf(ps->err, ps->errlen, "%s at byte %zu", msg, (size_t)(ps->p - ps->start));
    ps->failed = 1;
}

static void jd_ws(JdParser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static Jd *jd_new(JdType t)
{
    Jd *j = calloc(1, sizeof *j);
    if (j)
        j->type = t;
    return j;
}

void jd_free(Jd *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        jd_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->text);
    free(j);
}

static int jd_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void jd_utf8(Sbuf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) {
        sbuf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        sbuf_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        sbuf_add(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        sbuf_add(b, u, 4);
    }
}

/* Reads a string literal (ps->p at the opening quote); owned text. */
static char *jd_string(JdParser *ps)
{
    Sbuf b = {0};
    ps->p++;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) {
            jd_fail(ps, "control character in string");
            break;
        }
        if (c != '\\') {
            sbuf_putc(&b, (char)c);
            ps->p++;
            continue;
        }
        if (ps->end - ps->p < 2) {
            jd_fail(ps, "unterminated escape");
            break;
        }
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            sbuf_putc(&b, e);
            break;
        case 'n':
            sbuf_putc(&b, '\n');
            break;
        case 't':
            sbuf_putc(&b, '\t');
            break;
        case 'r':
            sbuf_putc(&b, '\r');
            break;
        case 'b':
            sbuf_putc(&b, '\b');
            break;
        case 'f':
            sbuf_putc(&b, '\f');
            break;
        case 'u': {
            unsigned cp, lo;
            if (ps->end - ps->p < 4 || jd_hex4(ps->p, &cp) != 0) {
                jd_fail(ps, "bad \\u escape");
                break;
            }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u' && jd_hex4(ps->p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->p += 6;
            }
            jd_utf8(&b, cp);
            break;
        }
        default:
            jd_fail(ps, "bad escape in string");
        }
        if (ps->failed)
            break;
    }
    if (!ps->failed && ps->p >= ps->end)
        jd_fail(ps, "unterminated string");
    if (ps->failed) {
        sbuf_free(&b);
        return NULL;
    }
    ps->p++;
    char *s = sbuf_take(&b);
    if (!s)
        jd_fail(ps, "out of memory");
    return s;
}

static Jd *jd_value(JdParser *ps, int depth);

static int jd_push(Jd *j, char *key, Jd *item)
{
    if ((j->n & (j->n - 1)) == 0 || j->n == 0) {
        size_t cap = j->n ? j->n * 2 : 4;
        if (cap < 4)
            cap = 4;
        Jd **items = realloc(j->items, cap * sizeof *items);
        if (!items)
            return -1;
        j->items = items;
        if (j->type == JD_OBJ) {
            char **keys = realloc(j->keys, cap * sizeof *keys);
            if (!keys)
                return -1;
            j->keys = keys;
        }
    }
    j->items[j->n] = item;
    if (j->type == JD_OBJ)
        j->keys[j->n] = key;
    j->n++;
    return 0;
}

static Jd *jd_container(JdParser *ps, int depth, JdType t)
{
    char close = t == JD_ARR ? ']' : '}';
    Jd *j = jd_new(t);
    if (!j) {
        jd_fail(ps, "out of memory");
        return NULL;
    }
    ps->p++;
    jd_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        jd_ws(ps);
        if (t == JD_OBJ) {
            if (ps->p >= ps->end || *ps->p != '"') {
                jd_fail(ps, "expected a string key");
                break;
            }
            key = jd_string(ps);
            if (!key)
                break;
            jd_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                jd_fail(ps, "expected ':'");
                break;
            }
            ps->p++;
        }
        Jd *v = jd_value(ps, depth + 1);
        if (!v || jd_push(j, key, v) != 0) {
            free(key);
            jd_free(v);
            jd_fail(ps, "out of memory");
            break;
        }
        jd_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return j;
        }
        jd_fail(ps, t == JD_ARR ? "expected ',' or ']'" : "expected ',' or '}'");
        break;
    }
    jd_free(j);
    return NULL;
}

static Jd *jd_number(JdParser *ps)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    int digits = 0;
    while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' ||
                               *ps->p == 'E' || *ps->p == '+' || *ps->p == '-')) {
        digits += *ps->p >= '0' && *ps->p <= '9';
        ps->p++;
    }
    if (!digits) {
        jd_fail(ps, "unexpected character");
        return NULL;
    }
    Jd *j = jd_new(JD_NUM);
    if (j)
        j->text = strndup(s, (size_t)(ps->p - s));
    if (!j || !j->text) {
        jd_free(j);
        jd_fail(ps, "out of memory");
        return NULL;
    }
    return j;
}

static Jd *jd_literal(JdParser *ps, const char *word, JdType t, int b)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        jd_fail(ps, "unexpected character");
        return NULL;
    }
    ps->p += n;
    Jd *j = jd_new(t);
    if (!j)
        jd_fail(ps, "out of memory");
    else
        j->boolean = b;
    return j;
}

static Jd *jd_value(JdParser *ps, int depth)
{
    if (depth > JD_MAX_DEPTH) {
        jd_fail(ps, "nesting too deep");
        return NULL;
    }
    jd_ws(ps);
    if (ps->p >= ps->end) {
        jd_fail(ps, "unexpected end of input");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
        return jd_container(ps, depth, JD_OBJ);
    case '[':
        return jd_container(ps, depth, JD_ARR);
    case '"': {
        char *s = jd_string(ps);
        Jd *j = s ? jd_new(JD_STR) : NULL;
        if (!j) {
            free(s);
            jd_fail(ps, "out of memory");
            return NULL;
        }
        j->text = s;
        return j;
    }
    case 't':
        return jd_literal(ps, "true", JD_BOOL, 1);
    case 'f':
        return jd_literal(ps, "false", JD_BOOL, 0);
    case 'n':
        return jd_literal(ps, "null", JD_NULL, 0);
    default:
        return jd_number(ps);
    }
}

Jd *jd_parse(const char *text, size_t len, char *err, size_t errlen)
{
    JdParser ps = {text, text + len, text, err, errlen, 0};
    Jd *j = jd_value(&ps, 0);
    if (j) {
        jd_ws(&ps);
        if (ps.p != ps.end) {
            jd_fail(&ps, "unexpected text after the JSON value");
            jd_free(j);
            return NULL;
        }
    }
    return j;
}

Jd *jd_parse_trailing_object(const char *text, size_t len, size_t *offset, char *err, size_t errlen)
{
    char first[160] = "";
    for (size_t i = 0; i < len; i++) {
        if ((i == 0 || text[i - 1] == '\n') && text[i] == '{') {
            char e[160];
            Jd *j = jd_parse(text + i, len - i, e, sizeof e);
            if (j) {
                *offset = i;
                return j;
            }
            if (!first[0])
                snprintf(first, sizeof first, "%s", e);
        }
    }
    if (err && errlen)
        snprintf(err, errlen, "%s", first[0] ? first : "no JSON object found in the output");
    return NULL;
}

const Jd *jd_get(const Jd *j, const char *key)
{
    if (!j || j->type != JD_OBJ)
        return NULL;
    for (size_t i = 0; i < j->n; i++)
        if (strcmp(j->keys[i], key) == 0)
            return j->items[i];
    return NULL;
}

const char *jd_str(const Jd *j) { return j && j->type == JD_STR ? j->text : NULL; }

double jd_num(const Jd *j, double dflt) { return j && j->type == JD_NUM ? atof(j->text) : dflt; }

void jd_write(Sbuf *b, const Jd *j)
{
    if (!j) {
        sbuf_puts(b, "null");
        return;
    }
    switch (j->type) {
    case JD_NULL:
        sbuf_puts(b, "null");
        break;
    case JD_BOOL:
        sbuf_puts(b, j->boolean ? "true" : "false");
        break;
    case JD_NUM:
        sbuf_puts(b, j->text);
        break;
    case JD_STR:
        sbuf_json_str(b, j->text);
        break;
    case JD_ARR:
    case JD_OBJ:
        sbuf_putc(b, j->type == JD_ARR ? '[' : '{');
        for (size_t i = 0; i < j->n; i++) {
            if (i)
                sbuf_putc(b, ',');
            if (j->type == JD_OBJ) {
                sbuf_json_str(b, j->keys[i]);
                sbuf_putc(b, ':');
            }
            jd_write(b, j->items[i]);
        }
        sbuf_putc(b, j->type == JD_ARR ? ']' : '}');
        break;
    }
}
