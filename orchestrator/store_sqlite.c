/* store_sqlite.c — the SQLite store backend; see store.h for the contract.
 *
 * One file, WAL mode, synchronous=FULL (a committed event survives a crash
 * of the process and of the machine), a busy timeout so concurrent veto
 * processes queue on the write lock instead of failing. Every change runs
 * in BEGIN IMMEDIATE ... COMMIT, so two processes racing for a stack's lock
 * are serialised by SQLite and exactly one wins. run_events is append-only
 * (triggers refuse UPDATE and DELETE).
 *
 * Schema versions live in PRAGMA user_version; store_migrations[i] moves a
 * store from version i to i + 1. A store newer than this binary is refused.
 */
#include "store_sqlite.h"

#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct SqlStore {
    Store base;
    sqlite3 *db;
    char err[512];
} SqlStore;

static const char *const store_migrations[] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE stacks (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  apply_gen INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE runs (\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  stack TEXT NOT NULL,\n"
    "  state TEXT NOT NULL,\n"
    "  author TEXT NOT NULL,\n"
    "  trigger TEXT NOT NULL,\n"
    "  batch INTEGER NOT NULL DEFAULT 0,\n"
    "  created_at TEXT NOT NULL,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  plan_gen INTEGER NOT NULL DEFAULT -1,\n"
    "  plan_hash TEXT, plan_summary TEXT, policy_outcome TEXT, policy_json TEXT,\n"
    "  policy_text TEXT, approval_json TEXT, override_by TEXT, override_reason TEXT,\n"
    "  error TEXT, log_tail TEXT,\n"
    "  pid INTEGER NOT NULL DEFAULT 0, pid_start INTEGER NOT NULL DEFAULT 0, host TEXT\n"
    ");\n"
    "CREATE INDEX runs_by_stack ON runs (stack, id);\n"
    "CREATE TABLE run_events (\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  run_id INTEGER NOT NULL DEFAULT 0,\n"
    "  stack TEXT NOT NULL,\n"
    "  time TEXT NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  from_state TEXT,\n"
    "  to_state TEXT,\n"
    "  message TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX run_events_by_run ON run_events (run_id, id);\n"
    "CREATE TRIGGER run_events_no_update BEFORE UPDATE ON run_events\n"
    "  BEGIN SELECT RAISE(ABORT, 'run events are append-only'); END;\n"
    "CREATE TRIGGER run_events_no_delete BEFORE DELETE ON run_events\n"
    "  BEGIN SELECT RAISE(ABORT, 'run events are append-only'); END;\n"
    "CREATE TABLE reviews (\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
    "  actor TEXT NOT NULL,\n"
    "  teams TEXT NOT NULL,\n"
    "  verdict TEXT NOT NULL CHECK (verdict IN ('approve', 'reject')),\n"
    "  comment TEXT NOT NULL DEFAULT '',\n"
    "  time TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX reviews_by_run ON reviews (run_id, id);\n"
    "CREATE TABLE locks (\n"
    "  stack TEXT PRIMARY KEY,\n"
    "  run_id INTEGER NOT NULL DEFAULT 0,\n"
    "  holder TEXT NOT NULL,\n"
    "  reason TEXT NOT NULL DEFAULT '',\n"
    "  since TEXT NOT NULL,\n"
    "  pid INTEGER NOT NULL DEFAULT 0, pid_start INTEGER NOT NULL DEFAULT 0, host TEXT\n"
    ");\n"
    "CREATE TABLE outputs (\n"
    "  stack TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  run_id INTEGER NOT NULL,\n"
    "  value_json TEXT NOT NULL,\n"
    "  sensitive INTEGER NOT NULL DEFAULT 0,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (stack, name)\n"
    ");\n"
    "CREATE TABLE drift (\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  stack TEXT NOT NULL,\n"
    "  time TEXT NOT NULL,\n"
    "  actor TEXT NOT NULL,\n"
    "  outcome TEXT NOT NULL,\n"
    "  drifted INTEGER NOT NULL,\n"
    "  summary TEXT, decision TEXT,\n"
    "  run_id INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX drift_by_stack ON drift (stack, id);\n"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);\n"
    "INSERT INTO meta (key, value) VALUES ('next_batch', 1);\n",
};
#define STORE_SCHEMA_VERSION ((int)(sizeof store_migrations / sizeof store_migrations[0]))

static SqlStore *sq(Store *s) { return (SqlStore *)s; }

static int sq_fail(SqlStore *S, const char *what)
{
    snprintf(S->err, sizeof S->err, "store: %s: %s", what, sqlite3_errmsg(S->db));
    return STORE_ERR;
}

static int sq_exec(SqlStore *S, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(S->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(S->err, sizeof S->err, "store: %s", msg ? msg : sqlite3_errmsg(S->db));
        sqlite3_free(msg);
        return STORE_ERR;
    }
    return STORE_OK;
}

static int sq_begin(SqlStore *S) { return sq_exec(S, "BEGIN IMMEDIATE"); }

/* Ends the transaction: commits when rc is STORE_OK or one of the results
 * that still record something (stale), else rolls back. Returns rc, or
 * STORE_ERR when the commit fails. */
