/* views.h — the views of decision records, one function per format, each
 * in its own file (report_json.c, report_text.c, ...), picked by render.c.
 */
#ifndef VETO_VIEWS_H
#define VETO_VIEWS_H

#include <stddef.h>

#include "base/buf.h"
#include "report/report.h"

void report_json(Buf *b, ReportDecs d, size_t n);
void report_text(Buf *b, ReportDecs d, size_t n, int color);
void report_junit(Buf *b, ReportDecs d, size_t n);
void report_sarif(Buf *b, ReportDecs d, size_t n);
void report_github(Buf *b, ReportDecs d, size_t n);
void report_tap(Buf *b, ReportDecs d, size_t n);
void report_markdown(Buf *b, ReportDecs d, size_t n);

#endif
