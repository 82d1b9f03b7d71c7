/* override.h — overrides applied to a decision (override.c), for
 * enforce.c; loading them is veto.h's veto_overrides_load. */
#ifndef VETO_OVERRIDE_H
#define VETO_OVERRIDE_H

#include "gate/decision.h"

struct veto_overrides;
void override_apply(const struct veto_overrides *o, veto_decision *d);

#endif
