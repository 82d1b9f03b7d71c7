/* cmd_fixture.c — `veto fixture cut`: turn a real plan into a small test
 * input (engine/author/fixture_cut.c does the cutting and scrubbing). */
#include "author/fixture_cut.h"
#include "cli_io.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fixture_usage[] =
    "Usage: veto fixture cut PLAN --address ADDR... [-o FILE]\n"
    "\n"
    "Cut a small plan out of PLAN (the JSON of `terraform show -json`) that\n"
    "keeps only the resources at the given addresses: their resource_changes,\n"
    "planned_values and prior_state entries (with the modules around them) and\n"
    "their configuration. Every sensitive value (marked by Terraform's\n"
    "after_sensitive, before_sensitive and sensitive_values masks) is replaced\n"
    "by \"(sensitive)\"; variables, outputs and provider settings are dropped.\n"
    "An ADDR also selects the instances (ADDR[0], ADDR[\"a\"]) and, for a module\n"
    "address, every resource inside it. PLAN may be - for stdin.\n"
    "\n"
    "Options:\n"
    "  -a, --address ADDR   a resource or module address to keep (repeatable)\n"
    "  -o, --output FILE    write the cut plan to FILE instead of stdout\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 success, 2 usage error, unreadable plan or an address that\n"
    "matches no resource.\n";

enum { OPT_HELP = 1, OPT_ADDRESS, OPT_OUTPUT };

static const CliOption fixture_options[] = {
    {"address", 'a', 1, OPT_ADDRESS},
    {"output", 'o', 1, OPT_OUTPUT},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static int fixture_cut_run(const char *plan_path, const CliList *addrs, const char *output)
{
    veto_engine *e = veto_engine_new();
    if (!e) {
        fprintf(stderr, "veto: out of memory\n");
        return EXIT_USAGE;
    }
    int rc = EXIT_USAGE;
    veto_doc *plan = cli_load_doc(e, plan_path);
    if (plan) {
        char err[600];
        char *text = fixture_cut(plan, addrs->items, addrs->count, err, sizeof err);
        if (text)
            rc = cli_write_text(output, text);
        else
            fprintf(stderr, "veto fixture cut: %s\n", err);
        veto_doc_free(plan);
    }
    veto_engine_free(e);
    return rc;
}

static int fixture_run(int argc, char **argv)
{
    CliList pos = {0}, addrs = {0};
    const char *output = NULL, *value;
    CliParser p;
    int opt, rc = 0;
    cli_parser_init(&p, "fixture", argc, argv, fixture_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            rc = EXIT_USAGE;
        else if (opt == OPT_HELP)
            rc = -1;
        else if (opt == OPT_ADDRESS)
            rc = cli_list_push(&addrs, value) ? EXIT_USAGE : 0;
        else if (opt == OPT_OUTPUT)
            output = value;
        else
            rc = cli_list_push(&pos, value) ? EXIT_USAGE : 0;
    }
    if (rc == -1)
        rc = cli_print_usage(&cmd_fixture);
    else if (rc == 0 && pos.count == 0)
        rc = cli_usage_error("fixture", "no subcommand given (cut)");
    else if (rc == 0 && strcmp(pos.items[0], "cut") != 0)
        rc = cli_usage_error("fixture", "unknown subcommand '%s' (the only one is cut)",
                             pos.items[0]);
    else if (rc == 0 && pos.count < 2)
        rc = cli_usage_error("fixture", "no PLAN given");
    else if (rc == 0 && pos.count > 2)
        rc = cli_usage_error("fixture", "one PLAN only; give addresses with --address");
    else if (rc == 0 && addrs.count == 0)
        rc = cli_usage_error("fixture", "no address given (--address ADDR)");
    else if (rc == 0)
        rc = fixture_cut_run(pos.items[1], &addrs, output);
    cli_list_free(&pos);
    cli_list_free(&addrs);
    return rc;
}

const CliCommand cmd_fixture = {
    "fixture",
    "cut a small, scrubbed test input out of a real plan",
    fixture_usage,
    fixture_run,
};
