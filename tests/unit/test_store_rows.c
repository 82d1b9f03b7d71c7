/* test_store_rows.c — every record the SQLite store returns, round-tripped:
 * written through the store interface, read back, compared field by field
 * (runs by id and by listing, events, reviews, locks, outputs, drift), plus
 * the listings' filters, order and growth past their first allocation. */
#include "../../orchestrator/store.h"
#include "harness.h"

#define STORE_TEST_TAG "store-rows"
#include "store_testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

/* Runs sql on the store's file from another connection, for rows the
 * interface cannot write. */
static void raw_sql(const char *sql)
{
    sqlite3 *db;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    char *msg = NULL;
    CHECK(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK);
    if (msg)
        fprintf(stderr, "%s: %s\n", sql, msg);
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* Times are RFC 3339 UTC with milliseconds: 2024-05-14T09:40:00.123Z. */
static int is_time(const char *t)
{
    if (!t || strlen(t) != 24)
        return 0;
    for (int i = 0; i < 24; i++) {
        char want = "dddd-dd-ddTdd:dd:dd.dddZ"[i];
        if (want == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != want)
            return 0;
    }
    return 1;
}

#define CHECK_NULL(p) CHECK((p) == NULL)

/* Every field of a and b the same (strings both NULL or equal). */
static int str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int run_same(const StoreRun *a, const StoreRun *b)
{
    return a->id == b->id && str_same(a->stack, b->stack) && a->state == b->state &&
           str_same(a->author, b->author) && str_same(a->trigger, b->trigger) &&
           a->batch == b->batch && str_same(a->created_at, b->created_at) &&
           str_same(a->updated_at, b->updated_at) && a->plan_gen == b->plan_gen &&
           str_same(a->plan_hash, b->plan_hash) && str_same(a->plan_summary, b->plan_summary) &&
           str_same(a->policy_outcome, b->policy_outcome) &&
           str_same(a->policy_json, b->policy_json) && str_same(a->policy_text, b->policy_text) &&
           str_same(a->approval_json, b->approval_json) &&
           str_same(a->override_by, b->override_by) &&
           str_same(a->override_reason, b->override_reason) && str_same(a->error, b->error) &&
           str_same(a->log_tail, b->log_tail) && a->proc.pid == b->proc.pid &&
           a->proc.start == b->proc.start && str_same(a->proc.host, b->proc.host);
}

TEST(rows_run_fresh)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t id;
    CHECK_INT(store_run_create(s, "net/é \"quoted\"", "alice", "trigger", 1LL << 40, &id),
              STORE_OK);
    StoreRun r;
    CHECK_INT(store_run_get(s, id, &r), STORE_OK);
    CHECK_INT(r.id, id);
    CHECK_STR(r.stack, "net/é \"quoted\"");
    CHECK_INT(r.state, RS_QUEUED);
    CHECK_STR(r.author, "alice");
    CHECK_STR(r.trigger, "trigger");
    CHECK_INT(r.batch, 1LL << 40);
    CHECK(is_time(r.created_at));
    CHECK_STR(r.updated_at, r.created_at);
    CHECK_INT(r.plan_gen, -1);
    CHECK_NULL(r.plan_hash);
    CHECK_NULL(r.plan_summary);
    CHECK_NULL(r.policy_outcome);
    CHECK_NULL(r.policy_json);
    CHECK_NULL(r.policy_text);
    CHECK_NULL(r.approval_json);
    CHECK_NULL(r.override_by);
    CHECK_NULL(r.override_reason);
    CHECK_NULL(r.error);
    CHECK_NULL(r.log_tail);
    CHECK_INT(r.proc.pid, 0);
    CHECK_INT(r.proc.start, 0);
    CHECK_NULL(r.proc.host);
    store_run_clear(&r);
    CHECK_INT(store_run_get(s, id + 1, &r), STORE_NOTFOUND);
    store_close(s);
}

