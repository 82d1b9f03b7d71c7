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
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/sha256.h"
#include "input/doc.h"
#include "input/input_kind.h"
#include "input/json_read.h"
#include "input/paths_tree.h"
#include "input/taint.h"
#include "input/yaml_read.h"
#include "vm/program.h"

#define DOC_DEFAULT_MAX_BYTES ((size_t)4 << 30)
/* Below this, the bytes are hashed on the loading thread: creating and
 * joining a thread costs about 60 µs of process time (measured on the
 * project's machine), hashing 1 MiB with SHA-NI about 0.5 ms, and small
 * plans are where process time counts. */
#ifndef DOC_HASH_THREAD_MIN
#define DOC_HASH_THREAD_MIN ((size_t)1 << 20)
#endif
#define DOC_HASH_CHUNK ((size_t)1 << 20)

/* The input hash taken beside the reader, on another thread: from the
 * file with pread into its own buffer (a mapped document: neither faulting
 * the mapping in nor keeping it resident) or from the bytes in memory. */
typedef struct DocHash {
    pthread_t thread;
    bool running;             /* thread started, not joined */
    int fd;                   /* owned, or -1: hash mem instead */
    const unsigned char *mem; /* the bytes (also the fallback when pread fails) */
    size_t len;
    atomic_bool stop; /* the document is freed unread: give up */
    bool ok;          /* md holds the digest */
    uint8_t md[SHA256_LEN];
} DocHash;

/* A document and what struct veto_doc has no room for. */
typedef struct DocFull {
    struct veto_doc doc; /* first: a veto_doc * is a DocFull * */
    uint32_t ndocs;      /* documents in the file (a YAML stream may hold several) */
    veto_doc_format format;
    char hash[65]; /* SHA-256 of the bytes read (UTF-8), lowercase hex */
    DocHash *hjob; /* owned: the hash being taken, or NULL */
} DocFull;

/* The input hash of decision records: SHA-256 of the document's bytes as
 * read (after UTF-16 is decoded), so `sha256sum plan.json` matches it for
 * a UTF-8 file. Hashing the bytes, not a re-serialised tree, costs one pass
 * and does not depend on how much of the document a loader materialised. */
static void doc_hash(veto_doc *doc)
{
    uint8_t md[SHA256_LEN];
    sha256(doc->buf, doc->len, md);
    sha256_hex(md, ((DocFull *)doc)->hash);
}

static void *doc_hash_main(void *arg)
{
    DocHash *h = arg;
    Sha256 s;
    sha256_init(&s);
    if (h->fd < 0) {
        /* bytes in memory: in chunks, so a freed document stops it soon */
        size_t off = 0;
        while (off < h->len && !atomic_load_explicit(&h->stop, memory_order_relaxed)) {
            size_t n = h->len - off < DOC_HASH_CHUNK ? h->len - off : DOC_HASH_CHUNK;
            sha256_update(&s, h->mem + off, n);
            off += n;
        }
        h->ok = off == h->len;
    } else {
        unsigned char *buf = malloc(DOC_HASH_CHUNK);
        size_t off = 0;
        while (buf && off < h->len && !atomic_load_explicit(&h->stop, memory_order_relaxed)) {
            size_t want = h->len - off < DOC_HASH_CHUNK ? h->len - off : DOC_HASH_CHUNK;
            ssize_t got = pread(h->fd, buf, want, (off_t)off);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break; /* an I/O error or a shrunk file: the joiner hashes the mapping */
            sha256_update(&s, buf, (size_t)got);
            off += (size_t)got;
        }
        free(buf);
        h->ok = off == h->len;
    }
    if (h->ok)
        sha256_final(&s, h->md);
    return NULL;
}

/* Starts hashing doc's bytes on another thread when they are many: from
 * fd (owned from now on; -1 for none) or from doc->buf. Without a thread
 * (small input, or none could be made) doc_hash_join hashes them itself. */
static void doc_hash_start(veto_doc *doc, int fd)
{
    DocFull *f = (DocFull *)doc;
    DocHash *h = doc->len >= DOC_HASH_THREAD_MIN ? calloc(1, sizeof *h) : NULL;
    if (!h) {
        if (fd >= 0)
            close(fd);
        return;
    }
    h->fd = fd;
    h->mem = (const unsigned char *)doc->buf;
    h->len = doc->len;
    atomic_init(&h->stop, false);
    if (fd >= 0)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    h->running = pthread_create(&h->thread, NULL, doc_hash_main, h) == 0;
    f->hjob = h;
}

