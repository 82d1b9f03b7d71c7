/* doc.c — loading input documents (struct veto_doc): reading the bytes,
 * recognising encodings, and handing them to the JSON reader.
 *
 * A document owns its buffer and an arena; its Values point into both.
 * UTF-16 files (what PowerShell's `>` writes) are transcoded to UTF-8
 * first, and a UTF-8 byte-order mark is skipped, so `terraform show -json`
 * output works however it was saved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "program.h"
#include "taint.h"

#define DOC_DEFAULT_MAX_BYTES ((size_t)4 << 30)

static void doc_free_parts(veto_doc *doc)
{
    arena_free(&doc->arena);
    free(doc->buf);
    free(doc->name);
    free(doc);
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
    veto_doc *doc = calloc(1, sizeof *doc);
    if (!doc) {
        free(buf);
        return NULL;
    }
    arena_init(&doc->arena, 64 * 1024);
    doc->buf = buf;
    doc->len = len;
    doc->name = strdup(name);
    JsonReadOptions jo = {opt && opt->max_depth ? opt->max_depth : 0, e ? e->keys : NULL};
    JsonError err;
    if (!json_read(&doc->arena, buf + skip, len - skip, &jo, &doc->root, &err)) {
        /* Columns count from after any BOM, as editors show them. */
        diag_add_at(d, DIAG_ERROR, name, err.line, err.col, "invalid JSON: %s", err.message);
        doc_free_parts(doc);
        return NULL;
    }
    /* Secrets are tainted before any policy can see the document. */
    taint_plan(&doc->arena, &doc->root);
    if (doc->arena.failed) {
        diag_add_at(d, DIAG_ERROR, name, 0, 0, "out of memory loading the document");
        doc_free_parts(doc);
        return NULL;
    }
    return doc;
}

veto_doc *veto_doc_load_json(veto_engine *e, const char *name, const char *text, size_t len,
                             const veto_load_options *opt, veto_diags *d)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return NULL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return doc_from_buffer(e, name, buf, len, opt, d);
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
        diag_add_at(d, DIAG_ERROR, is_stdin ? "<stdin>" : path, 1, 1,
                    "the input is empty (expected a JSON document)");
        free(buf);
        return NULL;
    }
    return doc_from_buffer(e, is_stdin ? "<stdin>" : path, buf, len, opt, d);
}
