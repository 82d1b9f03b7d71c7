/* compile_testlib.h — compiling a policy source for a unit test.
 *
 * testlib_compile() compiles one source text on engine e and returns the
 * program (owned by the caller: veto_program_free), or NULL after printing
 * the diagnostics to stderr, so a test that cannot compile its policy says
 * why. Included by the unit tests that evaluate policies.
 */
#ifndef VETO_COMPILE_TESTLIB_H
#define VETO_COMPILE_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veto.h"

static veto_program *testlib_compile(veto_engine *e, const char *name, const char *src)
{
    veto_diags *d = veto_diags_new();
    veto_compiler *c = veto_compiler_new(e);
    veto_program *p = NULL;
    if (veto_compiler_add_source(c, name, src, strlen(src), d) == VETO_OK)
        p = veto_compiler_finish(c, d);
    else
        veto_compiler_free(c);
    if (!p) {
        char *r = veto_diags_render(d, 0);
        fprintf(stderr, "%s does not compile:\n%s", name, r ? r : "");
        free(r);
    }
    veto_diags_free(d);
    return p;
}

#endif