TEST(rows_run_every_field)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t id;
    CHECK_INT(store_run_create(s, "db", "bob", "manual", 7, &id), STORE_OK);
    /* Values past 32 bits: a field read at the wrong width shows. */
    StoreProc proc = {(1L << 33) + 5, 1LL << 50, "builder-3"};
    StoreRunSet set = {"sha256:ab",   "{\"changes\": 2}", "warn",  "{\"d\": 1}",
                       "policy text", "{\"a\": 1}",       "carol", "hotfix",
                       "it broke",    "log\nend\n",       &proc};
    CHECK_INT(store_run_move(s, id, RS_BIT(RS_QUEUED), RS_PLANNING, "bob", "planning", &set,
                             MOVE_SET_GEN, NULL),
              STORE_OK);
    StoreRun r;
    CHECK_INT(store_run_get(s, id, &r), STORE_OK);
    CHECK_INT(r.id, id);
    CHECK_STR(r.stack, "db");
    CHECK_INT(r.state, RS_PLANNING);
    CHECK_STR(r.author, "bob");
    CHECK_STR(r.trigger, "manual");
    CHECK_INT(r.batch, 7);
    CHECK(is_time(r.created_at));
    CHECK(is_time(r.updated_at));
    CHECK(r.updated_at && r.created_at && strcmp(r.updated_at, r.created_at) >= 0);
    CHECK_INT(r.plan_gen, 0);
    CHECK_STR(r.plan_hash, "sha256:ab");
    CHECK_STR(r.plan_summary, "{\"changes\": 2}");
    CHECK_STR(r.policy_outcome, "warn");
    CHECK_STR(r.policy_json, "{\"d\": 1}");
    CHECK_STR(r.policy_text, "policy text");
    CHECK_STR(r.approval_json, "{\"a\": 1}");
    CHECK_STR(r.override_by, "carol");
    CHECK_STR(r.override_reason, "hotfix");
    CHECK_STR(r.error, "it broke");
    CHECK_STR(r.log_tail, "log\nend\n");
    CHECK_INT(r.proc.pid, (1L << 33) + 5);
    CHECK_INT(r.proc.start, 1LL << 50);
    CHECK_STR(r.proc.host, "builder-3");
    /* A listing reads the same row into the same record. */
    StoreRun *list;
    size_t n;
    CHECK_INT(store_run_list(s, "db", 0, 0, &list, &n), STORE_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK(run_same(&list[0], &r));
    store_runs_free(list, n);
    store_run_clear(&r);
    /* A state this binary does not know reads as failed. */
    raw_sql("UPDATE runs SET state = 'exploded'");
    CHECK_INT(store_run_get(s, id, &r), STORE_OK);
    CHECK_INT(r.state, RS_FAILED);
    CHECK_STR(r.plan_hash, "sha256:ab");
    store_run_clear(&r);
    store_close(s);
}

