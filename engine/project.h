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
 * whole-document results of each rule in the same order.
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

#include "program.h"

/* Fills ok[0 .. p->npolicies) with 1 for streamable policies, 0 otherwise
 * (a policy without rules is not streamable), and returns how many qualify.
 * why, if not NULL, gets for each non-streamable policy a static string
 * saying the first reason found (NULL for streamable ones). Returns
 * UINT32_MAX on out of memory (ok all 0). */
uint32_t project_stream_policies(const Program *p, uint8_t *ok, const char **why);

#endif
