/* json_read.c — the strict RFC 8259 reader of json.h: JSON text straight
 * into arena Values.
 *
 * Owns: parsing, validation and error positions. Does not own the input
 * buffer (strings without escapes point into it) nor the arena.
 *
 * How it stays fast on 300 MB plans:
 *   - one iterative loop with an explicit frame stack (no recursion, so
 *     depth is bounded by max_depth, not by the C stack);
 *   - array elements and object members collect on two reusable scratch
 *     stacks and are copied once, exactly sized, into the arena when the
 *     container closes: one arena allocation per container, none per node;
 *   - strings are scanned 16 bytes at a time (SSE2) for '"', '\\', control
 *     bytes and non-ASCII bytes in one compare; escape-free strings are
 *     not copied at all;
 *   - integers are accumulated directly; decimals with at most 15
 *     significant digits and a small exponent take the exact
 *     (Clinger) fast path, everything else goes to strtod_l in the C locale.
 *
 * Decisions (also in json.h):
 *   - lone UTF-16 surrogates in \u escapes become U+FFFD (as Go's
 *     encoding/json, which writes Terraform's plans, decodes them); raw
 *     invalid UTF-8 in strings is rejected;
 *   - a number whose magnitude overflows a double (1e400) is rejected as
 *     "number out of range" rather than becoming inf, which JSON cannot
 *     write back; underflow (1e-400) becomes 0.0 like any rounding;
 *   - a leading UTF-8 byte order mark is skipped; UTF-16 input is named in
 *     the error;
 *   - duplicate keys: the last value wins, at the first key's position.
 */
#define _GNU_SOURCE 1
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "input/json_read.h"
#include "input/paths_tree.h"

/* An open container: where its elements start on the scratch stack. */
typedef struct JsonFrame {
    uint32_t is_obj; /* 1 = object (members stack), 0 = array (values stack) */
    uint32_t start;  /* index of its first element/member on the stack */
} JsonFrame;

typedef struct JsonReader {
    const char *buf; /* start of input (for positions) */
    const char *end; /* one past the last byte */
    Arena *arena;
    const KeyTable *keys;
    JsonError *err;
    Value *vals; /* scratch: elements of open arrays */
    size_t nvals, capvals;
    Member *mems; /* scratch: members of open objects */
    size_t nmems, capmems;
    JsonFrame *frames; /* open containers, innermost last */
    size_t nframes, capframes;
    uint32_t *dedup; /* scratch hash table for duplicate-key checks */
    size_t capdedup;
    char *numbuf; /* scratch NUL-terminated copy of long numbers */
    size_t capnum;
    locale_t cloc; /* C locale for strtod_l, made on first use */
    uint32_t max_depth;
    /* Streaming a file mapping (JsonStream.release): pages before `dropped`
     * have been given back; the next check happens when the reader passes
     * drop_at (UINTPTR_MAX: never). */
    uintptr_t dropped, drop_at;
} JsonReader;

/* How much consumed input may stay resident before it is given back. */
#define JSON_DROP_STEP ((uintptr_t)4 << 20)

/* ---- errors ------------------------------------------------------------- */

static bool json_fail(JsonReader *r, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool json_fail(JsonReader *r, const char *at, const char *fmt, ...)
{
    JsonError *e = r->err;
    if (!e)
        return false;
    if (at < r->buf)
        at = r->buf;
    if (at > r->end)
        at = r->end;
    size_t off = (size_t)(at - r->buf);
    uint32_t line = 1;
    const char *ls = r->buf;
    for (const char *q = r->buf; q < at; q++)
        if (*q == '\n') {
            line++;
            ls = q + 1;
        }
    e->offset = off;
    e->line = line;
    e->col = (uint32_t)(at - ls) + 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return false;
}

/* Describes the byte at p for messages: "'x'", "byte 0xNN" or "end of input". */
static const char *json_describe(JsonReader *r, const char *p, char *tmp, size_t n)
{
    if (p >= r->end)
        return "end of input";
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c < 0x7f)
        snprintf(tmp, n, "'%c'", c);
    else
        snprintf(tmp, n, "byte 0x%02X", c);
    return tmp;
}

/* ---- scratch stacks ----------------------------------------------------- */

static bool json_grow(JsonReader *r, void **p, size_t *cap, size_t elem)
{
    size_t ncap = *cap ? *cap * 2 : 256;
    if (ncap > ((size_t)-1) / elem)
        return json_fail(r, r->end, "out of memory");
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return json_fail(r, r->end, "out of memory");
    *p = q;
    *cap = ncap;
    return true;
}

/* Gives the whole pages of the input before p back to the kernel (a
 * streaming read of a file mapping: JsonStream.release). The mapping is
 * private and read-only, so a later read there — strings of the kept
 * document point into it — faults the page in again from the page cache:
 * correct, just not resident. Resident input stays a few MB, whatever the
 * file's size. */
static void json_drop(JsonReader *r, const char *p)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t upto = (uintptr_t)p & ~(page - 1);
    if (upto > r->dropped) {
        madvise((void *)r->dropped, upto - r->dropped, MADV_DONTNEED);
        r->dropped = upto;
    }
    r->drop_at = upto + JSON_DROP_STEP;
}

/* ---- whitespace --------------------------------------------------------- */

static inline const char *json_ws(const char *p, const char *end)
{
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t'))
            break;
        p++;
    }
    return p;
}