static int sq_end(SqlStore *S, int rc)
{
    if (rc == STORE_OK || rc == STORE_STALE) {
        if (sq_exec(S, "COMMIT") != STORE_OK) {
            sqlite3_exec(S->db, "ROLLBACK", NULL, NULL, NULL);
            return STORE_ERR;
        }
        return rc;
    }
    sqlite3_exec(S->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static sqlite3_stmt *sq_prep(SqlStore *S, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(S->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sq_fail(S, "prepare");
        return NULL;
    }
    return st;
}

static void sq_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static char *sq_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* Runs a statement that returns no rows; finalizes it. */
static int sq_done(SqlStore *S, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sq_fail(S, what);
    return STORE_OK;
}

static void sq_close(Store *s)
{
    SqlStore *S = sq(s);
    sqlite3_close(S->db);
    free(S);
}

static const char *sq_error(Store *s) { return sq(s)->err; }

static int sq_schema_version(Store *s)
{
    SqlStore *S = sq(s);
    sqlite3_stmt *st = sq_prep(S, "PRAGMA user_version");
    int v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int sq_migrate(SqlStore *S)
{
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    int v = sq_schema_version(&S->base);
    int rc = v < 0 ? STORE_ERR : STORE_OK;
    if (v > STORE_SCHEMA_VERSION) {
        snprintf(S->err, sizeof S->err,
                 "store: schema version %d is newer than this veto understands (%d); "
                 "upgrade veto",
                 v, STORE_SCHEMA_VERSION);
        rc = STORE_ERR;
    }
    for (; rc == STORE_OK && v < STORE_SCHEMA_VERSION; v++) {
        rc = sq_exec(S, store_migrations[v]);
        if (rc == STORE_OK) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
            rc = sq_exec(S, sql);
        }
    }
    return sq_end(S, rc);
}

/* Creates the directory of path (one level, and its parent) when missing. */
static void sq_mkdirs(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; *p; p++)
            if (*p == '/') {
                *p = '\0';
                mkdir(dir, 0777);
                *p = '/';
            }
        mkdir(dir, 0777);
    }
    free(dir);
}

static int sq_next_batch(Store *s, int64_t *out)
{
    SqlStore *S = sq(s);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    sqlite3_stmt *st = sq_prep(S, "SELECT value FROM meta WHERE key = 'next_batch'");
    int rc = STORE_ERR;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = STORE_OK;
    }
    sqlite3_finalize(st);
    if (rc == STORE_OK)
        rc = sq_exec(S, "UPDATE meta SET value = value + 1 WHERE key = 'next_batch'");
    return sq_end(S, rc);
}

/* Inserts an event inside the current transaction. */
static int sq_event(SqlStore *S, int64_t run_id, const char *stack, const char *time,
                    const char *actor, const char *kind, const char *from, const char *to,
                    const char *message)
{
    sqlite3_stmt *st = sq_prep(S, "INSERT INTO run_events (run_id, stack, time, actor, kind, "
                                  "from_state, to_state, message) VALUES (?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERR;
    sqlite3_bind_int64(st, 1, run_id);
    sq_text(st, 2, stack);
    sq_text(st, 3, time);
    sq_text(st, 4, actor ? actor : "veto");
    sq_text(st, 5, kind);
    sq_text(st, 6, from);
    sq_text(st, 7, to);
    sq_text(st, 8, message ? message : "");
    return sq_done(S, st, "recording an event");
}

static int sq_event_add(Store *s, int64_t run_id, const char *stack, const char *actor,
                        const char *kind, const char *message)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    return sq_end(S, sq_event(S, run_id, stack, now, actor, kind, NULL, NULL, message));
}

static int sq_run_create(Store *s, const char *stack, const char *author, const char *trigger,
                         int64_t batch, int64_t *id)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    sqlite3_stmt *st = sq_prep(S, "INSERT INTO runs (stack, state, author, trigger, batch, "
                                  "created_at, updated_at) VALUES (?, 'queued', ?, ?, ?, ?, ?)");
    int rc = STORE_ERR;
    if (st) {
        sq_text(st, 1, stack);
        sq_text(st, 2, author);
        sq_text(st, 3, trigger);
        sqlite3_bind_int64(st, 4, batch);
        sq_text(st, 5, now);
        sq_text(st, 6, now);
        rc = sq_done(S, st, "creating a run");
    }
    if (rc == STORE_OK) {
        *id = sqlite3_last_insert_rowid(S->db);
        char msg[160];
        snprintf(msg, sizeof msg, "run queued (%s)", trigger);
        rc = sq_event(S, *id, stack, now, author, "state", NULL, "queued", msg);
    }
    if (rc == STORE_OK) {
        st = sq_prep(S, "INSERT OR IGNORE INTO stacks (name) VALUES (?)");
        if (st) {
            sq_text(st, 1, stack);
            rc = sq_done(S, st, "registering the stack");
        } else {
            rc = STORE_ERR;
        }
    }
    return sq_end(S, rc);
}

/* Reading rows into records. Each record type has one table naming the
 * columns its SELECT reads, in order, with the field each lands in; the
 * SELECT's column list is built from that table, so a column and its field
 * are written down once, and one reader, one freer and two loops (one row,
 * a listing) serve every query. */
typedef enum SqKind {
    SQ_TEXT,  /* char *, malloc'd; NULL for SQL NULL */
    SQ_I64,   /* int64_t */
    SQ_LONG,  /* long */
    SQ_INT,   /* int */
    SQ_STATE, /* RunState, stored by name; a name this binary does not know reads as failed */
    SQ_PROC,  /* StoreProc, from the three columns SQ_PROC_COLS */
} SqKind;

