/* coverage.c — line coverage through the VM step hook; see coverage.h. */
#include "author/coverage.h"

#include <stdlib.h>
#include <string.h>

#include "stdlib/stdlib_modules.h"

void coverage_init(Coverage *c) { memset(c, 0, sizeof *c); }

void coverage_free(Coverage *c)
{
    for (uint32_t i = 0; i < c->nfiles; i++) {
        free(c->files[i].name);
        free(c->files[i].hits);
    }
    free(c->files);
    memset(c, 0, sizeof *c);
}

static bool coverage_is_stdlib(const Source *s)
{
    for (size_t i = 0; i < stdlib_module_count; i++)
        if (strcmp(s->name, stdlib_modules[i].path) == 0)
            return true;
    return false;
}

/* The reported functions: user code of a policy file (not the stdlib,
 * not the `veto expr` unit). */
static bool coverage_reported(const Program *p, uint32_t fi)
{
    const Function *f = &p->funcs[fi];
    if (f->source >= p->nsources || f->ncode == 0 || !f->offsets)
        return false;
    return !coverage_is_stdlib(p->sources[f->source]);
}

/* The file entry for src, created with its line count; NULL on OOM. */
static CoverageFile *coverage_file(Coverage *c, const Source *src)
{
    for (uint32_t i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i].name, src->name) == 0) {
            CoverageFile *f = &c->files[i];
            if (f->nlines < src->nlines) { /* same name, longer text: grow */
                int64_t *h = realloc(f->hits, src->nlines * sizeof *h);
                if (!h)
                    return NULL;
                for (uint32_t l = f->nlines; l < src->nlines; l++)
                    h[l] = -1;
                f->hits = h;
                f->nlines = src->nlines;
            }
            return f;
        }
    if (c->nfiles == c->cap) {
        uint32_t ncap = c->cap ? c->cap * 2 : 16;
        CoverageFile *nf = realloc(c->files, ncap * sizeof *nf);
        if (!nf)
            return NULL;
        c->files = nf;
        c->cap = ncap;
    }
    CoverageFile *f = &c->files[c->nfiles];
    f->name = strdup(src->name);
    f->nlines = src->nlines ? src->nlines : 1;
    f->hits = malloc(f->nlines * sizeof *f->hits);
    if (!f->name || !f->hits) {
        free(f->name);
        free(f->hits);
        return NULL;
    }
    for (uint32_t l = 0; l < f->nlines; l++)
        f->hits[l] = -1;
    c->nfiles++;
    return f;
}

static void coverage_step(void *ud, const struct Vm *vm, uint32_t func, uint32_t pc,
                          const Value *stack, uint32_t sp, uint32_t base)
{
    (void)vm, (void)stack, (void)sp, (void)base;
    CoverageRun *run = ud;
    if (func < run->prog->nfuncs && run->counts[func] && pc < run->prog->funcs[func].ncode)
        run->counts[func][pc]++;
}

bool coverage_begin(Coverage *c, CoverageRun *run, const Program *p)
{
    memset(run, 0, sizeof *run);
    run->prog = p;
    run->hooks.step = coverage_step;
    run->hooks.ud = run;
    run->counts = calloc(p->nfuncs ? p->nfuncs : 1, sizeof *run->counts);
    if (!run->counts) {
        c->failed = true;
        return false;
    }
    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        if (!coverage_reported(p, fi))
            continue;
        const Function *fn = &p->funcs[fi];
        const Source *src = p->sources[fn->source];
        CoverageFile *f = coverage_file(c, src);
        run->counts[fi] = calloc(fn->ncode, sizeof **run->counts);
        if (!f || !run->counts[fi]) {
            c->failed = true;
            continue;
        }
        for (uint32_t pc = 0; pc < fn->ncode; pc++) {
            uint32_t line, col;
            source_position(src, fn->offsets[pc], &line, &col);
            if (line >= 1 && line <= f->nlines && f->hits[line - 1] < 0)
                f->hits[line - 1] = 0;
        }
    }
    return true;
}

void coverage_end(Coverage *c, CoverageRun *run)
{
    const Program *p = run->prog;
    for (uint32_t fi = 0; run->counts && fi < p->nfuncs; fi++) {
        if (!run->counts[fi])
            continue;
        const Function *fn = &p->funcs[fi];
        const Source *src = p->sources[fn->source];
        CoverageFile *f = coverage_file(c, src);
        if (!f) {
            c->failed = true;
            continue;
        }
        /* A line's hits: the most any of its instructions ran (the
         * instructions of one line run together unless short-circuited). */
        int64_t *line_max = calloc(f->nlines, sizeof *line_max);
        if (!line_max) {
            c->failed = true;
            continue;
        }
        for (uint32_t pc = 0; pc < fn->ncode; pc++) {
            uint32_t line, col;
            source_position(src, fn->offsets[pc], &line, &col);
            if (line >= 1 && line <= f->nlines && (int64_t)run->counts[fi][pc] > line_max[line - 1])
                line_max[line - 1] = (int64_t)run->counts[fi][pc];
        }
        for (uint32_t l = 0; l < f->nlines; l++)
            if (f->hits[l] >= 0)
                f->hits[l] += line_max[l];
        free(line_max);
    }
    for (uint32_t fi = 0; run->counts && fi < p->nfuncs; fi++)
        free(run->counts[fi]);
    free(run->counts);
    memset(run, 0, sizeof *run);
}

