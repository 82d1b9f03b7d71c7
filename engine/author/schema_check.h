/* schema_check.h — checks the resource types and attribute paths policies
 * use against provider schemas (`terraform providers schema -json`), so a
 * misspelt attribute is a compile-time error instead of a rule that
 * silently never fires (docs/LINT.md, "Schema checks").
 *
 * Types are tracked statically and conservatively: a variable has a
 * resource type only when it is bound from tf.changes("T", ...),
 * tf.changes_of_type("T"), tf.changes_of_types([...]) or a collection
 * narrowed by a `x.type == "T"` guard; paths under it are walked through
 * the schema's attributes (their types: maps take any key, objects their
 * own attributes, lists and sets index) and nested blocks. Anything the
 * walk cannot follow is not checked, so it reports no false positives.
 * Runs before the compile arena is freed; adds DIAG_ERROR diagnostics.
 */
#ifndef VETO_SCHEMA_CHECK_H
#define VETO_SCHEMA_CHECK_H

#include "lang/units.h"

/* schema is borrowed: a loaded providers-schema document. */
void schema_check_units(Compiler *c, const struct veto_doc *schema);

#endif
