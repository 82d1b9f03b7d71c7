/* test_orch_store.c — the SQLite store (transitions, locks, staleness,
 * reviews, outputs, append-only events, schema versions) and running
 * commands (status, output, environment, timeouts, redaction). */
#include "../../orchestrator/proc.h"
#include "../../orchestrator/store.h"
#include "../../orchestrator/store_open.h"
#include "harness.h"

#define STORE_TEST_TAG "store"
#include "store_testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

TEST(store_schema)
{
    Store *s = fresh();
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(store_schema_version(s), 1);
    store_close(s);
    char err[256];
    s = store_open(db_path, err, sizeof err);
    CHECK(s != NULL);
    if (s)
        store_close(s);
    sqlite3 *db;
    sqlite3_open(db_path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(store_open(db_path, err, sizeof err) == NULL);
    CHECK(strstr(err, "schema version 99 is newer than this veto understands (1)") != NULL);
    CHECK(store_open("postgres://db/veto", err, sizeof err) == NULL);
    CHECK(strstr(err, "PostgreSQL") != NULL);
}

TEST(store_moves_and_locks)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t a, b;
    CHECK_INT(store_run_create(s, "net", "alice", "manual", 0, &a), STORE_OK);
    CHECK_INT(store_run_create(s, "net", "bob", "manual", 0, &b), STORE_OK);
    StoreLock held;
    CHECK_INT(store_run_move(s, a, RS_BIT(RS_QUEUED), RS_PLANNING, "alice", "planning", NULL,
                             MOVE_TAKE_LOCK | MOVE_SET_GEN, &held),
              STORE_OK);
    CHECK_INT(store_run_move(s, b, RS_BIT(RS_QUEUED), RS_PLANNING, "bob", "planning", NULL,
                             MOVE_TAKE_LOCK, &held),
              STORE_LOCKED);
    CHECK_INT(held.run_id, a);
    CHECK_STR(held.holder, "alice");
    store_lock_clear(&held);
    /* A move from the wrong state changes nothing. */
    CHECK_INT(store_run_move(s, a, RS_BIT(RS_AWAITING), RS_APPLYING, "x", "", NULL, 0, NULL),
              STORE_CONFLICT);
    CHECK_INT(store_run_move(s, 999, RS_BIT(RS_QUEUED), RS_PLANNING, "x", "", NULL, 0, NULL),
              STORE_NOTFOUND);
    /* A manual lock is refused while the run holds it. */
    CHECK_INT(store_lock_take(s, "net", "carol", "maint", NULL, &held), STORE_LOCKED);
    store_lock_clear(&held);
    /* Ending the run frees the lock. */
    StoreRunSet set = {0};
    set.error = "boom";
    CHECK_INT(store_run_move(s, a, RS_BIT(RS_PLANNING), RS_FAILED, "alice", "boom", &set, 0, NULL),
              STORE_OK);
    CHECK_INT(store_lock_get(s, "net", &held), STORE_NOTFOUND);
    StoreRun r;
    CHECK_INT(store_run_get(s, a, &r), STORE_OK);
    CHECK_INT(r.state, RS_FAILED);
    CHECK_STR(r.error, "boom");
    store_run_clear(&r);
    StoreEvent *ev;
    size_t nev;
    CHECK_INT(store_events_list(s, a, NULL, &ev, &nev), STORE_OK);
    CHECK_INT(nev, 5); /* queued, lock, planning, failed, unlock */
    if (nev == 5) {
        CHECK_STR(ev[2].to_state, "planning");
        CHECK_STR(ev[3].from_state, "planning");
        CHECK_STR(ev[3].to_state, "failed");
        CHECK_STR(ev[4].kind, "unlock");
    }
    store_events_free(ev, nev);
    store_close(s);
}

