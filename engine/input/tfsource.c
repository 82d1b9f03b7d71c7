/* tfsource.c — where a plan's resources are written: a small scanner for
 * Terraform's HCL that finds `resource "TYPE" "NAME" {` and
 * `data "TYPE" "NAME" {` block headers and the `source` of each
 * `module "NAME" {` call, following local sources ("./x", "../x") so that
 * module.NAME.TYPE.RES maps to the file and line inside the module.
 *
 * It is not an HCL parser: it tokenises just enough — comments (#, //,
 * block), quoted strings with escapes and ${...}/%{...} templates nested to
 * any depth, heredocs (<<EOF, <<-EOF) and braces — that nothing inside a
 * string, comment or heredoc is taken for a header. Owns the table of
 * addresses; does not own how results use it (decision.c).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "input/tfsource.h"
#include "veto.h"

#define TF_MAX_FILE_BYTES   (64u << 20) /* larger .tf files are skipped with a warning */
#define TF_MAX_MODULE_DEPTH 32          /* nested local module calls followed */

typedef struct TfEntry {
    char *addr;    /* "module.net.aws_subnet.private" (no instance keys) */
    uint32_t file; /* index into files */
    uint32_t line;
} TfEntry;

struct veto_tfsource {
    TfEntry *entries;
    size_t n, cap;
    char **files; /* display paths, owned */
    size_t nfiles, files_cap;
    char **seen; /* realpaths of scanned directories with their prefix, for cycles */
    size_t nseen, seen_cap;
    int oom;
};

typedef enum TfTok { TT_EOF, TT_IDENT, TT_STRING, TT_LBRACE, TT_RBRACE, TT_EQ, TT_OTHER } TfTok;

typedef struct TfLexer {
    const char *s;
    size_t n, pos;
    uint32_t line;
    /* the current token */
    TfTok tok;
    size_t start, len; /* ident text, or string contents (between the quotes) */
    uint32_t tok_line;
    int plain; /* string without templates or escapes */
} TfLexer;

static void tf_string_body(TfLexer *lx, int *plain);

/* Skips a template expression after "${" or "%{" up to its matching '}'. */
static void tf_template(TfLexer *lx)
{
    int depth = 1;
    while (lx->pos < lx->n && depth > 0) {
        char c = lx->s[lx->pos];
        if (c == '\n')
            lx->line++;
        if (c == '"') {
            int plain;
            lx->pos++;
            tf_string_body(lx, &plain);
            continue;
        }
        if (c == '{')
            depth++;
        else if (c == '}')
            depth--;
        lx->pos++;
    }
}

/* After an opening quote: skips to just past the closing quote. */
static void tf_string_body(TfLexer *lx, int *plain)
{
    *plain = 1;
    while (lx->pos < lx->n) {
        char c = lx->s[lx->pos];
        if (c == '"') {
            lx->pos++;
            return;
        }
        if (c == '\n') { /* an unterminated string ends at the line (HCL's rule too) */
            *plain = 0;
            return;
        }
        if (c == '\\' && lx->pos + 1 < lx->n) {
            *plain = 0;
            lx->pos += 2;
            continue;
        }
        if ((c == '$' || c == '%') && lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == '{') {
            if (lx->pos + 2 < lx->n && lx->s[lx->pos + 2] == c) { /* $${ is a literal */
                lx->pos += 3;
                continue;
            }
            *plain = 0;
            lx->pos += 2;
            tf_template(lx);
            continue;
        }
        lx->pos++;
    }
}

static int tf_ident_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '-'));
}

/* Skips a heredoc whose "<<" starts at pos; returns 0 when it is not one. */
static int tf_heredoc(TfLexer *lx)
{
    size_t p = lx->pos + 2;
    if (p < lx->n && lx->s[p] == '-')
        p++;
    size_t ms = p;
    while (p < lx->n && tf_ident_char(lx->s[p], p == ms))
        p++;
    size_t mlen = p - ms;
    if (mlen == 0)
        return 0;
    const char *marker = lx->s + ms;
    while (p < lx->n && lx->s[p] != '\n') /* rest of the opening line */
        p++;
    while (p < lx->n) {
        p++; /* past '\n' */
        lx->line++;
        size_t ls = p;
        while (p < lx->n && lx->s[p] != '\n')
            p++;
        size_t a = ls, b = p;
        while (a < b && (lx->s[a] == ' ' || lx->s[a] == '\t'))
            a++;
        while (b > a && (lx->s[b - 1] == ' ' || lx->s[b - 1] == '\t' || lx->s[b - 1] == '\r'))
            b--;
        if (b - a == mlen && memcmp(lx->s + a, marker, mlen) == 0)
            break;
    }
    lx->pos = p;
    return 1;
}

