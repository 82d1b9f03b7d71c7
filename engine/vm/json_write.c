/* json_write.c — Values to JSON text; see json.h.
 *
 * The writer is the last gate before text leaves the engine, so it is
 * where JSON_REDACT replaces every sensitive value, at any depth, with the
 * redaction marker. Invalid UTF-8 in strings becomes U+FFFD so the output
 * is always valid JSON.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/json_write.h"

#define JSON_WRITE_MAX_DEPTH 1024

static const char json_hex[] = "0123456789abcdef";

/* Length of a valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t json_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

void json_write_string(Buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_putc(out, '"');
    size_t run = 0; /* start of the pending run of bytes copied as-is */
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t ulen = c >= 0x80 ? json_utf8_len(p + i, n - i) : 0;
        if (ulen > 0) {
            i += ulen;
            continue;
        }
        buf_append(out, s + run, i - run);
        switch (c) {
        case '"':
            buf_puts(out, "\\\"");
            break;
        case '\\':
            buf_puts(out, "\\\\");
            break;
        case '\n':
            buf_puts(out, "\\n");
            break;
        case '\r':
            buf_puts(out, "\\r");
            break;
        case '\t':
            buf_puts(out, "\\t");
            break;
        case '\b':
            buf_puts(out, "\\b");
            break;
        case '\f':
            buf_puts(out, "\\f");
            break;
        default:
            if (c < 0x20) {
                char esc[7] = {'\\', 'u', '0', '0', json_hex[c >> 4], json_hex[c & 15], 0};
                buf_puts(out, esc);
            } else {
                buf_puts(out, "\xEF\xBF\xBD"); /* an invalid byte: U+FFFD */
            }
            break;
        }
        i++;
        run = i;
    }
    buf_append(out, s + run, n - run);
    buf_putc(out, '"');
}

/* Shortest decimal text that reads back as the same double; integral
 * values keep a ".0" so they stay floats when read again. */
static void json_write_float(Buf *out, double d)
{
    if (!isfinite(d)) {
        buf_puts(out, "null");
        return;
    }
    char tmp[40];
    /* 15 significant digits hold every normal double's shortest form (when
     * one of at most 15 digits round-trips, %.15g prints it with trailing
     * zeros trimmed). Subnormals have fewer significant bits, so their
     * shortest form can be much shorter: search from one digit. */
    int first = d != 0.0 && fabs(d) < DBL_MIN ? 1 : 15;
    for (int prec = first; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    buf_puts(out, tmp);
    if (!strpbrk(tmp, ".eEn")) /* "n": nan/inf never get here, but be safe */
        buf_puts(out, ".0");
}

static void json_indent(Buf *out, unsigned flags, int depth)
{
    if (!(flags & JSON_PRETTY))
        return;
    buf_putc(out, '\n');
    for (int i = 0; i < depth; i++)
        buf_puts(out, "  ");
}

static int json_member_cmp(const void *a, const void *b)
{
    const Member *x = *(const Member *const *)a, *y = *(const Member *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}

static void json_write_value(Buf *out, Value v, unsigned flags, int depth)
{
    if ((flags & JSON_REDACT) && (v.flags & VF_SENSITIVE)) {
        json_write_string(out, REDACTED_MARKER, strlen(REDACTED_MARKER));
        return;
    }
    if (depth > JSON_WRITE_MAX_DEPTH) {
        buf_puts(out, "null");
        return;
    }
    switch (v.kind) {
    case V_UNDEF:
    case V_NULL:
        buf_puts(out, "null");
        break;
    case V_BOOL:
        buf_puts(out, v.u.b ? "true" : "false");
        break;
    case V_INT:
        buf_printf(out, "%" PRId64, v.u.i);
        break;
    case V_FLOAT:
        json_write_float(out, v.u.f);
        break;
    case V_BIGNUM:
        buf_append(out, v.u.s, v.n);
        break;
    case V_STR:
        json_write_string(out, v.u.s, v.n);
        break;
    case V_ARR:
    case V_SET:
        buf_putc(out, '[');
        for (uint32_t i = 0; i < v.n; i++) {
            if (i)
                buf_putc(out, ',');
            json_indent(out, flags, depth + 1);
            Value e = v.u.a[i];
            e.flags |= v.flags & VF_SENSITIVE;
            json_write_value(out, e, flags, depth + 1);
        }
        if (v.n)
            json_indent(out, flags, depth);
        buf_putc(out, ']');
        break;
    case V_OBJ: {
        const Member **order = NULL;
        if ((flags & JSON_SORT_KEYS) && v.n > 1) {
            order = malloc(v.n * sizeof *order);
            if (order) {
                for (uint32_t i = 0; i < v.n; i++)
                    order[i] = &v.u.o[i];
                qsort(order, v.n, sizeof *order, json_member_cmp);
            }
        }
        buf_putc(out, '{');
        for (uint32_t i = 0; i < v.n; i++) {
            const Member *m = order ? order[i] : &v.u.o[i];
            if (i)
                buf_putc(out, ',');
            json_indent(out, flags, depth + 1);
            json_write_string(out, m->key, m->klen);
            buf_puts(out, (flags & JSON_PRETTY) ? ": " : ":");
            Value e = m->val;
            e.flags |= v.flags & VF_SENSITIVE;
            json_write_value(out, e, flags, depth + 1);
        }
        if (v.n)
            json_indent(out, flags, depth);
        buf_putc(out, '}');
        free(order);
        break;
    }
    default:
        buf_puts(out, "null");
        break;
    }
}

void json_write(Buf *out, Value v, unsigned flags) { json_write_value(out, v, flags, 0); }
