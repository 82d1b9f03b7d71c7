/* cmd_eval.c — `veto eval`: compile policies, load the input, evaluate, and
 * print the decision. The exit code is the gate: see eval_exit_code. */
#include "cli_io.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char eval_usage[] =
    "Usage: veto eval --policy PATH... --input FILE [options]\n"
    "\n"
    "Evaluate the policies of one kind against an input document (a Terraform\n"
    "plan from `terraform show -json`, or any JSON document) and print the\n"
    "decision. A PATH is a policy file or a directory of them; paths may also\n"
    "be given without --policy. FILE may be - for stdin.\n"
    "\n"
    "Options:\n"
    "  -p, --policy PATH      policy file or directory (repeatable)\n"
    "  -i, --input FILE       the document to evaluate (required)\n"
    "  -f, --format FORMAT    text (default) or json: the decision record\n"
    "  -o, --output FILE      write the decision to FILE instead of stdout\n"
    "  -c, --context FILE     the context document: actor, time, stack, run, labels\n"
    "  -d, --data NAME=FILE   a data document, seen by policies as data.NAME (repeatable)\n"
    "  -k, --kind KIND        plan (default), approval, access, trigger or drift\n"
    "      --fuel N           VM step budget per policy (default 50000000)\n"
    "      --mem-cap BYTES    memory cap per evaluation, e.g. 512M (default 1G)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status:\n"
    "  0  pass or warn\n"
    "  1  fail: a deny that counts under its enforcement level\n"
    "  2  usage error, unreadable or malformed input, or a policy compile error\n"
    "  3  evaluation error: a policy raised a runtime error (outcome \"error\")\n";

enum {
    OPT_HELP = 1,
    OPT_POLICY,
    OPT_INPUT,
    OPT_FORMAT,
    OPT_OUTPUT,
    OPT_CONTEXT,
    OPT_DATA,
    OPT_KIND,
    OPT_FUEL,
    OPT_MEM_CAP,
};

static const CliOption eval_options[] = {
    {"policy", 'p', 1, OPT_POLICY},
    {"input", 'i', 1, OPT_INPUT},
    {"format", 'f', 1, OPT_FORMAT},
    {"output", 'o', 1, OPT_OUTPUT},
    {"context", 'c', 1, OPT_CONTEXT},
    {"data", 'd', 1, OPT_DATA},
    {"kind", 'k', 1, OPT_KIND},
    {"fuel", 0, 1, OPT_FUEL},
    {"mem-cap", 0, 1, OPT_MEM_CAP},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static const char *const eval_kinds[] = {"plan", "approval", "access", "trigger", "drift", NULL};

typedef struct EvalArgs {
    CliList policies;    /* --policy and positional paths */
    CliList data;        /* --data NAME=FILE, as given */
    const char *input;   /* --input */
    const char *context; /* --context, or NULL */
    const char *output;  /* --output, or NULL for stdout */
    int json;            /* --format json */
    veto_eval_options opt;
} EvalArgs;

/* Records one option; returns 0, or EXIT_USAGE after printing why. */
static int eval_take(EvalArgs *a, int opt, const char *value)
{
    switch (opt) {
    case OPT_POLICY:
    case CLI_POSITIONAL:
        return cli_list_push(&a->policies, value) ? EXIT_USAGE : 0;
    case OPT_DATA:
        if (cli_check_data_arg("eval", value) != 0 || cli_list_push(&a->data, value) != 0)
            return EXIT_USAGE;
        return 0;
    case OPT_INPUT:
        a->input = value;
        return 0;
    case OPT_CONTEXT:
        a->context = value;
        return 0;
    case OPT_OUTPUT:
        a->output = value;
        return 0;
    case OPT_FORMAT:
        if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0)
            return cli_usage_error("eval", "--format must be text or json, not '%s'", value);
        a->json = strcmp(value, "json") == 0;
        return 0;
    case OPT_KIND:
        for (const char *const *k = eval_kinds; *k; k++)
            if (strcmp(*k, value) == 0) {
                a->opt.kind = *k;
                return 0;
            }
        return cli_usage_error(
            "eval", "--kind must be plan, approval, access, trigger or drift, not '%s'", value);
    case OPT_FUEL:
        return cli_parse_count("eval", "--fuel", value, &a->opt.fuel) ? EXIT_USAGE : 0;
    default: /* OPT_MEM_CAP */
        return cli_parse_size("eval", "--mem-cap", value, &a->opt.mem_cap) ? EXIT_USAGE : 0;
    }
}