/* ---- strings ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (2..4), or 0 if invalid
 * (overlong forms, surrogates, code points past U+10FFFF, truncation). */
static int json_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t avail = (size_t)(end - p);
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (avail < 3 || (p[2] & 0xC0) != 0x80)
            return 0;
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 3 : 0;
    }
    if (c < 0xF5) {
        if (avail < 4 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 4 : 0;
    }
    return 0;
}

static int json_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* 1 for bytes that need no attention inside a string. */
static const unsigned char json_plain[256] = {
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    R16(0), R16(0), /* 0x00-0x1F control */
    1,      1,      0,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      1,      1,      1,      1, /* 0x20-0x2F: '"' */
    R16(1), R16(1),                                            /* 0x30-0x4F */
    1,      1,      1,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      0,      1,      1,      1,      /* 0x50-0x5F: '\\' */
    R16(1), R16(1),                                                 /* 0x60-0x7F */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80-0xFF */
#undef R16
};

/* Scans the rest of a string body from p (inside the string whose
 * opening quote is q): see json_scan_string. */
static const char *json_scan_rest(JsonReader *r, const char *q, const char *p, int *esc)
{
    const char *end = r->end;
    for (;;) {
#ifdef __SSE2__
        const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'), vs = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            /* signed compare: bytes >= 0x80 are negative, so "< 0x20"
             * catches control bytes and non-ASCII bytes at once */
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)),
                                     _mm_cmplt_epi8(x, vs));
            int bits = _mm_movemask_epi8(m);
            if (bits) {
                p += __builtin_ctz((unsigned)bits);
                goto special;
            }
            p += 16;
        }
#endif
        while (p < end && json_plain[(unsigned char)*p])
            p++;
        if (p >= end)
            return json_fail(r, q, "unterminated string"), NULL;
#ifdef __SSE2__
    special:;
#endif
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p;
        if (c == '\\') {
            *esc = 1;
            if (end - p < 2)
                return json_fail(r, q, "unterminated string"), NULL;
            unsigned char e = (unsigned char)p[1];
            switch (e) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                p += 2;
                continue;
            case 'u':
                if (end - p < 6 || json_hex((unsigned char)p[2]) < 0 ||
                    json_hex((unsigned char)p[3]) < 0 || json_hex((unsigned char)p[4]) < 0 ||
                    json_hex((unsigned char)p[5]) < 0)
                    return json_fail(r, p, "invalid \\u escape: expected 4 hex digits"), NULL;
                p += 6;
                continue;
            default:
                if (e >= 0x21 && e < 0x7f)
                    return json_fail(r, p, "invalid escape \\%c", e), NULL;
                return json_fail(r, p, "invalid escape: '\\' followed by byte 0x%02X", e), NULL;
            }
        }
        if (c < 0x20)
            return json_fail(r, p, "control character U+%04X in string must be escaped", c), NULL;
        int n = json_utf8_len((const unsigned char *)p, (const unsigned char *)end);
        if (!n)
            return json_fail(r, p, "invalid UTF-8 in string"), NULL;
        p += n;
    }
}

/* Scans a string body starting after its opening quote `q`. Validates
 * everything (escapes, control bytes, UTF-8) and returns the closing
 * quote, or NULL with the error filled in. *esc is set when the body
 * contains a backslash, i.e. it must be decoded. Inlined into the readers'
 * loops: most strings are keys and short values with no byte needing
 * attention, found in one or two 16-byte steps; anything else goes on in
 * json_scan_rest. */
static inline __attribute__((always_inline)) const char *json_scan_string(JsonReader *r,
                                                                          const char *q, int *esc)
{
    const char *p = q + 1;
#ifdef __SSE2__
    const char *end = r->end;
    const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'), vs = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)),
                                 _mm_cmplt_epi8(x, vs));
        int bits = _mm_movemask_epi8(m);
        if (bits) {
            p += __builtin_ctz((unsigned)bits);
            return *p == '"' ? p : json_scan_rest(r, q, p, esc);
        }
        p += 16;
    }
#endif
    return json_scan_rest(r, q, p, esc);
}

static char *json_put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | (cp >> 6));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | (cp >> 12));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | (cp >> 18));
        *d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    return d;
}

static uint32_t json_hex4(const char *p)
{
    return (uint32_t)(json_hex((unsigned char)p[0]) << 12 | json_hex((unsigned char)p[1]) << 8 |
                      json_hex((unsigned char)p[2]) << 4 | json_hex((unsigned char)p[3]));
}

/* Decodes the already validated body s..e into the arena. The decoded
 * text is never longer than the escaped text (every escape of n bytes
 * yields at most n bytes: \uXXXX -> <= 3, a surrogate pair 12 -> 4). */