TEST(rows_run_list_filters)
{
    Store *s = fresh();
    if (!s)
        return;
    /* More runs than a listing's first allocation holds. */
    int64_t ids[40];
    for (int i = 0; i < 40; i++)
        CHECK_INT(store_run_create(s, i % 2 ? "odd" : "even", "alice", "all", 3, &ids[i]),
                  STORE_OK);
    CHECK_INT(
        store_run_move(s, ids[38], RS_BIT(RS_QUEUED), RS_PLANNING, "alice", "", NULL, 0, NULL),
        STORE_OK);
    StoreRun *list;
    size_t n;
    CHECK_INT(store_run_list(s, NULL, 0, 0, &list, &n), STORE_OK);
    CHECK_INT(n, 40);
    int order = 1;
    for (size_t i = 0; i < n && i < 40; i++) {
        order &= list[i].id == ids[39 - i];
        StoreRun one;
        CHECK_INT(store_run_get(s, list[i].id, &one), STORE_OK);
        CHECK(run_same(&list[i], &one));
        store_run_clear(&one);
    }
    CHECK(order); /* newest first */
    store_runs_free(list, n);
    /* by stack */
    CHECK_INT(store_run_list(s, "odd", 0, 0, &list, &n), STORE_OK);
    CHECK_INT(n, 20);
    int odd = 1;
    for (size_t i = 0; i < n; i++)
        odd &= strcmp(list[i].stack, "odd") == 0;
    CHECK(odd);
    store_runs_free(list, n);
    /* by state */
    CHECK_INT(store_run_list(s, NULL, RS_BIT(RS_PLANNING), 0, &list, &n), STORE_OK);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(list[0].id, ids[38]);
    store_runs_free(list, n);
    CHECK_INT(store_run_list(s, "even", RS_BIT(RS_QUEUED), 0, &list, &n), STORE_OK);
    CHECK_INT(n, 19);
    store_runs_free(list, n);
    CHECK_INT(store_run_list(s, "odd", RS_BIT(RS_FINISHED), 0, &list, &n), STORE_OK);
    CHECK_INT(n, 0);
    CHECK_NULL(list);
    store_runs_free(list, n);
    /* limit counts kept runs, not read rows: the newest two queued even runs
     * skip the planning one (ids[38]). */
    CHECK_INT(store_run_list(s, "even", RS_BIT(RS_QUEUED), 2, &list, &n), STORE_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(list[0].id, ids[36]);
        CHECK_INT(list[1].id, ids[34]);
    }
    store_runs_free(list, n);
    CHECK_INT(store_run_list(s, "nowhere", 0, 0, &list, &n), STORE_OK);
    CHECK_INT(n, 0);
    store_runs_free(list, n);
    store_close(s);
}

TEST(rows_events)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t id;
    CHECK_INT(store_run_create(s, "app", "alice", "manual", 0, &id), STORE_OK);
    for (int i = 0; i < 40; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "note %d", i);
        CHECK_INT(store_event_add(s, id, "app", "bob", "note", msg), STORE_OK);
    }
    CHECK_INT(store_event_add(s, 0, "app", NULL, "access", NULL), STORE_OK);
    CHECK_INT(store_event_add(s, 0, "other", "eve", "drift", "elsewhere"), STORE_OK);
    StoreEvent *ev;
    size_t n;
    CHECK_INT(store_events_list(s, id, NULL, &ev, &n), STORE_OK);
    CHECK_INT(n, 41); /* queued, then the notes */
    if (n == 41) {
        CHECK(ev[0].id > 0);
        CHECK_INT(ev[0].run_id, id);
        CHECK_STR(ev[0].stack, "app");
        CHECK(is_time(ev[0].time));
        CHECK_STR(ev[0].actor, "alice");
        CHECK_STR(ev[0].kind, "state");
        CHECK_NULL(ev[0].from_state);
        CHECK_STR(ev[0].to_state, "queued");
        CHECK_STR(ev[0].message, "run queued (manual)");
        int ok = 1;
        for (int i = 1; i < 41; i++) {
            char msg[32];
            snprintf(msg, sizeof msg, "note %d", i - 1);
            ok &= ev[i].id > ev[i - 1].id && ev[i].run_id == id && is_time(ev[i].time) &&
                  str_same(ev[i].stack, "app") && str_same(ev[i].actor, "bob") &&
                  str_same(ev[i].kind, "note") && !ev[i].from_state && !ev[i].to_state &&
                  str_same(ev[i].message, msg);
        }
        CHECK(ok);
    }
    store_events_free(ev, n);
    /* by stack: the run's events and the stack-level one, not other stacks' */
    CHECK_INT(store_events_list(s, 0, "app", &ev, &n), STORE_OK);
    CHECK_INT(n, 42);
    if (n == 42) {
        CHECK_INT(ev[41].run_id, 0);
        CHECK_STR(ev[41].actor, "veto"); /* no actor: veto itself */
        CHECK_STR(ev[41].kind, "access");
        CHECK_STR(ev[41].message, "");
    }
    store_events_free(ev, n);
    CHECK_INT(store_events_list(s, 0, NULL, &ev, &n), STORE_OK);
    CHECK_INT(n, 43);
    if (n == 43) {
        CHECK_STR(ev[42].stack, "other");
        CHECK_STR(ev[42].actor, "eve");
        CHECK_STR(ev[42].message, "elsewhere");
    }
    store_events_free(ev, n);
    CHECK_INT(store_events_list(s, id + 1, NULL, &ev, &n), STORE_OK);
    CHECK_INT(n, 0);
    CHECK_NULL(ev);
    store_close(s);
}