TEST(store_stale_plan)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t a, b;
    store_run_create(s, "db", "alice", "manual", 0, &a);
    store_run_move(s, a, RS_BIT(RS_QUEUED), RS_PLANNING, "alice", "", NULL,
                   MOVE_TAKE_LOCK | MOVE_SET_GEN, NULL);
    store_run_move(s, a, RS_BIT(RS_PLANNING), RS_AWAITING, "alice", "", NULL, 0, NULL);
    CHECK_INT(store_lock_release(s, "db", "admin", 0), STORE_OK);
    store_run_create(s, "db", "bob", "manual", 0, &b);
    CHECK_INT(store_run_move(s, b, RS_BIT(RS_QUEUED), RS_PLANNING, "bob", "", NULL,
                             MOVE_TAKE_LOCK | MOVE_SET_GEN, NULL),
              STORE_OK);
    CHECK_INT(
        store_run_move(s, b, RS_BIT(RS_PLANNING), RS_APPLYING, "bob", "", NULL, MOVE_APPLY, NULL),
        STORE_OK);
    /* a cannot apply while b holds the lock, */
    StoreLock held;
    CHECK_INT(store_run_move(s, a, RS_BIT(RS_AWAITING), RS_APPLYING, "alice", "", NULL, MOVE_APPLY,
                             &held),
              STORE_LOCKED);
    store_lock_clear(&held);
    store_run_move(s, b, RS_BIT(RS_APPLYING), RS_FINISHED, "bob", "", NULL, 0, NULL);
    /* and once b applied, a's plan is stale. */
    CHECK_INT(
        store_run_move(s, a, RS_BIT(RS_AWAITING), RS_APPLYING, "alice", "", NULL, MOVE_APPLY, NULL),
        STORE_STALE);
    StoreRun r;
    store_run_get(s, a, &r);
    CHECK_INT(r.state, RS_STALE);
    store_run_clear(&r);
    CHECK_INT(store_lock_get(s, "db", &held), STORE_NOTFOUND);
    /* A fresh plan applies. */
    int64_t c;
    store_run_create(s, "db", "alice", "manual", 0, &c);
    store_run_move(s, c, RS_BIT(RS_QUEUED), RS_PLANNING, "alice", "", NULL,
                   MOVE_TAKE_LOCK | MOVE_SET_GEN, NULL);
    CHECK_INT(
        store_run_move(s, c, RS_BIT(RS_PLANNING), RS_APPLYING, "alice", "", NULL, MOVE_APPLY, NULL),
        STORE_OK);
    store_close(s);
}

