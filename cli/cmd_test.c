/* cmd_test.c — `veto test`: find *_test.yaml files, run them with the
 * engine's test runner (engine/author/testrun.c), print the report and, with
 * --coverage, the line coverage of the policies (engine/author/coverage.c).
 * The test format is in docs/TESTING.md. */
#include "author/coverage.h"
#include "author/testrun.h"
#include "cli_io.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char test_usage[] =
    "Usage: veto test [options] PATH...\n"
    "\n"
    "Run policy tests. A PATH is a test file or a directory: every *_test.yaml\n"
    "(or *_test.yml) file under it, recursively, in sorted order. A test file\n"
    "names the policies it tests (compiled from the .veto file of the same stem\n"
    "beside it, or from its `policies:` list) and holds cases: an input, an\n"
    "optional context and data, and the expected decision. See docs/TESTING.md.\n"
    "\n"
    "Prints one line per failing test (file:line of the case, its name) with the\n"
    "differences between expected and got, then the line `N passed, N failed`.\n"
    "\n"
    "Options:\n"
    "  -p, --policy PATH         also compile PATH with every test file (repeatable)\n"
    "  -r, --run PATTERN         run only the tests whose name matches the regex\n"
    "  -v, --verbose             list every test, passing ones too\n"
    "  -f, --format FORMAT       text (default), json or junit\n"
    "  -o, --output FILE         write the report to FILE instead of stdout\n"
    "      --coverage            report which policy lines the tests ran\n"
    "      --coverage-format F   text (default), json, lcov or cobertura\n"
    "      --coverage-out FILE   write the coverage report to FILE\n"
    "      --fail-under PERCENT  fail when line coverage is below PERCENT (implies\n"
    "                            --coverage)\n"
    "      --fuel N              VM step budget per policy (default 50000000)\n"
    "      --mem-cap BYTES       memory cap per evaluation, e.g. 512M (default 1G)\n"
    "  -h, --help                show this help\n"
    "\n"
    "Without --coverage-out the coverage report goes to stdout, after the tests.\n"
    "\n"
    "Exit status: 0 every test passed (and coverage reached --fail-under), 1 a\n"
    "test failed or coverage is too low, 2 usage error or no test file found.\n";

enum {
    OPT_HELP = 1,
    OPT_POLICY,
    OPT_RUN,
    OPT_VERBOSE,
    OPT_FORMAT,
    OPT_OUTPUT,
    OPT_COVERAGE,
    OPT_COV_FORMAT,
    OPT_COV_OUT,
    OPT_FAIL_UNDER,
    OPT_FUEL,
    OPT_MEM_CAP,
};