static bool json_decode(JsonReader *r, const char *s, const char *e, const char **out,
                        uint32_t *outn)
{
    char *dst = arena_alloc(r->arena, (size_t)(e - s));
    if (!dst)
        return json_fail(r, s, "out of memory");
    char *d = dst;
    const char *p = s;
    while (p < e) {
        const char *bs = memchr(p, '\\', (size_t)(e - p));
        if (!bs) {
            memcpy(d, p, (size_t)(e - p));
            d += e - p;
            break;
        }
        memcpy(d, p, (size_t)(bs - p));
        d += bs - p;
        p = bs + 1;
        switch (*p++) {
        case 'b':
            *d++ = '\b';
            break;
        case 'f':
            *d++ = '\f';
            break;
        case 'n':
            *d++ = '\n';
            break;
        case 'r':
            *d++ = '\r';
            break;
        case 't':
            *d++ = '\t';
            break;
        case 'u': {
            uint32_t cp = json_hex4(p);
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                    uint32_t lo = json_hex4(p + 2);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                    } else {
                        cp = 0xFFFD; /* lone high surrogate */
                    }
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* lone low surrogate */
            }
            d = json_put_utf8(d, cp);
            break;
        }
        default:
            *d++ = p[-1];
            break; /* '"', '\\', '/' */
        }
    }
    *out = dst;
    *outn = (uint32_t)(d - dst);
    return true;
}

/* Reads the string whose opening quote is at *pp; advances past it. */
static inline bool json_string(JsonReader *r, const char **pp, const char **s, uint32_t *n)
{
    const char *q = *pp;
    int esc = 0;
    const char *e = json_scan_string(r, q, &esc);
    if (!e)
        return false;
    if ((size_t)(e - q - 1) > UINT32_MAX)
        return json_fail(r, q, "string longer than 4 GiB");
    *pp = e + 1;
    if (!esc) {
        *s = q + 1; /* borrowed from the input buffer */
        *n = (uint32_t)(e - q - 1);
        return true;
    }
    return json_decode(r, q + 1, e, s, n);
}

/* ---- numbers ------------------------------------------------------------ */

static const double json_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static bool json_strtod(JsonReader *r, const char *s, size_t n, double *out)
{
    if (n + 1 > r->capnum) {
        size_t ncap = n + 64;
        char *b = realloc(r->numbuf, ncap);
        if (!b)
            return json_fail(r, s, "out of memory");
        r->numbuf = b;
        r->capnum = ncap;
    }
    memcpy(r->numbuf, s, n);
    r->numbuf[n] = '\0';
    if (!r->cloc) {
        r->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        if (!r->cloc)
            return json_fail(r, s, "out of memory");
    }
    *out = strtod_l(r->numbuf, NULL, r->cloc);
    return true;
}

/* Parses the number at *pp (first byte is '-' or a digit). */
static inline bool json_number(JsonReader *r, const char **pp, Value *out)
{
    const char *s = *pp, *p = s, *end = r->end;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    const char *ds = p;
    uint64_t m = 0;
    if (p < end && *p == '0') {
        p++;
        if (p < end && (unsigned)(*p - '0') < 10)
            return json_fail(r, s, "invalid number: leading zero");
    } else if (p < end && (unsigned)(*p - '1') < 9) {
        while (p < end && (unsigned)(*p - '0') < 10) {
            m = m * 10 + (unsigned)(*p - '0'); /* wraps past 19 digits; unused then */
            p++;
        }
    } else {
        char tmp[16];
        return json_fail(r, p, "invalid number: expected digit after '-', got %s",
                         json_describe(r, p, tmp, sizeof tmp));
    }
    size_t nint = (size_t)(p - ds);
    int is_float = 0;
    const char *fs = NULL;
    size_t nfrac = 0;
    if (p < end && *p == '.') {
        is_float = 1;
        p++;
        fs = p;
        while (p < end && (unsigned)(*p - '0') < 10)
            p++;
        nfrac = (size_t)(p - fs);
        if (!nfrac)
            return json_fail(r, p, "invalid number: expected digit after '.'");
    }
    int64_t exp10 = 0;
    if (p < end && (*p | 0x20) == 'e') {
        is_float = 1;
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        const char *es = p;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (exp10 < 100000000)
                exp10 = exp10 * 10 + (*p - '0');
            p++;
        }
        if (p == es)
            return json_fail(r, p, "invalid number: expected digit in exponent");
        if (eneg)
            exp10 = -exp10;
    }
    *pp = p;
    if (!is_float) {
        if (nint <= 18) {
            *out = value_int(neg ? -(int64_t)m : (int64_t)m);
            return true;
        }
        if (nint == 19) { /* m did not wrap: 19 digits < 2^64 */
            if (!neg && m <= (uint64_t)INT64_MAX) {
                *out = value_int((int64_t)m);
                return true;
            }
            if (neg && m <= (uint64_t)INT64_MAX + 1) {
                *out = value_int(m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m);
                return true;
            }
        }
        if ((size_t)(p - s) > UINT32_MAX)
            return json_fail(r, s, "number too long");
        Value v = value_undef();
        v.kind = V_BIGNUM;
        v.u.s = s; /* exact text, borrowed from the input */
        v.n = (uint32_t)(p - s);
        *out = v;
        return true;
    }
    /* Clinger's fast path: an exact mantissa below 2^53 times an exact
     * power of ten rounds once, so the result is correctly rounded. */
    if (nint + nfrac <= 15) {
        uint64_t mant = m;
        for (size_t i = 0; i < nfrac; i++)
            mant = mant * 10 + (unsigned)(fs[i] - '0');
        int64_t e = exp10 - (int64_t)nfrac;
        if (e >= -22 && e <= 22) {
            double d = (double)mant;
            d = e < 0 ? d / json_pow10[-e] : d * json_pow10[e];
            *out = value_float(neg ? -d : d);
            return true;
        }
    }
    double d = 0.0; /* set by json_strtod; GCC -O2 cannot see it (-Wmaybe-uninitialized) */
    if (!json_strtod(r, s, (size_t)(p - s), &d))
        return false;
    if (isinf(d))
        return json_fail(r, s, "number out of range: %.*s", (int)((p - s) > 40 ? 40 : (p - s)), s);
    *out = value_float(d);
    return true;
}

