/* check.c — compiling with the checks of `veto check` (veto_check_finish,
 * veto.h): lint warnings and provider-schema checks run over the ASTs
 * between the compiler's two halves, so compiling itself never lints.
 */
#include "author/lint.h"
#include "author/schema_check.h"
#include "lang/compiler.h"
#include "veto.h"

veto_program *veto_check_finish(veto_compiler *vc, int lint, const veto_doc *schema, veto_diags *d)
{
    Compiler *c = &vc->c;
    compiler_build(vc, d);
    /* Checks that need the ASTs run before the compile arena goes. */
    if (d->errors == 0 && lint)
        lint_units(c);
    if (d->errors == 0 && schema)
        schema_check_units(c, schema);
    return compiler_release(vc, d);
}
