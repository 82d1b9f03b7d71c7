/* sha256.c — SHA-256 (FIPS 180-4); see sha256.h.
 *
 * Two block functions behind one buffering front end: a portable one that
 * any C11 compiler builds, and on x86-64 one using the SHA extensions
 * (SHA-NI: sha256rnds2/msg1/msg2), compiled for that target with a function
 * attribute so the rest of the build keeps the baseline ISA. The choice is
 * made once, from cpuid, the first time a block is hashed; a CPU without
 * SHA-NI (or a non-x86 build) gets the portable code. The front end only
 * hands whole 64-byte blocks to either, so both produce identical digests.
 *
 * This file does not own the callers' buffers and allocates nothing.
 */
#include "base/sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_HAVE_NI 1
#include <cpuid.h>
#include <immintrin.h>
#if defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define SHA256_GLIBC_CPU 1
#endif
#endif
#else
#define SHA256_HAVE_NI 0
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* ---- portable ---------------------------------------------------------- */

#define ROTR(x, n)   (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x)     (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x)     (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x)     (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x)     (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The message schedule is a 16-word ring rather than 64 words, and the 64
 * rounds are written out (RND16 x4) so every ring index is a constant and
 * the compiler keeps the words in registers: a loop here left it to gcc's
 * unroller and cost twice the instructions. */
#define ROUND(a, b, c, d, e, f, g, h, i, k, wi)                                                    \
    do {                                                                                           \
        uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + (k) + (wi);                                  \
        (d) += t1_;                                                                                \
        (h) = t1_ + BSIG0(a) + MAJ(a, b, c);                                                       \
    } while (0)

#define SCHED(i) (w[(i)&15] += SSIG1(w[((i)-2) & 15]) + w[((i)-7) & 15] + SSIG0(w[((i)-15) & 15]))

/* Sixteen rounds starting at round r; W() supplies word i of the ring. */
#define RND16(r, W)                                                                                \
    do {                                                                                           \
        ROUND(a, b, c, d, e, f, g, h, 0, K[(r) + 0], W(0));                                        \
        ROUND(h, a, b, c, d, e, f, g, 1, K[(r) + 1], W(1));                                        \
        ROUND(g, h, a, b, c, d, e, f, 2, K[(r) + 2], W(2));                                        \
        ROUND(f, g, h, a, b, c, d, e, 3, K[(r) + 3], W(3));                                        \
        ROUND(e, f, g, h, a, b, c, d, 4, K[(r) + 4], W(4));                                        \
        ROUND(d, e, f, g, h, a, b, c, 5, K[(r) + 5], W(5));                                        \
        ROUND(c, d, e, f, g, h, a, b, 6, K[(r) + 6], W(6));                                        \
        ROUND(b, c, d, e, f, g, h, a, 7, K[(r) + 7], W(7));                                        \
        ROUND(a, b, c, d, e, f, g, h, 8, K[(r) + 8], W(8));                                        \
        ROUND(h, a, b, c, d, e, f, g, 9, K[(r) + 9], W(9));                                        \
        ROUND(g, h, a, b, c, d, e, f, 10, K[(r) + 10], W(10));                                     \
        ROUND(f, g, h, a, b, c, d, e, 11, K[(r) + 11], W(11));                                     \
        ROUND(e, f, g, h, a, b, c, d, 12, K[(r) + 12], W(12));                                     \
        ROUND(d, e, f, g, h, a, b, c, 13, K[(r) + 13], W(13));                                     \
        ROUND(c, d, e, f, g, h, a, b, 14, K[(r) + 14], W(14));                                     \
        ROUND(b, c, d, e, f, g, h, a, 15, K[(r) + 15], W(15));                                     \
    } while (0)

#define W_LOAD(i)  (w[i] = load_be32(p + 4 * (i)))
#define W_SCHED(i) SCHED(i)

static void blocks_portable(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    for (; nblocks; nblocks--, p += 64) {
        uint32_t w[16];
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
        RND16(0, W_LOAD);
        RND16(16, W_SCHED);
        RND16(32, W_SCHED);
        RND16(48, W_SCHED);
        st[0] += a;
        st[1] += b;
        st[2] += c;
        st[3] += d;
        st[4] += e;
        st[5] += f;
        st[6] += g;
        st[7] += h;
    }
}

/* ---- x86 SHA extensions -------------------------------------------------- */

#if SHA256_HAVE_NI
/* The SHA-NI state layout is two registers, ABEF and CDGH (high to low
 * lanes), not the eight words of FIPS order: convert on entry and exit.
 * Each sha256rnds2 does two rounds taking the next two W+K words from the
 * low half of its third operand, hence the 0x0E shuffle for the next pair.
 * Message words 16.. come from msg1/msg2 over the previous four vectors. */
#define NI_QROUND(wv, kidx)                                                                        \
    do {                                                                                           \
        __m128i m_ = _mm_add_epi32((wv), _mm_loadu_si128((const __m128i *)&K[kidx]));              \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m_);                                              \
        m_ = _mm_shuffle_epi32(m_, 0x0E);                                                          \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, m_);                                              \
    } while (0)

/* w0 <- W[t..t+3] from w0 = W[t-16..], w1 = W[t-12..], w2 = W[t-8..],
 * w3 = W[t-4..]. */