/* Ends the hash job, if any; with `stop` it is abandoned. Records the
 * hash unless stopped: the thread's digest, else one taken here. */
static void doc_hash_join(veto_doc *doc, bool stop)
{
    DocFull *f = (DocFull *)doc;
    DocHash *h = f->hjob;
    if (h) {
        if (stop)
            atomic_store(&h->stop, true);
        if (h->running)
            pthread_join(h->thread, NULL);
        h->running = false;
        if (h->fd >= 0)
            close(h->fd);
        h->fd = -1;
    }
    if (!stop) {
        if (h && h->ok)
            sha256_hex(h->md, f->hash);
        else
            doc_hash(doc);
    }
    free(h);
    f->hjob = NULL;
}

const char *veto_doc_hash(const veto_doc *doc) { return ((const DocFull *)doc)->hash; }

static veto_doc *doc_new(void)
{
    DocFull *f = calloc(1, sizeof *f);
    return f ? &f->doc : NULL;
}

static void doc_free_parts(veto_doc *doc)
{
    if (((DocFull *)doc)->hjob)
        doc_hash_join(doc, true);
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
    doc_hash_start(doc, -1); /* a large input is hashed while it is parsed */
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
    doc_hash_join(doc, false);
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

veto_doc *doc_open_mapped(const char *path, const veto_load_options *opt)
{
    size_t max = opt && opt->max_bytes ? opt->max_bytes : DOC_DEFAULT_MAX_BYTES;
    size_t nlen = strlen(path);
    bool yaml_name = (nlen > 5 && strcasecmp(path + nlen - 5, ".yaml") == 0) ||
                     (nlen > 4 && strcasecmp(path + nlen - 4, ".yml") == 0);
    if (strcmp(path, "-") == 0 || (opt && opt->format == VETO_FORMAT_YAML) ||
        (yaml_name && !(opt && opt->format == VETO_FORMAT_JSON)))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *map = MAP_FAILED;
    size_t len = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size <= max) {
        len = (size_t)st.st_size;
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    veto_doc *doc = NULL;
    if (map != MAP_FAILED) {
        madvise(map, len, MADV_SEQUENTIAL);
        const unsigned char *u = (const unsigned char *)map;
        size_t skip = len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF ? 3 : 0;
        size_t i = skip;
        while (i < len && (u[i] == ' ' || u[i] == '\t' || u[i] == '\r' || u[i] == '\n'))
            i++;
        if (i < len && (u[i] == '{' || u[i] == '[')) /* JSON; else YAML or UTF-16 */
            doc = doc_new();
        if (!doc)
            munmap(map, len);
    }
    if (!doc) {
        close(fd);
        return NULL;
    }
    arena_init(&doc->arena, 64 * 1024);
    if (opt && opt->max_mem)
        arena_set_cap(&doc->arena, opt->max_mem);
    doc->buf = map;
    doc->len = len;
    doc->map_len = len;
    doc->root = value_undef();
    ((DocFull *)doc)->format = VETO_FORMAT_JSON;
    ((DocFull *)doc)->ndocs = 1;
    doc->name = strdup(path);
    if (!doc->name) {
        close(fd);
        doc_free_parts(doc);
        return NULL;
    }
    doc_hash_start(doc, fd); /* takes fd */
    return doc;
}

bool doc_hash_wait(veto_doc *doc)
{
    if (((DocFull *)doc)->hash[0] == '\0')
        doc_hash_join(doc, false);
    return true;
}

bool doc_read_projected(veto_doc *doc, veto_engine *e, const PathNode *proj,
                        const veto_load_options *opt)
{
    arena_reset(&doc->arena);
    doc->root = value_undef();
    JsonReadOptions jo = {opt && opt->max_depth ? opt->max_depth : 0, e ? e->keys : NULL};
    JsonError err;
    if (!json_read_projected(&doc->arena, doc->buf, doc->len, &jo, proj, &doc->root, &err))
        return false;
    doc_hash_wait(doc);
    taint_plan(&doc->arena, &doc->root);
    return !doc->arena.failed;
}
