/* store_open.c — choosing the store backend from its location; see
 * store_open.h. */
#include "store_open.h"

#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"

Store *store_open(const char *location, char *err, size_t errlen)
{
    if (strncmp(location, "postgres://", 11) == 0 || strncmp(location, "postgresql://", 13) == 0) {
        snprintf(err, errlen,
                 "the PostgreSQL store is not built yet; use a SQLite file path for the store");
        return NULL;
    }
    if (strstr(location, "://")) {
        snprintf(err, errlen, "unknown store URL '%s' (use a file path)", location);
        return NULL;
    }
    return store_sqlite_open(location, err, errlen);
}
