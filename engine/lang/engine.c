/* engine.c — the engine object, the public diagnostics API and the
 * program's destructor: the glue of veto.h that belongs to no phase. */
#include <stdlib.h>

#include "base/diag.h"
#include "stdlib/builtin.h"
#include "veto.h"
#include "vm/program.h"
#include "vm/regex.h"

veto_engine *veto_engine_new(void)
{
    veto_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->keys = keys_new();
    if (!e->keys) {
        free(e);
        return NULL;
    }
    return e;
}

void veto_engine_free(veto_engine *e)
{
    if (!e)
        return;
    keys_free(e->keys);
    free(e);
}

void veto_program_free(veto_program *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nsources; i++)
        source_free(p->sources[i]);
    for (uint32_t i = 0; i < p->nregexes; i++)
        regex_free(p->regexes[i]);
    arena_free(&p->arena);
    free(p);
}

size_t veto_program_policy_count(const veto_program *p) { return p->npolicies; }

veto_diags *veto_diags_new(void) { return calloc(1, sizeof(veto_diags)); }

void veto_diags_free(veto_diags *d)
{
    if (!d)
        return;
    diag_clear(d);
    free(d->items);
    free(d);
}

size_t veto_diags_errors(const veto_diags *d) { return d->errors; }
size_t veto_diags_warnings(const veto_diags *d) { return d->warnings; }
char *veto_diags_render(const veto_diags *d, int color) { return diag_render(d, color); }
