/* lint.h — warnings about policies that compile but are probably wrong:
 * rules that can never fire, unused and shadowed names, policies without
 * an id or severity (docs/LINT.md).
 *
 * Runs over the ASTs of the files the user gave (never the embedded
 * standard library) after code generation, before the compile arena is
 * freed; adds DIAG_WARNING diagnostics only, so it never makes a
 * compile fail.
 */
#ifndef VETO_LINT_H
#define VETO_LINT_H

#include "lang/units.h"

void lint_units(Compiler *c);

#endif
