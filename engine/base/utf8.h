/* utf8.h — decoding UTF-8 one code point at a time (utf8.c), for the glob
 * matcher and the string builtins. */
#ifndef VETO_UTF8_H
#define VETO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s[0..n) (n >= 1); returns the bytes used
 * (1 for an invalid byte, decoded as U+FFFD) so scanning never stalls. */
size_t utf8_next(const char *s, size_t n, uint32_t *cp);

#endif