/* Every table that records a process (runs, locks) has these columns. */
#define SQ_PROC_COLS "pid, pid_start, host"

typedef struct SqCol {
    const char *name; /* the column (the columns, for SQ_PROC) */
    SqKind kind;
    size_t off; /* of the field in the record */
} SqCol;

typedef struct SqShape {
    size_t size; /* of the record */
    size_t ncols;
    const SqCol *cols;
} SqShape;

/* clang-format off */
#define SQ_COL(T, name, kind, field) {name, kind, offsetof(T, field)}
#define SQ_SHAPE(T, cols)            {sizeof(T), sizeof cols / sizeof cols[0], cols}

static const SqCol sq_run_cols[] = {
    SQ_COL(StoreRun, "id",              SQ_I64,   id),
    SQ_COL(StoreRun, "stack",           SQ_TEXT,  stack),
    SQ_COL(StoreRun, "state",           SQ_STATE, state),
    SQ_COL(StoreRun, "author",          SQ_TEXT,  author),
    SQ_COL(StoreRun, "trigger",         SQ_TEXT,  trigger),
    SQ_COL(StoreRun, "batch",           SQ_I64,   batch),
    SQ_COL(StoreRun, "created_at",      SQ_TEXT,  created_at),
    SQ_COL(StoreRun, "updated_at",      SQ_TEXT,  updated_at),
    SQ_COL(StoreRun, "plan_gen",        SQ_I64,   plan_gen),
    SQ_COL(StoreRun, "plan_hash",       SQ_TEXT,  plan_hash),
    SQ_COL(StoreRun, "plan_summary",    SQ_TEXT,  plan_summary),
    SQ_COL(StoreRun, "policy_outcome",  SQ_TEXT,  policy_outcome),
    SQ_COL(StoreRun, "policy_json",     SQ_TEXT,  policy_json),
    SQ_COL(StoreRun, "policy_text",     SQ_TEXT,  policy_text),
    SQ_COL(StoreRun, "approval_json",   SQ_TEXT,  approval_json),
    SQ_COL(StoreRun, "override_by",     SQ_TEXT,  override_by),
    SQ_COL(StoreRun, "override_reason", SQ_TEXT,  override_reason),
    SQ_COL(StoreRun, "error",           SQ_TEXT,  error),
    SQ_COL(StoreRun, "log_tail",        SQ_TEXT,  log_tail),
    SQ_COL(StoreRun, SQ_PROC_COLS,      SQ_PROC,  proc),
};
static const SqShape sq_runs = SQ_SHAPE(StoreRun, sq_run_cols);

static const SqCol sq_event_cols[] = {
    SQ_COL(StoreEvent, "id",         SQ_I64,  id),
    SQ_COL(StoreEvent, "run_id",     SQ_I64,  run_id),
    SQ_COL(StoreEvent, "stack",      SQ_TEXT, stack),
    SQ_COL(StoreEvent, "time",       SQ_TEXT, time),
    SQ_COL(StoreEvent, "actor",      SQ_TEXT, actor),
    SQ_COL(StoreEvent, "kind",       SQ_TEXT, kind),
    SQ_COL(StoreEvent, "from_state", SQ_TEXT, from_state),
    SQ_COL(StoreEvent, "to_state",   SQ_TEXT, to_state),
    SQ_COL(StoreEvent, "message",    SQ_TEXT, message),
};
static const SqShape sq_events = SQ_SHAPE(StoreEvent, sq_event_cols);

static const SqCol sq_review_cols[] = {
    SQ_COL(StoreReview, "id",      SQ_I64,  id),
    SQ_COL(StoreReview, "run_id",  SQ_I64,  run_id),
    SQ_COL(StoreReview, "actor",   SQ_TEXT, actor),
    SQ_COL(StoreReview, "teams",   SQ_TEXT, teams),
    SQ_COL(StoreReview, "verdict", SQ_TEXT, verdict),
    SQ_COL(StoreReview, "comment", SQ_TEXT, comment),
    SQ_COL(StoreReview, "time",    SQ_TEXT, time),
};
static const SqShape sq_reviews = SQ_SHAPE(StoreReview, sq_review_cols);

static const SqCol sq_lock_cols[] = {
    SQ_COL(StoreLock, "stack",      SQ_TEXT, stack),
    SQ_COL(StoreLock, "run_id",     SQ_I64,  run_id),
    SQ_COL(StoreLock, "holder",     SQ_TEXT, holder),
    SQ_COL(StoreLock, "reason",     SQ_TEXT, reason),
    SQ_COL(StoreLock, "since",      SQ_TEXT, since),
    SQ_COL(StoreLock, SQ_PROC_COLS, SQ_PROC, proc),
};
static const SqShape sq_locks = SQ_SHAPE(StoreLock, sq_lock_cols);

static const SqCol sq_output_cols[] = {
    SQ_COL(StoreOutput, "name",       SQ_TEXT, name),
    SQ_COL(StoreOutput, "value_json", SQ_TEXT, value_json),
    SQ_COL(StoreOutput, "sensitive",  SQ_INT,  sensitive),
};
static const SqShape sq_outputs = SQ_SHAPE(StoreOutput, sq_output_cols);