/* ---- containers --------------------------------------------------------- */

static uint32_t json_key_hash(const char *s, uint32_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return (uint32_t)(h ^ (h >> 32));
}

static inline bool json_same_key(const Member *a, const Member *b)
{
    if (a->kid && b->kid)
        return a->kid == b->kid;
    return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

/* Removes duplicate keys from m[0..*n): the last value wins, at the
 * position of the first occurrence. Small objects compare pairwise; big
 * ones use a scratch hash table so a hostile document cannot make this
 * quadratic. */
static bool json_dedup(JsonReader *r, Member *m, size_t *n)
{
    size_t cnt = *n, out = 0;
    if (cnt <= 12) {
        for (size_t i = 0; i < cnt; i++) {
            size_t j = 0;
            for (; j < out; j++)
                if (json_same_key(&m[j], &m[i]))
                    break;
            if (j < out)
                m[j].val = m[i].val;
            else
                m[out++] = m[i];
        }
        *n = out;
        return true;
    }
    size_t tsize = 32;
    while (tsize < cnt * 2)
        tsize *= 2;
    if (tsize > r->capdedup) {
        free(r->dedup);
        r->dedup = malloc(tsize * sizeof *r->dedup);
        r->capdedup = r->dedup ? tsize : 0;
        if (!r->dedup)
            return json_fail(r, r->end, "out of memory");
    }
    uint32_t *t = r->dedup; /* slot = 1 + index into the output prefix */
    memset(t, 0, tsize * sizeof *t);
    for (size_t i = 0; i < cnt; i++) {
        size_t h = json_key_hash(m[i].key, m[i].klen) & (tsize - 1);
        for (;;) {
            if (!t[h]) {
                m[out] = m[i];
                t[h] = (uint32_t)++out;
                break;
            }
            Member *o = &m[t[h] - 1];
            if (json_same_key(o, &m[i])) {
                o->val = m[i].val;
                break;
            }
            h = (h + 1) & (tsize - 1);
        }
    }
    *n = out;
    return true;
}

/* Closes an object or array whose members / elements the reader collected
 * on its scratch stack from `start` on: copies them into arena (an object
 * with its duplicate keys resolved), pops them, and sets *out. False, with
 * the error reported at p, on out of memory or a duplicate key. */
static bool json_close_object(JsonReader *r, Arena *arena, size_t start, const char *p, Value *out)
{
    size_t n = r->nmems - start;
    /* r->mems is still NULL when no member was ever read ("{}"): NULL + 0
     * is undefined behaviour, so only index it when n > 0 */
    Member *src = n ? r->mems + start : NULL;
    if (n > 1 && !json_dedup(r, src, &n))
        return false;
    Value v = value_undef();
    v.kind = V_OBJ;
    if (n) {
        Member *dst = arena_alloc(arena, n * sizeof *dst);
        if (!dst)
            return json_fail(r, p, "out of memory");
        memcpy(dst, src, n * sizeof *dst);
        v.u.o = dst;
    }
    v.n = (uint32_t)n;
    r->nmems = start;
    *out = v;
    return true;
}

static bool json_close_array(JsonReader *r, Arena *arena, size_t start, const char *p, Value *out)
{
    size_t n = r->nvals - start;
    Value v = value_undef();
    v.kind = V_ARR;
    if (n) {
        Value *dst = arena_alloc(arena, n * sizeof *dst);
        if (!dst)
            return json_fail(r, p, "out of memory");
        memcpy(dst, r->vals + start, n * sizeof *dst);
        v.u.a = dst;
    }
    v.n = (uint32_t)n;
    r->nvals = start;
    *out = v;
    return true;
}

/* ---- the reader loop ---------------------------------------------------- */

/* Parses one complete value at *pp (leading whitespace allowed), with
 * `depth0` containers already open around it (for the depth bound), and
 * leaves *pp just past it. The loop below keeps its own frames; callers
 * nest it only from outside (the projecting reader), never from inside. */
static bool json_parse(JsonReader *r, const char **pp, uint32_t depth0, Value *out)
{
    const char *p = *pp, *end = r->end;
    Arena *arena = r->arena;
    uint32_t max_depth = r->max_depth;
    size_t frame_base = r->nframes;
    bool ok = false;
    Value v;
    char tmp[16];

value:
    /* Expecting a value at p (after optional whitespace). */
    p = json_ws(p, end);
    if (p >= end) {
        json_fail(r, p,
                  r->nframes || depth0 ? "unexpected end of input, expected a value"
                                       : "empty input, expected a JSON value");
        goto done;
    }
    switch (*p) {
    case '"': {
        const char *s;
        uint32_t n;
        if (!json_string(r, &p, &s, &n))
            goto done;
        v = value_str(s, n);
        goto complete;
    }
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        if (!json_number(r, &p, &v))
            goto done;
        goto complete;
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0) {
            json_fail(r, p, "invalid literal, expected 'true'");
            goto done;
        }
        p += 4;
        v = value_bool(true);
        goto complete;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0) {
            json_fail(r, p, "invalid literal, expected 'false'");
            goto done;
        }
        p += 5;
        v = value_bool(false);
        goto complete;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0) {
            json_fail(r, p, "invalid literal, expected 'null'");
            goto done;
        }
        p += 4;
        v = value_null();
        goto complete;
    case '[':
    case '{': {
        if (depth0 + (r->nframes - frame_base) >= max_depth) {
            json_fail(r, p, "nesting deeper than %u levels", (unsigned)max_depth);
            goto done;
        }
        if (r->nframes == r->capframes &&
            !json_grow(r, (void **)&r->frames, &r->capframes, sizeof *r->frames))
            goto done;
        JsonFrame *f = &r->frames[r->nframes++];
        f->is_obj = *p == '{';
        f->start = f->is_obj ? (uint32_t)r->nmems : (uint32_t)r->nvals;
        if (f->is_obj ? r->nmems > UINT32_MAX : r->nvals > UINT32_MAX) {
            json_fail(r, p, "document too large");
            goto done;
        }
        char open = *p++;
        p = json_ws(p, end);
        if (open == '[') {
            if (p < end && *p == ']') {
                p++;
                goto close;
            }
            goto value;
        }
        if (p < end && *p == '}') {
            p++;
            goto close;
        }
        if (p >= end || *p != '"') {
            json_fail(r, p, "expected string key or '}' in object, got %s",
                      json_describe(r, p, tmp, sizeof tmp));
            goto done;
        }
        goto key;
    }
    default:
        json_fail(r, p, "expected a value, got %s", json_describe(r, p, tmp, sizeof tmp));
        goto done;
    }

