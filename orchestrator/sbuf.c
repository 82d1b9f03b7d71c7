/* sbuf.c — growable strings; see sbuf.h. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sbuf_reserve(Sbuf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void sbuf_add(Sbuf *b, const char *s, size_t n)
{
    if (sbuf_reserve(b, n) != 0)
        return;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sbuf_puts(Sbuf *b, const char *s) { sbuf_add(b, s, strlen(s)); }

void sbuf_putc(Sbuf *b, char c) { sbuf_add(b, &c, 1); }

void sbuf_printf(Sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        sbuf_add(b, small, (size_t)n);
    } else if (sbuf_reserve(b, (size_t)n) == 0) {
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void sbuf_json_str(Sbuf *b, const char *s)
{
    if (!s) {
        sbuf_puts(b, "null");
        return;
    }
    sbuf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sbuf_puts(b, "\\\"");
            break;
        case '\\':
            sbuf_puts(b, "\\\\");
            break;
        case '\n':
            sbuf_puts(b, "\\n");
            break;
        case '\r':
            sbuf_puts(b, "\\r");
            break;
        case '\t':
            sbuf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                sbuf_printf(b, "\\u%04x", *p);
            else
                sbuf_putc(b, (char)*p);
        }
    }
    sbuf_putc(b, '"');
}

char *sbuf_take(Sbuf *b)
{
    if (b->oom) {
        sbuf_free(b);
        return NULL;
    }
    char *p = b->p ? b->p : strdup("");
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void sbuf_free(Sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

const char *sbuf_str(const Sbuf *b) { return b->p ? b->p : ""; }