static const SqCol sq_drift_cols[] = {
    SQ_COL(StoreDrift, "id",       SQ_I64,  id),
    SQ_COL(StoreDrift, "stack",    SQ_TEXT, stack),
    SQ_COL(StoreDrift, "time",     SQ_TEXT, time),
    SQ_COL(StoreDrift, "actor",    SQ_TEXT, actor),
    SQ_COL(StoreDrift, "outcome",  SQ_TEXT, outcome),
    SQ_COL(StoreDrift, "drifted",  SQ_LONG, drifted),
    SQ_COL(StoreDrift, "summary",  SQ_TEXT, summary),
    SQ_COL(StoreDrift, "decision", SQ_TEXT, decision),
    SQ_COL(StoreDrift, "run_id",   SQ_I64,  run_id),
};
static const SqShape sq_drifts = SQ_SHAPE(StoreDrift, sq_drift_cols);
/* clang-format on */

/* Prepares "SELECT <sh's columns> <rest>"; NULL (error set) on failure. */
static sqlite3_stmt *sq_select(SqlStore *S, const SqShape *sh, const char *rest)
{
    char sql[1024];
    size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT");
    for (size_t i = 0; i < sh->ncols && len < sizeof sql; i++)
        len +=
            (size_t)snprintf(sql + len, sizeof sql - len, "%s %s", i ? "," : "", sh->cols[i].name);
    if (len < sizeof sql)
        len += (size_t)snprintf(sql + len, sizeof sql - len, " %s", rest);
    if (len >= sizeof sql) {
        snprintf(S->err, sizeof S->err, "store: query too long: SELECT ... %s", rest);
        return NULL;
    }
    return sq_prep(S, sql);
}

/* Reads the current row of st into rec (all of it: fields sh does not name
 * are zeroed). The strings are malloc'd and belong to rec. */
static void sq_row_read(sqlite3_stmt *st, const SqShape *sh, void *rec)
{
    memset(rec, 0, sh->size);
    int c = 0; /* the column */
    for (size_t i = 0; i < sh->ncols; i++, c++) {
        void *f = (char *)rec + sh->cols[i].off;
        switch (sh->cols[i].kind) {
        case SQ_TEXT:
            *(char **)f = sq_col(st, c);
            break;
        case SQ_I64:
            *(int64_t *)f = sqlite3_column_int64(st, c);
            break;
        case SQ_LONG:
            *(long *)f = (long)sqlite3_column_int64(st, c);
            break;
        case SQ_INT:
            *(int *)f = sqlite3_column_int(st, c);
            break;
        case SQ_STATE: {
            const unsigned char *name = sqlite3_column_text(st, c);
            int si = name ? run_state_parse((const char *)name) : -1;
            *(RunState *)f = si < 0 ? RS_FAILED : (RunState)si;
            break;
        }
        case SQ_PROC: {
            StoreProc *p = f;
            p->pid = (long)sqlite3_column_int64(st, c++);
            p->start = sqlite3_column_int64(st, c++);
            p->host = sq_col(st, c);
            break;
        }
        }
    }
}

/* Frees the strings sq_row_read put in rec. */
static void sq_row_free(const SqShape *sh, void *rec)
{
    for (size_t i = 0; i < sh->ncols; i++) {
        void *f = (char *)rec + sh->cols[i].off;
        if (sh->cols[i].kind == SQ_TEXT)
            free(*(char **)f);
        else if (sh->cols[i].kind == SQ_PROC)
            free(((StoreProc *)f)->host);
    }
}

/* Steps st (prepared and bound; NULL when its preparing failed) once and
 * finalizes it: a row is read into rec (unless rec is NULL) and gives
 * STORE_OK, no row STORE_NOTFOUND. */
static int sq_one(SqlStore *S, sqlite3_stmt *st, const SqShape *sh, void *rec, const char *what)
{
    if (!st)
        return STORE_ERR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (rec)
            sq_row_read(st, sh, rec);
        rc = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = STORE_NOTFOUND;
    } else {
        rc = sq_fail(S, what);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Which rows a listing keeps: those keep(record, ctx) accepts (keep NULL:
 * all), and no more than limit of them (0: no limit). */
typedef struct SqPick {
    int (*keep)(const void *rec, const void *ctx);
    const void *ctx;
    size_t limit;
} SqPick;

/* Reads the rows of st (prepared and bound; NULL when its preparing failed)
 * into a malloc'd array of sh records, owned by the caller (*items, *n), and
 * finalizes st. pick may be NULL (every row). On failure nothing is returned
 * (*items NULL, *n 0): what was read is freed. */
static int sq_rows(SqlStore *S, sqlite3_stmt *st, const SqShape *sh, const SqPick *pick,
                   void **items, size_t *n, const char *what)
{
    *items = NULL;
    *n = 0;
    if (!st)
        return STORE_ERR;
    char *arr = NULL;
    size_t cap = 0, count = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t grown = cap ? cap * 2 : 16;
            char *g = realloc(arr, grown * sh->size);
            if (!g) {
                rc = SQLITE_NOMEM;
                break;
            }
            arr = g;
            cap = grown;
        }
        void *rec = arr + count * sh->size;
        sq_row_read(st, sh, rec);
        if (pick && pick->keep && !pick->keep(rec, pick->ctx)) {
            sq_row_free(sh, rec);
            continue;
        }
        count++;
        if (pick && pick->limit && count >= pick->limit) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        if (rc == SQLITE_NOMEM)
            snprintf(S->err, sizeof S->err, "store: %s: out of memory", what);
        else
            sq_fail(S, what);
        sqlite3_finalize(st);
        for (size_t i = 0; i < count; i++)
            sq_row_free(sh, arr + i * sh->size);
        free(arr);
        return STORE_ERR;
    }
    sqlite3_finalize(st);
    if (count == 0) { /* rows were read but none kept: an empty listing is NULL */
        free(arr);
        arr = NULL;
    }
    *items = arr;
    *n = count;
    return STORE_OK;
}