key:
    /* At the opening quote of an object key. */
    {
        if (r->nmems == r->capmems &&
            !json_grow(r, (void **)&r->mems, &r->capmems, sizeof *r->mems))
            goto done;
        Member *m = &r->mems[r->nmems];
        if (!json_string(r, &p, &m->key, &m->klen))
            goto done;
        m->kid = r->keys ? keys_lookup(r->keys, m->key, m->klen) : 0;
        m->val = value_null();
        r->nmems++;
        p = json_ws(p, end);
        if (p >= end || *p != ':') {
            json_fail(r, p, "expected ':' after object key, got %s",
                      json_describe(r, p, tmp, sizeof tmp));
            goto done;
        }
        p++;
        goto value;
    }

close:
    /* The innermost container just ended: copy it into the arena. */
    {
        JsonFrame *f = &r->frames[--r->nframes];
        if (!(f->is_obj ? json_close_object(r, arena, f->start, p, &v)
                        : json_close_array(r, arena, f->start, p, &v)))
            goto done;
    }
    /* fall through */

complete:
    /* A value v is finished: hand it to its container, then expect the
     * container's separator or closer. */
    if (r->nframes == frame_base) {
        *out = v;
        ok = true;
        goto done;
    }
    p = json_ws(p, end);
    if (r->frames[r->nframes - 1].is_obj) {
        r->mems[r->nmems - 1].val = v;
        if (p < end && *p == ',') {
            p = json_ws(p + 1, end);
            if (p >= end || *p != '"') {
                json_fail(r, p, "expected string key after ',' in object, got %s",
                          json_describe(r, p, tmp, sizeof tmp));
                goto done;
            }
            goto key;
        }
        if (p < end && *p == '}') {
            p++;
            goto close;
        }
        json_fail(r, p, "expected ',' or '}' after object member, got %s",
                  json_describe(r, p, tmp, sizeof tmp));
        goto done;
    }
    if (r->nvals == r->capvals && !json_grow(r, (void **)&r->vals, &r->capvals, sizeof *r->vals))
        goto done;
    r->vals[r->nvals++] = v;
    if (p < end && *p == ',') {
        p++;
        goto value;
    }
    if (p < end && *p == ']') {
        p++;
        goto close;
    }
    json_fail(r, p, "expected ',' or ']' after array element, got %s",
              json_describe(r, p, tmp, sizeof tmp));

done:
    *pp = p;
    return ok;
}

static void json_reader_init(JsonReader *r, Arena *arena, const char *buf, size_t len,
                             const JsonReadOptions *opt, JsonError *err, JsonError *dummy)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->end = buf + len;
    r->arena = arena;
    r->err = err ? err : dummy;
    r->keys = opt ? opt->keys : NULL;
    r->max_depth = opt && opt->max_depth ? opt->max_depth : JSON_DEFAULT_MAX_DEPTH;
    r->drop_at = UINTPTR_MAX;
    memset(r->err, 0, sizeof *r->err);
}

/* The part of reading shared by json_read and json_read_projected: a
 * UTF-16 byte-order mark is an error, a UTF-8 one is skipped. */
static bool json_start(JsonReader *r, const char **pp)
{
    const char *buf = r->buf;
    size_t len = (size_t)(r->end - r->buf);
    if (len >= 2 && ((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE))
        return json_fail(r, buf, "input is UTF-16 (byte order mark FF FE); convert it to UTF-8");
    if (len >= 2 && ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF))
        return json_fail(r, buf, "input is UTF-16 (byte order mark FE FF); convert it to UTF-8");
    *pp = buf;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        *pp += 3; /* a UTF-8 BOM carries no meaning; skip it */
    return true;
}

