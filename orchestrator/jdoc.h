/* jdoc.h — a small JSON tree for what the orchestrator reads besides policy
 * inputs: plan summaries, `terraform output -json`, decision records.
 *
 * Owns: parsing text into a malloc'd tree and walking it, and writing a
 * tree back as compact JSON. Policy inputs go through the engine
 * (veto_doc); this is for the orchestrator's own bookkeeping, where the
 * documents are small or read once.
 */
#ifndef VETO_ORCH_JDOC_H
#define VETO_ORCH_JDOC_H

#include "sbuf.h"

#include <stddef.h>

typedef enum JdType { JD_NULL, JD_BOOL, JD_NUM, JD_STR, JD_ARR, JD_OBJ } JdType;

typedef struct Jd {
    JdType type;
    int boolean;       /* JD_BOOL */
    char *text;        /* JD_STR: the decoded string; JD_NUM: the number as written */
    size_t n;          /* JD_ARR, JD_OBJ: number of items */
    struct Jd **items; /* JD_ARR, JD_OBJ: the values */
    char **keys;       /* JD_OBJ: the keys, parallel to items */
} Jd;

/* Parses one JSON value from text[0..len) and trailing whitespace only.
 * Returns an owned tree, or NULL with a message in err[0..errlen). */
Jd *jd_parse(const char *text, size_t len, char *err, size_t errlen);
/* Parses the first complete JSON object in text that starts at the
 * beginning of a line and runs to the end (ignoring whitespace): finds the
 * plan JSON in a plan command's stdout after human-readable lines; sets
 * *offset to where it starts. */
Jd *jd_parse_trailing_object(const char *text, size_t len, size_t *offset, char *err,
                             size_t errlen);
void jd_free(Jd *j);

/* Member of an object (NULL when j is not an object or lacks it). Borrowed. */
const Jd *jd_get(const Jd *j, const char *key);
/* The string of a JD_STR, else NULL. */
const char *jd_str(const Jd *j);
/* The number of a JD_NUM, else dflt. */
double jd_num(const Jd *j, double dflt);
/* Writes j as compact JSON. */
void jd_write(Sbuf *b, const Jd *j);

#endif
