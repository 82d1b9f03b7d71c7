/* buf.h — a growable byte buffer on malloc, for output text and file
 * contents that outlive any arena (decision JSON, rendered diagnostics).
 *
 * The caller owns a Buf and frees it with buf_free(); buf_take() hands the
 * NUL-terminated bytes over to the caller (free() them). Allocation failure
 * sets the sticky `failed` flag and later appends do nothing.
 */
#ifndef VETO_BUF_H
#define VETO_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Buf {
    char *p;    /* bytes, always NUL-terminated when non-NULL */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated */
    int failed; /* sticky OOM flag */
} Buf;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        0, 0, 0, 0                                                                                 \
    }

void buf_append(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
void buf_reset(Buf *b); /* len = 0, keeps memory */
char *buf_take(Buf *b); /* returns owned string (never NULL unless failed), resets b */
void buf_free(Buf *b);

#endif
