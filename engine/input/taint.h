/* taint.h — applying Terraform's sensitivity masks to values.
 *
 * Terraform reports which attributes are secret in masks shaped like the
 * values (`after_sensitive`, `before_sensitive`, `sensitive_values`):
 * `true` marks a whole value, objects and arrays mirror the structure.
 * taint_apply() returns a value whose marked parts carry VF_SENSITIVE.
 *
 * taint_plan() does this once, when a plan document is loaded, for every
 * place a plan holds values: resource_changes and resource_drift (before
 * and after), output_changes, and planned_values / prior_state resources
 * (values, with sensitive_values), child modules included. So a secret is
 * tainted however a policy reaches it — through the tf module or a raw
 * `input.` path — and no output can show it.
 */
#ifndef VETO_TAINT_H
#define VETO_TAINT_H

#include "base/arena.h"
#include "vm/value.h"

/* New containers go to `arena`; unmarked parts are shared, not copied.
 * Returns v unchanged when mask marks nothing. Sets arena->failed on OOM. */
Value taint_apply(Arena *arena, Value v, Value mask);

/* Taints a Terraform plan (or state) document in place, if root is one. */
void taint_plan(Arena *arena, Value *root);

/* Taints one entry of resource_changes in place, exactly as taint_plan
 * does for each entry of the list: for streaming, where the entries are
 * read one at a time and the rest of the plan goes through taint_plan. */
void taint_resource_change(Arena *arena, Value entry);

#endif
