/* doc.c — loading input documents (struct veto_doc): reading the bytes,
 * recognising encodings and formats, and handing them to the JSON reader
 * (json_read.c) or the YAML reader (yaml_read.c).
 *
 * A document owns its buffer and an arena; its Values point into both.
 * UTF-16 files (what PowerShell's `>` writes) are transcoded to UTF-8
 * first, and a UTF-8 byte-order mark is skipped, so `terraform show -json`
 * output works however it was saved — JSON or YAML alike.
 *
 * Format: .json is JSON and .yaml/.yml is YAML; otherwise text whose first
 * non-blank byte is '{' or '[' is JSON, anything else YAML. JSON that fails
 * to parse is reported as invalid JSON, never retried as YAML.
 *
 * Every veto_doc is allocated by doc_new() as the first member of a
 * DocFull, which adds what struct veto_doc (program.h) has no field for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "diag.h"
#include "input_kind.h"
#include "json.h"
#include "paths.h"
#include "program.h"
#include "taint.h"
#include "yaml_read.h"

#define DOC_DEFAULT_MAX_BYTES ((size_t)4 << 30)

/* A document and what struct veto_doc has no room for. */
typedef struct DocFull {
    struct veto_doc doc; /* first: a veto_doc * is a DocFull * */
    uint32_t ndocs;      /* documents in the file (a YAML stream may hold several) */
    veto_doc_format format;
    char hash[65]; /* SHA-256 of the bytes read (UTF-8), lowercase hex */
} DocFull;

/* The input hash of decision records: SHA-256 of the document's bytes as
 * read (after UTF-16 is decoded), so `sha256sum plan.json` matches it for
 * a UTF-8 file. Hashing the bytes, not a re-serialised tree, costs one pass
 * and does not depend on how much of the document a loader materialised. */
static void doc_hash(veto_doc *doc)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)doc->buf, doc->len, md);
    static const char hex[] = "0123456789abcdef";
    char *out = ((DocFull *)doc)->hash;
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

const char *veto_doc_hash(const veto_doc *doc) { return ((const DocFull *)doc)->hash; }

static veto_doc *doc_new(void)
{
    DocFull *f = calloc(1, sizeof *f);
    return f ? &f->doc : NULL;
}

static void doc_free_parts(veto_doc *doc)
{
    arena_free(&doc->arena);
    if (doc->map_len)
        munmap(doc->buf, doc->map_len);
    else
        free(doc->buf);
    free(doc->name);
    free((DocFull *)doc);
}

/* The format for name and text, when opt leaves it to us. *by_content
 * says the text decided. */
static veto_doc_format doc_detect_format(const char *name, const char *text, size_t len,
                                         const veto_load_options *opt, bool *by_content)
{
    *by_content = false;
    if (opt && opt->format != VETO_FORMAT_AUTO)
        return opt->format;
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (dot && !strchr(dot, '/')) {
        if (strcasecmp(dot, ".json") == 0)
            return VETO_FORMAT_JSON;
        if (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0)
            return VETO_FORMAT_YAML;
    }
    *by_content = true;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '{' || c == '[' ? VETO_FORMAT_JSON : VETO_FORMAT_YAML;
    }
    return VETO_FORMAT_YAML;
}

/* Reports a reader failure; a failure of memory is named as such. */
static void doc_report_memory(veto_doc *doc, const veto_load_options *opt, veto_diags *d)
{
    if (doc->arena.over_cap)
        diag_add_at(d, DIAG_ERROR, doc->name, 1, 1,
                    "the document needs more than the memory limit of %zu bytes", opt->max_mem);
    else
        diag_add_at(d, DIAG_ERROR, doc->name, 1, 1, "out of memory loading the document");
}

void veto_doc_free(veto_doc *doc)
{
    if (doc)
        doc_free_parts(doc);
}

/* UTF-16 (either byte order, BOM first) to UTF-8; NULL on a broken
 * surrogate pair or OOM. */
