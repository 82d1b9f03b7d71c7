/* render.c — the entry points that pick a view of decisions (veto.h):
 * veto_report_render(), veto_decision_json(), veto_decision_text(). Each
 * format is its own file (report_*.c, views.h). */
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/views.h"

static const char *const report_formats[] = {"text",   "json", "junit",    "sarif",
                                             "github", "tap",  "markdown", NULL};

int veto_report_format_known(const char *format)
{
    for (const char *const *f = report_formats; *f; f++)
        if (strcmp(*f, format) == 0)
            return 1;
    return 0;
}

char *veto_report_render(const veto_decision *const *decs, size_t n, const char *format, int color)
{
    if (!format || !veto_report_format_known(format))
        return NULL;
    Buf b = BUF_INIT;
    if (strcmp(format, "json") == 0)
        report_json(&b, decs, n);
    else if (strcmp(format, "text") == 0)
        report_text(&b, decs, n, color);
    else if (strcmp(format, "junit") == 0)
        report_junit(&b, decs, n);
    else if (strcmp(format, "sarif") == 0)
        report_sarif(&b, decs, n);
    else if (strcmp(format, "github") == 0)
        report_github(&b, decs, n);
    else if (strcmp(format, "tap") == 0)
        report_tap(&b, decs, n);
    else
        report_markdown(&b, decs, n);
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

char *veto_decision_json(const veto_decision *d, int pretty)
{
    char *s = veto_report_render(&d, 1, "json", 0);
    if (!s || pretty)
        return s;
    /* Compact form: re-read and re-write would need an engine; instead
     * drop the layout whitespace the JSON view adds outside strings. */
    size_t o = 0;
    int in_str = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (in_str) {
            s[o++] = c;
            if (c == '\\' && s[i + 1])
                s[o++] = s[++i];
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            s[o++] = c;
        } else if (c != ' ' && c != '\n') {
            s[o++] = c;
        }
    }
    s[o] = '\0';
    return s;
}

char *veto_decision_text(const veto_decision *d, int color)
{
    return veto_report_render(&d, 1, "text", color);
}
