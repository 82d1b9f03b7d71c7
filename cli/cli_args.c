/* cli_args.c — argv walking and option-value parsing; see cli_args.h.
 *
 * Owns: the grammar of the command line (long options with attached or
 * separate values, short aliases, "--", "-") and the wording of usage
 * errors. Does not own: which options a subcommand has.
 */
#include "cli_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_parser_init(CliParser *p, const char *cmd, int argc, char **argv, const CliOption *opts)
{
    p->argc = argc;
    p->argv = argv;
    p->index = 1;
    p->no_more_options = 0;
    p->cmd = cmd;
    p->opts = opts;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "veto %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'veto %s --help' for more information.\n", cmd);
    return EXIT_USAGE;
}

size_t cli_edit_distance(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b), row[32];
    if (alen >= 31 || blen >= 31)
        return 9;
    for (size_t j = 0; j <= blen; j++)
        row[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[blen] < 9 ? row[blen] : 9;
}

/* The long option nearest to a misspelt one, or NULL when none is close. */
static const CliOption *args_nearest_long(const CliOption *opts, const char *name, size_t len)
{
    const CliOption *best = NULL;
    size_t best_d = len / 3 + 1; /* at most about one edit in three letters */
    for (const CliOption *o = opts; o->name; o++) {
        size_t d = cli_edit_distance(name, len, o->name);
        if (d <= best_d && (!best || d < best_d)) {
            best = o;
            best_d = d;
        }
    }
    return best;
}

/* Finds a long option by name (the first `len` bytes of `name`). */
static const CliOption *args_find_long(const CliOption *opts, const char *name, size_t len)
{
    for (const CliOption *o = opts; o->name; o++)
        if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const CliOption *args_find_short(const CliOption *opts, char c)
{
    for (const CliOption *o = opts; o->name; o++)
        if (o->short_name && o->short_name == c)
            return o;
    return NULL;
}

/* Takes the value of option `o` from `attached` or the next argument. */
static int args_take_value(CliParser *p, const CliOption *o, const char *shown,
                           const char *attached, const char **value)
{
    if (!o->takes_value) {
        if (attached)
            return cli_usage_error(p->cmd, "option '%s' takes no value", shown), CLI_ERROR;
        *value = NULL;
        return o->id;
    }
    if (attached) {
        *value = attached;
        return o->id;
    }
    if (p->index >= p->argc)
        return cli_usage_error(p->cmd, "option '%s' needs a value", shown), CLI_ERROR;
    *value = p->argv[p->index++];
    return o->id;
}

int cli_next(CliParser *p, const char **value)
{
    *value = NULL;
    if (p->index >= p->argc)
        return CLI_END;
    const char *arg = p->argv[p->index++];
    if (p->no_more_options || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return CLI_POSITIONAL;
    }
    if (strcmp(arg, "--") == 0) {
        p->no_more_options = 1;
        return cli_next(p, value);
    }
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const CliOption *o = args_find_long(p->opts, name, len);
        if (!o) {
            const CliOption *near = args_nearest_long(p->opts, name, len);
            if (near)
                cli_usage_error(p->cmd, "unknown option '%.*s'; did you mean '--%s'?",
                                (int)(len + 2), arg, near->name);
            else
                cli_usage_error(p->cmd, "unknown option '%.*s'", (int)(len + 2), arg);
            return CLI_ERROR;
        }
        char shown[64];
        snprintf(shown, sizeof shown, "--%s", o->name);
        return args_take_value(p, o, shown, eq ? eq + 1 : NULL, value);
    }
    /* A short option: "-p VALUE" or "-pVALUE"; flags do not bundle. */
    const CliOption *o = args_find_short(p->opts, arg[1]);
    if (!o)
        return cli_usage_error(p->cmd, "unknown option '%s'", arg), CLI_ERROR;
    char shown[3] = {'-', arg[1], '\0'};
    return args_take_value(p, o, shown, arg[2] ? arg + 2 : NULL, value);
}

int cli_list_push(CliList *l, const char *s)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            fprintf(stderr, "veto: out of memory\n");
            return -1;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = s;
    return 0;
}

void cli_list_free(CliList *l)
{
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

/* strtoull without its quirks: digits only, no sign, no overflow. */
static int args_parse_u64(const char *text, const char **end, uint64_t *out)
{
    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    char *e;
    unsigned long long v = strtoull(text, &e, 10);
    if (errno == ERANGE)
        return -1;
    *end = e;
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_count(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
    const char *end;
    if (args_parse_u64(text, &end, out) != 0 || *end != '\0' || *out == 0) {
        cli_usage_error(cmd, "%s expects a positive whole number, not '%s'", opt, text);
        return -1;
    }
    return 0;
}

int cli_parse_size(const char *cmd, const char *opt, const char *text, size_t *out)
{
    const char *end;
    uint64_t v, shift = 0;
    if (args_parse_u64(text, &end, &v) != 0)
        goto bad;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default:
        goto bad;
    }
    if (*end != '\0' || v == 0 || v > (SIZE_MAX >> shift))
        goto bad;
    *out = (size_t)(v << shift);
    return 0;
bad:
    cli_usage_error(cmd,
                    "%s expects a positive size in bytes (e.g. 65536, 512K, 64M, 2G), not '%s'",
                    opt, text);
    return -1;
}
