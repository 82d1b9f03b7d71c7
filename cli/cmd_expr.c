/* cmd_expr.c — `veto expr EXPRESSION`: evaluate one expression and print
 * its value as JSON. The doc-example tests run through it. */
#include "cli_io.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char expr_usage[] =
    "Usage: veto expr [options] EXPRESSION\n"
    "\n"
    "Evaluate one expression of the policy language and print its value as\n"
    "compact JSON (\"undefined\" when it is undefined). The expression sees the\n"
    "builtins, the standard modules and the globals input, context and data.\n"
    "EXPRESSION - reads the expression from stdin; put -- before an expression\n"
    "that starts with '-'.\n"
    "\n"
    "Options:\n"
    "  -i, --input FILE       the document seen as input (- for stdin)\n"
    "  -c, --context FILE     the document seen as context\n"
    "  -d, --data NAME=FILE   a document seen as data.NAME (repeatable)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Examples:\n"
    "  veto expr 'count([x for x in [1, 2, 3] if x > 1])'     prints 2\n"
    "  veto expr --input plan.json 'input.format_version'\n"
    "\n"
    "Exit status: 0 printed, 2 the expression did not compile or failed, or a\n"
    "usage or input error.\n";

enum { OPT_HELP = 1, OPT_INPUT, OPT_CONTEXT, OPT_DATA };

static const CliOption expr_options[] = {
    {"input", 'i', 1, OPT_INPUT},
    {"context", 'c', 1, OPT_CONTEXT},
    {"data", 'd', 1, OPT_DATA},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

/* Reads all of stdin into a malloc'd string; NULL after printing why. */
static char *expr_read_stdin(void)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, stdin);
        if (ferror(stdin)) {
            fprintf(stderr, "veto: cannot read '-': read error\n");
            free(buf);
            return NULL;
        }
        if (feof(stdin)) {
            buf[len] = '\0';
            return buf;
        }
        char *bigger = cap * 2 > cap ? realloc(buf, cap * 2) : NULL;
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    fprintf(stderr, "veto: out of memory\n");
    return NULL;
}

/* Evaluates text with the documents named; prints the value or the errors. */
static int expr_execute(const char *text, const char *input, const char *context,
                        const CliList *data)
{
    veto_engine *e = veto_engine_new();
    if (!e) {
        fprintf(stderr, "veto: out of memory\n");
        return EXIT_USAGE;
    }
    veto_eval_options opt;
    memset(&opt, 0, sizeof opt);
    CliDocs docs;
    int rc = EXIT_USAGE;
    if (cli_docs_load(e, &docs, input, context, data, &opt) == 0) {
        veto_diags *d = veto_diags_new();
        char *value = d ? veto_eval_expr(e, text, docs.input, &opt, d) : NULL;
        if (d)
            cli_print_diags(d);
        if (value)
            rc = cli_write_text(NULL, value);
        else if (!d || veto_diags_errors(d) == 0)
            fprintf(stderr, "veto: the expression could not be evaluated\n");
        if (d)
            veto_diags_free(d);
    }
    cli_docs_free(&docs);
    veto_engine_free(e);
    return rc;
}

static int expr_run(int argc, char **argv)
{
    CliParser p;
    CliList data = {0};
    const char *value, *expr = NULL, *input = NULL, *context = NULL;
    int opt, rc = 0;
    cli_parser_init(&p, "expr", argc, argv, expr_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            rc = EXIT_USAGE;
        else if (opt == OPT_HELP)
            rc = -1;
        else if (opt == OPT_INPUT)
            input = value;
        else if (opt == OPT_CONTEXT)
            context = value;
        else if (opt == OPT_DATA)
            rc = cli_check_data_arg("expr", value) || cli_list_push(&data, value) ? EXIT_USAGE : 0;
        else if (expr)
            rc = cli_usage_error("expr", "one EXPRESSION only (quote it): unexpected '%s'", value);
        else
            expr = value;
    }
    const char *files[] = {expr, input, context};
    if (rc == -1)
        rc = cli_print_usage(&cmd_expr);
    else if (rc == 0 && !expr)
        rc = cli_usage_error("expr", "no EXPRESSION given");
    else if (rc == 0 && cli_check_stdin_once("expr", files, 3, &data) != 0)
        rc = EXIT_USAGE;
    else if (rc == 0 && strcmp(expr, "-") == 0) {
        char *text = expr_read_stdin();
        rc = text ? expr_execute(text, input, context, &data) : EXIT_USAGE;
        free(text);
    } else if (rc == 0)
        rc = expr_execute(expr, input, context, &data);
    cli_list_free(&data);
    return rc;
}

const CliCommand cmd_expr = {
    "expr",
    "evaluate one expression and print its value",
    expr_usage,
    expr_run,
};