TEST(rows_reviews)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t a, b;
    CHECK_INT(store_run_create(s, "app", "alice", "manual", 0, &a), STORE_OK);
    CHECK_INT(store_run_create(s, "app", "alice", "manual", 0, &b), STORE_OK);
    CHECK_INT(store_run_move(s, a, RS_BIT(RS_QUEUED), RS_AWAITING, "alice", "", NULL, 0, NULL),
              STORE_OK);
    CHECK_INT(store_run_move(s, b, RS_BIT(RS_QUEUED), RS_AWAITING, "alice", "", NULL, 0, NULL),
              STORE_OK);
    CHECK_INT(store_review_add(s, b, "zed", "[]", "approve", "other run"), STORE_OK);
    for (int i = 0; i < 12; i++) {
        char actor[16], comment[32];
        snprintf(actor, sizeof actor, "rev%d", i);
        snprintf(comment, sizeof comment, "looked at %d", i);
        CHECK_INT(store_review_add(s, a, actor, i % 2 ? "[\"sec\"]" : "[\"platform\", \"sec\"]",
                                   i % 3 ? "approve" : "reject", i == 5 ? NULL : comment),
                  STORE_OK);
    }
    StoreReview *rv;
    size_t n;
    CHECK_INT(store_reviews_list(s, a, &rv, &n), STORE_OK);
    CHECK_INT(n, 12);
    int ok = 1;
    for (size_t i = 0; i < n && i < 12; i++) {
        char actor[16], comment[32];
        snprintf(actor, sizeof actor, "rev%zu", i);
        snprintf(comment, sizeof comment, "looked at %zu", i);
        ok &= rv[i].id > (i ? rv[i - 1].id : 0) && rv[i].run_id == a &&
              str_same(rv[i].actor, actor) &&
              str_same(rv[i].teams, i % 2 ? "[\"sec\"]" : "[\"platform\", \"sec\"]") &&
              str_same(rv[i].verdict, i % 3 ? "approve" : "reject") &&
              str_same(rv[i].comment, i == 5 ? "" : comment) && is_time(rv[i].time);
    }
    CHECK(ok);
    store_reviews_free(rv, n);
    CHECK_INT(store_reviews_list(s, b, &rv, &n), STORE_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(rv[0].run_id, b);
        CHECK_STR(rv[0].actor, "zed");
        CHECK_STR(rv[0].comment, "other run");
    }
    store_reviews_free(rv, n);
    CHECK_INT(store_reviews_list(s, b + 1, &rv, &n), STORE_OK);
    CHECK_INT(n, 0);
    CHECK_NULL(rv);
    store_close(s);
}

