/* regex.h — PCRE2 behind a small interface (regex.c): patterns compiled
 * once (the program's literal patterns, searched by the VM's match
 * operator), the per-evaluation RegexCache for patterns known only at run
 * time, and the match-data hook the regex.* builtins
 * (stdlib/builtins_regex.c) share.
 */
#ifndef VETO_REGEX_H
#define VETO_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct RegexCache RegexCache;

/* Regex support shared by the VM (literal patterns) and builtins. */
typedef struct Regex Regex; /* wraps pcre2_code */
Regex *regex_compile(const char *pattern, size_t len, char *err, size_t errlen); /* malloc-owned */
void regex_free(Regex *re);
/* Unanchored search; returns 1 match, 0 no match, -1 error (message in err). */
int regex_search(const Regex *re, const char *subject, size_t len, char *err, size_t errlen);
RegexCache *regex_cache_new(void);
void regex_cache_free(RegexCache *c);
/* Compiled pattern from the cache (compiling it on first use); NULL with err on a bad pattern. */
const Regex *regex_cache_get(RegexCache *c, const char *pattern, size_t len, char *err,
                             size_t errlen);

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
