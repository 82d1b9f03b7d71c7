/* sha256.h — SHA-256 (FIPS 180-4), in tree so the engine does not load
 * libcrypto: the input hash of decision records, bundle checksums and the
 * policy-set hash all use it.
 *
 * sha256.c picks the x86 SHA extensions (SHA-NI) at run time when the CPU
 * has them and a portable implementation otherwise; both give the same
 * digests (tests/unit/test_sha256.c checks the FIPS vectors and both paths).
 * The context is plain data: no allocation, no global state beyond the
 * one-time CPU check, safe on several threads at once.
 */
#ifndef VETO_SHA256_H
#define VETO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

typedef struct Sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    uint8_t buf[64];
    uint32_t nbuf; /* bytes waiting in buf */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_final(Sha256 *s, uint8_t out[SHA256_LEN]);

/* One-shot digest of data[0..n). */
void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN]);

/* Lowercase hex of a digest into out (65 bytes, NUL-terminated). */
void sha256_hex(const uint8_t md[SHA256_LEN], char out[65]);

#endif