static bool json_finish(JsonReader *r, bool ok, const char *p, Value v, Value *out)
{
    if (ok) {
        p = json_ws(p, r->end);
        if (p < r->end)
            ok = json_fail(r, p, "trailing data after JSON value");
    }
    free(r->vals);
    free(r->mems);
    free(r->frames);
    free(r->dedup);
    free(r->numbuf);
    if (r->cloc)
        freelocale(r->cloc);
    if (ok && r->arena->failed)
        ok = json_fail(r, r->end, "out of memory");
    *out = ok ? v : value_undef();
    return ok;
}

bool json_read(Arena *arena, const char *buf, size_t len, const JsonReadOptions *opt, Value *out,
               JsonError *err)
{
    JsonReader rd;
    JsonError dummy;
    json_reader_init(&rd, arena, buf, len, opt, err, &dummy);
    const char *p = buf;
    Value v = value_undef();
    bool ok = json_start(&rd, &p) && json_parse(&rd, &p, 0, &v);
    return json_finish(&rd, ok, p, v, out);
}

/* ---- the projecting reader ------------------------------------------------ */

/* Validates one value at *pp exactly as json_parse would (same string,
 * number, literal and depth rules) without building anything. Errors may
 * be worded differently: json_read_projected's callers re-read a failing
 * document with json_read for the diagnostics. */
static bool json_skip(JsonReader *r, const char **pp, uint32_t depth0)
{
    const char *p = *pp, *end = r->end;
    uint8_t small[64];      /* most skipped values nest less: no malloc per call */
    uint8_t *kinds = small; /* 1 = object, per open container */
    size_t n = 0, cap = sizeof small;
    bool ok = false;
    Value dummy;
value:
    p = json_ws(p, end);
    if (p >= end)
        goto fail;
    switch (*p) {
    case '"': {
        int esc = 0;
        const char *e = json_scan_string(r, p, &esc);
        if (!e)
            goto fail;
        p = e + 1;
        goto complete;
    }
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        if (!json_number(r, &p, &dummy))
            goto fail;
        goto complete;
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0)
            goto fail;
        p += 4;
        goto complete;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0)
            goto fail;
        p += 5;
        goto complete;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0)
            goto fail;
        p += 4;
        goto complete;
    case '[':
    case '{': {
        if (depth0 + n >= r->max_depth)
            goto fail;
        if (n == cap) {
            uint8_t *k = malloc(cap * 2);
            if (!k)
                goto fail;
            memcpy(k, kinds, cap);
            if (kinds != small)
                free(kinds);
            kinds = k;
            cap *= 2;
        }
        char open = *p++;
        kinds[n++] = open == '{';
        p = json_ws(p, end);
        if (open == '[') {
            if (p < end && *p == ']') {
                p++;
                n--;
                goto complete;
            }
            goto value;
        }
        if (p < end && *p == '}') {
            p++;
            n--;
            goto complete;
        }
        goto key;
    }
    default:
        goto fail;
    }
key:
    if (p >= end || *p != '"')
        goto fail;
    {
        int esc = 0;
        const char *e = json_scan_string(r, p, &esc);
        if (!e)
            goto fail;
        p = json_ws(e + 1, end);
        if (p >= end || *p != ':')
            goto fail;
        p++;
        goto value;
    }
complete:
    if (n == 0) {
        ok = true;
        goto fail;
    }
    if ((uintptr_t)p >= r->drop_at)
        json_drop(r, p);
    p = json_ws(p, end);
    if (p >= end)
        goto fail;
    if (*p == ',') {
        p = json_ws(p + 1, end);
        if (kinds[n - 1])
            goto key;
        goto value;
    }
    if (*p == (kinds[n - 1] ? '}' : ']')) {
        p++;
        n--;
        goto complete;
    }
fail:
    if (kinds != small)
        free(kinds);
    *pp = p;
    return ok || json_fail(r, p, "invalid JSON");
}

/* paths_child(n, key) and the key's interned id: a named child matches by
 * its text and lends its id (the same text has the same id), so members
 * kept through a named child need no lookup and skipped members none. */
static inline const PathNode *jp_child(JsonReader *r, const PathNode *n, const char *key,
                                       uint32_t klen, uint32_t *kid)
{
    for (uint32_t i = 0; i < n->nkids; i++) {
        const PathNode *c = n->kids[i];
        if (c->klen == klen && memcmp(c->key, key, klen) == 0) {
            *kid = r->keys ? (c->kid ? c->kid : keys_lookup(r->keys, key, klen)) : 0;
            return c;
        }
    }
    *kid = n->star && r->keys ? keys_lookup(r->keys, key, klen) : 0;
    return n->star;
}

