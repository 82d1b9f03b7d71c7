/* regex_impl.h — private to stdlib/: the body of Regex and the cache's
 * match-data hook, shared by regex.c (which owns compiling, the limits and
 * the cache) and builtins_regex.c (the regex.* builtins). The VM sees only
 * the opaque declarations in builtin.h.
 */
#ifndef VETO_REGEX_IMPL_H
#define VETO_REGEX_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "builtin.h"

struct Regex {
    pcre2_code *code;          /* compiled (and JIT-compiled when available) */
    pcre2_match_context *mctx; /* match/heap limits; read-only once built */
    uint32_t ncap;             /* capture groups, not counting group 0 */
};

/* Match data big enough for re, reused across calls: owned by the cache
 * (so by the evaluation); valid until the next call on the same cache.
 * With c == NULL, a fresh one the caller frees with pcre2_match_data_free. */
pcre2_match_data *regex_cache_match_data(RegexCache *c, const Regex *re);

/* Drops every cached pattern (the match data stays); a no-op on an empty
 * cache. The cache does this by itself when it reaches its bound. */
void regex_cache_clear(RegexCache *c);

/* For tests: patterns cached now, and whether the slot table (allocated
 * by the first pattern cached, kept until regex_cache_free) exists. */
uint32_t regex_cache_count(const RegexCache *c);
bool regex_cache_has_table(const RegexCache *c);

/* Formats a pcre2 error code from pcre2_match/pcre2_substitute into err. */
void regex_error_text(int rc, char *err, size_t errlen);

#endif
