/* cmd_fmt.c — `veto fmt [--check] [-w] PATH...`: the canonical layout.
 *
 * Owns: walking the paths for *.veto files, the three modes (print, check,
 * rewrite in place) and writing files safely (a temporary file in the same
 * directory, then rename, so a crash or a full disk never loses a policy).
 * The layout itself is engine/author/fmt.c.
 */
#include "author/fmt.h"
#include "cli_io.h"
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char fmtcli_usage[] =
    "Usage: veto fmt [options] PATH...\n"
    "\n"
    "Lay out policy files in the one canonical style: 2-space indentation for\n"
    "metadata and rule clauses, lines fitted into 100 columns, single spaces\n"
    "around operators, one blank line between declarations. Comments, string\n"
    "escapes, numbers and parentheses are kept as written; the meaning never\n"
    "changes. A directory stands for every *.veto file under it.\n"
    "\n"
    "Without options, prints the formatted text of one FILE (\"-\" reads stdin).\n"
    "\n"
    "Options:\n"
    "  -c, --check   print the files whose layout is not canonical; change nothing\n"
    "  -w, --write   rewrite the files whose layout is not canonical, in place\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 success (for --check: every file is formatted), 1 --check\n"
    "found files to format, 2 a syntax error, an unreadable file or a usage error.\n";

enum { OPT_HELP = 1, OPT_CHECK, OPT_WRITE };

static const CliOption fmtcli_options[] = {
    {"help", 'h', 0, OPT_HELP},
    {"check", 'c', 0, OPT_CHECK},
    {"write", 'w', 0, OPT_WRITE},
    {NULL, 0, 0, 0},
};

static int fmtcli_is_veto(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".veto") == 0;
}

/* Reads a file ("-": stdin) into a malloc'd buffer. */
static char *fmtcli_read(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "veto: cannot read '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (n == cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || err) {
        fprintf(stderr, "veto: cannot read '%s': %s\n", path,
                buf ? strerror(EIO) : "out of memory");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Replaces path's contents with text: written to a temporary file next to
 * it (same file system), flushed to disk, given path's permissions, then
 * renamed over it. On any failure the original is untouched. */
static int fmtcli_write_in_place(const char *path, const char *text, size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "veto: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    size_t plen = strlen(path) + 16;
    char *tmp = malloc(plen);
    if (!tmp) {
        fprintf(stderr, "veto: out of memory\n");
        return -1;
    }
    snprintf(tmp, plen, "%s.fmt-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "veto: cannot write '%s': %s\n", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int ok = 1;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            ok = 0;
        else
            off += (size_t)w;
    }
    int saved = errno;
    if (ok && (fchmod(fd, st.st_mode & 07777) != 0 || fsync(fd) != 0))
        ok = 0, saved = errno;
    if (close(fd) != 0 && ok)
        ok = 0, saved = errno;
    if (ok && rename(tmp, path) != 0)
        ok = 0, saved = errno;
    if (!ok) {
        fprintf(stderr, "veto: cannot write '%s': %s\n", path, strerror(saved ? saved : EIO));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

enum { MODE_PRINT, MODE_CHECK, MODE_WRITE };

/* Formats one file. Returns 0 when already canonical, 1 when it changed
 * (printed, listed or rewritten), -1 on an error (already reported). */
static int fmtcli_one(const char *path, int mode)
{
    size_t len = 0;
    char *text = fmtcli_read(path, &len);
    if (!text)
        return -1;
    veto_diags *d = veto_diags_new();
    if (!d) {
        fprintf(stderr, "veto: out of memory\n");
        free(text);
        return -1;
    }
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    char *out = fmt_source(name, text, len, d);
    cli_print_diags(d);
    veto_diags_free(d);
    int rc = -1;
    if (out) {
        size_t olen = strlen(out);
        rc = olen != len || memcmp(out, text, len) != 0;
        if (mode == MODE_PRINT) {
            fwrite(out, 1, olen, stdout);
        } else if (rc == 1 && mode == MODE_CHECK) {
            printf("%s\n", path);
        } else if (rc == 1 && mode == MODE_WRITE) {
            if (fmtcli_write_in_place(path, out, olen) != 0)
                rc = -1;
            else
                printf("formatted %s\n", path);
        }
    }
    free(out);
    free(text);
    return rc;
}

static int fmtcli_run(int argc, char **argv)
{
    CliParser p;
    CliList paths = {0};
    CliPaths files = {0};
    const char *value;
    int opt, rc = EXIT_USAGE, mode = MODE_PRINT, check = 0, rewrite = 0;
    cli_parser_init(&p, "fmt", argc, argv, fmtcli_options);
    while ((opt = cli_next(&p, &value)) != CLI_END) {
        if (opt == CLI_ERROR)
            goto out;
        if (opt == OPT_HELP) {
            rc = cli_print_usage(&cmd_fmt);
            goto out;
        }
        if (opt == OPT_CHECK)
            check = 1;
        else if (opt == OPT_WRITE)
            rewrite = 1;
        else if (cli_list_push(&paths, value) != 0)
            goto out;
    }
    if (check && rewrite) {
        rc = cli_usage_error("fmt", "--check and --write exclude each other");
        goto out;
    }
    mode = check ? MODE_CHECK : rewrite ? MODE_WRITE : MODE_PRINT;
    if (paths.count == 0) {
        rc = cli_usage_error("fmt", "no policy PATH given");
        goto out;
    }
    for (size_t i = 0; i < paths.count; i++) {
        const char *path = paths.items[i];
        struct stat st;
        if (strcmp(path, "-") == 0) {
            if (mode != MODE_PRINT) {
                rc =
                    cli_usage_error("fmt", "stdin (-) can only be printed, not checked or written");
                goto out;
            }
        } else if (stat(path, &st) != 0) {
            fprintf(stderr, "veto: cannot read '%s': %s\n", path, strerror(errno));
            goto out;
        } else if (S_ISDIR(st.st_mode)) {
            if (mode == MODE_PRINT) {
                rc = cli_usage_error("fmt", "'%s' is a directory: use --check or --write", path);
                goto out;
            }
            if (cli_paths_walk(&files, path, fmtcli_is_veto) != 0)
                goto out;
            continue;
        }
        if (cli_paths_push(&files, path) != 0)
            goto out;
    }
    if (mode == MODE_PRINT && files.n != 1) {
        rc = cli_usage_error("fmt", "give one FILE to print, or use --check or --write");
        goto out;
    }
    int changed = 0, failed = 0;
    for (size_t i = 0; i < files.n; i++) {
        int r = fmtcli_one(files.v[i], mode);
        if (r < 0)
            failed = 1;
        else if (r > 0)
            changed = 1;
    }
    if (failed)
        rc = EXIT_USAGE;
    else if (mode == MODE_CHECK && changed)
        rc = EXIT_DENY;
    else
        rc = EXIT_PASS;
out:
    cli_paths_free(&files);
    cli_list_free(&paths);
    return rc;
}

const CliCommand cmd_fmt = {
    "fmt",
    "lay out policy files in the canonical style",
    fmtcli_usage,
    fmtcli_run,
};