TEST(rows_locks)
{
    Store *s = fresh();
    if (!s)
        return;
    StoreProc proc = {(1L << 34) + 7, 1LL << 45, "ci-runner"};
    StoreLock l;
    CHECK_INT(store_lock_take(s, "net", "carol", "maintenance window", &proc, &l), STORE_OK);
    CHECK_INT(store_lock_get(s, "net", &l), STORE_OK);
    CHECK_STR(l.stack, "net");
    CHECK_INT(l.run_id, 0);
    CHECK_STR(l.holder, "carol");
    CHECK_STR(l.reason, "maintenance window");
    CHECK(is_time(l.since));
    CHECK_INT(l.proc.pid, (1L << 34) + 7);
    CHECK_INT(l.proc.start, 1LL << 45);
    CHECK_STR(l.proc.host, "ci-runner");
    /* Refused, the holder's lock comes back whole. */
    StoreLock held;
    CHECK_INT(store_lock_take(s, "net", "dave", "mine", NULL, &held), STORE_LOCKED);
    CHECK_STR(held.stack, l.stack);
    CHECK_STR(held.holder, "carol");
    CHECK_STR(held.reason, l.reason);
    CHECK_STR(held.since, l.since);
    CHECK_INT(held.proc.pid, (1L << 34) + 7);
    CHECK_INT(held.proc.start, 1LL << 45);
    CHECK_STR(held.proc.host, "ci-runner");
    store_lock_clear(&held);
    store_lock_clear(&l);
    CHECK_INT(store_lock_take(s, "net", "dave", "mine", NULL, NULL), STORE_LOCKED);
    /* No reason, no process: an empty reason and no host. */
    CHECK_INT(store_lock_take(s, "db", "erin", NULL, NULL, NULL), STORE_OK);
    CHECK_INT(store_lock_get(s, "db", &l), STORE_OK);
    CHECK_STR(l.reason, "");
    CHECK_INT(l.proc.pid, 0);
    CHECK_INT(l.proc.start, 0);
    CHECK_NULL(l.proc.host);
    store_lock_clear(&l);
    /* A run's lock names the run. */
    int64_t id;
    CHECK_INT(store_run_create(s, "app", "frank", "manual", 0, &id), STORE_OK);
    CHECK_INT(store_run_move(s, id, RS_BIT(RS_QUEUED), RS_PLANNING, "frank", "", NULL,
                             MOVE_TAKE_LOCK, NULL),
              STORE_OK);
    CHECK_INT(store_lock_get(s, "app", &l), STORE_OK);
    CHECK_INT(l.run_id, id);
    CHECK_STR(l.holder, "frank");
    store_lock_clear(&l);
    CHECK_INT(store_lock_release(s, "db", "admin", 0), STORE_OK);
    CHECK_INT(store_lock_get(s, "db", &l), STORE_NOTFOUND);
    store_close(s);
}

TEST(rows_outputs)
{
    Store *s = fresh();
    if (!s)
        return;
    StoreOutput o[10];
    char names[10][16], vals[10][32];
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof names[i], "out%d", 9 - i);
        snprintf(vals[i], sizeof vals[i], "[%d, \"x\"]", i);
        o[i] = (StoreOutput){names[i], vals[i], i % 2};
    }
    CHECK_INT(store_outputs_set(s, "net", 5, o, 10), STORE_OK);
    CHECK_INT(store_outputs_set(s, "db", 6, o, 1), STORE_OK);
    StoreOutput *got;
    size_t n;
    CHECK_INT(store_outputs_get(s, "net", &got, &n), STORE_OK);
    CHECK_INT(n, 10);
    int ok = 1;
    for (size_t i = 0; i < n && i < 10; i++) /* by name: out0 is o[9] */
        ok &= str_same(got[i].name, o[9 - i].name) &&
              str_same(got[i].value_json, o[9 - i].value_json) &&
              got[i].sensitive == o[9 - i].sensitive;
    CHECK(ok);
    store_outputs_free(got, n);
    CHECK_INT(store_outputs_get(s, "nowhere", &got, &n), STORE_OK);
    CHECK_INT(n, 0);
    CHECK_NULL(got);
    store_close(s);
}

