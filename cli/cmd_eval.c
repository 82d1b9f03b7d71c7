/* cmd_eval.c — `veto eval`: compile policies, evaluate them against one or
 * many inputs, apply the gate (waivers, overrides, .tf locations,
 * --fail-on) and print the decisions in the views asked for. The exit code
 * is the gate: see eval_exit_code.
 *
 * Many inputs are evaluated by a few threads: the compiled program is
 * immutable and shared; each input is loaded (one at a time, under a lock:
 * loading may grow the engine's key table), evaluated and freed by one
 * worker, and its decision kept in the input's slot, so the output order
 * is the input order whatever the scheduling. */
#include "cli_io.h"
#include "commands.h"

#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char eval_usage[] =
    "Usage: veto eval --policy PATH... --input FILE... [options]\n"
    "\n"
    "Evaluate the policies of one kind against input documents (Terraform plans\n"
    "from `terraform show -json`, or any JSON/YAML document) and print the\n"
    "decisions. A PATH is a policy file or a directory of them; paths may also\n"
    "be given without --policy. An input is a file, a directory (every .json,\n"
    ".yaml and .yml file under it), a glob ('plans/*.json') or - for stdin.\n"
    "\n"
    "Options:\n"
    "  -p, --policy PATH        policy file or directory (repeatable)\n"
    "  -b, --bundle FILE        a bundle from `veto build`, instead of policy PATHs\n"
    "  -i, --input FILE         a document to evaluate (repeatable; required)\n"
    "  -f, --format F[=FILE]    a view: text (default), json, junit, sarif, github,\n"
    "                           tap or markdown; with =FILE written to FILE\n"
    "                           (repeatable: --format text --format sarif=out.sarif)\n"
    "  -o, --output FILE        write the view without =FILE there, not to stdout\n"
    "  -c, --context FILE       the context document: actor, time, stack, run, labels\n"
    "  -d, --data NAME=FILE     a data document, seen by policies as data.NAME (repeatable)\n"
    "  -k, --kind KIND          plan (default), approval, access, trigger or drift\n"
    "      --override ID        accept the failures of soft policy ID; needs --reason\n"
    "      --reason TEXT        and --by after it (repeatable, one set per override)\n"
    "      --by NAME\n"
    "      --overrides FILE     overrides from a file: [{policy_id, reason, by}, ...]\n"
    "      --waivers FILE       waivers (exceptions) from a YAML/JSON file: docs/CI.md\n"
    "      --today DATE         the date waivers expire against (YYYY-MM-DD; default:\n"
    "                           the context's time.date, else today in UTC)\n"
    "      --source-dir DIR     the Terraform root module: results point at .tf lines\n"
    "      --fail-on LEVEL      fail (default) or warn: warnings and advisories fail too\n"
    "  -j, --jobs N             threads: one input each, or one large input's policies\n"
    "                           split (default: the CPUs, at most 2 for one input)\n"
    "      --fuel N             VM step budget per policy (default 50000000)\n"
    "      --mem-cap BYTES      memory cap per evaluation, e.g. 512M (default 1G)\n"
    "      --explain[=MODE]     explain each result: the rule, the binding, every\n"
    "                           condition with the values it saw (docs/EXPLAIN.md);\n"
    "                           MODE results (default) or fails: with --address, also\n"
    "                           why each rule did not fire for that resource\n"
    "      --address ADDR       the resource --explain=fails explains\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status:\n"
    "  0  pass or warn (an overridden soft failure passes, and is shown)\n"
    "  1  fail: a deny that counts under its enforcement level (any input)\n"
    "  2  usage error, unreadable or malformed input, policy compile error, or a\n"
    "     bad override or waiver (hard policy, unknown policy id)\n"
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
    OPT_OVERRIDE,
    OPT_REASON,
    OPT_BY,
    OPT_OVERRIDES,
    OPT_WAIVERS,
    OPT_TODAY,
    OPT_SOURCE_DIR,
    OPT_FAIL_ON,
    OPT_JOBS,
    OPT_BUNDLE,
    OPT_EXPLAIN,
    OPT_ADDRESS,
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
    {"override", 0, 1, OPT_OVERRIDE},
    {"reason", 0, 1, OPT_REASON},
    {"by", 0, 1, OPT_BY},
    {"overrides", 0, 1, OPT_OVERRIDES},
    {"waivers", 0, 1, OPT_WAIVERS},
    {"today", 0, 1, OPT_TODAY},
    {"source-dir", 0, 1, OPT_SOURCE_DIR},
    {"fail-on", 0, 1, OPT_FAIL_ON},
    {"jobs", 'j', 1, OPT_JOBS},
    {"bundle", 'b', 1, OPT_BUNDLE},
    {"explain", 0, 0, OPT_EXPLAIN},
    {"address", 0, 1, OPT_ADDRESS},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

