/* test_sha256.c — engine/base/sha256.c: the FIPS 180-4 example vectors, every
 * way of splitting a message over sha256_update, both block functions
 * (SHA-NI where the CPU has it, and the portable one forced), and agreement
 * with the system's sha256sum on a generated file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sha256.h"
#include "harness.h"

/* Internal to sha256.c, for tests only. */
void sha256_force_portable(int on);

static void hex_of(const void *data, size_t n, char out[65])
{
    uint8_t md[SHA256_LEN];
    sha256(data, n, md);
    sha256_hex(md, out);
}

static const struct {
    const char *msg;
    const char *hex;
} vectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnop"
     "qrs"
     "mnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

static void check_vectors(void)
{
    char got[65];
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        hex_of(vectors[i].msg, strlen(vectors[i].msg), got);
        CHECK_STR(got, vectors[i].hex);
    }
    /* One million 'a', fed in uneven pieces so the buffer path runs too. */
    static char a[1000];
    memset(a, 'a', sizeof a);
    Sha256 s;
    sha256_init(&s);
    size_t left = 1000000;
    for (size_t step = 1; left; step = step * 7 % 997 + 1) {
        size_t n = step < left ? step : left;
        sha256_update(&s, a, n);
        left -= n;
    }
    uint8_t md[SHA256_LEN];
    sha256_final(&s, md);
    sha256_hex(md, got);
    CHECK_STR(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(fips_vectors) { check_vectors(); }

TEST(fips_vectors_portable)
{
    sha256_force_portable(1);
    check_vectors();
    sha256_force_portable(0);
}

/* A message of every length around the padding boundaries (55, 56, 63, 64
 * bytes and a few blocks on), hashed one-shot and split at every point into
 * two updates and into three: all must agree with the one-shot digest, and
 * the one-shot digest must agree between the two block functions. */
TEST(every_split)
{
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    int bad = 0;
    for (size_t len = 0; len <= sizeof msg; len++) {
        uint8_t want[SHA256_LEN], port[SHA256_LEN], got[SHA256_LEN];
        sha256(msg, len, want);
        sha256_force_portable(1);
        sha256(msg, len, port);
        sha256_force_portable(0);
        bad += memcmp(want, port, SHA256_LEN) != 0;
        for (size_t i = 0; i <= len; i++) {
            Sha256 s;
            sha256_init(&s);
            sha256_update(&s, msg, i);
            sha256_update(&s, msg + i, len - i);
            sha256_final(&s, got);
            bad += memcmp(want, got, SHA256_LEN) != 0;
        }
        if (len % 13 == 0 || (len >= 50 && len <= 70) || len >= 120) {
            for (size_t i = 0; i <= len; i++)
                for (size_t j = i; j <= len; j++) {
                    Sha256 s;
                    sha256_init(&s);
                    sha256_update(&s, msg, i);
                    sha256_update(&s, msg + i, j - i);
                    sha256_update(&s, NULL, 0);
                    sha256_update(&s, msg + j, len - j);
                    sha256_final(&s, got);
                    bad += memcmp(want, got, SHA256_LEN) != 0;
                }
        }
    }
    CHECK_INT(bad, 0);
}

/* Both paths on a large, non-repeating buffer (many whole blocks at once,
 * which is where SHA-NI's multi-block loop runs), and byte-at-a-time. */
TEST(paths_agree_large)
{
    size_t n = (1u << 20) + 37;
    uint8_t *buf = malloc(n);
    CHECK(buf != NULL);
    if (!buf)
        return;
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    uint8_t a[SHA256_LEN], b[SHA256_LEN], c[SHA256_LEN];
    sha256(buf, n, a);
    sha256_force_portable(1);
    sha256(buf, n, b);
    sha256_force_portable(0);
    Sha256 s;
    sha256_init(&s);
    for (size_t i = 0; i < 4096; i++)
        sha256_update(&s, buf + i, 1);
    sha256_update(&s, buf + 4096, n - 4096);
    sha256_final(&s, c);
    CHECK(memcmp(a, b, SHA256_LEN) == 0);
    CHECK(memcmp(a, c, SHA256_LEN) == 0);
    free(buf);
}

TEST(hex)
{
    uint8_t md[SHA256_LEN];
    for (int i = 0; i < SHA256_LEN; i++)
        md[i] = (uint8_t)(i * 8 + 1);
    char out[65];
    memset(out, 'x', sizeof out);
    sha256_hex(md, out);
    CHECK_STR(out, "0109111921293139414951596169717981899199a1a9b1b9c1c9d1d9e1e9f1f9");
}

/* The system's sha256sum over a generated file must print our digest.
 * Skipped (counted as passed, with a note) when sha256sum is missing. */
TEST(matches_sha256sum)
{
    char path[] = "/tmp/veto-sha256-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    size_t n = 300000 + 11;
    uint8_t *buf = malloc(n);
    CHECK(buf != NULL);
    if (!buf) {
        close(fd);
        unlink(path);
        return;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)((i * 2654435761u) >> 13);
    CHECK(write(fd, buf, n) == (ssize_t)n);
    close(fd);
    char want[65];
    hex_of(buf, n, want);
    free(buf);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "sha256sum %s 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    char line[256] = "";
    int got_line = p && fgets(line, sizeof line, p) != NULL;
    int rc = p ? pclose(p) : -1;
    unlink(path);
    if (!got_line || rc != 0) {
        fprintf(stderr, "matches_sha256sum: sha256sum not available, skipped\n");
        return;
    }
    line[64] = '\0';
    CHECK_STR(line, want);
}

int main(void)
{
    RUN(fips_vectors);
    RUN(fips_vectors_portable);
    RUN(every_split);
    RUN(paths_agree_large);
    RUN(hex);
    RUN(matches_sha256sum);
    return harness_done();
}