static void tf_next(TfLexer *lx)
{
    for (;;) {
        while (lx->pos < lx->n) {
            char c = lx->s[lx->pos];
            if (c == '\n')
                lx->line++;
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                lx->pos++;
            else
                break;
        }
        if (lx->pos >= lx->n) {
            lx->tok = TT_EOF;
            return;
        }
        const char *s = lx->s;
        size_t p = lx->pos;
        if (s[p] == '#' || (s[p] == '/' && p + 1 < lx->n && s[p + 1] == '/')) {
            while (lx->pos < lx->n && s[lx->pos] != '\n')
                lx->pos++;
            continue;
        }
        if (s[p] == '/' && p + 1 < lx->n && s[p + 1] == '*') {
            lx->pos += 2;
            while (lx->pos < lx->n &&
                   !(s[lx->pos] == '*' && lx->pos + 1 < lx->n && s[lx->pos + 1] == '/')) {
                if (s[lx->pos] == '\n')
                    lx->line++;
                lx->pos++;
            }
            lx->pos = lx->pos + 2 < lx->n ? lx->pos + 2 : lx->n;
            continue;
        }
        lx->tok_line = lx->line;
        lx->start = p;
        if (s[p] == '<' && p + 1 < lx->n && s[p + 1] == '<' && tf_heredoc(lx)) {
            lx->tok = TT_OTHER;
            return;
        }
        if (s[p] == '"') {
            lx->pos++;
            lx->start = lx->pos;
            tf_string_body(lx, &lx->plain);
            size_t end = lx->pos;
            if (end > lx->start && s[end - 1] == '"')
                end--;
            lx->len = end - lx->start;
            lx->tok = TT_STRING;
            return;
        }
        if (tf_ident_char(s[p], 1)) {
            while (lx->pos < lx->n && tf_ident_char(s[lx->pos], 0))
                lx->pos++;
            lx->len = lx->pos - p;
            lx->tok = TT_IDENT;
            return;
        }
        lx->pos++;
        lx->tok = s[p] == '{'   ? TT_LBRACE
                  : s[p] == '}' ? TT_RBRACE
                  : s[p] == '=' ? TT_EQ
                                : TT_OTHER;
        return;
    }
}

static int tf_is(const TfLexer *lx, const char *word)
{
    size_t n = strlen(word);
    return lx->tok == TT_IDENT && lx->len == n && memcmp(lx->s + lx->start, word, n) == 0;
}

/* "a/./b/../c" → "a/c"; keeps leading "../" and a leading "/". */
static char *tf_normalize(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    int absolute = path[0] == '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            /* drop the last segment unless it is ".." itself or there is none */
            size_t last = o;
            while (last > 0 && out[last - 1] != '/')
                last--;
            if (o > 0 && !(o - last == 2 && out[last] == '.' && out[last + 1] == '.')) {
                o = last > 0 ? last - 1 : 0;
                if (absolute && o == 0)
                    o = 1;
                continue;
            }
        }
        if (o > 0 && out[o - 1] != '/')
            out[o++] = '/';
        else if (o == 0 && absolute)
            out[o++] = '/';
        memcpy(out + o, seg, len);
        o += len;
    }
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    return out;
}

static char *tf_join(const char *dir, const char *name, size_t nlen)
{
    size_t dlen = strlen(dir);
    char *s = malloc(dlen + nlen + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, dlen);
    s[dlen] = '/';
    memcpy(s + dlen + 1, name, nlen);
    s[dlen + 1 + nlen] = '\0';
    char *norm = tf_normalize(s);
    free(s);
    return norm;
}

static void tf_add(veto_tfsource *t, const char *prefix, const char *kind_prefix, const char *type,
                   size_t tlen, const char *name, size_t nlen, uint32_t file, uint32_t line)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        TfEntry *ne = realloc(t->entries, nc * sizeof *ne);
        if (!ne) {
            t->oom = 1;
            return;
        }
        t->entries = ne;
        t->cap = nc;
    }
    size_t len = strlen(prefix) + strlen(kind_prefix) + tlen + nlen + 2;
    char *addr = malloc(len);
    if (!addr) {
        t->oom = 1;
        return;
    }
    snprintf(addr, len, "%s%s%.*s.%.*s", prefix, kind_prefix, (int)tlen, type, (int)nlen, name);
    t->entries[t->n++] = (TfEntry){addr, file, line};
}

static uint32_t tf_add_file(veto_tfsource *t, char *path)
{
    if (t->nfiles == t->files_cap) {
        size_t nc = t->files_cap ? t->files_cap * 2 : 16;
        char **nf = realloc(t->files, nc * sizeof *nf);
        if (!nf) {
            t->oom = 1;
            free(path);
            return UINT32_MAX;
        }
        t->files = nf;
        t->files_cap = nc;
    }
    t->files[t->nfiles] = path;
    return (uint32_t)t->nfiles++;
}

