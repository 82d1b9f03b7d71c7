/* glob.c — glob matching, the engine of the `like` operator (the VM) and of
 * the glob.match builtin (stdlib/builtins_glob.c); see glob.h.
 *
 *   *      any run of characters except '/'
 *   **     any run including '/'; "**" followed by '/' at the start of the
 *          pattern or after a '/' may also match zero directories, so
 *          a/ ** /b (without the spaces) matches "a/b" as well as "a/x/y/b"
 *   ?      one character (a UTF-8 code point), not '/'
 *   [abc] [a-z] [!x] [^x]   one code point from (or not from) the class;
 *          a negated class never matches '/'; ']' first in a class is literal
 *   \c     the character c itself
 * The whole string must match. An unclosed '[' is a literal '['.
 *
 * Matching backtracks only at stars and remembers failed (position after
 * the star, subject offset) pairs, so patterns with many stars stay
 * polynomial instead of exponential. Owns no state beyond one call.
 */
#include "vm/glob.h"

#include "base/utf8.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bitmaps above this many bits are not worth a malloc; such calls run
 * without the memo (still correct, just not bounded). */
#define GLOB_MEMO_MAX_BITS (64u * 1024 * 1024)

typedef struct GlobState {
    const char *p, *s;
    size_t pn, sn;
    uint8_t *memo; /* failed (pattern index, subject offset) pairs, or NULL */
} GlobState;

static bool glob_memo_failed(const GlobState *g, size_t pi, size_t si)
{
    if (!g->memo)
        return false;
    size_t bit = pi * (g->sn + 1) + si;
    return (g->memo[bit >> 3] >> (bit & 7)) & 1;
}

static void glob_memo_mark(GlobState *g, size_t pi, size_t si)
{
    if (!g->memo)
        return;
    size_t bit = pi * (g->sn + 1) + si;
    g->memo[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

/* Matches a bracket class at p[*pi] ('[') against code point cp. Returns
 * 1 match, 0 no match, -1 not a class (no closing ']'). Advances *pi past
 * the class when it is one. */
static int glob_class(const GlobState *g, size_t *pi, uint32_t cp)
{
    size_t i = *pi + 1;
    bool neg = false;
    if (i < g->pn && (g->p[i] == '!' || g->p[i] == '^')) {
        neg = true;
        i++;
    }
    bool hit = false, first = true;
    for (;;) {
        if (i >= g->pn)
            return -1;
        if (g->p[i] == ']' && !first)
            break;
        first = false;
        uint32_t lo, hi;
        if (g->p[i] == '\\' && i + 1 < g->pn)
            i++;
        i += utf8_next(g->p + i, g->pn - i, &lo);
        hi = lo;
        if (i + 1 < g->pn && g->p[i] == '-' && g->p[i + 1] != ']') {
            i++;
            if (g->p[i] == '\\' && i + 1 < g->pn)
                i++;
            i += utf8_next(g->p + i, g->pn - i, &hi);
        }
        if (cp >= lo && cp <= hi)
            hit = true;
    }
    *pi = i + 1;
    if (neg)
        return !hit && cp != '/';
    return hit;
}

static bool glob_at(GlobState *g, size_t pi, size_t si);

/* Tries the rest of the pattern from (pi, si), consulting the memo. */
static bool glob_try(GlobState *g, size_t pi, size_t si)
{
    if (glob_memo_failed(g, pi, si))
        return false;
    if (glob_at(g, pi, si))
        return true;
    glob_memo_mark(g, pi, si);
    return false;
}

static bool glob_at(GlobState *g, size_t pi, size_t si)
{
    const char *p = g->p, *s = g->s;
    while (pi < g->pn) {
        char c = p[pi];
        if (c == '*') {
            if (pi + 1 < g->pn && p[pi + 1] == '*') {
                size_t q = pi + 2;
                while (q < g->pn && p[q] == '*')
                    q++;
                if (q < g->pn && p[q] == '/' && (pi == 0 || p[pi - 1] == '/') &&
                    glob_try(g, q + 1, si))
                    return true;
                for (size_t k = si; k <= g->sn; k++)
                    if (glob_try(g, q, k))
                        return true;
                return false;
            }
            for (size_t k = si;; k++) {
                if (glob_try(g, pi + 1, k))
                    return true;
                if (k == g->sn || s[k] == '/')
                    return false;
            }
        }
        if (si >= g->sn)
            return false;
        uint32_t cp;
        size_t clen = utf8_next(s + si, g->sn - si, &cp);
        if (c == '?') {
            if (cp == '/')
                return false;
            pi++;
            si += clen;
            continue;
        }
        if (c == '[') {
            size_t np = pi;
            int r = glob_class(g, &np, cp);
            if (r == 0)
                return false;
            if (r == 1) {
                pi = np;
                si += clen;
                continue;
            }
            /* r == -1: an unclosed '[' is an ordinary character */
        }
        if (c == '\\' && pi + 1 < g->pn)
            pi++;
        if (p[pi] != s[si])
            return false;
        pi++;
        si++;
    }
    return si == g->sn;
}

bool glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
    GlobState g = {pat, s, plen, slen, NULL};
    /* A pattern without stars cannot backtrack: skip the memo. */
    if (memchr(pat, '*', plen)) {
        size_t bits = (plen + 1) * (slen + 1);
        if (slen < GLOB_MEMO_MAX_BITS && bits / (slen + 1) == plen + 1 &&
            bits <= GLOB_MEMO_MAX_BITS)
            g.memo = calloc(bits / 8 + 1, 1);
    }
    bool r = glob_at(&g, 0, 0);
    free(g.memo);
    return r;
}
