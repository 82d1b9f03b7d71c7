/* eval_parallel.h — one large input's policies on several threads
 * (eval_parallel.c), for veto_eval. */
#ifndef VETO_EVAL_PARALLEL_H
#define VETO_EVAL_PARALLEL_H

#include "gate/eval_core.h"

/* eval_parallel.c: the policies of kind on input split over threads, the
 * results merged in the order one thread gives them (decision not yet
 * finished). NULL when that does not pay (small input, few policies,
 * opt->jobs 1, explanations or hooks) or when the decision could differ
 * from one thread's (a limit reached, out of memory): veto_eval then
 * evaluates on the calling thread. */
veto_decision *eval_parallel(const Program *p, PolicyKind kind, const veto_doc *input,
                             const veto_eval_options *opt);

#endif
