/* store.h — the orchestrator's durable state, behind one interface.
 *
 * Owns: what is stored and the rules every backend keeps — runs and their
 * state changes (each with time and actor, in run_events), reviews, stack
 * locks, the per-stack apply generation that makes old plans stale,
 * outputs, drift records. Every change is one transaction: a state change,
 * its event, and the lock it takes or frees commit together or not at all,
 * so a process killed at any point leaves a consistent store.
 *
 * The backend is chosen by store_open from the location: a file path means
 * SQLite (store_sqlite.c; WAL mode, schema version and migrations); a
 * postgres:// URL is reserved for the PostgreSQL backend that implements
 * the same StoreOps. Callers use only the store_* functions below.
 *
 * Strings in the records are malloc'd and owned by the record; free them
 * with the matching *_clear function. Times are RFC 3339 UTC with
 * milliseconds ("2024-05-14T09:40:00.123Z").
 */
#ifndef VETO_ORCH_STORE_H
#define VETO_ORCH_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef enum RunState {
    RS_QUEUED,
    RS_PLANNING,
    RS_CHECKING,
    RS_AWAITING, /* awaiting_approval (or a manual `veto apply`) */
    RS_APPLYING,
    RS_FINISHED,
    RS_FAILED,
    RS_REJECTED,
    RS_DISCARDED,
    RS_STALE,
    RS__COUNT
} RunState;

#define RS_BIT(s)       (1u << (s))
#define RS_ACTIVE_MASK  (RS_BIT(RS_PLANNING) | RS_BIT(RS_CHECKING) | RS_BIT(RS_APPLYING))
#define RS_PENDING_MASK (RS_BIT(RS_QUEUED) | RS_BIT(RS_AWAITING) | RS_ACTIVE_MASK)

const char *run_state_name(RunState s);
/* The state called name, or -1. */
int run_state_parse(const char *name);
int run_state_terminal(RunState s);

/* Results of store operations. */
enum {
    STORE_OK = 0,
    STORE_ERR = -1,      /* the backend failed; store_error() says why */
    STORE_NOTFOUND = -2, /* no such run, lock, ... */
    STORE_CONFLICT = -3, /* the run is not in a state the change allows */
    STORE_LOCKED = -4,   /* the stack is locked by someone else */
    STORE_STALE = -5,    /* the plan predates another apply: the run moved to stale */
};

/* Who is working on a run or holds a lock: a process on a host, named by
 * its pid and its start time (so a reused pid is not mistaken for it). */
typedef struct StoreProc {
    long pid; /* 0: no process (a lock by hand, a run awaiting approval) */
    long long start;
    char *host;
} StoreProc;

typedef struct StoreRun {
    int64_t id;
    char *stack;
    RunState state;
    char *author;  /* who started it */
    char *trigger; /* manual, all, trigger, drift */
    int64_t batch; /* runs started together by --all or trigger share it; 0 alone */
    char *created_at;
    char *updated_at;
    int64_t plan_gen;     /* the stack's apply generation when the plan was made */
    char *plan_hash;      /* "sha256:..." of the plan JSON */
    char *plan_summary;   /* JSON: {"actions": {...}, "types": {...}, "changes": N} */
    char *policy_outcome; /* pass, warn, fail, error (plan policies) */
    char *policy_json;    /* the plan decision record */
    char *policy_text;    /* the same, for people */
    char *approval_json;  /* the latest approval decision record */
    char *override_by;    /* who overrode soft-mandatory failures, and why */
    char *override_reason;
    char *error;    /* why it failed, for people */
    char *log_tail; /* the end of the command output, sensitive values redacted */
    StoreProc proc; /* the veto process working on it */
} StoreRun;

/* Fields to set with a change; NULL strings are left alone. */
typedef struct StoreRunSet {
    const char *plan_hash, *plan_summary, *policy_outcome, *policy_json, *policy_text;
    const char *approval_json, *override_by, *override_reason, *error, *log_tail;
    const StoreProc *proc; /* non-NULL: set (pid 0 clears) */
} StoreRunSet;

typedef struct StoreEvent {
    int64_t id;
    int64_t run_id; /* 0 for a stack-level event (lock, refused run, drift) */
    char *stack;
    char *time;
    char *actor;
    char *kind; /* state, review, lock, unlock, access, policy, override, output, drift, note */
    char *from_state; /* for kind "state" */
    char *to_state;
    char *message;
} StoreEvent;

typedef struct StoreReview {
    int64_t id;
    int64_t run_id;
    char *actor;
    char *teams;   /* JSON array */
    char *verdict; /* approve, reject */
    char *comment;
    char *time;
} StoreReview;

typedef struct StoreLock {
    char *stack;
    int64_t run_id; /* 0: locked by hand */
    char *holder;   /* the actor */
    char *reason;
    char *since;
    StoreProc proc;
} StoreLock;

typedef struct StoreOutput {
    char *name;
    char *value_json;
    int sensitive;
} StoreOutput;

typedef struct StoreDrift {
    int64_t id;
    char *stack;
    char *time;
    char *actor;
    char *outcome;  /* the drift policies' outcome: pass, warn, fail, error */
    long drifted;   /* entries in resource_drift */
    char *summary;  /* JSON: addresses and actions */
    char *decision; /* the drift decision record */
    int64_t run_id; /* the remediation run, or 0 */
} StoreDrift;

