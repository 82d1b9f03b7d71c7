/* tfsource.h — where a plan's resources are written (tfsource.c): the
 * lookup enforce.c uses; scanning is veto.h's veto_tfsource_scan. */
#ifndef VETO_TFSOURCE_H
#define VETO_TFSOURCE_H

#include <stdint.h>

struct veto_tfsource;
/* Finds the resource block of a plan address: 1 and file/line, or 0. */
int tfsource_lookup(const struct veto_tfsource *t, const char *address, const char **file,
                    uint32_t *line);

#endif
