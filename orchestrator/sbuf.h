/* sbuf.h — a growable byte string for the orchestrator: SQL-free text,
 * JSON documents built by hand, command output.
 *
 * Owns: its bytes (always NUL-terminated when non-empty). Out of memory sets
 * a sticky `oom` flag and later appends do nothing; callers check it once at
 * the end, never abort. Does not own: any meaning of the text.
 */
#ifndef VETO_ORCH_SBUF_H
#define VETO_ORCH_SBUF_H

#include <stddef.h>

typedef struct Sbuf {
    char *p;    /* the bytes, NUL-terminated; NULL while empty */
    size_t len; /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
    int oom;    /* sticky: an allocation failed */
} Sbuf;

void sbuf_add(Sbuf *b, const char *s, size_t n);
void sbuf_puts(Sbuf *b, const char *s);
void sbuf_putc(Sbuf *b, char c);
void sbuf_printf(Sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included; NULL appends null. */
void sbuf_json_str(Sbuf *b, const char *s);
/* Returns the text (owned by the caller; "" when empty) and empties b;
 * NULL when an allocation failed at any point. */
char *sbuf_take(Sbuf *b);
void sbuf_free(Sbuf *b);
/* The text so far, "" when empty; borrowed until the next append. */
const char *sbuf_str(const Sbuf *b);

#endif
