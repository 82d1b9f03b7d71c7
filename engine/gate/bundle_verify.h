/* bundle_verify.h — the bytecode verifier (bundle_verify.c). */
#ifndef VETO_BUNDLE_VERIFY_H
#define VETO_BUNDLE_VERIFY_H

#include <stddef.h>

#include "veto.h"

/* Checks every function of p as the loader does (operands in range, stack
 * discipline, loops that burn fuel). Returns 1 when p is sound, else 0
 * with a message in err. Used on loaded bundles, and by tests on every
 * program the compiler makes (the compiler's output must always verify). */
int bundle_verify(const veto_program *p, char *err, size_t errlen);

#endif
