/* gate.h — asking the policies: builds the input documents that access,
 * plan, approval, trigger and drift policies see, evaluates them with the
 * engine, and reads the verdict back.
 *
 * Owns: the input shapes (documented in docs/ORCHESTRATOR.md), the
 * context document (actor, the orchestrator's clock at decision time as
 * context.time, stack, run, labels), the defaults when no policy of a kind
 * applies, and failing closed on evaluation errors. Does not own: what the
 * lifecycle does with a verdict.
 */
#ifndef VETO_ORCH_GATE_H
#define VETO_ORCH_GATE_H

#include "jdoc.h"
#include "session.h"

typedef struct GateResult {
    int policies; /* policies of the kind that were evaluated */
    veto_outcome outcome;
    char verdict[16]; /* allow|deny, approved|rejected|waiting, or the plan outcome */
    char *json;       /* the decision record; malloc'd */
    char *text;       /* the decision for people; malloc'd */
    Jd *dec;          /* json parsed */
    int hard_deny;    /* plan/drift: a deny of a hard policy, or an error */
    int soft_deny;    /* plan/drift: a deny of a soft policy */
} GateResult;

void gate_result_clear(GateResult *g);

/* Messages of the results with rule (e.g. "deny"), joined by "; "; malloc'd
 * ("" when none). */
char *gate_messages(const GateResult *g, const char *rule);

/* May the session's actor do action on stack (run may be NULL)? extra is
 * a JSON object text merged into the input (may be NULL). No access policy
 * for the stack allows everything; an evaluation error denies. Returns 0
 * and fills g (verdict "allow" or "deny"), or -1 with *err. */
int gate_access(Session *s, const CfgStack *st, const char *action, const StoreRun *run,
                const char *extra, GateResult *g, char **err);

/* After gate_access denied: says "<actor> may not <what> stack '<name>':
 * <deny messages>" and records it as an "access" event on the stack (and on
 * run_id unless 0). oom is said and recorded in its place when the message
 * cannot be built. Clears acc. */
void gate_refused(Session *s, const CfgStack *st, int64_t run_id, const char *what, const char *oom,
                  GateResult *acc);

/* Plan (kind "plan") or drift (kind "drift") policies over the plan JSON
 * text; data.outputs holds the outputs of the stack's dependencies. */
int gate_plan(Session *s, const CfgStack *st, const char *kind, int64_t run_id, const char *plan,
              size_t len, GateResult *g, char **err);

/* The approval policies over the run and its reviews so far. No approval
 * policy: approved, unless a review rejects. */
int gate_approval(Session *s, const CfgStack *st, const StoreRun *run, GateResult *g, char **err);

/* The trigger policies (top-level set) over a change; g->dec's results
 * name the stacks. */
int gate_trigger(Session *s, const char *branch, const char *commit, const char *const *changed,
                 size_t nchanged, GateResult *g, char **err);

/* The stack as policies see it: {"name", "labels", "dir", "depends_on"}. */
void gate_stack_json(Sbuf *b, const CfgStack *st);

#endif
