/* input_kind.h — what kind of document an input is (input_kind.c). */
#ifndef VETO_INPUT_KIND_H
#define VETO_INPUT_KIND_H

#include <stdint.h>

#include "vm/value.h"

/* The kind of a loaded document, from its shape alone: "terraform-plan",
 * "terraform-state", "kubernetes", "cloudformation", "stream" (several
 * documents that are not all Kubernetes objects) or "document". ndocs is
 * the number of documents in the file; when it is above 1, root is the
 * array of them. Returns a static string. */
const char *input_kind_detect(Value root, uint32_t ndocs);

#endif
