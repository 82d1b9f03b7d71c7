/* diag.c — the diagnostic list, its one rendering format, and typo hints;
 * see diag.h.
 *
 * Owns: every string a Diag holds (copied at diag_add time so a Diag
 * outlives its Source), the error cap, and the text/ANSI rendering.
 * Does not own: Sources (borrowed only while a diagnostic is added) and
 * deciding what is an error (the phases do that).
 */
#include "base/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static char *diag_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void diag_free_one(Diag *g)
{
    free(g->file);
    free(g->line_text);
    free(g->message);
    free(g->hint);
}

/* Appends g (taking its strings). On failure frees them and sets oom. */
static void diag_push(DiagList *d, Diag *g)
{
    if (!g->message) {
        diag_free_one(g);
        d->oom = 1;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        Diag *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            diag_free_one(g);
            d->oom = 1;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    d->items[d->n++] = *g;
}

/* Counts the diagnostic and says whether to keep it. Errors past the cap
 * are counted but dropped; the first dropped one leaves a note instead. */
static int diag_admit(DiagList *d, DiagSeverity sev)
{
    if (sev == DIAG_WARNING)
        d->warnings++;
    if (sev != DIAG_ERROR)
        return 1;
    d->errors++;
    if (d->errors <= DIAG_MAX_ERRORS)
        return 1;
    if (d->errors == DIAG_MAX_ERRORS + 1) {
        Diag note = {0};
        note.severity = DIAG_NOTE;
        note.message = diag_strndup("too many errors; stopping", 25);
        diag_push(d, &note);
    }
    return 0;
}

static char *diag_vformat(const char *fmt, va_list ap)
{
    Buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    return buf_take(&b);
}

void diag_vadd(DiagList *d, DiagSeverity sev, const Source *src, size_t offset, size_t len,
               const char *hint, const char *fmt, va_list ap)
{
    if (!diag_admit(d, sev))
        return;
    Diag g = {0};
    g.severity = sev;
    g.message = diag_vformat(fmt, ap);
    if (hint)
        g.hint = diag_strndup(hint, strlen(hint));
    if (src) {
        if (offset > src->len)
            offset = src->len;
        g.file = diag_strndup(src->name, strlen(src->name));
        source_position(src, offset, &g.line, &g.col);
        size_t llen = 0;
        const char *ltext = source_line(src, g.line, &llen);
        if (ltext)
            g.line_text = diag_strndup(ltext, llen);
        /* The caret covers the span's code points, clipped to the line
         * (a span running over a newline shows its first line only). */
        size_t line_end = (size_t)(ltext - src->text) + llen;
        size_t end = offset + len;
        if (end > line_end)
            end = line_end;
        uint32_t w = 0;
        for (size_t i = offset; i < end; i++)
            if (((unsigned char)src->text[i] & 0xC0) != 0x80)
                w++;
        g.span = w ? w : 1;
        if (!g.file || (ltext && !g.line_text))
            d->oom = 1;
    }
    diag_push(d, &g);
}

void diag_add(DiagList *d, DiagSeverity sev, const Source *src, size_t offset, size_t len,
              const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, sev, src, offset, len, hint, fmt, ap);
    va_end(ap);
}

void diag_add_at(DiagList *d, DiagSeverity sev, const char *file, uint32_t line, uint32_t col,
                 const char *fmt, ...)
{
    if (!diag_admit(d, sev))
        return;
    Diag g = {0};
    g.severity = sev;
    va_list ap;
    va_start(ap, fmt);
    g.message = diag_vformat(fmt, ap);
    va_end(ap);
    if (file) {
        g.file = diag_strndup(file, strlen(file));
        if (!g.file)
            d->oom = 1;
    }
    g.line = line;
    g.col = col;
    g.span = 1;
    diag_push(d, &g);
}

static const char *const diag_sev_name[] = {"error", "warning", "note"};
static const char *const diag_sev_color[] = {"\x1b[1;31m", "\x1b[1;35m", "\x1b[1;36m"};
#define DIAG_RESET "\x1b[0m"

