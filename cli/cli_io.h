/* cli_io.h — what the subcommands share between the command line and the
 * engine: reading the files the user named, printing what the engine says.
 *
 * Owns: the "cannot read" messages, rendering diagnostics to stderr (with
 * colour when stderr is a terminal and NO_COLOR is not set), and writing
 * results to stdout or an --output file. Does not own: any policy logic;
 * everything here is a thin call into veto.h.
 */
#ifndef VETO_CLI_IO_H
#define VETO_CLI_IO_H

#include "cli_args.h"
#include "veto.h"

/* 1 when output to fd should carry ANSI colours: fd is a terminal and the
 * NO_COLOR environment variable is unset or empty. */
int cli_use_color(int fd);

/* Renders d (errors and warnings) to stderr; nothing when d is empty. */
void cli_print_diags(const veto_diags *d);

/* Checks that path ("-" = stdin, always fine) can be opened for reading;
 * otherwise prints "veto: cannot read 'PATH': REASON" and returns -1. */
int cli_check_readable(const char *path);

/* Compiles every policy file or directory in paths. Prints diagnostics.
 * Returns an owned program, or NULL when anything failed. */
veto_program *cli_compile(veto_engine *e, const CliList *paths);

/* Loads a document ("-" = stdin) with veto_doc_load_file. Prints
 * diagnostics. Returns an owned document, or NULL when it could not be read
 * (a directory cannot) or parsed. */
veto_doc *cli_load_doc(veto_engine *e, const char *path);

/* The documents of one evaluation, loaded from the command line. */
typedef struct CliDocs {
    veto_doc *input;   /* NULL when no --input was given */
    veto_doc *context; /* NULL when no --context was given */
    char **data_names; /* malloc'd names of the --data documents */
    veto_doc **data;   /* the --data documents, parallel to data_names */
    size_t ndata;
} CliDocs;

/* Checks one --data value has the form NAME=FILE; prints a usage error for
 * cmd and returns -1 otherwise. */
int cli_check_data_arg(const char *cmd, const char *value);

/* Checks that at most one of files[0..n) (entries may be NULL) and the
 * FILEs of the NAME=FILE items of data is "-": stdin can be read once.
 * Prints a usage error for cmd and returns -1 otherwise. */
int cli_check_stdin_once(const char *cmd, const char *const *files, size_t n, const CliList *data);

/* Loads input and context (either may be NULL) and each NAME=FILE of data
 * into docs, and points opt's context and data fields at them. Returns 0,
 * or -1 after printing why; call cli_docs_free either way. */
int cli_docs_load(veto_engine *e, CliDocs *docs, const char *input, const char *context,
                  const CliList *data, veto_eval_options *opt);
void cli_docs_free(CliDocs *docs);

/* An owned list of file paths: what a command found under its PATHs. */
typedef struct CliPaths {
    char **v; /* owned copies */
    size_t n, cap;
} CliPaths;

/* Appends a copy of path; returns 0, or -1 after printing "out of memory". */
int cli_paths_push(CliPaths *p, const char *path);
void cli_paths_free(CliPaths *p);
/* Appends every file under dir whose base name keep() accepts, recursively
 * and in sorted order, skipping hidden entries and directories nested more
 * than 32 levels deep (symlink loops). Returns 0, or -1 after printing why
 * (an unreadable directory, out of memory). */
int cli_paths_walk(CliPaths *p, const char *dir, int (*keep)(const char *name));

/* Writes text, plus a final newline when it lacks one, to stdout (path NULL
 * or "-") or to the file path. Takes ownership of text (frees it). Returns
 * EXIT_PASS, or EXIT_USAGE after printing why it could not write. */
int cli_write_text(const char *path, char *text);

#endif
