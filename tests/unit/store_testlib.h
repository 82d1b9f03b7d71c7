/* store_testlib.h — a fresh SQLite store for each test of the orchestrator's
 * store. Define STORE_TEST_TAG (a string naming the test binary's
 * directory) before including it; then
 *
 *   Store *s = fresh();   a new, empty store at db_path
 *   cleanup();            at the end of main: removes the directory
 *
 * The store lives in /tmp/veto-test-TAG-PID/x/ (two directory levels that
 * store_open has to create). Included by test_orch_store.c and
 * test_store_rows.c only.
 */
#ifndef VETO_STORE_TESTLIB_H
#define VETO_STORE_TESTLIB_H

#ifndef STORE_TEST_TAG
#error "define STORE_TEST_TAG before including store_testlib.h"
#endif

#include "../../orchestrator/store.h"
#include "../../orchestrator/store_open.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char db_path[128];

static inline Store *fresh(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/veto-test-" STORE_TEST_TAG "-%d/x/veto.db",
             (int)getpid());
    unlink(db_path);
    char err[256];
    Store *s = store_open(db_path, err, sizeof err);
    if (!s)
        fprintf(stderr, "store_open: %s\n", err);
    return s;
}

static inline void cleanup(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/veto-test-" STORE_TEST_TAG "-%d", (int)getpid());
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

#endif