static int diag_digits(uint32_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static void diag_render_one(Buf *b, const Diag *g, int color)
{
    if (g->file) {
        buf_puts(b, g->file);
        if (g->line)
            buf_printf(b, ":%u:%u", (unsigned)g->line, (unsigned)g->col);
        buf_puts(b, ": ");
    }
    if (color)
        buf_printf(b, "%s%s%s", diag_sev_color[g->severity], diag_sev_name[g->severity],
                   DIAG_RESET);
    else
        buf_puts(b, diag_sev_name[g->severity]);
    buf_printf(b, ": %s\n", g->message);

    /* The gutter is three spaces plus the line number's digits, so it
     * grows with the number instead of assuming a width. */
    int w = 3 + diag_digits(g->line);
    if (g->line_text) {
        buf_printf(b, "%*u | %s\n", w, (unsigned)g->line, g->line_text);
        buf_printf(b, "%*s | ", w, "");
        /* Walk the line up to the column: tabs are copied so the caret
         * lands under the same display column the terminal gives the text. */
        const unsigned char *p = (const unsigned char *)g->line_text;
        for (uint32_t c = 1; c < g->col && *p;) {
            if (*p == '\t')
                buf_putc(b, '\t');
            else if ((*p & 0xC0) != 0x80)
                buf_putc(b, ' ');
            p++;
            /* A column is complete once the next byte starts a new code point. */
            if ((*p & 0xC0) != 0x80)
                c++;
        }
        if (color)
            buf_puts(b, "\x1b[1;32m");
        buf_putc(b, '^');
        for (uint32_t i = 1; i < g->span; i++)
            buf_putc(b, '~');
        if (color)
            buf_puts(b, DIAG_RESET);
        buf_putc(b, '\n');
    }
    if (g->hint)
        buf_printf(b, "%*s = hint: %s\n", w, "", g->hint);
}

/* Diagnostics are shown in source order — files in the order they first
 * appear, then line and column — whatever phase found them; the sort is
 * stable so notes stay after the error they belong to. */
static size_t diag_file_rank(const DiagList *d, const char *file)
{
    if (!file)
        return 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].file && strcmp(d->items[i].file, file) == 0)
            return i + 1;
    return d->n + 1;
}

static int diag_before(const DiagList *d, const Diag *x, const Diag *y)
{
    size_t fx = diag_file_rank(d, x->file), fy = diag_file_rank(d, y->file);
    if (fx != fy)
        return fx < fy;
    if (!x->file || x->line == 0 || y->line == 0 || x->severity == DIAG_NOTE ||
        y->severity == DIAG_NOTE)
        return 0;
    if (x->line != y->line)
        return x->line < y->line;
    return x->col < y->col;
}

char *diag_render(const DiagList *d, int color)
{
    Buf b = BUF_INIT;
    size_t *order = malloc((d->n ? d->n : 1) * sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < d->n; i++) {
        size_t j = i; /* insertion sort: stable, and lists are short (capped) */
        while (j > 0 && diag_before(d, &d->items[i], &d->items[order[j - 1]])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (size_t i = 0; i < d->n; i++)
        diag_render_one(&b, &d->items[order[i]], color);
    free(order);
    return buf_take(&b);
}

void diag_clear(DiagList *d)
{
    for (size_t i = 0; i < d->n; i++)
        diag_free_one(&d->items[i]);
    free(d->items);
    memset(d, 0, sizeof *d);
}

/* Optimal string alignment distance (Damerau-Levenshtein where a
 * transposed pair counts as one edit and no substring is edited twice).
 * Returns limit+1 as soon as the distance must exceed limit. */
static size_t diag_osa(const char *a, size_t n, const char *b, size_t m, size_t limit)
{
    size_t diff = n > m ? n - m : m - n;
    if (diff > limit)
        return limit + 1;
    size_t *rows = malloc(3 * (m + 1) * sizeof *rows);
    if (!rows)
        return limit + 1;
    size_t *prev2 = rows, *prev = rows + (m + 1), *cur = rows + 2 * (m + 1);
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
        if (row_min > limit) {
            free(rows);
            return limit + 1;
        }
    }
    size_t r = prev[m];
    free(rows);
    return r;
}

const char *diag_suggest(const char *name, size_t name_len, const char *const *candidates,
                         size_t ncandidates)
{
    size_t limit = name_len / 3;
    if (limit < 1)
        limit = 1;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < ncandidates; i++) {
        const char *c = candidates[i];
        if (!c)
            continue;
        size_t dist = diag_osa(name, name_len, c, strlen(c), limit);
        /* Strictly less: on a tie the earlier candidate stays. */
        if (dist < best_d) {
            best_d = dist;
            best = c;
        }
    }
    return best;
}