static int sq_run_get(Store *s, int64_t id, StoreRun *out)
{
    SqlStore *S = sq(s);
    sqlite3_stmt *st = sq_select(S, &sq_runs, "FROM runs WHERE id = ?");
    if (st)
        sqlite3_bind_int64(st, 1, id);
    return sq_one(S, st, &sq_runs, out, "reading a run");
}

static int sq_run_in_mask(const void *rec, const void *mask)
{
    return (*(const unsigned *)mask & RS_BIT(((const StoreRun *)rec)->state)) != 0;
}

static int sq_run_list(Store *s, const char *stack, unsigned state_mask, size_t limit,
                       StoreRun **out, size_t *n)
{
    SqlStore *S = sq(s);
    sqlite3_stmt *st =
        sq_select(S, &sq_runs, "FROM runs WHERE (?1 IS NULL OR stack = ?1) ORDER BY id DESC");
    if (st)
        sq_text(st, 1, stack);
    /* The state is filtered here, not in SQL, so a run whose state this
     * binary does not know is listed as the failed run it reads as. */
    SqPick pick = {state_mask ? sq_run_in_mask : NULL, &state_mask, limit};
    void *items;
    int rc = sq_rows(S, st, &sq_runs, &pick, &items, n, "listing runs");
    *out = items;
    return rc;
}

