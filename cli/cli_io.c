/* cli_io.c — files in, diagnostics and results out; see cli_io.h. */
#include "cli_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_use_color(int fd)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        return 0;
    return isatty(fd);
}

void cli_print_diags(const veto_diags *d)
{
    if (veto_diags_errors(d) == 0 && veto_diags_warnings(d) == 0)
        return;
    char *text = veto_diags_render(d, cli_use_color(STDERR_FILENO));
    if (!text) {
        fprintf(stderr, "veto: out of memory rendering diagnostics\n");
        return;
    }
    fputs(text, stderr);
    size_t n = strlen(text);
    if (n && text[n - 1] != '\n')
        fputc('\n', stderr);
    free(text);
}

/* Opens path to see that it can be read (and, when file_only, that it is
 * not a directory); prints "veto: cannot read ..." and returns -1 if not. */
static int io_check(const char *path, int file_only)
{
    if (strcmp(path, "-") == 0)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int err = fd < 0 ? errno : 0;
    if (!err && file_only && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        err = EISDIR;
    if (fd >= 0)
        close(fd);
    if (err) {
        fprintf(stderr, "veto: cannot read '%s': %s\n", path, strerror(err));
        return -1;
    }
    return 0;
}

int cli_check_readable(const char *path) { return io_check(path, 0); }

veto_program *cli_compile(veto_engine *e, const CliList *paths)
{
    for (size_t i = 0; i < paths->count; i++)
        if (cli_check_readable(paths->items[i]) != 0)
            return NULL;
    veto_diags *d = veto_diags_new();
    veto_compiler *c = d ? veto_compiler_new(e) : NULL;
    if (!c) {
        fprintf(stderr, "veto: out of memory\n");
        veto_diags_free(d);
        return NULL;
    }
    /* Add every path before giving up, so one run reports every file's errors. */
    int failed = 0;
    for (size_t i = 0; i < paths->count; i++)
        if (veto_compiler_add_path(c, paths->items[i], d) != VETO_OK)
            failed = 1;
    veto_program *p = NULL;
    if (failed || veto_diags_errors(d) > 0)
        veto_compiler_free(c);
    else
        p = veto_compiler_finish(c, d);
    cli_print_diags(d);
    if (!p && veto_diags_errors(d) == 0)
        fprintf(stderr, "veto: compiling failed\n");
    veto_diags_free(d);
    return p;
}

veto_doc *cli_load_doc(veto_engine *e, const char *path)
{
    if (io_check(path, 1) != 0)
        return NULL;
    veto_diags *d = veto_diags_new();
    if (!d) {
        fprintf(stderr, "veto: out of memory\n");
        return NULL;
    }
    veto_doc *doc = veto_doc_load_file(e, path, NULL, d);
    cli_print_diags(d);
    if (!doc && veto_diags_errors(d) == 0)
        fprintf(stderr, "veto: cannot load '%s'\n", strcmp(path, "-") ? path : "<stdin>");
    veto_diags_free(d);
    return doc;
}

int cli_check_data_arg(const char *cmd, const char *value)
{
    const char *eq = strchr(value, '=');
    if (!eq || eq == value || eq[1] == '\0') {
        cli_usage_error(cmd, "--data expects NAME=FILE, not '%s'", value);
        return -1;
    }
    return 0;
}

int cli_check_stdin_once(const char *cmd, const char *const *files, size_t n, const CliList *data)
{
    int uses = 0;
    for (size_t i = 0; i < n; i++)
        uses += files[i] && strcmp(files[i], "-") == 0;
    for (size_t i = 0; i < data->count; i++)
        uses += strcmp(strchr(data->items[i], '=') + 1, "-") == 0;
    if (uses > 1) {
        cli_usage_error(cmd, "stdin (-) can be read only once");
        return -1;
    }
    return 0;
}

int cli_docs_load(veto_engine *e, CliDocs *docs, const char *input, const char *context,
                  const CliList *data, veto_eval_options *opt)
{
    memset(docs, 0, sizeof *docs);
    size_t n = data->count;
    docs->data_names = calloc(n ? n : 1, sizeof *docs->data_names);
    docs->data = calloc(n ? n : 1, sizeof *docs->data);
    if (!docs->data_names || !docs->data) {
        fprintf(stderr, "veto: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *item = data->items[i], *eq = strchr(item, '=');
        docs->ndata++;
        docs->data_names[i] = strndup(item, (size_t)(eq - item));
        if (!docs->data_names[i]) {
            fprintf(stderr, "veto: out of memory\n");
            return -1;
        }
        if (!(docs->data[i] = cli_load_doc(e, eq + 1)))
            return -1;
    }
    if (context && !(docs->context = cli_load_doc(e, context)))
        return -1;
    if (input && !(docs->input = cli_load_doc(e, input)))
        return -1;
    opt->context = docs->context;
    opt->data_names = (const char *const *)docs->data_names;
    opt->data_docs = (const veto_doc *const *)docs->data;
    opt->ndata = n;
    return 0;
}

void cli_docs_free(CliDocs *docs)
{
    for (size_t i = 0; i < docs->ndata; i++) {
        if (docs->data[i])
            veto_doc_free(docs->data[i]);
        free(docs->data_names[i]);
    }
    free(docs->data);
    free(docs->data_names);
    if (docs->context)
        veto_doc_free(docs->context);
    if (docs->input)
        veto_doc_free(docs->input);
    memset(docs, 0, sizeof *docs);
}

int cli_write_text(const char *path, char *text)
{
    if (!text) {
        fprintf(stderr, "veto: out of memory\n");
        return EXIT_USAGE;
    }
    int to_stdout = !path || strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "veto: cannot write '%s': %s\n", path, strerror(errno));
        free(text);
        return EXIT_USAGE;
    }
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    if (ok && n && text[n - 1] != '\n')
        ok = fputc('\n', f) != EOF;
    free(text);
    if (to_stdout)
        return EXIT_PASS; /* main flushes stdout and reports a failure there */
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "veto: cannot write '%s': %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    return EXIT_PASS;
}

/* ---- file lists ---------------------------------------------------------- */

int cli_paths_push(CliPaths *p, const char *path)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **v = realloc(p->v, cap * sizeof *v);
        if (!v)
            goto oom;
        p->v = v;
        p->cap = cap;
    }
    if (!(p->v[p->n] = strdup(path)))
        goto oom;
    p->n++;
    return 0;
oom:
    fprintf(stderr, "veto: out of memory\n");
    return -1;
}

void cli_paths_free(CliPaths *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    memset(p, 0, sizeof *p);
}

static int io_walk(CliPaths *p, const char *dir, int (*keep)(const char *name), int depth)
{
    if (depth > 32)
        return 0;
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "veto: cannot read '%s': %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (rc == 0 && name[0] != '.') {
            size_t len = strlen(dir) + strlen(name) + 2;
            char *path = malloc(len);
            struct stat st;
            if (!path) {
                fprintf(stderr, "veto: out of memory\n");
                rc = -1;
            } else {
                int slash = dir[0] && dir[strlen(dir) - 1] == '/';
                snprintf(path, len, slash ? "%s%s" : "%s/%s", dir, name);
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                    rc = io_walk(p, path, keep, depth + 1);
                else if (keep(name))
                    rc = cli_paths_push(p, path);
                free(path);
            }
        }
        free(ents[i]);
    }
    free(ents);
    return rc;
}

int cli_paths_walk(CliPaths *p, const char *dir, int (*keep)(const char *name))
{
    return io_walk(p, dir, keep, 0);
}
