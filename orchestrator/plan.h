/* plan.h — what the orchestrator reads out of a Terraform plan JSON for
 * itself: the summary by action and by resource type, the plan hash, the
 * sensitive values to keep out of logs, and drift entries.
 *
 * Owns: those read-outs, over a jdoc tree. Does not own: policy
 * evaluation (the engine reads the plan itself, through `tf`).
 */
#ifndef VETO_ORCH_PLAN_H
#define VETO_ORCH_PLAN_H

#include "jdoc.h"

#include <stddef.h>

typedef struct PlanInfo {
    char hash[72];  /* "sha256:" + 64 hex digits of the plan JSON text */
    long changes;   /* creates + updates + deletes + replacements */
    char *summary;  /* JSON: {"actions": {...}, "types": {TYPE: {...}}, "changes": N} */
    char **secrets; /* sensitive string values found in the plan */
    size_t nsecrets;
} PlanInfo;

/* Reads plan (the parsed plan JSON) whose text was text[0..len). Returns 0,
 * or -1 on OOM. Free with plan_info_clear. */
int plan_info(const Jd *plan, const char *text, size_t len, PlanInfo *out);
void plan_info_clear(PlanInfo *pi);

/* The resource_drift entries as a JSON array of {address, action}, and
 * their number; malloc'd. */
char *plan_drift_summary(const Jd *plan, long *count);

/* The one-word action of a change's actions list (as tf.action_of does). */
const char *plan_action_word(const Jd *actions);

/* "sha256:HEX" of bytes, into out (72 bytes). */
void plan_sha256(const char *bytes, size_t len, char out[72]);

#endif