static const char *const eval_kinds[] = {"plan", "approval", "access", "trigger", "drift", NULL};

#define EVAL_MAX_FORMATS 16
#define EVAL_MAX_JOBS    64

/* One --override with its --reason and --by. */
typedef struct EvalOverride {
    const char *id, *reason, *by;
} EvalOverride;

typedef struct EvalArgs {
    CliList policies;                      /* --policy and positional paths */
    const char *bundle;                    /* --bundle, or NULL */
    CliList data;                          /* --data NAME=FILE, as given */
    CliList inputs;                        /* --input, as given */
    const char *context;                   /* --context, or NULL */
    const char *output;                    /* --output, or NULL for stdout */
    const char *formats[EVAL_MAX_FORMATS]; /* view names */
    const char *paths[EVAL_MAX_FORMATS];   /* their files, or NULL for the default output */
    size_t nformats;
    EvalOverride *overrides; /* --override/--reason/--by */
    size_t noverrides;
    const char *overrides_file; /* --overrides */
    const char *waivers_file;   /* --waivers */
    const char *today;          /* --today */
    const char *source_dir;     /* --source-dir */
    int fail_on_warn;           /* --fail-on warn */
    uint64_t jobs;              /* --jobs, 0 = the CPUs */
    veto_eval_options opt;
} EvalArgs;

static int eval_is_date(const char *s)
{
    if (strlen(s) != 10)
        return 0;
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

/* --format F or F=FILE. */
static int eval_take_format(EvalArgs *a, const char *value)
{
    const char *eq = strchr(value, '=');
    size_t n = eq ? (size_t)(eq - value) : strlen(value);
    static const char *const names[] = {"text",   "json", "junit",    "sarif",
                                        "github", "tap",  "markdown", NULL};
    const char *name = NULL;
    for (const char *const *f = names; *f; f++)
        if (strlen(*f) == n && strncmp(*f, value, n) == 0)
            name = *f;
    if (!name)
        return cli_usage_error("eval",
                               "--format must be text, json, junit, sarif, github, tap or "
                               "markdown (optionally =FILE), not '%s'",
                               value);
    if (eq && eq[1] == '\0')
        return cli_usage_error("eval", "--format %s= needs a file name after '='", name);
    if (a->nformats == EVAL_MAX_FORMATS)
        return cli_usage_error("eval", "at most %d --format options", EVAL_MAX_FORMATS);
    a->formats[a->nformats] = name;
    a->paths[a->nformats++] = eq ? eq + 1 : NULL;
    return 0;
}

/* --override starts an entry; --reason and --by complete the latest one. */
static int eval_take_override(EvalArgs *a, int opt, const char *value)
{
    if (opt == OPT_OVERRIDE) {
        EvalOverride *n = realloc(a->overrides, (a->noverrides + 1) * sizeof *n);
        if (!n) {
            fprintf(stderr, "veto: out of memory\n");
            return EXIT_USAGE;
        }
        a->overrides = n;
        a->overrides[a->noverrides++] = (EvalOverride){value, NULL, NULL};
        return 0;
    }
    const char *name = opt == OPT_REASON ? "--reason" : "--by";
    if (a->noverrides == 0)
        return cli_usage_error("eval", "%s must follow the --override it belongs to", name);
    EvalOverride *o = &a->overrides[a->noverrides - 1];
    const char **slot = opt == OPT_REASON ? &o->reason : &o->by;
    if (*slot)
        return cli_usage_error("eval", "--override %s has %s twice", o->id, name);
    *slot = value;
    return 0;
}

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
        return cli_list_push(&a->inputs, value) ? EXIT_USAGE : 0;
    case OPT_BUNDLE:
        a->bundle = value;
        return 0;
    case OPT_CONTEXT:
        a->context = value;
        return 0;
    case OPT_OUTPUT:
        a->output = value;
        return 0;
    case OPT_FORMAT:
        return eval_take_format(a, value);
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
    case OPT_OVERRIDE:
    case OPT_REASON:
    case OPT_BY:
        return eval_take_override(a, opt, value);
    case OPT_OVERRIDES:
        a->overrides_file = value;
        return 0;
    case OPT_WAIVERS:
        a->waivers_file = value;
        return 0;
    case OPT_TODAY:
        if (!eval_is_date(value))
            return cli_usage_error("eval", "--today must be a date YYYY-MM-DD, not '%s'", value);
        a->today = value;
        return 0;
    case OPT_SOURCE_DIR:
        a->source_dir = value;
        return 0;
    case OPT_FAIL_ON:
        if (strcmp(value, "fail") != 0 && strcmp(value, "warn") != 0)
            return cli_usage_error("eval", "--fail-on must be fail or warn, not '%s'", value);
        a->fail_on_warn = strcmp(value, "warn") == 0;
        return 0;
    case OPT_EXPLAIN:
        if (!a->opt.explain)
            a->opt.explain = VETO_EXPLAIN_RESULTS;
        return 0;
    case OPT_ADDRESS:
        a->opt.explain_address = value;
        return 0;
    case OPT_JOBS:
        if (cli_parse_count("eval", "--jobs", value, &a->jobs))
            return EXIT_USAGE;
        if (a->jobs > EVAL_MAX_JOBS)
            a->jobs = EVAL_MAX_JOBS;
        return 0;
    default: /* OPT_MEM_CAP */
        return cli_parse_size("eval", "--mem-cap", value, &a->opt.mem_cap) ? EXIT_USAGE : 0;
    }
}

