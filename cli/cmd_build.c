/* cmd_build.c — `veto build PATH... -o FILE`: compile a policy set into a
 * bundle (docs/BUNDLES.md) that `veto eval --bundle FILE` loads without
 * recompiling. */
#include "cli_io.h"
#include "commands.h"

#include <stdio.h>
#include <sys/stat.h>

static const char build_usage[] =
    "Usage: veto build [options] PATH... -o FILE\n"
    "\n"
    "Compile policy files, or every *.veto file under a directory (the same\n"
    "paths `veto check` takes), into one bundle: a versioned, checksummed\n"
    "bytecode file that `veto eval --bundle FILE` loads without recompiling\n"
    "and that gives the same decisions as the sources. Prints the number of\n"
    "policies, the size and the policy-set hash (SHA-256 of the payload, the\n"
    "hash decision records carry).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   the bundle to write (required; by convention *.vbundle)\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 the bundle was written, 2 compile errors, a usage error or\n"
    "the file could not be written.\n";

enum { OPT_HELP = 1, OPT_OUTPUT };

static const CliOption build_options[] = {
    {"output", 'o', 1, OPT_OUTPUT},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static int build_write(veto_engine *e, const CliList *paths, const char *out)
{
    veto_program *prog = cli_compile(e, paths);
    if (!prog)
        return EXIT_USAGE;
    int rc = EXIT_USAGE;
    veto_diags *d = veto_diags_new();
    if (!d) {
        fprintf(stderr, "veto: out of memory\n");
    } else if (veto_program_policy_count(prog) == 0) {
        rc = cli_usage_error("build", "no policies found in the given paths");
    } else if (veto_bundle_write(prog, out, d) != VETO_OK) {
        cli_print_diags(d);
    } else {
        struct stat sb;
        char hash[65];
        veto_program_hash(prog, hash);
        size_t n = veto_program_policy_count(prog);
        printf("built %s: %zu %s, %lld bytes, sha256:%s\n", out, n, n == 1 ? "policy" : "policies",
               stat(out, &sb) == 0 ? (long long)sb.st_size : -1LL, hash);
        rc = EXIT_PASS;
    }
    veto_diags_free(d);
    veto_program_free(prog);
    return rc;
}

static int build_run(int argc, char **argv)
{
    CliParser p;
    CliList paths = {0};
    const char *value, *out = NULL;
    int opt, rc = EXIT_USAGE;
    cli_parser_init(&p, "build", argc, argv, build_options);
    while ((opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            goto done;
        if (opt == OPT_HELP) {
            rc = cli_print_usage(&cmd_build);
            goto done;
        }
        if (opt == OPT_OUTPUT)
            out = value;
        else if (cli_list_push(&paths, value) != 0)
            goto done;
    }
    if (paths.count == 0) {
        rc = cli_usage_error("build", "no policy PATH given");
        goto done;
    }
    if (!out) {
        rc = cli_usage_error("build", "no output given (-o FILE)");
        goto done;
    }
    veto_engine *e = veto_engine_new();
    if (!e) {
        fprintf(stderr, "veto: out of memory\n");
        goto done;
    }
    rc = build_write(e, &paths, out);
    veto_engine_free(e);
done:
    cli_list_free(&paths);
    return rc;
}

const CliCommand cmd_build = {
    "build",
    "compile policies into a bundle for eval --bundle",
    build_usage,
    build_run,
};