TEST(store_reviews_outputs_events)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t a;
    store_run_create(s, "db", "alice", "manual", 0, &a);
    CHECK_INT(store_review_add(s, a, "bob", "[]", "approve", "x"), STORE_CONFLICT);
    store_run_move(s, a, RS_BIT(RS_QUEUED), RS_AWAITING, "alice", "", NULL, 0, NULL);
    CHECK_INT(store_review_add(s, a, "bob", "[\"platform\"]", "approve", "ok"), STORE_OK);
    CHECK_INT(store_review_add(s, a, "carol", "[]", "reject", ""), STORE_OK);
    StoreReview *rv;
    size_t n;
    CHECK_INT(store_reviews_list(s, a, &rv, &n), STORE_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(rv[0].actor, "bob");
        CHECK_STR(rv[0].teams, "[\"platform\"]");
        CHECK_STR(rv[1].verdict, "reject");
    }
    store_reviews_free(rv, n);
    StoreOutput o[2] = {{"vpc", "\"vpc-1\"", 0}, {"token", "\"t\"", 1}};
    CHECK_INT(store_outputs_set(s, "net", a, o, 2), STORE_OK);
    StoreOutput *got;
    CHECK_INT(store_outputs_get(s, "net", &got, &n), STORE_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(got[0].name, "token");
        CHECK_INT(got[0].sensitive, 1);
        CHECK_STR(got[1].value_json, "\"vpc-1\"");
    }
    store_outputs_free(got, n);
    int64_t b1, b2;
    CHECK_INT(store_next_batch(s, &b1), STORE_OK);
    CHECK_INT(store_next_batch(s, &b2), STORE_OK);
    CHECK_INT(b2, b1 + 1);
    store_close(s);
    sqlite3 *db;
    sqlite3_open(db_path, &db);
    char *msg = NULL;
    CHECK(sqlite3_exec(db, "UPDATE run_events SET actor = 'eve'", NULL, NULL, &msg) != SQLITE_OK);
    CHECK(msg && strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    CHECK(sqlite3_exec(db, "DELETE FROM run_events", NULL, NULL, &msg) != SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST(store_proc_identity)
{
    StoreProc me;
    CHECK_INT(store_proc_self(&me), 0);
    CHECK(store_proc_alive(&me));
    StoreProc reused = me;
    reused.start = me.start + 12345; /* same pid, another process */
    CHECK(!store_proc_alive(&reused));
    StoreProc gone = me;
    gone.pid = 0;
    CHECK(!store_proc_alive(&gone));
    StoreProc remote = me;
    remote.host = "some-other-host";
    CHECK(store_proc_alive(&remote));
    store_proc_clear(&me);
}

TEST(proc_run_captures)
{
    const char *env[] = {"VETO_TEST_FOO=bar baz"};
    ProcSpec spec = {"echo out $VETO_TEST_FOO; echo err >&2; pwd; exit 3", "/tmp", env, 1, 10, 0};
    ProcResult res;
    char err[256];
    CHECK_INT(proc_run(&spec, &res, err, sizeof err), 0);
    CHECK_INT(res.status, 3);
    CHECK_STR(res.out, "out bar baz\n/tmp\n");
    CHECK(strstr(res.log, "err\n") && strstr(res.log, "out bar baz\n"));
    proc_result_clear(&res);
    spec.stdout_is_data = 1;
    CHECK_INT(proc_run(&spec, &res, err, sizeof err), 0);
    CHECK_STR(res.log, "err\n");
    proc_result_clear(&res);
    ProcSpec nodir = {"true", "/nonexistent-dir", NULL, 0, 0, 0};
    CHECK_INT(proc_run(&nodir, &res, err, sizeof err), -1);
    CHECK_STR(err, "directory '/nonexistent-dir' does not exist");
}

TEST(proc_timeout)
{
    ProcSpec spec = {"echo started; sleep 30", "/tmp", NULL, 0, 1, 0};
    ProcResult res;
    char err[256];
    time_t t0 = time(NULL);
    CHECK_INT(proc_run(&spec, &res, err, sizeof err), 0);
    CHECK(time(NULL) - t0 < 5);
    CHECK_INT(res.timed_out, 1);
    CHECK_STR(res.out, "started\n");
    char how[64];
    proc_describe(&res, 1, how, sizeof how);
    CHECK_STR(how, "timed out after 1s");
    proc_result_clear(&res);
}

TEST(proc_redact_and_tail)
{
    const char *secrets[] = {"hunter2", "abc", "hunter2-long"};
    char *r = proc_redact("pw=hunter2-long x=hunter2 abc", secrets, 3);
    CHECK_STR(r, "pw=(sensitive) x=(sensitive) abc");
    free(r);
    char *t = proc_tail("line one\nline two\nline three\n", 12);
    CHECK_STR(t, "[... 18 bytes omitted]\nline three\n");
    free(t);
    t = proc_tail("short", 100);
    CHECK_STR(t, "short");
    free(t);
}

int main(void)
{
    RUN(store_schema);
    RUN(store_moves_and_locks);
    RUN(store_stale_plan);
    RUN(store_reviews_outputs_events);
    RUN(store_proc_identity);
    RUN(proc_run_captures);
    RUN(proc_timeout);
    RUN(proc_redact_and_tail);
    cleanup();
    return harness_done();
}