static const CliOption test_options[] = {
    {"policy", 'p', 1, OPT_POLICY},
    {"run", 'r', 1, OPT_RUN},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {"format", 'f', 1, OPT_FORMAT},
    {"output", 'o', 1, OPT_OUTPUT},
    {"coverage", 0, 0, OPT_COVERAGE},
    {"coverage-format", 0, 1, OPT_COV_FORMAT},
    {"coverage-out", 0, 1, OPT_COV_OUT},
    {"fail-under", 0, 1, OPT_FAIL_UNDER},
    {"fuel", 0, 1, OPT_FUEL},
    {"mem-cap", 0, 1, OPT_MEM_CAP},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

typedef enum TestFormat { TFMT_TEXT, TFMT_JSON, TFMT_JUNIT } TestFormat;

typedef struct TestArgs {
    CliList paths;
    CliList policies;
    const char *run;
    const char *output;
    const char *cov_out;
    bool verbose, coverage;
    TestFormat format;
    CoverageFormat cov_format;
    double fail_under; /* < 0: no gate */
    uint64_t fuel;
    size_t mem_cap;
} TestArgs;

static int testcli_is_test(const char *name)
{
    size_t n = strlen(name);
    return (n > 10 && strcmp(name + n - 10, "_test.yaml") == 0) ||
           (n > 9 && strcmp(name + n - 9, "_test.yml") == 0);
}

static int testcli_take(TestArgs *a, int opt, const char *value)
{
    switch (opt) {
    case CLI_POSITIONAL:
        return cli_list_push(&a->paths, value) ? EXIT_USAGE : 0;
    case OPT_POLICY:
        return cli_list_push(&a->policies, value) ? EXIT_USAGE : 0;
    case OPT_RUN: {
        char err[300];
        if (!testrun_pattern_ok(value, err, sizeof err))
            return cli_usage_error("test", "--run: %s", err);
        a->run = value;
        return 0;
    }
    case OPT_VERBOSE:
        a->verbose = true;
        return 0;
    case OPT_FORMAT:
        if (strcmp(value, "text") == 0)
            a->format = TFMT_TEXT;
        else if (strcmp(value, "json") == 0)
            a->format = TFMT_JSON;
        else if (strcmp(value, "junit") == 0)
            a->format = TFMT_JUNIT;
        else
            return cli_usage_error("test", "--format must be text, json or junit, not '%s'", value);
        return 0;
    case OPT_OUTPUT:
        a->output = value;
        return 0;
    case OPT_COVERAGE:
        a->coverage = true;
        return 0;
    case OPT_COV_FORMAT:
        a->coverage = true;
        if (strcmp(value, "text") == 0)
            a->cov_format = COV_TEXT;
        else if (strcmp(value, "json") == 0)
            a->cov_format = COV_JSON;
        else if (strcmp(value, "lcov") == 0)
            a->cov_format = COV_LCOV;
        else if (strcmp(value, "cobertura") == 0)
            a->cov_format = COV_COBERTURA;
        else
            return cli_usage_error(
                "test", "--coverage-format must be text, json, lcov or cobertura, not '%s'", value);
        return 0;
    case OPT_COV_OUT:
        a->coverage = true;
        a->cov_out = value;
        return 0;
    case OPT_FAIL_UNDER: {
        char *end;
        errno = 0;
        double v = strtod(value, &end);
        if (end == value || *end || errno || !(v >= 0 && v <= 100))
            return cli_usage_error("test",
                                   "--fail-under must be a percentage from 0 to 100, "
                                   "not '%s'",
                                   value);
        a->fail_under = v;
        a->coverage = true;
        return 0;
    }
    case OPT_FUEL:
        return cli_parse_count("test", "--fuel", value, &a->fuel) ? EXIT_USAGE : 0;
    default: /* OPT_MEM_CAP */
        return cli_parse_size("test", "--mem-cap", value, &a->mem_cap) ? EXIT_USAGE : 0;
    }
}

static int testcli_find(const TestArgs *a, CliPaths *files)
{
    for (size_t i = 0; i < a->paths.count; i++) {
        const char *p = a->paths.items[i];
        struct stat st;
        if (stat(p, &st) != 0) {
            fprintf(stderr, "veto: cannot read '%s': %s\n", p, strerror(errno));
            return EXIT_USAGE;
        }
        if (S_ISDIR(st.st_mode) ? cli_paths_walk(files, p, testcli_is_test) != 0
                                : cli_paths_push(files, p) != 0)
            return EXIT_USAGE;
    }
    if (files->n == 0)
        return cli_usage_error("test", "no test files (*_test.yaml) found");
    return 0;
}

/* Runs the tests and prints the reports; returns the exit code. */
static int testcli_execute(TestArgs *a, const CliPaths *files)
{
    veto_engine *e = veto_engine_new();
    if (!e) {
        fprintf(stderr, "veto: out of memory\n");
        return EXIT_USAGE;
    }
    Coverage cov;
    coverage_init(&cov);
    TestReport rep;
    memset(&rep, 0, sizeof rep);
    TestOptions opt = {a->policies.items, a->policies.count, a->run,
                       a->fuel,           a->mem_cap,        a->coverage ? &cov : NULL};
    for (size_t i = 0; i < files->n; i++)
        testrun_file(e, files->v[i], &opt, &rep);
    int rc = rep.failed ? EXIT_DENY : EXIT_PASS;
    if (rep.oom || cov.failed) {
        fprintf(stderr, "veto: out of memory while testing\n");
        rc = EXIT_USAGE;
    }
    Buf out = BUF_INIT, cout = BUF_INIT;
    if (a->format == TFMT_JSON)
        testrun_render_json(&rep, &out);
    else if (a->format == TFMT_JUNIT)
        testrun_render_junit(&rep, &out);
    else
        testrun_render_text(&rep, a->verbose, &out);
    if (a->coverage)
        coverage_render(&cov, a->cov_format, &cout);
    /* Coverage on stdout goes before the closing count line of the text
     * report, after the json/junit documents. */
    bool cov_inline = a->coverage && !a->cov_out && !a->output;
    if (cov_inline && a->format == TFMT_TEXT && cout.p)
        buf_append(&out, cout.p, cout.len);
    if (a->format == TFMT_TEXT)
        buf_printf(&out, "%zu passed, %zu failed\n", rep.passed, rep.failed);
    if (cov_inline && a->format != TFMT_TEXT && cout.p)
        buf_append(&out, cout.p, cout.len);
    int wrc = cli_write_text(a->output, buf_take(&out));
    if (wrc == EXIT_PASS && a->coverage && !cov_inline)
        wrc = cli_write_text(a->cov_out, buf_take(&cout));
    if (wrc != EXIT_PASS)
        rc = wrc;
    if (rc == EXIT_PASS && a->coverage && a->fail_under >= 0 &&
        coverage_percent(&cov) < a->fail_under) {
        fprintf(stderr, "veto: line coverage %.1f%% is below --fail-under %g%%\n",
                coverage_percent(&cov), a->fail_under);
        rc = EXIT_DENY;
    }
    buf_free(&out);
    buf_free(&cout);
    testrun_report_free(&rep);
    coverage_free(&cov);
    veto_engine_free(e);
    return rc;
}

static int testcli_run(int argc, char **argv)
{
    TestArgs a;
    memset(&a, 0, sizeof a);
    a.fail_under = -1;
    CliParser p;
    const char *value;
    int opt, rc = 0;
    cli_parser_init(&p, "test", argc, argv, test_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            rc = EXIT_USAGE;
        else if (opt == OPT_HELP)
            rc = -1;
        else
            rc = testcli_take(&a, opt, value);
    }
    CliPaths files = {0};
    if (rc == -1)
        rc = cli_print_usage(&cmd_test);
    else if (rc == 0 && a.paths.count == 0)
        rc = cli_usage_error("test", "no PATH given (a test file or a directory)");
    else if (rc == 0 && a.output && a.cov_out && strcmp(a.output, a.cov_out) == 0)
        rc = cli_usage_error("test", "--output and --coverage-out name the same file");
    else if (rc == 0 && (rc = testcli_find(&a, &files)) == 0)
        rc = testcli_execute(&a, &files);
    cli_paths_free(&files);
    cli_list_free(&a.paths);
    cli_list_free(&a.policies);
    return rc;
}

const CliCommand cmd_test = {
    "test",
    "run policy tests (*_test.yaml), optionally with line coverage",
    test_usage,
    testcli_run,
};
