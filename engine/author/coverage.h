/* coverage.h — line coverage of policy sources, recorded through the VM's
 * step hook.
 *
 * A Coverage accumulates, per policy file (by source name), which lines
 * hold code and how often each ran. It outlives the programs that feed
 * it, so several programs compiled from the same files (one per test
 * file) add up. A CoverageRun is the per-program recorder: it counts
 * executed pcs per function while evaluations run with its hooks, and
 * coverage_end() folds the counts into lines through each function's
 * pc→offset table.
 *
 * Coverable lines are the lines holding an instruction of a rule, a
 * condition, a function or a top-level let of a user policy file; the
 * standard library's modules are not reported. Owns: its copies of the
 * file names and line tables. Borrows: the program, during a run only.
 */
#ifndef VETO_COVERAGE_H
#define VETO_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "vm/program.h"
#include "vm/vm.h"

typedef struct CoverageFile {
    char *name; /* source name as compiled (malloc'd) */
    uint32_t nlines;
    int64_t *hits; /* hits[line-1]: -1 = no code on the line, else run count */
} CoverageFile;

typedef struct Coverage {
    CoverageFile *files; /* malloc'd, unsorted until coverage_render */
    uint32_t nfiles, cap;
    bool failed; /* sticky OOM */
} Coverage;

typedef struct CoverageRun {
    VmHooks hooks; /* hand &hooks to the evaluation (ud = this run) */
    const Program *prog;
    uint64_t **counts; /* counts[func][pc]; NULL rows for functions not reported */
} CoverageRun;

typedef enum CoverageFormat { COV_TEXT, COV_JSON, COV_LCOV, COV_COBERTURA } CoverageFormat;

void coverage_init(Coverage *c);
void coverage_free(Coverage *c);

/* Starts recording evaluations of p; returns false on OOM. Registers p's
 * coverable lines with c at once, so a file whose code never runs still
 * counts. */
bool coverage_begin(Coverage *c, CoverageRun *run, const Program *p);
/* Adds the run's counts to c and frees the run. */
void coverage_end(Coverage *c, CoverageRun *run);

/* Totals over every file. */
void coverage_totals(const Coverage *c, uint64_t *covered, uint64_t *coverable);
/* Percentage of coverable lines run (100 when nothing is coverable). */
double coverage_percent(const Coverage *c);

/* Appends the report in the given format; sorts the files by name. */
void coverage_render(Coverage *c, CoverageFormat fmt, Buf *out);

#endif
