/* stream.h — resource-by-resource evaluation of a plan file
 * (veto_eval_file, stream.c) and the per-program analyses that plan-native
 * loading uses. Internal to the engine.
 */
#ifndef VETO_STREAM_H
#define VETO_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "gate/paths.h"
#include "gate/project.h"
#include "vm/program.h"

/* What plan-native loading needs to know about a program, computed once
 * per program on first use (stream_cache_get) and kept in its arena: the
 * program is immutable, so the answer never changes. */
typedef struct StreamCache {
    const PathNode *proj; /* the input paths the program can read (paths.h) */
    StreamPlan plan;      /* project_stream_plan; arrays NULL when it ran out of memory */
    uint8_t *keep;        /* per global: 1 when PJ_GLOBAL_KEEP (vm_stream_begin) */
    /* per policy kind: every policy of that kind streams (and there is one) */
    bool kind_streams[PK__COUNT];
    /* per policy kind: some policies of that kind stream, some do not */
    bool kind_mixed[PK__COUNT];
    /* per policy kind, for mixed kinds: what the policies that do not
     * stream read (stream_mixed_get computes it on first use) */
    struct StreamMixed {
        uint8_t state; /* STREAM_MIXED_*; read and written under the cache's lock */
        /* of each entry of resource_changes, what those policies read (a
         * tree in the program's arena); NULL when they read no entry */
        const PathNode *entry;
        /* what the policies that stream read (JsonStream.early), in the
         * program's arena */
        const PathNode *early;
        const char *why; /* STREAM_MIXED_NO: why not (static) */
    } mixed[PK__COUNT];
} StreamCache;

enum { STREAM_MIXED_UNKNOWN = 0, STREAM_MIXED_YES = 1, STREAM_MIXED_NO = 2 };

/* The program's cache, computing it on first use; safe to call from
 * several threads at once on one program. NULL on out of memory. */
const StreamCache *stream_cache_get(const Program *p);

/* sc->mixed[kind] (sc from stream_cache_get(p)), computed on first use:
 * path analyses rooted at the rules of the kind's policies that do not
 * stream, and at those of the policies that do. STREAM_MIXED_YES when the
 * former's document can be built from the streamed entries: the analysis
 * found what they read, and the whole program's projection (sc->proj)
 * keeps all of it and all the latter read. Thread-safe. */
const struct StreamMixed *stream_mixed_get(const Program *p, const StreamCache *sc,
                                           PolicyKind kind);

#endif
