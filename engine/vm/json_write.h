/* json_write.h — Values to JSON text (json_write.c). With JSON_REDACT a
 * value carrying VF_SENSITIVE prints as the string REDACTED_MARKER, at any
 * depth: the writer is the last gate before text leaves the engine.
 */
#ifndef VETO_JSON_WRITE_H
#define VETO_JSON_WRITE_H

#include <stddef.h>

#include "base/buf.h"
#include "vm/value.h"

#define JSON_PRETTY    0x1u /* two-space indent, one member per line */
#define JSON_REDACT    0x2u /* sensitive values print as REDACTED_MARKER */
#define JSON_SORT_KEYS 0x4u /* canonical: object keys sorted bytewise */

/* Appends v as JSON. V_UNDEF prints as null. Floats print with the
 * shortest representation that round-trips ("%.17g" trimmed), always with
 * a '.', 'e' or as an integer-valued float "1.0". Sets print as arrays. */
void json_write(Buf *out, Value v, unsigned flags);
/* Appends s as a quoted JSON string with the needed escapes (control
 * characters as \u00XX; valid UTF-8 passes through; invalid bytes become
 * U+FFFD). */
void json_write_string(Buf *out, const char *s, size_t n);

#endif