/* Checks what no single option can: required options, one use of stdin,
 * complete overrides, one view on stdout. */
static int eval_validate(const EvalArgs *a)
{
    if (a->policies.count == 0 && !a->bundle)
        return cli_usage_error("eval", "no policy given (--policy PATH)");
    if (a->policies.count > 0 && a->bundle)
        return cli_usage_error("eval", "give policy PATHs or --bundle FILE, not both");
    if (a->inputs.count == 0)
        return cli_usage_error("eval", "no input given (--input FILE)");
    if (a->opt.explain == VETO_EXPLAIN_FAILS && !a->opt.explain_address)
        return cli_usage_error("eval", "--explain=fails needs --address ADDR (the resource)");
    if (a->opt.explain_address && a->opt.explain != VETO_EXPLAIN_FAILS)
        return cli_usage_error("eval", "--address goes with --explain=fails");
    for (size_t i = 0; i < a->policies.count; i++)
        if (strcmp(a->policies.items[i], "-") == 0)
            return cli_usage_error("eval", "policies cannot be read from stdin");
    for (size_t i = 0; i < a->noverrides; i++) {
        if (!a->overrides[i].reason)
            return cli_usage_error("eval", "--override %s needs --reason TEXT (why it is accepted)",
                                   a->overrides[i].id);
        if (!a->overrides[i].by)
            return cli_usage_error("eval", "--override %s needs --by NAME (who accepts it)",
                                   a->overrides[i].id);
    }
    size_t to_stdout = 0;
    for (size_t i = 0; i < a->nformats; i++)
        to_stdout += a->paths[i] == NULL;
    if (to_stdout > 1)
        return cli_usage_error("eval",
                               "only one --format can go to %s; give the others a "
                               "file (--format sarif=FILE)",
                               a->output ? "--output" : "stdout");
    size_t nstdin = 0;
    for (size_t i = 0; i < a->inputs.count; i++)
        nstdin += strcmp(a->inputs.items[i], "-") == 0;
    if (nstdin > 1)
        return cli_usage_error("eval", "stdin (-) can be read only once");
    const char *files[] = {nstdin ? "-" : NULL, a->context, a->overrides_file, a->waivers_file};
    return cli_check_stdin_once("eval", files, 4, &a->data) ? EXIT_USAGE : 0;
}

/* ---- inputs ----------------------------------------------------------- */