TEST(rows_drift)
{
    Store *s = fresh();
    if (!s)
        return;
    StoreDrift d;
    CHECK_INT(store_drift_latest(s, "net", &d), STORE_NOTFOUND);
    StoreDrift in = {0,
                     "net",
                     NULL,
                     "cron",
                     "warn",
                     3,
                     "{\"aws_vpc.main\": \"update\"}",
                     "{\"outcome\": \"warn\"}",
                     0};
    int64_t first, second;
    CHECK_INT(store_drift_add(s, &in, &first), STORE_OK);
    in.outcome = "fail";
    in.drifted = (1L << 33) + 3; /* past 32 bits */
    in.summary = NULL;
    in.decision = NULL;
    in.run_id = 77;
    CHECK_INT(store_drift_add(s, &in, &second), STORE_OK);
    CHECK(second > first);
    in.stack = "db";
    int64_t other;
    CHECK_INT(store_drift_add(s, &in, &other), STORE_OK);
    CHECK_INT(store_drift_latest(s, "net", &d), STORE_OK);
    CHECK_INT(d.id, second);
    CHECK_STR(d.stack, "net");
    CHECK(is_time(d.time));
    CHECK_STR(d.actor, "cron");
    CHECK_STR(d.outcome, "fail");
    CHECK_INT(d.drifted, (1L << 33) + 3);
    CHECK_NULL(d.summary);
    CHECK_NULL(d.decision);
    CHECK_INT(d.run_id, 77);
    store_drift_clear(&d);
    /* The first record, read back once the later ones are gone from view. */
    raw_sql("DELETE FROM drift WHERE id <> (SELECT MIN(id) FROM drift)");
    CHECK_INT(store_drift_set_run(s, first, 12), STORE_OK);
    CHECK_INT(store_drift_latest(s, "net", &d), STORE_OK);
    CHECK_INT(d.id, first);
    CHECK_STR(d.stack, "net");
    CHECK(is_time(d.time));
    CHECK_STR(d.actor, "cron");
    CHECK_STR(d.outcome, "warn");
    CHECK_INT(d.drifted, 3);
    CHECK_STR(d.summary, "{\"aws_vpc.main\": \"update\"}");
    CHECK_STR(d.decision, "{\"outcome\": \"warn\"}");
    CHECK_INT(d.run_id, 12);
    store_drift_clear(&d);
    CHECK_INT(store_drift_latest(s, "db", &d), STORE_NOTFOUND);
    store_close(s);
}

/* A store whose tables do not hold what the queries expect answers with an
 * error (and an empty result), never a half-read record. */
TEST(rows_broken_store)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t id;
    CHECK_INT(store_run_create(s, "app", "alice", "manual", 0, &id), STORE_OK);
    raw_sql("DROP TRIGGER run_events_no_delete; DROP TABLE run_events; DROP TABLE reviews;"
            "DROP TABLE outputs; DROP TABLE drift; DROP TABLE locks; DROP INDEX runs_by_stack;"
            "ALTER TABLE runs RENAME TO runs_gone");
    StoreRun r;
    CHECK_INT(store_run_get(s, id, &r), STORE_ERR);
    CHECK(strstr(store_error(s), "no such table: runs") != NULL);
    StoreRun *runs = (StoreRun *)&r;
    size_t n = 99;
    CHECK_INT(store_run_list(s, NULL, 0, 0, &runs, &n), STORE_ERR);
    CHECK(runs == NULL && n == 0);
    StoreEvent *ev = (StoreEvent *)&r;
    n = 99;
    CHECK_INT(store_events_list(s, 0, NULL, &ev, &n), STORE_ERR);
    CHECK(ev == NULL && n == 0);
    CHECK(strstr(store_error(s), "no such table: run_events") != NULL);
    StoreReview *rv = (StoreReview *)&r;
    n = 99;
    CHECK_INT(store_reviews_list(s, id, &rv, &n), STORE_ERR);
    CHECK(rv == NULL && n == 0);
    StoreOutput *o = (StoreOutput *)&r;
    n = 99;
    CHECK_INT(store_outputs_get(s, "app", &o, &n), STORE_ERR);
    CHECK(o == NULL && n == 0);
    StoreLock l;
    CHECK_INT(store_lock_get(s, "app", &l), STORE_ERR);
    CHECK(strstr(store_error(s), "no such table: locks") != NULL);
    StoreDrift d;
    CHECK_INT(store_drift_latest(s, "app", &d), STORE_ERR);
    CHECK(strstr(store_error(s), "no such table: drift") != NULL);
    store_close(s);
}

/* A listing that fails after some rows returns nothing, and frees what it
 * had read (the sanitizer build checks that). Views put in place of the
 * tables fail (malformed JSON) on the later rows. */
