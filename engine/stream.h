/* stream.h — resource-by-resource evaluation of a plan file
 * (veto_eval_file, stream.c) and the per-program analyses that plan-native
 * loading uses. Internal to the engine.
 */
#ifndef VETO_STREAM_H
#define VETO_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "paths.h"
#include "program.h"
#include "project.h"

/* What plan-native loading needs to know about a program, computed once
 * per program on first use (stream_cache_get) and kept in its arena: the
 * program is immutable, so the answer never changes. */
typedef struct StreamCache {
    const PathNode *proj; /* the input paths the program can read (paths.h) */
    StreamPlan plan;      /* project_stream_plan; arrays NULL when it ran out of memory */
    uint8_t *keep;        /* per global: 1 when PJ_GLOBAL_KEEP (vm_stream_begin) */
    /* per policy kind: every policy of that kind streams (and there is one) */
    bool kind_streams[PK__COUNT];
} StreamCache;

/* The program's cache, computing it on first use; safe to call from
 * several threads at once on one program. NULL on out of memory. */
const StreamCache *stream_cache_get(const Program *p);

#endif
