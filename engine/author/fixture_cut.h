/* fixture_cut.h — `veto fixture cut`: a small test input cut out of a real
 * Terraform plan, with every sensitive value scrubbed.
 *
 * Keeps, for the resources whose address matches one of the selectors:
 * their resource_changes and resource_drift entries, their planned_values
 * and prior_state resources (with the child modules that hold them), their
 * configuration (resource blocks, and the module calls leading to them)
 * and relevant_attributes. Drops everything that could carry a value not
 * tied to a kept resource: variables, outputs, output_changes, checks,
 * provider and module-call expressions, module variables.
 *
 * Scrubbing: the document was tainted at load (taint.c) from Terraform's
 * own masks; every tainted value, and every configuration constant whose
 * attribute a kept resource's after_sensitive mask marks, is written as
 * the placeholder "(sensitive)" — the secret never reaches the output.
 */
#ifndef VETO_FIXTURE_CUT_H
#define VETO_FIXTURE_CUT_H

#include <stddef.h>

#include "veto.h"

/* A selector matches an address equal to it, or one that continues it
 * with '[' or '.' ("aws_instance.web" matches "aws_instance.web[0]",
 * "module.net" every resource inside module.net). Returns the cut plan as
 * pretty JSON (malloc'd), or NULL with a message in err (no selector may
 * match nothing; the document must be a plan). */
char *fixture_cut(const veto_doc *plan, const char *const *selectors, size_t nselectors, char *err,
                  size_t errlen);

#endif