/* Applies set to run id inside the current transaction. */
static int sq_apply_set(SqlStore *S, int64_t id, const StoreRunSet *set, const char *now)
{
    static const char *const cols[] = {
        "plan_hash",     "plan_summary", "policy_outcome",  "policy_json", "policy_text",
        "approval_json", "override_by",  "override_reason", "error",       "log_tail"};
    const char *vals[10] = {NULL};
    if (set) {
        vals[0] = set->plan_hash;
        vals[1] = set->plan_summary;
        vals[2] = set->policy_outcome;
        vals[3] = set->policy_json;
        vals[4] = set->policy_text;
        vals[5] = set->approval_json;
        vals[6] = set->override_by;
        vals[7] = set->override_reason;
        vals[8] = set->error;
        vals[9] = set->log_tail;
    }
    for (int i = 0; i < 10; i++) {
        if (!vals[i])
            continue;
        char sql[96];
        snprintf(sql, sizeof sql, "UPDATE runs SET %s = ? WHERE id = ?", cols[i]);
        sqlite3_stmt *st = sq_prep(S, sql);
        if (!st)
            return STORE_ERR;
        sq_text(st, 1, vals[i]);
        sqlite3_bind_int64(st, 2, id);
        if (sq_done(S, st, "updating a run") != STORE_OK)
            return STORE_ERR;
    }
    if (set && set->proc) {
        sqlite3_stmt *st = sq_prep(S, "UPDATE runs SET pid = ?, pid_start = ?, host = ? "
                                      "WHERE id = ?");
        if (!st)
            return STORE_ERR;
        sqlite3_bind_int64(st, 1, set->proc->pid);
        sqlite3_bind_int64(st, 2, set->proc->start);
        sq_text(st, 3, set->proc->pid ? set->proc->host : NULL);
        sqlite3_bind_int64(st, 4, id);
        if (sq_done(S, st, "updating a run") != STORE_OK)
            return STORE_ERR;
    }
    sqlite3_stmt *st = sq_prep(S, "UPDATE runs SET updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERR;
    sq_text(st, 1, now);
    sqlite3_bind_int64(st, 2, id);
    return sq_done(S, st, "updating a run");
}

static int sq_lock_read(SqlStore *S, const char *stack, StoreLock *out)
{
    sqlite3_stmt *st = sq_select(S, &sq_locks, "FROM locks WHERE stack = ?");
    if (st)
        sq_text(st, 1, stack);
    return sq_one(S, st, &sq_locks, out, "reading a lock");
}

static int sq_lock_insert(SqlStore *S, const char *stack, int64_t run_id, const char *holder,
                          const char *reason, const StoreProc *proc, const char *now)
{
    sqlite3_stmt *st = sq_prep(S, "INSERT INTO locks (stack, run_id, holder, reason, since, pid, "
                                  "pid_start, host) VALUES (?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERR;
    sq_text(st, 1, stack);
    sqlite3_bind_int64(st, 2, run_id);
    sq_text(st, 3, holder);
    sq_text(st, 4, reason ? reason : "");
    sq_text(st, 5, now);
    sqlite3_bind_int64(st, 6, proc ? proc->pid : 0);
    sqlite3_bind_int64(st, 7, proc ? proc->start : 0);
    sq_text(st, 8, proc && proc->pid ? proc->host : NULL);
    return sq_done(S, st, "taking a lock");
}

static int sq_stack_gen(SqlStore *S, const char *stack, int64_t *gen)
{
    sqlite3_stmt *st = sq_prep(S, "SELECT apply_gen FROM stacks WHERE name = ?");
    if (!st)
        return STORE_ERR;
    sq_text(st, 1, stack);
    int rc = sqlite3_step(st);
    *gen = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(S, "reading a stack");
}

static int sq_set_state(SqlStore *S, int64_t id, RunState to, const char *now)
{
    sqlite3_stmt *st = sq_prep(S, "UPDATE runs SET state = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERR;
    sq_text(st, 1, run_state_name(to));
    sq_text(st, 2, now);
    sqlite3_bind_int64(st, 3, id);
    return sq_done(S, st, "changing a run's state");
}

static int sq_run_move(Store *s, int64_t id, unsigned from_mask, RunState to, const char *actor,
                       const char *message, const StoreRunSet *set, unsigned flags, StoreLock *held)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (held)
        memset(held, 0, sizeof *held);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    StoreRun r;
    int rc = sq_run_get(s, id, &r);
    if (rc != STORE_OK)
        return sq_end(S, rc);
    if (!(from_mask & RS_BIT(r.state))) {
        snprintf(S->err, sizeof S->err, "run %lld is %s", (long long)id, run_state_name(r.state));
        store_run_clear(&r);
        return sq_end(S, STORE_CONFLICT);
    }
    RunState from = r.state;
    int64_t gen = 0;
    rc = sq_stack_gen(S, r.stack, &gen);
    if (rc == STORE_OK && (flags & (MOVE_TAKE_LOCK | MOVE_APPLY))) {
        StoreLock l;
        int lr = sq_lock_read(S, r.stack, &l);
        if (lr == STORE_OK && l.run_id != id) {
            if (held)
                *held = l;
            else
                store_lock_clear(&l);
            snprintf(S->err, sizeof S->err, "stack %s is locked", r.stack);
            rc = STORE_LOCKED;
        } else if (lr == STORE_OK) {
            store_lock_clear(&l);
        } else if (lr == STORE_NOTFOUND) {
            char reason[64];
            snprintf(reason, sizeof reason, "run %lld", (long long)id);
            rc = sq_lock_insert(S, r.stack, id, actor, reason, set ? set->proc : NULL, now);
            if (rc == STORE_OK)
                rc = sq_event(S, id, r.stack, now, actor, "lock", NULL, NULL,
                              "stack locked for the run");
        } else {
            rc = lr;
        }
    }
    if (rc == STORE_OK && (flags & MOVE_APPLY) && r.plan_gen != gen) {
        /* Another run applied after this plan was made: the plan is stale. */
        rc = sq_set_state(S, id, RS_STALE, now);
        if (rc == STORE_OK)
            rc = sq_event(S, id, r.stack, now, actor, "state", run_state_name(from), "stale",
                          "plan is stale: another run applied to the stack after it was made");
        if (rc == STORE_OK) {
            StoreProc none = {0, 0, NULL};
            StoreRunSet cl = {0};
            cl.proc = &none;
            cl.error = "stale plan: another run applied to the stack after this plan was made; "
                       "run the stack again";
            rc = sq_apply_set(S, id, &cl, now);
        }
        if (rc == STORE_OK) {
            sqlite3_stmt *st = sq_prep(S, "DELETE FROM locks WHERE stack = ? AND run_id = ?");
            if (st) {
                sq_text(st, 1, r.stack);
                sqlite3_bind_int64(st, 2, id);
                rc = sq_done(S, st, "releasing a lock");
            } else {
                rc = STORE_ERR;
            }
        }
        if (rc == STORE_OK) {
            rc = sq_event(S, id, r.stack, now, actor, "unlock", NULL, NULL,
                          "stack unlocked: the run ended stale");
            if (rc == STORE_OK)
                rc = STORE_STALE;
        }
        store_run_clear(&r);
        return sq_end(S, rc);
    }
    if (rc == STORE_OK && (flags & MOVE_APPLY)) {
        sqlite3_stmt *st = sq_prep(S, "UPDATE stacks SET apply_gen = apply_gen + 1 WHERE name = ?");
        if (st) {
            sq_text(st, 1, r.stack);
            rc = sq_done(S, st, "bumping the apply generation");
        } else {
            rc = STORE_ERR;
        }
    }
    if (rc == STORE_OK && (flags & MOVE_SET_GEN)) {
        sqlite3_stmt *st = sq_prep(S, "UPDATE runs SET plan_gen = ? WHERE id = ?");
        if (st) {
            sqlite3_bind_int64(st, 1, gen);
            sqlite3_bind_int64(st, 2, id);
            rc = sq_done(S, st, "recording the plan generation");
        } else {
            rc = STORE_ERR;
        }
    }
    if (rc == STORE_OK)
        rc = sq_set_state(S, id, to, now);
    if (rc == STORE_OK)
        rc = sq_apply_set(S, id, set, now);
    if (rc == STORE_OK)
        rc = sq_event(S, id, r.stack, now, actor, "state", run_state_name(from), run_state_name(to),
                      message);
    if (rc == STORE_OK && run_state_terminal(to)) {
        StoreProc none = {0, 0, NULL};
        StoreRunSet cl = {0};
        cl.proc = &none;
        rc = sq_apply_set(S, id, &cl, now);
        sqlite3_stmt *st =
            rc == STORE_OK ? sq_prep(S, "DELETE FROM locks WHERE stack = ? AND run_id = ?") : NULL;
        if (st) {
            sq_text(st, 1, r.stack);
            sqlite3_bind_int64(st, 2, id);
            rc = sq_done(S, st, "releasing a lock");
            if (rc == STORE_OK && sqlite3_changes(S->db) > 0)
                rc = sq_event(S, id, r.stack, now, actor, "unlock", NULL, NULL,
                              "stack unlocked: the run ended");
        } else if (rc == STORE_OK) {
            rc = STORE_ERR;
        }
    }
    store_run_clear(&r);
    return sq_end(S, rc);
}

static int sq_run_update(Store *s, int64_t id, const StoreRunSet *set)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    return sq_end(S, sq_apply_set(S, id, set, now));
}

static int sq_events_list(Store *s, int64_t run_id, const char *stack, StoreEvent **out, size_t *n)
{
    SqlStore *S = sq(s);
    sqlite3_stmt *st = sq_select(S, &sq_events,
                                 "FROM run_events WHERE (?1 = 0 OR run_id = ?1) AND (?2 IS NULL OR "
                                 "stack = ?2) ORDER BY id");
    if (st) {
        sqlite3_bind_int64(st, 1, run_id);
        sq_text(st, 2, stack);
    }
    void *items;
    int rc = sq_rows(S, st, &sq_events, NULL, &items, n, "listing events");
    *out = items;
    return rc;
}

static int sq_review_add(Store *s, int64_t run_id, const char *actor, const char *teams_json,
                         const char *verdict, const char *comment)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    StoreRun r;
    int rc = sq_run_get(s, run_id, &r);
    if (rc != STORE_OK)
        return sq_end(S, rc);
    if (r.state != RS_AWAITING) {
        snprintf(S->err, sizeof S->err, "run %lld is %s, not awaiting_approval", (long long)run_id,
                 run_state_name(r.state));
        store_run_clear(&r);
        return sq_end(S, STORE_CONFLICT);
    }
    sqlite3_stmt *st = sq_prep(S, "INSERT INTO reviews (run_id, actor, teams, verdict, comment, "
                                  "time) VALUES (?,?,?,?,?,?)");
    rc = STORE_ERR;
    if (st) {
        sqlite3_bind_int64(st, 1, run_id);
        sq_text(st, 2, actor);
        sq_text(st, 3, teams_json);
        sq_text(st, 4, verdict);
        sq_text(st, 5, comment ? comment : "");
        sq_text(st, 6, now);
        rc = sq_done(S, st, "recording a review");
    }
    if (rc == STORE_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s%s%s", verdict, comment && *comment ? ": " : "",
                 comment ? comment : "");
        rc = sq_event(S, run_id, r.stack, now, actor, "review", NULL, NULL, msg);
    }
    store_run_clear(&r);
    return sq_end(S, rc);
}

