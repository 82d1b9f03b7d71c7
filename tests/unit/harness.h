/* harness.h — a tiny unit-test harness: print file:line on failure, count,
 * and end with the line "N passed, N failed" (", N skipped" when something
 * was skipped) that tests/run-all.sh sums.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_STR(got, "want"); }
 *   int main(void) { RUN(name); return harness_done(); }
 *
 * A test passes when none of its checks failed. Checks keep going after a
 * failure so one run shows every broken expectation.
 */
#ifndef VETO_TEST_HARNESS_H
#define VETO_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_passed, harness_failed, harness_skipped;
static int harness_cur_failed __attribute__((unused));
static const char *harness_cur_name __attribute__((unused));

#define TEST(name) static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, harness_cur_name, \
                    #cond);                                                                        \
            harness_cur_failed = 1;                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g__ = (got), *w__ = (want);                                                    \
        if (!g__ || !w__ || strcmp(g__, w__) != 0) {                                               \
            fprintf(stderr, "%s:%d: %s: expected \"%s\"\n    got \"%s\"\n", __FILE__, __LINE__,    \
                    harness_cur_name, w__ ? w__ : "(null)", g__ ? g__ : "(null)");                 \
            harness_cur_failed = 1;                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INT(got, want)                                                                       \
    do {                                                                                           \
        long long g__ = (long long)(got), w__ = (long long)(want);                                 \
        if (g__ != w__) {                                                                          \
            fprintf(stderr, "%s:%d: %s: %s: expected %lld, got %lld\n", __FILE__, __LINE__,        \
                    harness_cur_name, #got, w__, g__);                                             \
            harness_cur_failed = 1;                                                                \
        }                                                                                          \
    } while (0)

#define RUN(name)                                                                                  \
    do {                                                                                           \
        harness_cur_name = #name;                                                                  \
        harness_cur_failed = 0;                                                                    \
        test_##name();                                                                             \
        if (harness_cur_failed)                                                                    \
            harness_failed++;                                                                      \
        else                                                                                       \
            harness_passed++;                                                                      \
    } while (0)

/* For data-driven tests that count each case themselves. */
static inline void harness_record(int ok)
{
    if (ok)
        harness_passed++;
    else
        harness_failed++;
}

/* For a test whose data is absent (the shared fixtures): one skipped test,
 * never a passed one, and a line saying what was skipped and why. */
static inline void harness_skip(const char *what, const char *why)
{
    printf("skipped: %s: %s\n", what, why);
    harness_skipped++;
}

static inline int harness_done(void)
{
    if (harness_skipped)
        printf("%d passed, %d failed, %d skipped\n", harness_passed, harness_failed,
               harness_skipped);
    else
        printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

#endif
