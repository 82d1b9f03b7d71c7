/* project.h — which policies can be evaluated resource by resource.
 *
 * A policy is *streamable* when every rule reads the plan only through
 * input.resource_changes, one element at a time: the collection each rule
 * iterates is derived element-wise from resource_changes (tf.changes,
 * filters, normalisation of one entry), and nothing aggregates over the list
 * (count, sort, `any` over all resources, one resource looking at another,
 * the element's index). For such a policy, evaluating it on documents that
 * each hold one element of resource_changes (and the rest of the input
 * unchanged), and concatenating the results element by element, gives the
 * whole-document results of each rule in the same order. The one
 * aggregate allowed is a count of such a derived list kept in a `let`
 * (`let destroyed = count(tf.destroys())`): summed over the elements, it
 * feeds the rules that run once after the stream (PJ_RULE_POST below).
 *
 * The analysis is conservative: an instruction or shape it does not model
 * makes the rule not streamable. It assumes resource_changes is an array;
 * the caller streams only when it is. Runtime errors and resource limits
 * are the caller's business (fall back to a whole-document evaluation).
 * Owns nothing beyond the call; reads the Program.
 */
#ifndef VETO_PROJECT_H
#define VETO_PROJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/program.h"

/* Fills ok[0 .. p->npolicies) with 1 for streamable policies, 0 otherwise
 * (a policy without rules is not streamable), and returns how many qualify:
 * project_stream_plan()'s policy verdicts, so a policy whose rules are
 * each STREAM or POST counts.
 * why, if not NULL, gets for each non-streamable policy a static string
 * saying the first reason found (NULL for streamable ones). Returns
 * UINT32_MAX on out of memory (ok all 0). */
uint32_t project_stream_policies(const Program *p, uint8_t *ok, const char **why);

/* The streaming plan: what project_stream_plan() decides for a program.
 *
 * Rules:
 *   PJ_RULE_STREAM  as above: every EMIT inside one stream loop over
 *                   resource_changes, operands E or K. Run once per element
 *                   on a document holding just that element, its results
 *                   concatenated in element order are the whole document's.
 *   PJ_RULE_POST    reads nothing derived from resource_changes except FOLD
 *                   globals (and K: constants, context, data, other input
 *                   members, KEEP globals). Run once after the stream, with
 *                   each FOLD global set to the sum of its per-element
 *                   values, it gives the whole document's results. It does
 *                   not even test resource_changes' kind, so the document
 *                   it runs on may lack resource_changes; every global not
 *                   KEEP nor preset is computed afresh there, never carried
 *                   over from an element.
 *   PJ_RULE_WHOLE   anything else: needs the whole document.
 * Globals (only those reachable from some rule are classified; the others
 * stay PJ_GLOBAL_OTHER):
 *   PJ_GLOBAL_KEEP  independent of resource_changes: computed once, kept
 *                   across elements. Its value is the same on every
 *                   document whose resource_changes is an array (it may
 *                   test that kind: is_array, ??), so compute it on one.
 *   PJ_GLOBAL_ELEM  depends on resource_changes element-wise (E, S, Z):
 *                   recomputed for every element.
 *   PJ_GLOBAL_FOLD  `count(S)` (or `length(S)`) of a stream S, or exactly
 *                   another FOLD global (`let b = a`): an integer (V_INT)
 *                   whose value on the whole document is the sum of its
 *                   values on the one-element documents (S is the
 *                   concatenation of the per-element streams). The sum
 *                   keeps the union of the values' flags. Anything done to
 *                   the count first (count(S) + 1, a condition choosing
 *                   it or 0) is not a fold.
 *   PJ_GLOBAL_OTHER not classified, or an aggregate that is not a fold.
 * A policy streams (policy[i] = 1) when it has rules and each is STREAM or
 * POST. The plan holds for the program whatever policy kind is evaluated.
 */
enum { PJ_RULE_WHOLE = 0, PJ_RULE_STREAM = 1, PJ_RULE_POST = 2 };
enum { PJ_GLOBAL_OTHER = 0, PJ_GLOBAL_KEEP = 1, PJ_GLOBAL_ELEM = 2, PJ_GLOBAL_FOLD = 3 };

typedef struct StreamPlan {
    uint8_t *policy;      /* per policy: 1 = streams */
    uint8_t *rule;        /* per rule: PJ_RULE_* */
    uint8_t *global;      /* per global: PJ_GLOBAL_* */
    const char **why;     /* per policy: first reason it does not stream (static), or NULL */
    uint32_t *fold_kinds; /* per global: bit (1u << PolicyKind) set when a POST rule of a
                           * policy of that kind reads that FOLD global, directly or
                           * through other globals/functions (a superset: whatever the
                           * call graph reaches, dead code too); 0 otherwise */
    uint32_t nstream;     /* policies that stream */
} StreamPlan;

/* Fills *out (all arrays malloc'd, owned by the caller: free them with
 * project_stream_plan_free). Returns false on out of memory (*out zeroed). */
bool project_stream_plan(const Program *p, StreamPlan *out);
void project_stream_plan_free(StreamPlan *sp);

#endif
