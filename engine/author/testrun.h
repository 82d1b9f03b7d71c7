/* testrun.h — `veto test`: the test-file model and the runner.
 *
 * A test file is YAML (`*_test.yaml`, next to the policies it tests; the
 * format is in docs/TESTING.md). It names the policies under test, and
 * holds cases: an input (inline or from a file), optional context and data
 * documents, and expectations on the decision (outcome, verdict, which
 * rules fire on which addresses with which messages, nothing else). A case
 * with a `cases:` table is a template: one test per row, the row's values
 * substituted for `${name}` in the case.
 *
 * The runner reads the file with libyaml (for file:line of every case),
 * compiles the policies once per file, evaluates each case and compares
 * the decision with the expectations, recording a structural diff (which
 * key, which element) for every mismatch. It never prints: results go to a
 * TestReport the caller renders.
 *
 * Owns: the report's strings (malloc'd). Borrows: the engine, the options,
 * the Coverage (which it feeds when given).
 */
#ifndef VETO_TESTRUN_H
#define VETO_TESTRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "author/coverage.h"
#include "base/buf.h"
#include "veto.h"

/* One mismatch. expected/got are JSON texts (NULL when not applicable);
 * note is free text (NULL when none). */
typedef struct TestFailure {
    char *path; /* "expect.outcome", "expect.results[0].message", "got.results[2]" */
    char *expected;
    char *got;
    char *note;
} TestFailure;

typedef struct TestResult {
    char *file;    /* the test file, as found */
    uint32_t line; /* 1-based line of the case (of its table row for table cases) */
    char *name;    /* the case's name, "(test file)" for a file that could not run */
    bool passed;
    TestFailure *fails;
    uint32_t nfails, cap;
} TestResult;

typedef struct TestReport {
    TestResult *tests; /* in run order */
    size_t n, cap;
    size_t passed, failed;
    bool oom; /* sticky */
} TestReport;

typedef struct TestOptions {
    const char *const *policies; /* extra policy paths compiled with every file */
    size_t npolicies;
    const char *run;    /* only cases whose name matches this regex; NULL = all */
    uint64_t fuel;      /* per policy; 0 = default */
    size_t mem_cap;     /* per evaluation; 0 = default */
    Coverage *coverage; /* fed when not NULL */
} TestOptions;

/* Checks that pattern compiles as a --run regex; else fills err. */
bool testrun_pattern_ok(const char *pattern, char *err, size_t errlen);

/* Runs every case of the test file at path; appends one TestResult per
 * case (or one failed "(test file)" result when the file cannot be read,
 * parsed or compiled). */
void testrun_file(veto_engine *e, const char *path, const TestOptions *opt, TestReport *rep);

void testrun_report_free(TestReport *rep);

/* Views of a report. text: a line per failed test (every test when
 * verbose) with its diff, closed by nothing: the caller prints the count
 * line. json and junit are complete documents. */
void testrun_render_text(const TestReport *rep, bool verbose, Buf *out);
void testrun_render_json(const TestReport *rep, Buf *out);
void testrun_render_junit(const TestReport *rep, Buf *out);

#endif
