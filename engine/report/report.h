/* report.h — what the views of decision records (report_*.c, views.h)
 * share (report.c): labels, locations, the summary line, the list of
 * "test points".
 *
 * Every view prints only what the record holds, which is already
 * redacted, and takes the decisions of one run (one per input). None
 * adds a timestamp or anything else that would make output differ
 * between two runs on the same policies and inputs.
 */
#ifndef VETO_REPORT_H
#define VETO_REPORT_H

#include <stddef.h>

#include "base/buf.h"
#include "gate/decision.h"

typedef const veto_decision *const *ReportDecs;

/* "DENY", "WARN", "ADVISORY", "WAIVED", "OVERRIDDEN", "ERROR", "ALLOW", ... */
const char *report_label(const veto_decision *d, const Result *r);
/* "deny", "warn", ... or "error" for an error result. */
const char *report_rule(const veto_decision *d, const Result *r);
/* The policy rule's position: "file:line:col". */
void report_location(Buf *b, const Result *r);
/* The input's display name ("input" when there is none). */
const char *report_input(const veto_decision *d);
/* "fail: 8 policies, 15 denied, 1 warned, 0 errors[, 2 waived][, 1 overridden]" */
void report_summary(Buf *b, const veto_decision *d);
/* 1 when the result fails the gate under the decision's --fail-on. */
int report_fails(const veto_decision *d, const Result *r);
/* The number of results of policy pi in d. */
uint32_t report_policy_results(const veto_decision *d, uint32_t pi);
/* 1 when policy pi was evaluated for d (its kind is the decision's). */
int report_policy_ran(const veto_decision *d, uint32_t pi);

#endif
