/* source.c — policy source texts and their line-start tables; see source.h.
 *
 * Owns: the malloc'd copies of a source's name and text, the line-start
 * table, and turning byte offsets into 1-based line/column pairs.
 * Does not own: diagnostics (diag.c renders them from what this returns).
 */
#include "base/source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets are uint32_t everywhere (tokens, AST spans), so a larger text
 * could not be pointed into. */
#define SOURCE_MAX_LEN ((size_t)UINT32_MAX - 1)

static char *source_strdup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

Source *source_new(const char *name, const char *text, size_t len)
{
    if (len > SOURCE_MAX_LEN)
        return NULL;
    Source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->name = source_strdup(name ? name : "<string>");
    s->text = malloc(len + 1);
    if (!s->name || !s->text) {
        source_free(s);
        return NULL;
    }
    if (len)
        memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;

    /* Two passes: count, then fill, so the table is allocated exactly once. */
    uint32_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (s->text[i] == '\n')
            n++;
    s->line_starts = malloc((size_t)n * sizeof *s->line_starts);
    if (!s->line_starts) {
        source_free(s);
        return NULL;
    }
    s->line_starts[0] = 0;
    uint32_t k = 1;
    for (size_t i = 0; i < len; i++)
        if (s->text[i] == '\n')
            s->line_starts[k++] = (uint32_t)(i + 1);
    s->nlines = n;
    return s;
}

Source *source_load_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        if (err && errlen)
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(ENOMEM));
        return NULL;
    }
    /* Read in a loop instead of trusting a size from fstat: pipes and
     * /dev/stdin-like paths have none. */
    for (;;) {
        if (len == cap) {
            if (cap > SOURCE_MAX_LEN) {
                free(buf);
                fclose(f);
                if (err && errlen)
                    snprintf(err, errlen, "cannot read %s: file too large", path);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                if (err && errlen)
                    snprintf(err, errlen, "cannot read %s: %s", path, strerror(ENOMEM));
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                fclose(f);
                if (err && errlen)
                    snprintf(err, errlen, "cannot read %s: %s", path, strerror(e ? e : EIO));
                return NULL;
            }
            break;
        }
    }
    fclose(f);
    if (len > SOURCE_MAX_LEN) {
        free(buf);
        if (err && errlen)
            snprintf(err, errlen, "cannot read %s: file too large", path);
        return NULL;
    }
    Source *s = source_new(path, buf, len);
    free(buf);
    if (!s && err && errlen)
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(ENOMEM));
    return s;
}

void source_free(Source *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->text);
    free(s->line_starts);
    free(s);
}

/* Index of the line holding `offset` (0-based): the last line start <= offset. */
static uint32_t source_line_index(const Source *s, size_t offset)
{
    uint32_t lo = 0, hi = s->nlines; /* invariant: line_starts[lo] <= offset */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void source_position(const Source *s, size_t offset, uint32_t *line, uint32_t *col)
{
    if (offset > s->len)
        offset = s->len;
    uint32_t li = source_line_index(s, offset);
    /* A column counts code points: every byte that is not a UTF-8
     * continuation byte starts one. */
    uint32_t c = 1;
    for (size_t i = s->line_starts[li]; i < offset; i++)
        if (((unsigned char)s->text[i] & 0xC0) != 0x80)
            c++;
    if (line)
        *line = li + 1 > s->line_shift ? li + 1 - s->line_shift : 1;
    if (col)
        *col = c;
}

const char *source_line(const Source *s, uint32_t line, size_t *len)
{
    line += s->line_shift;
    if (line == 0 || line > s->nlines) {
        if (len)
            *len = 0;
        return NULL;
    }
    size_t start = s->line_starts[line - 1];
    size_t end = line < s->nlines ? s->line_starts[line] - 1 : s->len;
    /* CRLF files: the \r is not part of the line as the user sees it. */
    if (end > start && s->text[end - 1] == '\r')
        end--;
    if (len)
        *len = end - start;
    return s->text + start;
}
