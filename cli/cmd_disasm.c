/* cmd_disasm.c — `veto disasm PATH...`: print the compiled bytecode. */
#include "cli_io.h"
#include "commands.h"

#include <stdio.h>

static const char disasm_usage[] =
    "Usage: veto disasm [options] PATH...\n"
    "\n"
    "Compile policy files or directories and print their bytecode, each\n"
    "instruction beside the source line it came from. For debugging the\n"
    "compiler and for seeing what a policy costs.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   write the listing to FILE instead of stdout\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 printed, 2 compile or usage error.\n";

enum { OPT_HELP = 1, OPT_OUTPUT };

static const CliOption disasm_options[] = {
    {"output", 'o', 1, OPT_OUTPUT},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static int disasm_run(int argc, char **argv)
{
    CliParser p;
    CliList paths = {0};
    const char *value, *output = NULL;
    int opt, rc = EXIT_USAGE;
    cli_parser_init(&p, "disasm", argc, argv, disasm_options);
    while ((opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            goto out;
        if (opt == OPT_HELP) {
            rc = cli_print_usage(&cmd_disasm);
            goto out;
        }
        if (opt == OPT_OUTPUT)
            output = value;
        else if (cli_list_push(&paths, value) != 0)
            goto out;
    }
    if (paths.count == 0) {
        rc = cli_usage_error("disasm", "no policy PATH given");
        goto out;
    }
    veto_engine *e = veto_engine_new();
    if (!e) {
        fprintf(stderr, "veto: out of memory\n");
        goto out;
    }
    veto_program *prog = cli_compile(e, &paths);
    if (prog) {
        rc = cli_write_text(output, veto_program_disasm(prog));
        veto_program_free(prog);
    }
    veto_engine_free(e);
out:
    cli_list_free(&paths);
    return rc;
}

const CliCommand cmd_disasm = {
    "disasm",
    "print the bytecode of compiled policies",
    disasm_usage,
    disasm_run,
};
