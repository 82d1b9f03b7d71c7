/* cmd_check.c — `veto check PATH...`: compile policies, lint them, check
 * their resource types and attribute paths against provider schemas, and
 * report every diagnostic. The checks themselves are the engine's (lint.c,
 * schema_check.c); this file only wires options to them. */
#include "cli_io.h"
#include "commands.h"

#include <stdio.h>

static const char check_usage[] =
    "Usage: veto check [options] PATH...\n"
    "\n"
    "Compile policy files, or every *.veto file under a directory, and report\n"
    "every error and warning as file:line:col with the source line and a caret.\n"
    "Lint warnings (docs/LINT.md): rules that can never fire, unused and\n"
    "shadowed names, policies without an id or severity.\n"
    "Prints \"N policies OK\" when there is no error.\n"
    "\n"
    "Options:\n"
    "  -s, --schema FILE   check resource types and attribute paths against the\n"
    "                      output of `terraform providers schema -json`\n"
    "      --strict        exit 1 when there are warnings\n"
    "      --no-lint       compile only; no lint warnings\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 no errors (warnings allowed), 1 warnings with --strict,\n"
    "2 errors (a typo against the schema is an error) or a usage error.\n";

enum { OPT_HELP = 1, OPT_SCHEMA, OPT_STRICT, OPT_NO_LINT };

static const CliOption check_options[] = {
    {"schema", 's', 1, OPT_SCHEMA},
    {"strict", 0, 0, OPT_STRICT},
    {"no-lint", 0, 0, OPT_NO_LINT},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

/* Compiles paths with the checks on; prints the diagnostics. Returns the
 * exit code. */
static int check_compile(veto_engine *e, const CliList *paths, const veto_doc *schema, int lint,
                         int strict)
{
    for (size_t i = 0; i < paths->count; i++)
        if (cli_check_readable(paths->items[i]) != 0)
            return EXIT_USAGE;
    veto_diags *d = veto_diags_new();
    veto_compiler *c = d ? veto_compiler_new(e) : NULL;
    if (!c) {
        fprintf(stderr, "veto: out of memory\n");
        veto_diags_free(d);
        return EXIT_USAGE;
    }
    int failed = 0;
    for (size_t i = 0; i < paths->count; i++)
        if (veto_compiler_add_path(c, paths->items[i], d) != VETO_OK)
            failed = 1;
    veto_program *prog = NULL;
    if (failed || veto_diags_errors(d) > 0)
        veto_compiler_free(c);
    else
        prog = veto_check_finish(c, lint, schema, d);
    cli_print_diags(d);
    int rc = EXIT_USAGE;
    if (prog) {
        size_t n = veto_program_policy_count(prog), w = veto_diags_warnings(d);
        printf("%zu %s OK", n, n == 1 ? "policy" : "policies");
        if (w)
            printf(", %zu warning%s", w, w == 1 ? "" : "s");
        printf("\n");
        rc = strict && w ? EXIT_DENY : EXIT_PASS;
        veto_program_free(prog);
    } else if (veto_diags_errors(d) == 0) {
        fprintf(stderr, "veto: compiling failed\n");
    }
    veto_diags_free(d);
    return rc;
}

static int check_run(int argc, char **argv)
{
    CliParser p;
    CliList paths = {0}, schemas = {0};
    const char *value;
    int opt, rc = EXIT_USAGE, strict = 0, lint = 1;
    cli_parser_init(&p, "check", argc, argv, check_options);
    while ((opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            goto out;
        if (opt == OPT_HELP) {
            rc = cli_print_usage(&cmd_check);
            goto out;
        }
        if (opt == OPT_STRICT) {
            strict = 1;
            continue;
        }
        if (opt == OPT_NO_LINT) {
            lint = 0;
            continue;
        }
        if (cli_list_push(opt == OPT_SCHEMA ? &schemas : &paths, value) != 0)
            goto out;
    }
    if (paths.count == 0) {
        rc = cli_usage_error("check", "no policy PATH given");
        goto out;
    }
    if (schemas.count > 1) {
        rc = cli_usage_error("check", "--schema may be given once (merge schemas with jq)");
        goto out;
    }
    veto_engine *e = veto_engine_new();
    if (!e) {
        fprintf(stderr, "veto: out of memory\n");
        goto out;
    }
    veto_doc *schema = schemas.count ? cli_load_doc(e, schemas.items[0]) : NULL;
    if (schemas.count == 0 || schema)
        rc = check_compile(e, &paths, schema, lint, strict);
    veto_doc_free(schema);
    veto_engine_free(e);
out:
    cli_list_free(&paths);
    cli_list_free(&schemas);
    return rc;
}

const CliCommand cmd_check = {
    "check",
    "compile policies and report errors",
    check_usage,
    check_run,
};
