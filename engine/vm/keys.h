/* keys.h — what keys.c offers beyond the KeyTable calls of value.h.
 *
 * Caches derived from a table's ids (stdlib/builtins_tf.c keeps one per
 * thread) need to know cheaply whether they were made from this very
 * table: a pointer is not enough, since a table made after another was
 * freed may sit at the same address with other ids for the same texts.
 */
#ifndef VETO_KEYS_H
#define VETO_KEYS_H

#include <stdint.h>

#include "vm/value.h"

/* A number no other KeyTable of this process had or will have (never 0);
 * fixed for the table's life. 0 for NULL. Safe to call from any thread. */
uint64_t keys_serial(const KeyTable *t);

#endif