/* Flags of store_run_move. */
enum {
    MOVE_TAKE_LOCK = 1, /* take the stack's lock for the run (STORE_LOCKED if held) */
    MOVE_SET_GEN = 2,   /* record the stack's current apply generation as the plan's */
    MOVE_APPLY = 4,     /* the plan must be fresh (else the run moves to stale and
                           STORE_STALE is returned); bump the stack's generation */
};

typedef struct Store Store;

typedef struct StoreOps {
    void (*close)(Store *s);
    const char *(*error)(Store *s);
    int (*next_batch)(Store *s, int64_t *out);
    int (*run_create)(Store *s, const char *stack, const char *author, const char *trigger,
                      int64_t batch, int64_t *id);
    int (*run_get)(Store *s, int64_t id, StoreRun *out);
    int (*run_list)(Store *s, const char *stack, unsigned state_mask, size_t limit, StoreRun **out,
                    size_t *n);
    int (*run_move)(Store *s, int64_t id, unsigned from_mask, RunState to, const char *actor,
                    const char *message, const StoreRunSet *set, unsigned flags, StoreLock *held);
    int (*run_update)(Store *s, int64_t id, const StoreRunSet *set);
    int (*event_add)(Store *s, int64_t run_id, const char *stack, const char *actor,
                     const char *kind, const char *message);
    int (*events_list)(Store *s, int64_t run_id, const char *stack, StoreEvent **out, size_t *n);
    int (*review_add)(Store *s, int64_t run_id, const char *actor, const char *teams_json,
                      const char *verdict, const char *comment);
    int (*reviews_list)(Store *s, int64_t run_id, StoreReview **out, size_t *n);
    int (*lock_take)(Store *s, const char *stack, const char *holder, const char *reason,
                     const StoreProc *proc, StoreLock *held);
    int (*lock_release)(Store *s, const char *stack, const char *actor, int64_t only_run);
    int (*lock_get)(Store *s, const char *stack, StoreLock *out);
    int (*outputs_set)(Store *s, const char *stack, int64_t run_id, const StoreOutput *o, size_t n);
    int (*outputs_get)(Store *s, const char *stack, StoreOutput **out, size_t *n);
    int (*drift_add)(Store *s, const StoreDrift *d, int64_t *id);
    int (*drift_latest)(Store *s, const char *stack, StoreDrift *out);
    int (*drift_set_run)(Store *s, int64_t drift_id, int64_t run_id);
    int (*schema_version)(Store *s);
} StoreOps;

struct Store {
    const StoreOps *ops;
};

#define store_close(s)              ((s)->ops->close(s))
#define store_error(s)              ((s)->ops->error(s))
#define store_next_batch(s, out)    ((s)->ops->next_batch((s), (out)))
#define store_run_create(s, ...)    ((s)->ops->run_create((s), __VA_ARGS__))
#define store_run_get(s, ...)       ((s)->ops->run_get((s), __VA_ARGS__))
#define store_run_list(s, ...)      ((s)->ops->run_list((s), __VA_ARGS__))
#define store_run_move(s, ...)      ((s)->ops->run_move((s), __VA_ARGS__))
#define store_run_update(s, ...)    ((s)->ops->run_update((s), __VA_ARGS__))
#define store_event_add(s, ...)     ((s)->ops->event_add((s), __VA_ARGS__))
#define store_events_list(s, ...)   ((s)->ops->events_list((s), __VA_ARGS__))
#define store_review_add(s, ...)    ((s)->ops->review_add((s), __VA_ARGS__))
#define store_reviews_list(s, ...)  ((s)->ops->reviews_list((s), __VA_ARGS__))
#define store_lock_take(s, ...)     ((s)->ops->lock_take((s), __VA_ARGS__))
#define store_lock_release(s, ...)  ((s)->ops->lock_release((s), __VA_ARGS__))
#define store_lock_get(s, ...)      ((s)->ops->lock_get((s), __VA_ARGS__))
#define store_outputs_set(s, ...)   ((s)->ops->outputs_set((s), __VA_ARGS__))
#define store_outputs_get(s, ...)   ((s)->ops->outputs_get((s), __VA_ARGS__))
#define store_drift_add(s, ...)     ((s)->ops->drift_add((s), __VA_ARGS__))
#define store_drift_latest(s, ...)  ((s)->ops->drift_latest((s), __VA_ARGS__))
#define store_drift_set_run(s, ...) ((s)->ops->drift_set_run((s), __VA_ARGS__))
#define store_schema_version(s)     ((s)->ops->schema_version(s))

void store_run_clear(StoreRun *r);
void store_runs_free(StoreRun *r, size_t n);
void store_events_free(StoreEvent *e, size_t n);
void store_reviews_free(StoreReview *r, size_t n);
void store_lock_clear(StoreLock *l);
void store_outputs_free(StoreOutput *o, size_t n);
void store_drift_clear(StoreDrift *d);
void store_proc_clear(StoreProc *p);

/* The current time as RFC 3339 UTC with milliseconds. */
void store_now(char out[32]);
/* This process, for StoreProc (host from gethostname; owned strings). */
int store_proc_self(StoreProc *p);
/* 1 when the process p names is still running (on this host; a process on
 * another host is assumed alive), 0 when it is gone. */
int store_proc_alive(const StoreProc *p);

#endif
