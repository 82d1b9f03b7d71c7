/* store_open.h — opening the store a location names (store_open.c): the
 * one place that knows the backends, so a new one slots in here without
 * touching the callers of store.h. */
#ifndef VETO_STORE_OPEN_H
#define VETO_STORE_OPEN_H

#include <stddef.h>

#include "store.h"

/* Opens (creating and migrating as needed) the store at location: a file
 * path (SQLite; its directory is created) or a postgres:// URL. Returns
 * NULL with a message in err. */
Store *store_open(const char *location, char *err, size_t errlen);

#endif