static void coverage_file_totals(const CoverageFile *f, uint64_t *covered, uint64_t *coverable)
{
    for (uint32_t l = 0; l < f->nlines; l++)
        if (f->hits[l] >= 0) {
            (*coverable)++;
            if (f->hits[l] > 0)
                (*covered)++;
        }
}

void coverage_totals(const Coverage *c, uint64_t *covered, uint64_t *coverable)
{
    *covered = *coverable = 0;
    for (uint32_t i = 0; i < c->nfiles; i++)
        coverage_file_totals(&c->files[i], covered, coverable);
}

static double coverage_ratio(uint64_t covered, uint64_t coverable)
{
    return coverable ? 100.0 * (double)covered / (double)coverable : 100.0;
}

double coverage_percent(const Coverage *c)
{
    uint64_t cov, all;
    coverage_totals(c, &cov, &all);
    return coverage_ratio(cov, all);
}

static int coverage_cmp(const void *a, const void *b)
{
    return strcmp(((const CoverageFile *)a)->name, ((const CoverageFile *)b)->name);
}

/* "31-33, 41": the coverable lines that never ran, as ranges. */
static void coverage_missed(Buf *out, const CoverageFile *f)
{
    bool first = true;
    for (uint32_t l = 0; l < f->nlines; l++) {
        if (f->hits[l] != 0)
            continue;
        uint32_t end = l; /* extend over missed lines and code-free lines between them */
        for (uint32_t k = l + 1; k < f->nlines && f->hits[k] <= 0; k++)
            if (f->hits[k] == 0)
                end = k;
        buf_printf(out, "%s%u", first ? "" : ", ", l + 1);
        if (end > l)
            buf_printf(out, "-%u", end + 1);
        first = false;
        l = end;
    }
}

static void coverage_text(const Coverage *c, Buf *out)
{
    uint64_t cov, all;
    coverage_totals(c, &cov, &all);
    buf_printf(out, "coverage: %.1f%% of lines (%llu/%llu)\n", coverage_ratio(cov, all),
               (unsigned long long)cov, (unsigned long long)all);
    size_t width = 0;
    for (uint32_t i = 0; i < c->nfiles; i++)
        if (strlen(c->files[i].name) > width)
            width = strlen(c->files[i].name);
    for (uint32_t i = 0; i < c->nfiles; i++) {
        const CoverageFile *f = &c->files[i];
        uint64_t fc = 0, fa = 0;
        coverage_file_totals(f, &fc, &fa);
        buf_printf(out, "  %-*s %6.1f%% (%llu/%llu)", (int)width, f->name, coverage_ratio(fc, fa),
                   (unsigned long long)fc, (unsigned long long)fa);
        if (fc < fa) {
            buf_puts(out, "  not run: ");
            coverage_missed(out, f);
        }
        buf_putc(out, '\n');
    }
}

static void coverage_json_lines(Buf *out, const CoverageFile *f, bool hit)
{
    bool first = true;
    buf_putc(out, '[');
    for (uint32_t l = 0; l < f->nlines; l++)
        if (f->hits[l] >= 0 && (f->hits[l] > 0) == hit) {
            buf_printf(out, "%s%u", first ? "" : ", ", l + 1);
            first = false;
        }
    buf_putc(out, ']');
}

static void coverage_json_string(Buf *out, const char *s)
{
    buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_printf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            buf_printf(out, "\\u%04x", (unsigned)(unsigned char)*s);
        else
            buf_putc(out, *s);
    }
    buf_putc(out, '"');
}

static void coverage_json(const Coverage *c, Buf *out)
{
    uint64_t cov, all;
    coverage_totals(c, &cov, &all);
    buf_printf(out,
               "{\n  \"percent\": %.1f,\n  \"lines_covered\": %llu,\n  \"lines_total\": %llu,\n",
               coverage_ratio(cov, all), (unsigned long long)cov, (unsigned long long)all);
    buf_puts(out, "  \"files\": [");
    for (uint32_t i = 0; i < c->nfiles; i++) {
        const CoverageFile *f = &c->files[i];
        uint64_t fc = 0, fa = 0;
        coverage_file_totals(f, &fc, &fa);
        buf_printf(out, "%s\n    {\"file\": ", i ? "," : "");
        coverage_json_string(out, f->name);
        buf_printf(out, ", \"percent\": %.1f, \"lines_covered\": %llu, \"lines_total\": %llu,\n",
                   coverage_ratio(fc, fa), (unsigned long long)fc, (unsigned long long)fa);
        buf_puts(out, "     \"covered\": ");
        coverage_json_lines(out, f, true);
        buf_puts(out, ",\n     \"uncovered\": ");
        coverage_json_lines(out, f, false);
        buf_putc(out, '}');
    }
    buf_puts(out, c->nfiles ? "\n  ]\n}\n" : "]\n}\n");
}