static bool jp_value(JsonReader *r, const char **pp, const PathNode *n, uint32_t depth, Value *out)
{
    const char *p = json_ws(*pp, r->end), *end = r->end;
    *pp = p;
    if (n->whole || p >= end || (*p != '{' && *p != '['))
        return json_parse(r, pp, depth, out);
    if (depth >= r->max_depth)
        return json_fail(r, p, "nesting deeper than %u levels", (unsigned)r->max_depth);
    Value v = value_undef();
    if (*p == '[') {
        const PathNode *en = paths_elem(n);
        size_t start = r->nvals;
        p = json_ws(p + 1, end);
        if (p < end && *p == ']') {
            p++;
        } else {
            for (;;) {
                Value e;
                if (!jp_value(r, &p, en, depth + 1, &e))
                    return false;
                if (r->nvals == r->capvals &&
                    !json_grow(r, (void **)&r->vals, &r->capvals, sizeof *r->vals))
                    return false;
                r->vals[r->nvals++] = e;
                if ((uintptr_t)p >= r->drop_at)
                    json_drop(r, p);
                p = json_ws(p, end);
                if (p < end && *p == ',') {
                    p++;
                    continue;
                }
                if (p < end && *p == ']') {
                    p++;
                    break;
                }
                return json_fail(r, p, "expected ',' or ']' after array element");
            }
        }
        if (!json_close_array(r, r->arena, start, p, &v))
            return false;
    } else {
        size_t start = r->nmems;
        p = json_ws(p + 1, end);
        if (p < end && *p == '}') {
            p++;
        } else {
            for (;;) {
                if (p >= end || *p != '"')
                    return json_fail(r, p, "expected string key in object");
                Member m;
                if (!json_string(r, &p, &m.key, &m.klen))
                    return false;
                p = json_ws(p, end);
                if (p >= end || *p != ':')
                    return json_fail(r, p, "expected ':' after object key");
                p++;
                const PathNode *c = jp_child(r, n, m.key, m.klen, &m.kid);
                if (!c) {
                    if (!json_skip(r, &p, depth + 1))
                        return false;
                } else {
                    if (!jp_value(r, &p, c, depth + 1, &m.val))
                        return false;
                    if (r->nmems == r->capmems &&
                        !json_grow(r, (void **)&r->mems, &r->capmems, sizeof *r->mems))
                        return false;
                    r->mems[r->nmems++] = m;
                }
                if ((uintptr_t)p >= r->drop_at)
                    json_drop(r, p);
                p = json_ws(p, end);
                if (p < end && *p == ',') {
                    p = json_ws(p + 1, end);
                    continue;
                }
                if (p < end && *p == '}') {
                    p++;
                    break;
                }
                return json_fail(r, p, "expected ',' or '}' after object member");
            }
        }
        if (!json_close_object(r, r->arena, start, p, &v))
            return false;
    }
    *pp = p;
    *out = v;
    return true;
}

bool json_read_projected(Arena *arena, const char *buf, size_t len, const JsonReadOptions *opt,
                         const PathNode *proj, Value *out, JsonError *err)
{
    JsonReader rd;
    JsonError dummy;
    json_reader_init(&rd, arena, buf, len, opt, err, &dummy);
    const char *p = buf;
    Value v = value_undef();
    bool ok = json_start(&rd, &p) && jp_value(&rd, &p, proj, 0, &v);
    return json_finish(&rd, ok, p, v, out);
}

/* ---- streaming one member of the root ------------------------------------ */

/* Reads the array at *pp (its '[', after whitespace) element by element:
 * each is materialised with the projection en into s->elem_arena (reset
 * first) and handed to s->elem. depth is the array's own nesting level. */
static bool js_elements(JsonReader *r, const char **pp, const PathNode *en, uint32_t depth,
                        JsonStream *s)
{
    const char *p = *pp, *end = r->end;
    if (depth >= r->max_depth)
        return json_fail(r, p, "nesting deeper than %u levels", (unsigned)r->max_depth);
    p = json_ws(p + 1, end);
    if (p < end && *p == ']') {
        *pp = p + 1;
        return true;
    }
    Arena *doc_arena = r->arena;
    for (;;) {
        if ((uintptr_t)p >= r->drop_at)
            json_drop(r, p);
        arena_reset(s->elem_arena);
        r->arena = s->elem_arena;
        Value e;
        bool ok = jp_value(r, &p, en, depth + 1, &e);
        r->arena = doc_arena;
        if (!ok)
            return false;
        if (s->elem_arena->failed)
            return json_fail(r, p, "out of memory");
        s->nelems++;
        if (!s->elem(s->ud, e)) {
            s->stopped = true;
            return json_fail(r, p, "stopped by the caller");
        }
        p = json_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ']') {
            *pp = p + 1;
            return true;
        }
        return json_fail(r, p, "expected ',' or ']' after array element");
    }
}