/* Checks what no single option can: required options, one use of stdin. */
static int eval_validate(const EvalArgs *a)
{
    if (a->policies.count == 0)
        return cli_usage_error("eval", "no policy given (--policy PATH)");
    if (!a->input)
        return cli_usage_error("eval", "no input given (--input FILE)");
    for (size_t i = 0; i < a->policies.count; i++)
        if (strcmp(a->policies.items[i], "-") == 0)
            return cli_usage_error("eval", "policies cannot be read from stdin");
    const char *files[] = {a->input, a->context};
    return cli_check_stdin_once("eval", files, 2, &a->data) ? EXIT_USAGE : 0;
}

/* The gate: pass and warn let the run go on; see the usage text. */
static int eval_exit_code(veto_outcome o)
{
    switch (o) {
    case VETO_PASS:
    case VETO_WARN:
        return EXIT_PASS;
    case VETO_FAIL:
        return EXIT_DENY;
    default:
        return EXIT_EVAL_ERROR;
    }
}

/* Loads the documents, evaluates and prints the decision. */
static int eval_execute(veto_engine *e, const veto_program *prog, EvalArgs *a)
{
    CliDocs docs;
    int rc = EXIT_USAGE;
    if (cli_docs_load(e, &docs, a->input, a->context, &a->data, &a->opt) == 0) {
        veto_decision *dec = veto_eval(prog, docs.input, &a->opt);
        if (dec) {
            int color = !a->json && !a->output && cli_use_color(STDOUT_FILENO);
            char *text = a->json ? veto_decision_json(dec, 1) : veto_decision_text(dec, color);
            rc = cli_write_text(a->output, text);
            if (rc == EXIT_PASS)
                rc = eval_exit_code(veto_decision_outcome(dec));
            veto_decision_free(dec);
        } else {
            fprintf(stderr, "veto: out of memory while evaluating\n");
            rc = EXIT_EVAL_ERROR;
        }
    }
    cli_docs_free(&docs);
    return rc;
}

static int eval_run(int argc, char **argv)
{
    EvalArgs a;
    memset(&a, 0, sizeof a);
    a.opt.kind = "plan";
    CliParser p;
    const char *value;
    int opt, rc = 0;
    cli_parser_init(&p, "eval", argc, argv, eval_options);
    while (rc == 0 && (opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            rc = EXIT_USAGE;
        else if (opt == OPT_HELP)
            rc = -1;
        else
            rc = eval_take(&a, opt, value);
    }
    if (rc == -1)
        rc = cli_print_usage(&cmd_eval);
    else if (rc == 0 && (rc = eval_validate(&a)) == 0) {
        veto_engine *e = veto_engine_new();
        veto_program *prog = e ? cli_compile(e, &a.policies) : NULL;
        if (!e)
            fprintf(stderr, "veto: out of memory\n");
        if (!prog)
            rc = EXIT_USAGE;
        else if (veto_program_policy_count(prog) == 0)
            rc = cli_usage_error("eval", "no policies found in the given paths");
        else
            rc = eval_execute(e, prog, &a);
        if (prog)
            veto_program_free(prog);
        if (e)
            veto_engine_free(e);
    }
    cli_list_free(&a.policies);
    cli_list_free(&a.data);
    return rc;
}

const CliCommand cmd_eval = {
    "eval",
    "evaluate policies against an input and print the decision",
    eval_usage,
    eval_run,
};