static int eval_is_doc_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".json") == 0) ||
                              (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
                              (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

/* Expands the --input arguments into files, in the order given. */
static int eval_expand(const CliList *args, CliPaths *in)
{
    for (size_t i = 0; i < args->count; i++) {
        const char *arg = args->items[i];
        struct stat st;
        if (strcmp(arg, "-") == 0) {
            if (cli_paths_push(in, arg))
                return -1;
        } else if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
            size_t before = in->n;
            if (cli_paths_walk(in, arg, eval_is_doc_name))
                return -1;
            if (in->n == before) {
                fprintf(stderr, "veto: no .json, .yaml or .yml file under '%s'\n", arg);
                return -1;
            }
        } else if (access(arg, F_OK) != 0 && strpbrk(arg, "*?[")) {
            glob_t g;
            int grc = glob(arg, 0, NULL, &g);
            if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0)) {
                fprintf(stderr, "veto: no input matches '%s'\n", arg);
                globfree(&g);
                return -1;
            }
            for (size_t k = 0; grc == 0 && k < g.gl_pathc; k++)
                if (cli_paths_push(in, g.gl_pathv[k]))
                    grc = -1;
            globfree(&g);
            if (grc != 0)
                return -1;
        } else {
            if (cli_check_readable(arg) || cli_paths_push(in, arg))
                return -1;
        }
    }
    return 0;
}

/* ---- evaluating ------------------------------------------------------- */

/* What the workers share; each input has its own slot. */
typedef struct EvalJob {
    veto_engine *engine;
    const veto_program *prog;
    const veto_eval_options *opt;
    const veto_gate_options *gate;
    char **paths;
    size_t n;
    size_t next;          /* next input to take (under lock) */
    pthread_mutex_t lock; /* next */
    veto_decision **decs; /* per input; NULL when it failed */
    veto_diags **diags;   /* per input: loading errors */
    int *oom;             /* per input: evaluation ran out of memory */
} EvalJob;

static void eval_one(EvalJob *j, size_t i)
{
    /* Plan-native loading: only what the policies can read is materialised,
     * and a plan is evaluated one resource at a time while it is read when
     * the policies allow it (identical decisions: tests/run-projection.sh,
     * tests/run-stream.sh). --explain shows whole sub-expressions such as
     * `r.after`, so veto_eval_file loads the whole document for it.
     * --mem-cap bounds the document's memory too: a plan too big for it is
     * a clean input error, not the machine's memory.
     * No lock: loading and evaluating are interleaved now, and loading
     * only reads shared state (the program, the engine's key table), so
     * inputs are read in parallel like they are evaluated. */
    veto_load_options lo = {0};
    lo.max_mem = j->opt->mem_cap;
    veto_decision *dec = veto_eval_file(j->engine, j->prog, j->paths[i], &lo, j->opt, j->diags[i]);
    if (dec)
        veto_decision_gate(dec, j->gate);
    else if (veto_diags_errors(j->diags[i]) == 0)
        j->oom[i] = 1;
    j->decs[i] = dec;
}

static void *eval_worker(void *arg)
{
    EvalJob *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t i = j->next < j->n ? j->next++ : j->n;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->n)
            return NULL;
        eval_one(j, i);
    }
}

/* Evaluates every input with up to `jobs` threads (the calling one too). */
static void eval_all(EvalJob *j, size_t jobs)
{
    pthread_t threads[EVAL_MAX_JOBS];
    size_t started = 0;
    if (jobs > j->n)
        jobs = j->n;
    for (size_t t = 1; t < jobs; t++) {
        if (pthread_create(&threads[started], NULL, eval_worker, j) != 0)
            break; /* fewer threads: the rest is done by those running */
        started++;
    }
    eval_worker(j);
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
}

/* The gate: see the usage text. */
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

/* Writes each view asked for; returns EXIT_PASS or EXIT_USAGE. */
/* --explain: the text and json views are the explanations (one after the
 * other, or a JSON array, for several inputs); other views stay as they
 * are. Returns NULL for views it does not replace. */
static char *eval_explain_view(veto_decision **decs, size_t n, const char *format, int color)
{
    int json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "text") != 0)
        return NULL;
    if (n == 1)
        return json ? veto_decision_explain_json(decs[0], 1)
                    : veto_decision_explain_text(decs[0], color);
    size_t len = 0, cap = 256;
    char *out = malloc(cap);
    for (size_t i = 0; out && i < n; i++) {
        char *one = json ? veto_decision_explain_json(decs[i], 1)
                         : veto_decision_explain_text(decs[i], color);
        size_t need = (one ? strlen(one) : 0) + 8;
        if (len + need >= cap) {
            while (len + need >= cap)
                cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                out = NULL;
                free(one);
                break;
            }
            out = grown;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s",
                                json ? (i ? "," : "[") : (i ? "\n" : ""), one ? one : "");
        free(one);
    }
    if (out && json)
        snprintf(out + len, cap - len, "]\n");
    return out;
}

