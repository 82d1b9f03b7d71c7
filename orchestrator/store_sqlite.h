/* store_sqlite.h — the SQLite store backend (store_sqlite.c), behind the
 * interface of store.h. */
#ifndef VETO_STORE_SQLITE_H
#define VETO_STORE_SQLITE_H

#include <stddef.h>

#include "store.h"

Store *store_sqlite_open(const char *path, char *err, size_t errlen);

#endif