static void coverage_lcov(const Coverage *c, Buf *out)
{
    for (uint32_t i = 0; i < c->nfiles; i++) {
        const CoverageFile *f = &c->files[i];
        uint64_t fc = 0, fa = 0;
        coverage_file_totals(f, &fc, &fa);
        buf_printf(out, "TN:veto\nSF:%s\n", f->name);
        for (uint32_t l = 0; l < f->nlines; l++)
            if (f->hits[l] >= 0)
                buf_printf(out, "DA:%u,%lld\n", l + 1, (long long)f->hits[l]);
        buf_printf(out, "LF:%llu\nLH:%llu\nend_of_record\n", (unsigned long long)fa,
                   (unsigned long long)fc);
    }
}

static void coverage_xml_attr(Buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        default:
            buf_putc(out, s[i]);
        }
    }
}

/* Cobertura's line-rate: a fraction with four decimals. */
static void coverage_rate(Buf *out, uint64_t covered, uint64_t coverable)
{
    buf_printf(out, "%.4f", coverable ? (double)covered / (double)coverable : 1.0);
}

static size_t coverage_dirlen(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash ? (size_t)(slash - name) : 0;
}

static void coverage_cobertura(const Coverage *c, Buf *out)
{
    uint64_t cov, all;
    coverage_totals(c, &cov, &all);
    buf_puts(out, "<?xml version=\"1.0\" ?>\n"
                  "<!DOCTYPE coverage SYSTEM "
                  "\"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n"
                  "<coverage line-rate=\"");
    coverage_rate(out, cov, all);
    buf_printf(out,
               "\" branch-rate=\"0\" lines-covered=\"%llu\" lines-valid=\"%llu\" "
               "branches-covered=\"0\" branches-valid=\"0\" complexity=\"0\" version=\"veto %s\" "
               "timestamp=\"0\">\n",
               (unsigned long long)cov, (unsigned long long)all, VETO_VERSION);
    buf_puts(out, "  <sources>\n    <source>.</source>\n  </sources>\n  <packages>\n");
    /* One package per directory; the files are sorted, so a directory's
     * files are adjacent. */
    for (uint32_t i = 0; i < c->nfiles;) {
        size_t dl = coverage_dirlen(c->files[i].name);
        uint32_t j = i;
        uint64_t pc = 0, pa = 0;
        while (j < c->nfiles && coverage_dirlen(c->files[j].name) == dl &&
               strncmp(c->files[j].name, c->files[i].name, dl) == 0)
            coverage_file_totals(&c->files[j++], &pc, &pa);
        buf_puts(out, "    <package name=\"");
        if (dl)
            coverage_xml_attr(out, c->files[i].name, dl);
        else
            buf_putc(out, '.');
        buf_puts(out, "\" line-rate=\"");
        coverage_rate(out, pc, pa);
        buf_puts(out, "\" branch-rate=\"0\" complexity=\"0\">\n      <classes>\n");
        for (uint32_t k = i; k < j; k++) {
            const CoverageFile *f = &c->files[k];
            uint64_t fc = 0, fa = 0;
            coverage_file_totals(f, &fc, &fa);
            const char *base = f->name + (dl ? dl + 1 : 0);
            buf_puts(out, "        <class name=\"");
            coverage_xml_attr(out, base, strlen(base));
            buf_puts(out, "\" filename=\"");
            coverage_xml_attr(out, f->name, strlen(f->name));
            buf_puts(out, "\" line-rate=\"");
            coverage_rate(out, fc, fa);
            buf_puts(out, "\" branch-rate=\"0\" complexity=\"0\">\n"
                          "          <methods/>\n          <lines>\n");
            for (uint32_t l = 0; l < f->nlines; l++)
                if (f->hits[l] >= 0)
                    buf_printf(out, "            <line number=\"%u\" hits=\"%lld\"/>\n", l + 1,
                               (long long)f->hits[l]);
            buf_puts(out, "          </lines>\n        </class>\n");
        }
        buf_puts(out, "      </classes>\n    </package>\n");
        i = j;
    }
    buf_puts(out, "  </packages>\n</coverage>\n");
}

void coverage_render(Coverage *c, CoverageFormat fmt, Buf *out)
{
    if (c->nfiles > 1)
        qsort(c->files, c->nfiles, sizeof *c->files, coverage_cmp);
    switch (fmt) {
    case COV_JSON:
        coverage_json(c, out);
        break;
    case COV_LCOV:
        coverage_lcov(c, out);
        break;
    case COV_COBERTURA:
        coverage_cobertura(c, out);
        break;
    default:
        coverage_text(c, out);
    }
}