static int eval_write_views(const EvalArgs *a, veto_decision **decs, size_t n)
{
    const char *formats[EVAL_MAX_FORMATS + 1], *paths[EVAL_MAX_FORMATS + 1];
    size_t nf = a->nformats, to_default = 0;
    for (size_t i = 0; i < nf; i++) {
        formats[i] = a->formats[i];
        paths[i] = a->paths[i];
        to_default += paths[i] == NULL;
    }
    if (to_default == 0) { /* text to stdout when every view went to a file */
        formats[nf] = "text";
        paths[nf++] = NULL;
    }
    int rc = EXIT_PASS;
    for (size_t i = 0; i < nf; i++) {
        const char *path = paths[i] ? paths[i] : a->output;
        int color = strcmp(formats[i], "text") == 0 && !path && cli_use_color(STDOUT_FILENO);
        char *text = a->opt.explain ? eval_explain_view(decs, n, formats[i], color) : NULL;
        if (!text)
            text = veto_report_render((const veto_decision *const *)decs, n, formats[i], color);
        int wrc = cli_write_text(path, text);
        if (wrc != EXIT_PASS)
            rc = wrc;
    }
    return rc;
}

/* Loads the gate's inputs; returns 0 or EXIT_USAGE after printing why. */
static int eval_gate_load(veto_engine *e, const veto_program *prog, const EvalArgs *a,
                          veto_overrides **ov, veto_waivers **wv, veto_tfsource **tf)
{
    veto_diags *d = veto_diags_new();
    if (!d) {
        fprintf(stderr, "veto: out of memory\n");
        return EXIT_USAGE;
    }
    int bad = 0;
    if (a->noverrides || a->overrides_file) {
        *ov = veto_overrides_new();
        if (!*ov)
            bad = 1;
        for (size_t i = 0; !bad && i < a->noverrides; i++)
            bad = veto_overrides_add(*ov, a->overrides[i].id, a->overrides[i].reason,
                                     a->overrides[i].by, "command line", d) != VETO_OK;
        if (!bad && a->overrides_file)
            bad = (a->overrides_file && cli_check_readable(a->overrides_file)) ||
                  veto_overrides_load(*ov, e, a->overrides_file, d) != VETO_OK;
        if (!bad)
            bad = veto_overrides_check(*ov, prog, d) != VETO_OK;
    }
    if (!bad && a->waivers_file) {
        bad = cli_check_readable(a->waivers_file) != 0;
        if (!bad) {
            *wv = veto_waivers_load(e, a->waivers_file, d);
            bad = !*wv || veto_waivers_check(*wv, prog, d) != VETO_OK;
        }
    }
    if (!bad && a->source_dir) {
        *tf = veto_tfsource_scan(a->source_dir, d);
        bad = !*tf;
    }
    cli_print_diags(d);
    if (bad && veto_diags_errors(d) == 0)
        fprintf(stderr, "veto: out of memory\n");
    veto_diags_free(d);
    return bad ? EXIT_USAGE : 0;
}