static int sq_reviews_list(Store *s, int64_t run_id, StoreReview **out, size_t *n)
{
    SqlStore *S = sq(s);
    sqlite3_stmt *st = sq_select(S, &sq_reviews, "FROM reviews WHERE run_id = ? ORDER BY id");
    if (st)
        sqlite3_bind_int64(st, 1, run_id);
    void *items;
    int rc = sq_rows(S, st, &sq_reviews, NULL, &items, n, "listing reviews");
    *out = items;
    return rc;
}

static int sq_lock_take(Store *s, const char *stack, const char *holder, const char *reason,
                        const StoreProc *proc, StoreLock *held)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (held)
        memset(held, 0, sizeof *held);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    int rc = sq_lock_read(S, stack, held);
    if (rc == STORE_OK)
        return sq_end(S, STORE_LOCKED);
    if (rc != STORE_NOTFOUND)
        return sq_end(S, rc);
    rc = sq_lock_insert(S, stack, 0, holder, reason, proc, now);
    if (rc == STORE_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "stack locked%s%s", reason && *reason ? ": " : "",
                 reason ? reason : "");
        rc = sq_event(S, 0, stack, now, holder, "lock", NULL, NULL, msg);
    }
    return sq_end(S, rc);
}

static int sq_lock_release(Store *s, const char *stack, const char *actor, int64_t only_run)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    StoreLock l;
    int rc = sq_lock_read(S, stack, &l);
    if (rc != STORE_OK)
        return sq_end(S, rc);
    if (only_run && l.run_id != only_run) {
        store_lock_clear(&l);
        return sq_end(S, STORE_CONFLICT);
    }
    sqlite3_stmt *st = sq_prep(S, "DELETE FROM locks WHERE stack = ?");
    rc = STORE_ERR;
    if (st) {
        sq_text(st, 1, stack);
        rc = sq_done(S, st, "releasing a lock");
    }
    if (rc == STORE_OK) {
        char msg[300];
        if (l.run_id)
            snprintf(msg, sizeof msg, "stack unlocked (was held by run %lld)", (long long)l.run_id);
        else
            snprintf(msg, sizeof msg, "stack unlocked (was locked by %s)", l.holder);
        rc = sq_event(S, l.run_id, stack, now, actor, "unlock", NULL, NULL, msg);
    }
    store_lock_clear(&l);
    return sq_end(S, rc);
}

static int sq_lock_get(Store *s, const char *stack, StoreLock *out)
{
    return sq_lock_read(sq(s), stack, out);
}

