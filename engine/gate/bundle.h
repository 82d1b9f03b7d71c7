/* bundle.h — compiled policy sets on disk (`veto build`, `veto eval --bundle`).
 *
 * bundle.c owns the binary format (docs/BUNDLES.md): serialising a Program
 * into its canonical payload, the header around it, loading a bundle back
 * into a Program of the loading engine, and the bytecode verifier that makes
 * a crafted bundle unable to drive the VM out of bounds or into a loop the
 * step budget cannot stop. It does not own compiling (compiler.c) or the
 * VM's semantics (vm.c, whose unchecked loop the verifier protects).
 *
 * The public entry points (veto_bundle_load, veto_bundle_write,
 * veto_program_hash) are declared in veto.h; this header adds what tests,
 * the fuzzer and the CLI need beyond them.
 */
#ifndef VETO_BUNDLE_H
#define VETO_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "veto.h"

#define BUNDLE_MAGIC       "VETOBNDL" /* 8 bytes, no NUL */
#define BUNDLE_FORMAT      1u         /* bumped whenever the layout or the bytecode changes */
#define BUNDLE_HEADER_SIZE 68u        /* magic 8, format 4, writer 16, length 8, sha256 32 */

/* Loads a bundle from memory (name is used in messages). Same contract as
 * veto_bundle_load: an owned program, or NULL with the reason in d. */
veto_program *bundle_load_mem(veto_engine *e, const char *name, const unsigned char *data,
                              size_t len, veto_diags *d);

/* The whole bundle file for p (header + payload), malloc'd into *out.
 * Returns VETO_OK or VETO_ERR_NOMEM (reason in d when d is not NULL). */
veto_status bundle_serialize(const veto_program *p, unsigned char **out, size_t *len,
                             veto_diags *d);

/* Computes the program's policy-set hash and keeps it on the program. */
void bundle_cache_hash(veto_program *p);

#endif
