/* builtin.h — the interface between the VM and builtin functions written in C.
 *
 * A builtin receives its arguments as Values and writes one Value. It
 * allocates only from ctx->arena (the evaluation arena), so its results
 * live exactly as long as the evaluation. It never prints or exits.
 *
 * Conventions every builtin follows:
 *   - an undefined argument makes the result undefined (return true with
 *     *out = undefined), unless the builtin is about definedness;
 *   - a wrong argument type is a runtime error: return false after
 *     builtin_error(ctx, "...") — the VM attaches the policy location;
 *   - the VM taints the result with VF_SENSITIVE when any argument is
 *     sensitive, so builtins need not.
 *
 * Builtins are found by name at compile time (dotted names such as
 * "json.decode" are allowed) and called through a table index.
 */
#ifndef VETO_BUILTIN_H
#define VETO_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/builtin_abi.h"

/* Sets ctx->err (printf-style) and returns false, for `return builtin_error(...)`. */
bool builtin_error(BuiltinCtx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The table of all builtins, sorted by name; builtin_find is a binary search. */
const BuiltinDef *builtin_find(const char *name, size_t len);
const BuiltinDef *builtin_at(uint32_t index);
uint32_t builtin_index(const BuiltinDef *def);
uint32_t builtin_count(void);
/* The whole sorted table (builtin_count() entries), for Program.builtins. */
const BuiltinDef *const *builtin_table(void);

#endif