static int sq_outputs_set(Store *s, const char *stack, int64_t run_id, const StoreOutput *o,
                          size_t n)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    sqlite3_stmt *st = sq_prep(S, "DELETE FROM outputs WHERE stack = ?");
    int rc = STORE_ERR;
    if (st) {
        sq_text(st, 1, stack);
        rc = sq_done(S, st, "replacing outputs");
    }
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        st = sq_prep(S, "INSERT INTO outputs (stack, name, run_id, value_json, sensitive, "
                        "updated_at) VALUES (?,?,?,?,?,?)");
        if (!st) {
            rc = STORE_ERR;
            break;
        }
        sq_text(st, 1, stack);
        sq_text(st, 2, o[i].name);
        sqlite3_bind_int64(st, 3, run_id);
        sq_text(st, 4, o[i].value_json);
        sqlite3_bind_int(st, 5, o[i].sensitive);
        sq_text(st, 6, now);
        rc = sq_done(S, st, "recording an output");
    }
    if (rc == STORE_OK) {
        char msg[96];
        snprintf(msg, sizeof msg, "%zu output%s captured", n, n == 1 ? "" : "s");
        rc = sq_event(S, run_id, stack, now, NULL, "output", NULL, NULL, msg);
    }
    return sq_end(S, rc);
}

static int sq_outputs_get(Store *s, const char *stack, StoreOutput **out, size_t *n)
{
    SqlStore *S = sq(s);
    sqlite3_stmt *st = sq_select(S, &sq_outputs, "FROM outputs WHERE stack = ? ORDER BY name");
    if (st)
        sq_text(st, 1, stack);
    void *items;
    int rc = sq_rows(S, st, &sq_outputs, NULL, &items, n, "reading outputs");
    *out = items;
    return rc;
}

static int sq_drift_add(Store *s, const StoreDrift *d, int64_t *id)
{
    SqlStore *S = sq(s);
    char now[32];
    store_now(now);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    sqlite3_stmt *st = sq_prep(S, "INSERT INTO drift (stack, time, actor, outcome, drifted, "
                                  "summary, decision, run_id) VALUES (?,?,?,?,?,?,?,?)");
    int rc = STORE_ERR;
    if (st) {
        sq_text(st, 1, d->stack);
        sq_text(st, 2, now);
        sq_text(st, 3, d->actor);
        sq_text(st, 4, d->outcome);
        sqlite3_bind_int64(st, 5, d->drifted);
        sq_text(st, 6, d->summary);
        sq_text(st, 7, d->decision);
        sqlite3_bind_int64(st, 8, d->run_id);
        rc = sq_done(S, st, "recording drift");
    }
    if (rc == STORE_OK) {
        *id = sqlite3_last_insert_rowid(S->db);
        char msg[160];
        snprintf(msg, sizeof msg, "drift check: %ld resource%s drifted, policies %s", d->drifted,
                 d->drifted == 1 ? "" : "s", d->outcome);
        rc = sq_event(S, 0, d->stack, now, d->actor, "drift", NULL, NULL, msg);
    }
    return sq_end(S, rc);
}

static int sq_drift_latest(Store *s, const char *stack, StoreDrift *out)
{
    SqlStore *S = sq(s);
    sqlite3_stmt *st =
        sq_select(S, &sq_drifts, "FROM drift WHERE stack = ? ORDER BY id DESC LIMIT 1");
    if (st)
        sq_text(st, 1, stack);
    return sq_one(S, st, &sq_drifts, out, "reading drift");
}

static int sq_drift_set_run(Store *s, int64_t drift_id, int64_t run_id)
{
    SqlStore *S = sq(s);
    if (sq_begin(S) != STORE_OK)
        return STORE_ERR;
    sqlite3_stmt *st = sq_prep(S, "UPDATE drift SET run_id = ? WHERE id = ?");
    int rc = STORE_ERR;
    if (st) {
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int64(st, 2, drift_id);
        rc = sq_done(S, st, "linking drift to a run");
    }
    return sq_end(S, rc);
}

static const StoreOps sq_ops = {
    sq_close,          sq_error,        sq_next_batch, sq_run_create,   sq_run_get,
    sq_run_list,       sq_run_move,     sq_run_update, sq_event_add,    sq_events_list,
    sq_review_add,     sq_reviews_list, sq_lock_take,  sq_lock_release, sq_lock_get,
    sq_outputs_set,    sq_outputs_get,  sq_drift_add,  sq_drift_latest, sq_drift_set_run,
    sq_schema_version,
};

Store *store_sqlite_open(const char *path, char *err, size_t errlen)
{
    SqlStore *S = calloc(1, sizeof *S);
    if (!S) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    S->base.ops = &sq_ops;
    sq_mkdirs(path);
    int rc = sqlite3_open_v2(path, &S->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open the store '%s': %s", path,
                 S->db ? sqlite3_errmsg(S->db) : sqlite3_errstr(rc));
        sqlite3_close(S->db);
        free(S);
        return NULL;
    }
    sqlite3_busy_timeout(S->db, 30000);
    /* Switching a new file to WAL needs an exclusive lock, and SQLite answers
     * "database is locked" at once, without the busy handler, when another
     * process is opening the same new store: retry that step for a while. */
    int tries = 0, ok;
    while (!(ok = sq_exec(S, "PRAGMA journal_mode = WAL") == STORE_OK) && tries++ < 600) {
        int code = sqlite3_errcode(S->db);
        if (code != SQLITE_BUSY && code != SQLITE_LOCKED)
            break;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (!ok || sq_exec(S, "PRAGMA synchronous = FULL") != STORE_OK ||
        sq_exec(S, "PRAGMA foreign_keys = ON") != STORE_OK || sq_migrate(S) != STORE_OK) {
        snprintf(err, errlen, "cannot open the store '%s': %s", path, S->err);
        sqlite3_close(S->db);
        free(S);
        return NULL;
    }
    return &S->base;
}