typedef struct TfCall {
    char *name, *source;
} TfCall;

/* Scans one file: records its blocks, appends its module calls. */
static void tf_scan_text(veto_tfsource *t, const char *text, size_t n, uint32_t file,
                         const char *prefix, TfCall **calls, size_t *ncalls)
{
    TfLexer lx = {text, n, 0, 1, TT_EOF, 0, 0, 1, 1};
    int depth = 0;
    int in_module = -1; /* index into calls of the module block at depth 1, or -1 */
    tf_next(&lx);
    while (lx.tok != TT_EOF) {
        if (depth == 0 && lx.tok == TT_IDENT &&
            (tf_is(&lx, "resource") || tf_is(&lx, "data") || tf_is(&lx, "module"))) {
            int is_module = tf_is(&lx, "module"), is_data = tf_is(&lx, "data");
            uint32_t line = lx.tok_line;
            tf_next(&lx);
            if (lx.tok != TT_STRING && lx.tok != TT_IDENT)
                continue;
            size_t as = lx.start, al = lx.len;
            tf_next(&lx);
            if (is_module) {
                if (lx.tok != TT_LBRACE)
                    continue;
                TfCall *nc = realloc(*calls, (*ncalls + 1) * sizeof *nc);
                if (!nc) {
                    t->oom = 1;
                    return;
                }
                *calls = nc;
                nc[*ncalls].name = strndup(text + as, al);
                nc[*ncalls].source = NULL;
                in_module = (int)(*ncalls)++;
                depth = 1;
                tf_next(&lx);
                continue;
            }
            if (lx.tok != TT_STRING && lx.tok != TT_IDENT)
                continue;
            size_t bs = lx.start, bl = lx.len;
            tf_next(&lx);
            if (lx.tok != TT_LBRACE)
                continue;
            tf_add(t, prefix, is_data ? "data." : "", text + as, al, text + bs, bl, file, line);
            depth = 1;
            in_module = -1;
            tf_next(&lx);
            continue;
        }
        if (depth == 1 && in_module >= 0 && tf_is(&lx, "source")) {
            tf_next(&lx);
            if (lx.tok != TT_EQ)
                continue;
            tf_next(&lx);
            if (lx.tok == TT_STRING && lx.plain && !(*calls)[in_module].source)
                (*calls)[in_module].source = strndup(text + lx.start, lx.len);
            continue;
        }
        if (lx.tok == TT_LBRACE)
            depth++;
        else if (lx.tok == TT_RBRACE && depth > 0 && --depth == 0)
            in_module = -1;
        tf_next(&lx);
    }
}

static int tf_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int tf_scan_dir(veto_tfsource *t, const char *dir, const char *prefix, int depth,
                       veto_diags *d);

/* Reads a file of at most TF_MAX_FILE_BYTES; NULL on error. */
static char *tf_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size <= TF_MAX_FILE_BYTES) {
        buf = malloc((size_t)st.st_size + 1);
        if (buf) {
            *len = fread(buf, 1, (size_t)st.st_size, f);
            buf[*len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

/* 1 when dir (by realpath) was already scanned under this prefix. */
static int tf_seen(veto_tfsource *t, const char *dir, const char *prefix)
{
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return 0;
    size_t len = strlen(real) + strlen(prefix) + 2;
    char *key = malloc(len);
    if (!key)
        return 1;
    snprintf(key, len, "%s|%s", real, prefix);
    for (size_t i = 0; i < t->nseen; i++)
        if (strcmp(t->seen[i], key) == 0) {
            free(key);
            return 1;
        }
    if (t->nseen == t->seen_cap) {
        size_t nc = t->seen_cap ? t->seen_cap * 2 : 8;
        char **ns = realloc(t->seen, nc * sizeof *ns);
        if (!ns) {
            free(key);
            return 1;
        }
        t->seen = ns;
        t->seen_cap = nc;
    }
    t->seen[t->nseen++] = key;
    return 0;
}

static int tf_scan_dir(veto_tfsource *t, const char *dir, const char *prefix, int depth,
                       veto_diags *d)
{
    if (tf_seen(t, dir, prefix))
        return 0;
    DIR *dh = opendir(dir);
    if (!dh) {
        diag_add(d, depth == 0 ? DIAG_ERROR : DIAG_WARNING, NULL, 0, 0, NULL,
                 "--source-dir: cannot open directory '%s'", dir);
        return -1;
    }
    char **names = NULL;
    size_t nnames = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".tf") != 0 || de->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (nnames + 1) * sizeof *nn);
        if (!nn)
            break;
        names = nn;
        names[nnames] = strdup(de->d_name);
        if (names[nnames])
            nnames++;
    }
    closedir(dh);
    if (nnames)
        qsort(names, nnames, sizeof *names, tf_name_cmp);
    TfCall *calls = NULL;
    size_t ncalls = 0;
    for (size_t i = 0; i < nnames; i++) {
        char *path = tf_join(dir, names[i], strlen(names[i]));
        size_t len = 0;
        char *text = path ? tf_read(path, &len) : NULL;
        if (!text) {
            if (path)
                diag_add(d, DIAG_WARNING, NULL, 0, 0, NULL,
                         "--source-dir: skipped '%s' (unreadable, not a file or over %u MiB)", path,
                         TF_MAX_FILE_BYTES >> 20);
            free(path);
            continue;
        }
        uint32_t file = tf_add_file(t, path);
        if (file != UINT32_MAX)
            tf_scan_text(t, text, len, file, prefix, &calls, &ncalls);
        free(text);
    }
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    for (size_t i = 0; i < ncalls; i++) {
        const char *src = calls[i].source;
        if (src && calls[i].name && (strncmp(src, "./", 2) == 0 || strncmp(src, "../", 3) == 0)) {
            if (depth >= TF_MAX_MODULE_DEPTH) {
                diag_add(d, DIAG_WARNING, NULL, 0, 0, NULL,
                         "--source-dir: module calls nest deeper than %d; not following '%s'",
                         TF_MAX_MODULE_DEPTH, src);
            } else {
                char *sub = tf_join(dir, src, strlen(src));
                size_t plen = strlen(prefix) + strlen(calls[i].name) + 9;
                char *np = malloc(plen);
                if (sub && np) {
                    snprintf(np, plen, "%smodule.%s.", prefix, calls[i].name);
                    tf_scan_dir(t, sub, np, depth + 1, d);
                }
                free(sub);
                free(np);
            }
        }
        free(calls[i].name);
        free(calls[i].source);
    }
    free(calls);
    return 0;
}

