/* regex.c — PCRE2 (8-bit, UTF) behind the small interface in regex.h:
 * compiling a pattern once (with JIT when the platform has it), searching,
 * and the per-evaluation RegexCache for patterns known only at run time.
 *
 * Owns: each Regex (malloc'd, freed by regex_free) with its match context,
 * and each RegexCache with its slot table, the Regexes and match data
 * inside it. A Regex is immutable after regex_compile, so one compiled at
 * policy-compile time may be searched by several evaluating threads at
 * once; match data is never shared (regex_search makes its own; the cache
 * holds one per evaluation).
 *
 * Every match runs under a match limit and a heap limit, so a catastrophic
 * pattern such as (a+)+$ on a long subject stops with an error instead of
 * hanging the gate.
 */
#include "vm/regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pcre2's default match limit is 10,000,000; a tenth of that is still far
 * beyond any sane policy pattern and bounds a blow-up to milliseconds. */
#define REGEX_MATCH_LIMIT    1000000u
#define REGEX_HEAP_LIMIT_KIB 16384u /* 16 MiB of backtracking memory */
#define REGEX_CACHE_SLOTS    128u   /* power of two; the cache holds at most 3/4 of it */

typedef struct RegexSlot {
    char *pattern; /* malloc'd copy (not NUL-terminated in use: plen) */
    size_t plen;
    uint64_t hash;
    Regex *re; /* NULL: empty slot */
} RegexSlot;

/* Most evaluations never compile a pattern at run time, and one is made
 * per veto_eval: the slot table (4 KB) is allocated by the first pattern
 * cached, so making, clearing and freeing an unused cache costs one small
 * block and no loop over the slots. */
struct RegexCache {
    RegexSlot *slot; /* REGEX_CACHE_SLOTS slots, or NULL until the first pattern */
    uint32_t used;
    pcre2_match_data *md; /* reused for every builtin call in this evaluation */
    uint32_t md_pairs;    /* ovector pairs md holds */
};

Regex *regex_compile(const char *pattern, size_t len, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE off;
    /* MATCH_INVALID_UTF: input documents are not guaranteed UTF-8 and a
     * stray byte must not turn a match into an error. */
    pcre2_code *pc = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                   &code, &off, NULL);
    if (!pc) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "invalid regex at offset %zu: %s", (size_t)off, (char *)msg);
        return NULL;
    }
    Regex *re = calloc(1, sizeof *re);
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    if (!re || !mctx) {
        free(re);
        pcre2_match_context_free(mctx);
        pcre2_code_free(pc);
        snprintf(err, errlen, "out of memory compiling regex");
        return NULL;
    }
    pcre2_set_match_limit(mctx, REGEX_MATCH_LIMIT);
    pcre2_set_heap_limit(mctx, REGEX_HEAP_LIMIT_KIB);
    /* JIT failing (no JIT on this platform, or an unsupported pattern) is
     * fine: pcre2_match falls back to the interpreter by itself. */
    (void)pcre2_jit_compile(pc, PCRE2_JIT_COMPLETE);
    uint32_t ncap = 0;
    pcre2_pattern_info(pc, PCRE2_INFO_CAPTURECOUNT, &ncap);
    re->code = pc;
    re->mctx = mctx;
    re->ncap = ncap;
    return re;
}

void regex_free(Regex *re)
{
    if (!re)
        return;
    pcre2_code_free(re->code);
    pcre2_match_context_free(re->mctx);
    free(re);
}

void regex_error_text(int rc, char *err, size_t errlen)
{
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        snprintf(err, errlen, "regex match limit exceeded (the pattern backtracks too much)");
        return;
    }
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(rc, msg, sizeof msg);
    snprintf(err, errlen, "regex match failed: %s", (char *)msg);
}

int regex_search(const Regex *re, const char *subject, size_t len, char *err, size_t errlen)
{
    /* One pair is enough to learn whether it matched; a small malloc per
     * call keeps a shared Regex free of per-thread state. */
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md) {
        snprintf(err, errlen, "out of memory matching regex");
        return -1;
    }
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, re->mctx);
    pcre2_match_data_free(md);
    if (rc >= 0)
        return 1; /* 0 means "ovector too small": still a match */
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    regex_error_text(rc, err, errlen);
    return -1;
}

RegexCache *regex_cache_new(void) { return calloc(1, sizeof(RegexCache)); }

void regex_cache_clear(RegexCache *c)
{
    if (!c || !c->used)
        return; /* nothing cached (the table may not even exist) */
    for (uint32_t k = 0; k < REGEX_CACHE_SLOTS; k++) {
        free(c->slot[k].pattern);
        regex_free(c->slot[k].re);
        c->slot[k].pattern = NULL;
        c->slot[k].re = NULL;
    }
    c->used = 0;
}

uint32_t regex_cache_count(const RegexCache *c) { return c ? c->used : 0; }

bool regex_cache_has_table(const RegexCache *c) { return c && c->slot; }

void regex_cache_free(RegexCache *c)
{
    if (!c)
        return;
    regex_cache_clear(c);
    free(c->slot);
    pcre2_match_data_free(c->md);
    free(c);
}

static uint64_t regex_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t k = 0; k < n; k++)
        h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
    return h;
}

const Regex *regex_cache_get(RegexCache *c, const char *pattern, size_t len, char *err,
                             size_t errlen)
{
    uint64_t h = regex_hash(pattern, len);
    uint32_t k = (uint32_t)h & (REGEX_CACHE_SLOTS - 1);
    for (; c->slot && c->slot[k].re; k = (k + 1) & (REGEX_CACHE_SLOTS - 1)) {
        if (c->slot[k].hash == h && c->slot[k].plen == len &&
            memcmp(c->slot[k].pattern, pattern, len) == 0)
            return c->slot[k].re;
    }
    Regex *re = regex_compile(pattern, len, err, errlen);
    if (!re)
        return NULL; /* bad patterns are not cached: the error ends the policy anyway */
    if (!c->slot && !(c->slot = calloc(REGEX_CACHE_SLOTS, sizeof *c->slot))) {
        regex_free(re);
        snprintf(err, errlen, "out of memory caching regex");
        return NULL;
    }
    /* Bounded: a policy building patterns from data must not grow memory
     * without limit. Dropping everything is crude but keeps lookups O(1);
     * a real working set of patterns is far below the bound. */
    if (c->used >= REGEX_CACHE_SLOTS * 3 / 4) {
        regex_cache_clear(c);
        k = (uint32_t)h & (REGEX_CACHE_SLOTS - 1);
    }
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        regex_free(re);
        snprintf(err, errlen, "out of memory caching regex");
        return NULL;
    }
    if (len)
        memcpy(copy, pattern, len);
    while (c->slot[k].re)
        k = (k + 1) & (REGEX_CACHE_SLOTS - 1);
    c->slot[k].pattern = copy;
    c->slot[k].plen = len;
    c->slot[k].hash = h;
    c->slot[k].re = re;
    c->used++;
    return re;
}

pcre2_match_data *regex_cache_match_data(RegexCache *c, const Regex *re)
{
    uint32_t pairs = re->ncap + 1;
    if (!c)
        return pcre2_match_data_create(pairs, NULL);
    if (!c->md || c->md_pairs < pairs) {
        pcre2_match_data *md = pcre2_match_data_create(pairs < 16 ? 16 : pairs, NULL);
        if (!md)
            return NULL;
        pcre2_match_data_free(c->md);
        c->md = md;
        c->md_pairs = pairs < 16 ? 16 : pairs;
    }
    return c->md;
}
