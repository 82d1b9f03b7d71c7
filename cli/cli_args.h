/* cli_args.h — command-line parsing shared by the veto subcommands.
 *
 * Owns: walking argv for long options (`--name VALUE`, `--name=VALUE`),
 * their short aliases (`-p VALUE`), `--` and positional arguments, printing
 * usage errors in one format, and parsing option values (counts, sizes,
 * NAME=FILE pairs). Does not own: what any option means.
 *
 * A lone `-` is a positional argument (it names stdin wherever a FILE is
 * expected). Options may come before or after positionals; an option may be
 * repeated, and each occurrence is reported in turn.
 */
#ifndef VETO_CLI_ARGS_H
#define VETO_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes of the veto binary; README.md and `veto --help` document them. */
enum {
    EXIT_PASS = 0,       /* pass or warn; also success for check/disasm/expr */
    EXIT_DENY = 1,       /* eval: a deny that counts */
    EXIT_USAGE = 2,      /* usage, input or policy-compile error */
    EXIT_EVAL_ERROR = 3, /* eval: a policy raised a runtime error */
};

typedef struct CliOption {
    const char *name; /* long name without the leading "--" */
    char short_name;  /* single-letter alias, or 0 */
    int takes_value;  /* 1: needs a value; 0: a flag */
    int id;           /* returned by cli_next when this option is seen */
} CliOption;

/* What cli_next returns besides an option id (ids must be > 0). */
enum {
    CLI_END = 0,         /* no more arguments */
    CLI_POSITIONAL = -1, /* a positional argument, in *value */
    CLI_ERROR = -2,      /* a usage error, already printed */
};

typedef struct CliParser {
    int argc;
    char **argv;           /* argv[0] is the subcommand name */
    int index;             /* next argv element to read */
    int no_more_options;   /* set after "--" */
    const char *cmd;       /* "check", "eval", ... for messages */
    const CliOption *opts; /* terminated by an entry with name NULL */
} CliParser;

/* Starts parsing argv[1..argc-1] of subcommand `cmd`. Borrows everything. */
void cli_parser_init(CliParser *p, const char *cmd, int argc, char **argv, const CliOption *opts);

/* Returns the next option id (with its value in *value, or NULL for a
 * flag), CLI_POSITIONAL with the argument in *value, CLI_END, or CLI_ERROR
 * after printing why. */
int cli_next(CliParser *p, const char **value);

/* Prints "veto CMD: MESSAGE" and the help hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Levenshtein distance between a[0..alen) and the C string b, capped at 9:
 * used to suggest the nearest command or option for a typo. */
size_t cli_edit_distance(const char *a, size_t alen, const char *b);

/* A growable list of borrowed strings (argv elements). */
typedef struct CliList {
    const char **items;
    size_t count;
    size_t cap;
} CliList;

/* Appends s; returns 0, or -1 (message printed) when out of memory. */
int cli_list_push(CliList *l, const char *s);
void cli_list_free(CliList *l);

/* Parses a positive decimal count ("50000000"); prints a usage error and
 * returns -1 when it is not one. */
int cli_parse_count(const char *cmd, const char *opt, const char *text, uint64_t *out);

/* Parses a positive byte size with an optional binary suffix K, M or G
 * ("64M" = 64 MiB); prints a usage error and returns -1 otherwise. */
int cli_parse_size(const char *cmd, const char *opt, const char *text, size_t *out);

#endif