#define NI_SCHED(w0, w1, w2, w3)                                                                   \
    ((w0) = _mm_sha256msg2_epu32(                                                                  \
         _mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)), _mm_alignr_epi8((w3), (w2), 4)), (w3)))

__attribute__((target("sha,sse4.1"))) static void blocks_ni(uint32_t st[8], const uint8_t *p,
                                                            size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i t = _mm_loadu_si128((const __m128i *)&st[0]);    /* DCBA */
    __m128i cdgh = _mm_loadu_si128((const __m128i *)&st[4]); /* HGFE */
    t = _mm_shuffle_epi32(t, 0xB1);                          /* CDAB */
    cdgh = _mm_shuffle_epi32(cdgh, 0x1B);                    /* EFGH */
    __m128i abef = _mm_alignr_epi8(t, cdgh, 8);              /* ABEF */
    cdgh = _mm_blend_epi16(cdgh, t, 0xF0);                   /* CDGH */

    for (; nblocks; nblocks--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
        NI_QROUND(w0, 0);
        NI_QROUND(w1, 4);
        NI_QROUND(w2, 8);
        NI_QROUND(w3, 12);
        for (int k = 16; k < 64; k += 16) {
            NI_SCHED(w0, w1, w2, w3);
            NI_QROUND(w0, k);
            NI_SCHED(w1, w2, w3, w0);
            NI_QROUND(w1, k + 4);
            NI_SCHED(w2, w3, w0, w1);
            NI_QROUND(w2, k + 8);
            NI_SCHED(w3, w0, w1, w2);
            NI_QROUND(w3, k + 12);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    t = _mm_shuffle_epi32(abef, 0x1B);     /* FEBA */
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);  /* DCHG */
    abef = _mm_blend_epi16(t, cdgh, 0xF0); /* DCBA */
    cdgh = _mm_alignr_epi8(cdgh, t, 8);    /* HGFE */
    _mm_storeu_si128((__m128i *)&st[0], abef);
    _mm_storeu_si128((__m128i *)&st[4], cdgh);
}

/* glibc (2.33+) already ran cpuid at start-up and keeps the answers: ask it
 * rather than executing cpuid again, which traps to the hypervisor on a
 * virtual machine and cost ~30 us per process there (measured with perf). */
static int cpu_has_sha_ni(void)
{
#ifdef SHA256_GLIBC_CPU
    return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSSE3) && CPU_FEATURE_ACTIVE(SSE4_1);
#else
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    /* SSSE3 (pshufb) and SSE4.1 (pblendw) are used alongside SHA. */
    if (!(c & (1u << 9)) || !(c & (1u << 19)))
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1u;
#endif
}
#endif

/* ---- dispatch ------------------------------------------------------------ */

/* 0 = not yet checked, 1 = portable, 2 = SHA-NI. Threads racing on the
 * first call compute the same answer, so relaxed atomics are enough. */
static _Atomic int impl;
static _Atomic int force_portable;

/* For tests/unit/test_sha256.c only (declared there, not in sha256.h): with
 * on != 0 every later block goes through the portable code, so the tests
 * can check both paths on a machine that has SHA-NI. */
void sha256_force_portable(int on);
void sha256_force_portable(int on) { force_portable = on != 0; }

static void blocks(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
#if SHA256_HAVE_NI
    int which = impl;
    if (!which) {
        which = cpu_has_sha_ni() ? 2 : 1;
        impl = which;
    }
    if (which == 2 && !force_portable) {
        blocks_ni(st, p, nblocks);
        return;
    }
#endif
    blocks_portable(st, p, nblocks);
}

/* ---- front end ----------------------------------------------------------- */

void sha256_init(Sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
    s->nbuf = 0;
}

void sha256_update(Sha256 *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (!n)
        return;
    s->total += n;
    if (s->nbuf) {
        size_t take = 64 - s->nbuf;
        if (take > n)
            take = n;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += (uint32_t)take;
        p += take;
        n -= take;
        if (s->nbuf < 64)
            return;
        blocks(s->h, s->buf, 1);
        s->nbuf = 0;
    }
    if (n >= 64) {
        blocks(s->h, p, n / 64);
        p += n & ~(size_t)63;
        n &= 63;
    }
    if (n) {
        memcpy(s->buf, p, n);
        s->nbuf = (uint32_t)n;
    }
}

void sha256_final(Sha256 *s, uint8_t out[SHA256_LEN])
{
    uint64_t bits = s->total * 8;
    uint32_t nb = s->nbuf;
    s->buf[nb++] = 0x80;
    if (nb > 56) {
        memset(s->buf + nb, 0, 64 - nb);
        blocks(s->h, s->buf, 1);
        nb = 0;
    }
    memset(s->buf + nb, 0, 56 - nb);
    for (int i = 0; i < 8; i++)
        s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    blocks(s->h, s->buf, 1);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, s->h[i]);
    /* The context held message bytes; do not leave them behind. */
    memset(s, 0, sizeof *s);
}

void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN])
{
    Sha256 s;
    sha256_init(&s);
    sha256_update(&s, data, n);
    sha256_final(&s, out);
}

void sha256_hex(const uint8_t md[SHA256_LEN], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_LEN; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}