TEST(rows_fail_midway)
{
    Store *s = fresh();
    if (!s)
        return;
    int64_t id = 0;
    for (int i = 0; i < 40; i++)
        CHECK_INT(store_run_create(s, "app", "alice", "manual", 0, &id), STORE_OK);
    CHECK_INT(store_run_move(s, id, RS_BIT(RS_QUEUED), RS_AWAITING, "alice", "", NULL, 0, NULL),
              STORE_OK);
    for (int i = 0; i < 20; i++)
        CHECK_INT(store_review_add(s, id, "bob", "[]", "approve", "fine"), STORE_OK);
    StoreOutput o[20];
    char names[20][16];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "o%02d", i);
        o[i] = (StoreOutput){names[i], "1", 0};
    }
    CHECK_INT(store_outputs_set(s, "app", id, o, 20), STORE_OK);
    raw_sql("ALTER TABLE runs RENAME TO runs_real;"
            "CREATE VIEW runs AS SELECT id, stack, CASE WHEN id > 10 THEN state ELSE "
            "json('x') END AS state, author, trigger, batch, created_at, updated_at, plan_gen, "
            "plan_hash, plan_summary, policy_outcome, policy_json, policy_text, approval_json, "
            "override_by, override_reason, error, log_tail, pid, pid_start, host FROM runs_real;"
            "ALTER TABLE run_events RENAME TO events_real;"
            "CREATE VIEW run_events AS SELECT id, run_id, stack, time, actor, kind, from_state, "
            "to_state, CASE WHEN id < 50 THEN message ELSE json('x') END AS message "
            "FROM events_real;"
            "ALTER TABLE reviews RENAME TO reviews_real;"
            "CREATE VIEW reviews AS SELECT id, run_id, actor, teams, verdict, CASE WHEN id < 15 "
            "THEN comment ELSE json('x') END AS comment, time FROM reviews_real;"
            "ALTER TABLE outputs RENAME TO outputs_real;"
            "CREATE VIEW outputs AS SELECT stack, name, run_id, CASE WHEN name < 'o15' THEN "
            "value_json ELSE json('x') END AS value_json, sensitive FROM outputs_real;");
    StoreRun *runs = (StoreRun *)o;
    size_t n = 99;
    CHECK_INT(store_run_list(s, NULL, 0, 0, &runs, &n), STORE_ERR);
    CHECK(runs == NULL && n == 0);
    CHECK(strstr(store_error(s), "listing runs") != NULL);
    /* The rows before the failing one still read. */
    CHECK_INT(store_run_list(s, NULL, 0, 30, &runs, &n), STORE_OK);
    CHECK_INT(n, 30);
    store_runs_free(runs, n);
    StoreRun r;
    CHECK_INT(store_run_get(s, 3, &r), STORE_ERR);
    CHECK(strstr(store_error(s), "reading a run: malformed JSON") != NULL);
    StoreEvent *ev = (StoreEvent *)o;
    n = 99;
    CHECK_INT(store_events_list(s, 0, NULL, &ev, &n), STORE_ERR);
    CHECK(ev == NULL && n == 0);
    CHECK(strstr(store_error(s), "listing events: malformed JSON") != NULL);
    StoreReview *rv = (StoreReview *)o;
    n = 99;
    CHECK_INT(store_reviews_list(s, id, &rv, &n), STORE_ERR);
    CHECK(rv == NULL && n == 0);
    CHECK(strstr(store_error(s), "listing reviews: malformed JSON") != NULL);
    StoreOutput *got = o;
    n = 99;
    CHECK_INT(store_outputs_get(s, "app", &got, &n), STORE_ERR);
    CHECK(got == NULL && n == 0);
    CHECK(strstr(store_error(s), "reading outputs: malformed JSON") != NULL);
    store_close(s);
}

int main(void)
{
    RUN(rows_run_fresh);
    RUN(rows_run_every_field);
    RUN(rows_run_list_filters);
    RUN(rows_events);
    RUN(rows_reviews);
    RUN(rows_locks);
    RUN(rows_outputs);
    RUN(rows_drift);
    RUN(rows_broken_store);
    RUN(rows_fail_midway);
    cleanup();
    return harness_done();
}