static char *doc_utf16_to_utf8(const unsigned char *p, size_t len, bool big, size_t *out_len)
{
    size_t n = len / 2;
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 1; i < n; i++) { /* unit 0 is the BOM */
        uint32_t u = big ? (uint32_t)(p[2 * i] << 8 | p[2 * i + 1])
                         : (uint32_t)(p[2 * i + 1] << 8 | p[2 * i]);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 1 >= n)
                goto bad;
            uint32_t lo = big ? (uint32_t)(p[2 * i + 2] << 8 | p[2 * i + 3])
                              : (uint32_t)(p[2 * i + 3] << 8 | p[2 * i + 2]);
            if (lo < 0xDC00 || lo > 0xDFFF)
                goto bad;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i++;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            goto bad;
        }
        if (u < 0x80) {
            out[o++] = (char)u;
        } else if (u < 0x800) {
            out[o++] = (char)(0xC0 | (u >> 6));
            out[o++] = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            out[o++] = (char)(0xE0 | (u >> 12));
            out[o++] = (char)(0x80 | ((u >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (u & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (u >> 18));
            out[o++] = (char)(0x80 | ((u >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((u >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (u & 0x3F));
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
bad:
    free(out);
    return NULL;
}

/* Takes ownership of buf (malloc'd, len bytes, with one spare byte). */
static veto_doc *doc_from_buffer(veto_engine *e, const char *name, char *buf, size_t len,
                                 const veto_load_options *opt, veto_diags *d)
{
    const unsigned char *u = (const unsigned char *)buf;
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        size_t n8;
        char *utf8 = doc_utf16_to_utf8(u, len, u[0] == 0xFE, &n8);
        if (!utf8) {
            diag_add_at(d, DIAG_ERROR, name, 1, 1,
                        "the file is UTF-16 with a broken surrogate pair; convert it with "
                        "`iconv -f UTF-16 -t UTF-8`");
            free(buf);
            return NULL;
        }
        free(buf);
        buf = utf8;
        len = n8;
    }
    size_t skip = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        skip = 3; /* a UTF-8 byte-order mark carries no meaning */
    veto_doc *doc = doc_new();
    if (!doc) {
        free(buf);
        return NULL;
    }
    arena_init(&doc->arena, 64 * 1024);
    if (opt && opt->max_mem)
        arena_set_cap(&doc->arena, opt->max_mem);
    doc->buf = buf;
    doc->len = len;
    doc->name = strdup(name);
    if (!doc->name) {
        doc_free_parts(doc);
        return NULL;
    }
    DocFull *full = (DocFull *)doc;
    bool by_content;
    full->format = doc_detect_format(name, buf + skip, len - skip, opt, &by_content);
    full->ndocs = 1;
    if (full->format == VETO_FORMAT_YAML) {
        YamlReadOptions yo = {opt ? opt->max_depth : 0, opt ? opt->max_alias_nodes : 0,
                              e ? e->keys : NULL, false};
        YamlError yerr;
        if (!yaml_read(&doc->arena, buf + skip, len - skip, &yo, &doc->root, &full->ndocs, &yerr)) {
            if (doc->arena.failed)
                doc_report_memory(doc, opt, d);
            else
                diag_add_at(d, DIAG_ERROR, name, yerr.line, yerr.col, "invalid YAML: %s",
                            yerr.message);
            doc_free_parts(doc);
            return NULL;
        }
        if (full->ndocs == 0) {
            diag_add_at(d, DIAG_ERROR, name, 1, 1,
                        "the input holds no document (only comments or blank lines)");
            doc_free_parts(doc);
            return NULL;
        }
    } else {
        JsonReadOptions jo = {opt && opt->max_depth ? opt->max_depth : 0, e ? e->keys : NULL};
        JsonError err;
        if (!json_read(&doc->arena, buf + skip, len - skip, &jo, &doc->root, &err)) {
            /* Columns count from after any BOM, as editors show them. */
            if (doc->arena.failed)
                doc_report_memory(doc, opt, d);
            else if (by_content)
                diag_add_at(d, DIAG_ERROR, name, err.line, err.col,
                            "invalid JSON: %s (read as JSON because it starts with '%c'; a "
                            ".yaml or .yml name reads it as YAML)",
                            err.message, buf[skip + strspn(buf + skip, " \t\r\n")]);
            else
                diag_add_at(d, DIAG_ERROR, name, err.line, err.col, "invalid JSON: %s",
                            err.message);
            doc_free_parts(doc);
            return NULL;
        }
    }
    doc_hash(doc);
    /* Secrets are tainted before any policy can see the document. */
    taint_plan(&doc->arena, &doc->root);
    if (doc->arena.failed) {
        doc_report_memory(doc, opt, d);
        doc_free_parts(doc);
        return NULL;
    }
    return doc;
}

veto_doc *veto_doc_load_text(veto_engine *e, const char *name, const char *text, size_t len,
                             const veto_load_options *opt, veto_diags *d)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return NULL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return doc_from_buffer(e, name, buf, len, opt, d);
}

const char *veto_doc_format_name(const veto_doc *doc)
{
    return ((const DocFull *)doc)->format == VETO_FORMAT_YAML ? "yaml" : "json";
}

size_t veto_doc_count(const veto_doc *doc) { return ((const DocFull *)doc)->ndocs; }

const char *veto_doc_kind(const veto_doc *doc)
{
    return input_kind_detect(doc->root, ((const DocFull *)doc)->ndocs);
}

veto_doc *veto_doc_load_json(veto_engine *e, const char *name, const char *text, size_t len,
                             const veto_load_options *opt, veto_diags *d)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return NULL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    veto_load_options jo = {0};
    if (opt)
        jo = *opt;
    jo.format = VETO_FORMAT_JSON;
    return doc_from_buffer(e, name, buf, len, &jo, d);
}

veto_doc *veto_doc_load_file(veto_engine *e, const char *path, const veto_load_options *opt,
                             veto_diags *d)
{
    size_t max = opt && opt->max_bytes ? opt->max_bytes : DOC_DEFAULT_MAX_BYTES;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    struct stat st; /* a regular file is read in one go, without realloc copies */
    if (!is_stdin && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size < max)
        cap = (size_t)st.st_size + 2;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            if (cap > max + 2) {
                diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
                         "%s is larger than the input limit of %zu bytes", path, max);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
                         "out of memory reading %s (%zu bytes read); a smaller input limit "
                         "fails sooner",
                         path, len);
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    bool read_error = ferror(f);
    int saved = errno;
    if (!is_stdin)
        fclose(f);
    if (!buf)
        return NULL;
    if (read_error) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot read %s: %s", path, strerror(saved));
        free(buf);
        return NULL;
    }
    if (len > max) {
        diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "%s is larger than the input limit of %zu bytes",
                 path, max);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    if (len == 0) {
        bool by_content;
        veto_doc_format fmt = doc_detect_format(path, "", 0, opt, &by_content);
        const char *what = by_content ? "JSON or YAML" : fmt == VETO_FORMAT_YAML ? "YAML" : "JSON";
        diag_add_at(d, DIAG_ERROR, is_stdin ? "<stdin>" : path, 1, 1,
                    "the input is empty (expected a %s document)", what);
        free(buf);
        return NULL;
    }
    return doc_from_buffer(e, is_stdin ? "<stdin>" : path, buf, len, opt, d);
}

/* Plan-native loading (paths.h, json_read_projected): maps the file and
 * materialises only what `p` can read. Anything it does not handle — stdin,
 * YAML, UTF-16, a program that may read everything, a parse error (for the
 * exact diagnostic), VETO_NO_PROJECTION set — goes to veto_doc_load_file. */
veto_doc *veto_doc_load_file_projected(veto_engine *e, const veto_program *p, const char *path,
                                       const veto_load_options *opt, veto_diags *d)
{
    size_t max = opt && opt->max_bytes ? opt->max_bytes : DOC_DEFAULT_MAX_BYTES;
    size_t nlen = strlen(path);
    bool yaml_name = (nlen > 5 && strcasecmp(path + nlen - 5, ".yaml") == 0) ||
                     (nlen > 4 && strcasecmp(path + nlen - 4, ".yml") == 0);
    if (!p || strcmp(path, "-") == 0 || getenv("VETO_NO_PROJECTION") || yaml_name ||
        (opt && opt->format == VETO_FORMAT_YAML))
        return veto_doc_load_file(e, path, opt, d);
    PathTree *t = paths_analyze(p);
    veto_doc *doc = NULL;
    char *map = MAP_FAILED;
    size_t len = 0;
    int fd = t && !t->root->whole ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (size_t)st.st_size <= max) {
        len = (size_t)st.st_size;
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (fd >= 0)
        close(fd);
    if (map != MAP_FAILED) {
        madvise(map, len, MADV_SEQUENTIAL);
        const unsigned char *u = (const unsigned char *)map;
        size_t skip = len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF ? 3 : 0;
        size_t i = skip;
        while (i < len && (u[i] == ' ' || u[i] == '\t' || u[i] == '\r' || u[i] == '\n'))
            i++;
        if (i < len && (u[i] == '{' || u[i] == '[')) /* JSON; else YAML or UTF-16 */
            doc = doc_new();
    }
    if (doc) {
        arena_init(&doc->arena, 64 * 1024);
        if (opt && opt->max_mem)
            arena_set_cap(&doc->arena, opt->max_mem);
        doc->buf = map;
        doc->len = len;
        doc->map_len = len;
        map = MAP_FAILED;
        doc->name = strdup(path);
        ((DocFull *)doc)->format = VETO_FORMAT_JSON;
        ((DocFull *)doc)->ndocs = 1;
        JsonReadOptions jo = {opt && opt->max_depth ? opt->max_depth : 0, e ? e->keys : NULL};
        JsonError err;
        if (!doc->name ||
            !json_read_projected(&doc->arena, doc->buf, len, &jo, t->root, &doc->root, &err)) {
            doc_free_parts(doc);
            doc = NULL;
        } else {
            doc_hash(doc);
            taint_plan(&doc->arena, &doc->root);
            if (doc->arena.failed) {
                doc_free_parts(doc);
                doc = NULL;
            }
        }
    }
    if (map != MAP_FAILED)
        munmap(map, len);
    paths_free(t);
    return doc ? doc : veto_doc_load_file(e, path, opt, d);
}
