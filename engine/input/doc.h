/* doc.h — the document loader's pieces that streaming evaluation
 * (stream.c) shares: a JSON file mapped for plan-native reading, with its
 * input hash taken on the side. Internal to the engine; the public API of
 * documents is in veto.h.
 */
#ifndef VETO_DOC_H
#define VETO_DOC_H

#include <stdbool.h>

#include "input/paths_tree.h"
#include "vm/program.h"

/* Opens path for plan-native reading: a regular, non-empty file within
 * opt's size limit that is JSON by name, format option and first byte,
 * mapped read-only into an owned document (empty root; arena capped by
 * opt->max_mem). The input hash (SHA-256 of the file's bytes) is taken
 * meanwhile, on another thread for large files. NULL when the file does
 * not qualify or anything fails: veto_doc_load_file then reads it and
 * reports what is wrong. Free with veto_doc_free. */
veto_doc *doc_open_mapped(const char *path, const veto_load_options *opt);

/* Reads a document from doc_open_mapped with the projection proj (its
 * arena is reset first), waits for its hash and taints it as a plan.
 * False on invalid JSON or out of memory: veto_doc_load_file gives the
 * diagnostics. */
bool doc_read_projected(veto_doc *doc, veto_engine *e, const PathNode *proj,
                        const veto_load_options *opt);

/* Waits for the input hash of a document from doc_open_mapped and
 * records it (veto_doc_hash). False when it could not be taken (OOM). */
bool doc_hash_wait(veto_doc *doc);

#endif