static int tf_entry_cmp(const void *a, const void *b)
{
    const TfEntry *x = a, *y = b;
    int c = strcmp(x->addr, y->addr);
    if (c)
        return c;
    return x->file != y->file ? (x->file < y->file ? -1 : 1)
                              : (x->line > y->line) - (x->line < y->line);
}

veto_tfsource *veto_tfsource_scan(const char *dir, veto_diags *d)
{
    veto_tfsource *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    char *root = tf_normalize(dir);
    int rc = root ? tf_scan_dir(t, root, "", 0, d) : -1;
    free(root);
    if (rc == 0 && t->nfiles == 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "--source-dir: no .tf files in '%s'", dir);
        rc = -1;
    }
    if (rc != 0 || t->oom) {
        if (t->oom)
            diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory scanning '%s'", dir);
        veto_tfsource_free(t);
        return NULL;
    }
    if (t->n)
        qsort(t->entries, t->n, sizeof *t->entries, tf_entry_cmp);
    return t;
}

void veto_tfsource_free(veto_tfsource *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->entries[i].addr);
    for (size_t i = 0; i < t->nfiles; i++)
        free(t->files[i]);
    for (size_t i = 0; i < t->nseen; i++)
        free(t->seen[i]);
    free(t->entries);
    free(t->files);
    free(t->seen);
    free(t);
}

size_t veto_tfsource_count(const veto_tfsource *t) { return t ? t->n : 0; }

/* The address without instance keys: a["x"].b[0] → a.b. Brackets may hold
 * quoted keys with ']' or '"' (escaped) inside. */
static char *tf_strip_keys(const char *addr)
{
    size_t n = strlen(addr);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (addr[i] != '[') {
            out[o++] = addr[i];
            continue;
        }
        int quoted = 0;
        for (i++; i < n; i++) {
            if (quoted && addr[i] == '\\' && i + 1 < n)
                i++;
            else if (addr[i] == '"')
                quoted = !quoted;
            else if (!quoted && addr[i] == ']')
                break;
        }
    }
    out[o] = '\0';
    return out;
}

int veto_tfsource_find(const veto_tfsource *t, const char *address, const char **file,
                       uint32_t *line)
{
    if (!t || !address)
        return 0;
    char *key = tf_strip_keys(address);
    if (!key)
        return 0;
    size_t lo = 0, hi = t->n;
    while (lo < hi) { /* first entry >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->entries[mid].addr, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int found = lo < t->n && strcmp(t->entries[lo].addr, key) == 0;
    free(key);
    if (!found)
        return 0;
    *file = t->files[t->entries[lo].file];
    *line = t->entries[lo].line;
    return 1;
}

int tfsource_lookup(const struct veto_tfsource *t, const char *address, const char **file,
                    uint32_t *line)
{
    return veto_tfsource_find(t, address, file, line);
}