/* Loads the documents, evaluates every input and prints the decisions. */
static int eval_execute(veto_engine *e, const veto_program *prog, EvalArgs *a)
{
    CliDocs docs;
    CliPaths in = {0};
    veto_overrides *ov = NULL;
    veto_waivers *wv = NULL;
    veto_tfsource *tf = NULL;
    int rc = EXIT_USAGE;
    memset(&docs, 0, sizeof docs);
    if (eval_expand(&a->inputs, &in) != 0 ||
        cli_docs_load(e, &docs, NULL, a->context, &a->data, &a->opt) != 0) {
        cli_paths_free(&in);
        cli_docs_free(&docs);
        return EXIT_USAGE;
    }
    if (eval_gate_load(e, prog, a, &ov, &wv, &tf) != 0)
        goto done;
    veto_gate_options gate = {ov, wv, tf, a->fail_on_warn, a->today};
    EvalJob j;
    memset(&j, 0, sizeof j);
    j.engine = e;
    j.prog = prog;
    j.opt = &a->opt;
    j.gate = &gate;
    j.paths = in.v;
    j.n = in.n;
    j.decs = calloc(in.n, sizeof *j.decs);
    j.diags = calloc(in.n, sizeof *j.diags);
    j.oom = calloc(in.n, sizeof *j.oom);
    int ok = j.decs && j.diags && j.oom;
    for (size_t i = 0; ok && i < in.n; i++)
        ok = (j.diags[i] = veto_diags_new()) != NULL;
    if (!ok) {
        fprintf(stderr, "veto: out of memory\n");
    } else {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t jobs = a->jobs ? (size_t)a->jobs : (cpus > 0 ? (size_t)cpus : 1);
        /* A single input may have its policies split over threads (veto_eval:
         * 0 = automatic, 1 = never); several inputs already are, one per
         * thread, so each keeps to its own. */
        a->opt.jobs = in.n == 1 ? (unsigned)a->jobs : 1;
        pthread_mutex_init(&j.lock, NULL);
        eval_all(&j, jobs > EVAL_MAX_JOBS ? EVAL_MAX_JOBS : jobs);
        pthread_mutex_destroy(&j.lock);
        /* Loading errors, in input order; the decisions of the rest. */
        veto_decision **good = calloc(in.n, sizeof *good);
        size_t ngood = 0;
        int input_error = 0, oom = 0;
        for (size_t i = 0; i < in.n; i++) {
            cli_print_diags(j.diags[i]);
            if (j.oom[i])
                oom = 1;
            else if (!j.decs[i])
                input_error = 1;
            else if (good)
                good[ngood++] = j.decs[i];
        }
        if (!good || oom) {
            fprintf(stderr, "veto: out of memory while evaluating\n");
            rc = EXIT_EVAL_ERROR;
        } else {
            rc = ngood ? eval_write_views(a, good, ngood) : EXIT_USAGE;
            if (rc == EXIT_PASS)
                rc = eval_exit_code(veto_report_outcome((const veto_decision *const *)good, ngood));
            if (input_error)
                rc = EXIT_USAGE;
        }
        free(good);
    }
    for (size_t i = 0; i < in.n; i++) {
        if (j.decs && j.decs[i])
            veto_decision_free(j.decs[i]);
        if (j.diags && j.diags[i])
            veto_diags_free(j.diags[i]);
    }
    free(j.decs);
    free(j.diags);
    free(j.oom);
done:
    veto_overrides_free(ov);
    veto_waivers_free(wv);
    veto_tfsource_free(tf);
    cli_paths_free(&in);
    cli_docs_free(&docs);
    return rc;
}

/* Loads --bundle FILE; prints why when it cannot. */
static veto_program *eval_load_bundle(veto_engine *e, const char *path)
{
    veto_diags *d = veto_diags_new();
    veto_program *prog = d ? veto_bundle_load(e, path, d) : NULL;
    if (d)
        cli_print_diags(d);
    else
        fprintf(stderr, "veto: out of memory\n");
    veto_diags_free(d);
    return prog;
}

/* `--explain=MODE` carries an optional value, which the option parser
 * has no form for: it is read here and handed on as the flag --explain.
 * Returns 0, or EXIT_USAGE after printing why. */
static int eval_explain_mode(EvalArgs *a, int argc, char **argv)
{
    static char flag[] = "--explain";
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strncmp(argv[i], "--explain=", 10) != 0)
            continue;
        const char *mode = argv[i] + 10;
        if (strcmp(mode, "fails") == 0)
            a->opt.explain = VETO_EXPLAIN_FAILS;
        else if (strcmp(mode, "results") == 0)
            a->opt.explain = a->opt.explain ? a->opt.explain : VETO_EXPLAIN_RESULTS;
        else
            return cli_usage_error("eval", "--explain takes results or fails, not '%s'", mode);
        argv[i] = flag;
    }
    return 0;
}

static int eval_run(int argc, char **argv)
{
    EvalArgs a;
    memset(&a, 0, sizeof a);
    a.opt.kind = "plan";
    if (eval_explain_mode(&a, argc, argv) != 0)
        return EXIT_USAGE;
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
        veto_program *prog = !e         ? NULL
                             : a.bundle ? eval_load_bundle(e, a.bundle)
                                        : cli_compile(e, &a.policies);
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
    cli_list_free(&a.inputs);
    free(a.overrides);
    return rc;
}

const CliCommand cmd_eval = {
    "eval",
    "evaluate policies against inputs and print the decisions",
    eval_usage,
    eval_run,
};
