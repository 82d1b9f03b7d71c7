/* waiver.h — waivers applied to a decision (waiver.c), for enforce.c;
 * loading them is veto.h's veto_waivers_load. */
#ifndef VETO_WAIVER_H
#define VETO_WAIVER_H

#include "gate/decision.h"

struct veto_waivers;
void waiver_apply(const struct veto_waivers *w, veto_decision *d, const char *today);

#endif
