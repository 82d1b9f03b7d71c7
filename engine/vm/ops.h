/* ops.h — the semantics of the language's operators on Values.
 *
 * One implementation shared by the VM and the compiler's constant folder,
 * so a folded expression can never disagree with the same expression run.
 * Results that need memory (joined strings and arrays) go to `arena`.
 *
 * Undefined propagates: an operator with an undefined operand yields
 * undefined. Arithmetic and concatenation taint their result with
 * VF_SENSITIVE when an operand is sensitive; comparisons do not (a
 * boolean reveals nothing printable).
 */
#ifndef VETO_OPS_H
#define VETO_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "vm/opcodes.h"
#include "vm/value.h"

/* Applies a binary opcode (OP_ADD .. OP_IN). Returns false with a message
 * in err on a runtime error (type mismatch, division by zero, overflow). */
bool ops_binary(Opcode op, Value a, Value b, Arena *arena, Value *out, char *err, size_t errlen);
/* OP_NEG. */
bool ops_negate(Value a, Value *out, char *err, size_t errlen);
/* The logical value of a: true/false; undefined and null are false; any
 * other kind is an error ("condition must be a boolean, got object"). */
bool ops_truth(Value a, bool *out, char *err, size_t errlen);
/* How a value reads inside an interpolated string: strings raw, numbers
 * and booleans as literals, undefined as "undefined", collections as
 * compact JSON; sensitive values (at any depth) as REDACTED_MARKER. */
void ops_to_text(Buf *out, Value v);

#endif