JsonStreamResult json_read_stream(Arena *arena, const char *buf, size_t len,
                                  const JsonReadOptions *opt, const PathNode *proj, JsonStream *s,
                                  Value *out, JsonError *err)
{
    JsonReader rd;
    JsonError dummy;
    json_reader_init(&rd, arena, buf, len, opt, err, &dummy);
    JsonReader *r = &rd;
    s->nelems = 0;
    s->deferred = s->stopped = s->absent = false;
    s->root = value_undef();
    if (s->release) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        rd.dropped = ((uintptr_t)buf + page - 1) & ~(page - 1);
        rd.drop_at = rd.dropped + JSON_DROP_STEP;
    }
    const char *p = buf, *end = rd.end;
    Value root = value_undef();
    JsonStreamResult res = JSON_STREAM_FAIL;
    if (!json_start(r, &p))
        goto finish;
    p = json_ws(p, end);
    if (p >= end || *p != '{' || proj->whole) {
        res = JSON_STREAM_NO;
        goto finish;
    }
    const PathNode *sn =
        paths_child(proj, s->key, s->klen, rd.keys ? keys_lookup(rd.keys, s->key, s->klen) : 0);
    if (!sn) {
        res = JSON_STREAM_NO; /* nothing reads the member: nothing to stream */
        goto finish;
    }
    static const PathNode whole = {.whole = 1};
    const PathNode *en = sn->whole ? &whole : paths_elem(sn);
    /* Members the elements' projection names, other than the streamed
     * one, must be known before an element is evaluated; with [*] at the
     * root any member may be, so the array is always streamed last. */
    const PathNode *early = s->early ? s->early : proj;
    uint64_t need = 0, seen = 0, rare = 0;
    bool can_now = !early->whole && !early->star && early->nkids <= 64;
    for (uint32_t i = 0; can_now && i < early->nkids; i++) {
        const PathNode *k = early->kids[i];
        if (k->klen == s->klen && memcmp(k->key, s->key, s->klen) == 0)
            continue;
        need |= (uint64_t)1 << i;
        for (const char *const *o = s->rare; o && *o; o++)
            if (strlen(*o) == k->klen && memcmp(*o, k->key, k->klen) == 0)
                rare |= (uint64_t)1 << i;
    }
    need &= ~rare;
    bool found = false, streamed = false;
    const char *range = NULL; /* the array, when streamed after the document */
    size_t start = rd.nmems;
    p = json_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (p >= end || *p != '"') {
                json_fail(r, p, "expected string key in object");
                goto finish;
            }
            Member m;
            if (!json_string(r, &p, &m.key, &m.klen))
                goto finish;
            p = json_ws(p, end);
            if (p >= end || *p != ':') {
                json_fail(r, p, "expected ':' after object key");
                goto finish;
            }
            p = json_ws(p + 1, end);
            const PathNode *c = jp_child(r, proj, m.key, m.klen, &m.kid);
            if (m.klen == s->klen && memcmp(m.key, s->key, s->klen) == 0) {
                if (found || p >= end || *p != '[') {
                    res = JSON_STREAM_NO; /* twice (the last would win), or not an array */
                    goto finish;
                }
                found = true;
                if (can_now && (seen & need) == need) {
                    /* The root as the elements see it: the members so far
                     * (a later needed one stops streaming) and this one. */
                    size_t k = rd.nmems - start;
                    Member *ms = arena_alloc(arena, (k + 1) * sizeof *ms);
                    if (!ms) {
                        json_fail(r, p, "out of memory");
                        goto finish;
                    }
                    if (k)
                        memcpy(ms, rd.mems + start, k * sizeof *ms);
                    if (k > 1 && !json_dedup(r, ms, &k))
                        goto finish;
                    ms[k] = m;
                    ms[k].val = value_undef();
                    ms[k].val.kind = V_ARR;
                    s->root = value_undef();
                    s->root.kind = V_OBJ;
                    s->root.u.o = ms;
                    s->root.n = (uint32_t)k + 1;
                    if (!js_elements(r, &p, en, 1, s))
                        goto finish;
                    streamed = true;
                } else {
                    range = p;
                    if (!json_skip(r, &p, 1))
                        goto finish;
                }
                m.val = value_undef();
                m.val.kind = V_ARR; /* the kept document holds it empty */
            } else if (!c) {
                if (!json_skip(r, &p, 1))
                    goto finish;
                goto next;
            } else {
                const PathNode *ec = c;
                if (early != proj) {
                    uint32_t kid = 0;
                    ec = jp_child(r, early, m.key, m.klen, &kid);
                }
                if (streamed && ec) {
                    /* a member the elements need after they were
                     * evaluated: a second copy of one they saw (the last
                     * one wins) or a rare one they did not see */
                    res = JSON_STREAM_NO;
                    goto finish;
                }
                for (uint32_t i = 0; can_now && ec && i < early->nkids; i++)
                    if (early->kids[i] == ec)
                        seen |= (uint64_t)1 << i;
                if (!jp_value(r, &p, c, 1, &m.val))
                    goto finish;
            }
            if (rd.nmems == rd.capmems &&
                !json_grow(r, (void **)&rd.mems, &rd.capmems, sizeof *rd.mems))
                goto finish;
            rd.mems[rd.nmems++] = m;
        next:
            if ((uintptr_t)p >= rd.drop_at)
                json_drop(r, p);
            p = json_ws(p, end);
            if (p < end && *p == ',') {
                p = json_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            json_fail(r, p, "expected ',' or '}' after object member");
            goto finish;
        }
    }
    if (!json_close_object(r, arena, start, p, &root))
        goto finish;
    if (json_ws(p, end) < end) {
        json_fail(r, json_ws(p, end), "trailing data after JSON value");
        goto finish;
    }
    if (range) {
        /* Streamed after the document's end: give back its pages from
         * its start on, as they are consumed again. */
        if (s->release) {
            uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
            rd.dropped = ((uintptr_t)range + page - 1) & ~(page - 1);
            rd.drop_at = rd.dropped + JSON_DROP_STEP;
        }
        s->deferred = true;
        s->root = root;
        const char *q = range;
        if (!js_elements(r, &q, en, 1, s))
            goto finish;
    }
    s->absent = !found;
    res = JSON_STREAM_OK;
finish:
    if (!json_finish(r, res == JSON_STREAM_OK, end, root, out) && res == JSON_STREAM_OK)
        res = JSON_STREAM_FAIL;
    return res;
}
