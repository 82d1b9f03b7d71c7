/* vm.h — the bytecode interpreter.
 *
 * A Vm is the per-evaluation state: the value stack (locals live in it,
 * one window per call frame), the lazily computed globals, the step budget
 * and the error slot. It reads the Program and never changes it, so many
 * Vms may run one Program on several threads. Values it makes live in the
 * evaluation arena it is given.
 *
 * A runtime error stops the current call: vm_call returns false and the
 * Vm's err/err_func/err_pc say what and where (pc→source offset through
 * the function's offsets table). The caller decides what to stop: the
 * evaluator stops the policy that raised it and goes on with the others.
 */
#ifndef VETO_VM_H
#define VETO_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/builtin_abi.h"
#include "vm/program.h"

typedef void (*VmEmitFn)(void *ud, uint32_t rule, Value binding, Value message);

struct Vm;

/* Optional observer of every instruction (explain, coverage, tracing):
 * step() runs before the instruction at pc of function func executes;
 * stack[base..sp) is the frame (locals first). With hooks NULL the VM
 * runs a separately compiled loop without the call. */
typedef struct VmHooks {
    void (*step)(void *ud, const struct Vm *vm, uint32_t func, uint32_t pc, const Value *stack,
                 uint32_t sp, uint32_t base);
    void *ud;
} VmHooks;

typedef struct VmGlobal {
    uint8_t state; /* 0 not computed, 1 computing, 2 done */
    Value value;
} VmGlobal;

typedef struct Vm {
    const Program *prog;
    Arena *arena; /* evaluation arena (borrowed) */
    Value *stack; /* malloc'd; locals and temporaries */
    uint32_t sp, cap;
    uint32_t max_stack; /* bound on cap, in values */
    VmGlobal *globals;  /* one per program global (malloc'd) */
    uint32_t *key_hint; /* per program key: member position it was last found at (malloc'd) */
    Value input, context, data;
    uint64_t fuel;       /* steps left */
    uint64_t fuel_limit; /* for the error message */
    BuiltinCtx bctx;     /* handed to builtins; owns the regex cache */
    VmEmitFn emit;
    void *emit_ud;
    const VmHooks *hooks; /* NULL: the fast loop */
    int depth;            /* nested vm_call depth (globals computed on demand) */
    /* Resource-by-resource evaluation (stream.c, vm_stream_begin): globals
     * marked in `keep` are computed in keep_arena and survive
     * vm_forget_globals; every other global computed since the last
     * vm_forget_globals is listed in computed[0..ncomputed). */
    const uint8_t *keep; /* per global: 1 = keep across elements; NULL: not streaming */
    Arena *keep_arena;   /* borrowed; where kept globals allocate */
    uint32_t *computed;  /* malloc'd, one slot per global */
    uint32_t ncomputed;
    bool failed;
    bool err_limit; /* the error is a resource limit (steps, memory, call or let depth, stack),
                     * not the policy's own: callers that evaluate differently retry */
    char err[320];
    uint32_t err_func, err_pc;
} Vm;

/* fuel 0 = default; mem is enforced by the arena's cap. */
bool vm_init(Vm *vm, const Program *p, Arena *arena, uint64_t fuel);
void vm_free(Vm *vm);
/* Runs function `func` with no arguments; true with *result on success. */
bool vm_call(Vm *vm, uint32_t func, Value *result);
/* Resets the globals (e.g. between inputs) and the budget. */
void vm_reset(Vm *vm, uint64_t fuel);

/* Streaming: from now on, globals with keep[g] != 0 (borrowed array, one
 * byte per program global, outliving the Vm's use of it) are computed with
 * keep_arena as the evaluation arena, so their values survive resets of
 * the Vm's own arena; vm_forget_globals() drops every other global
 * computed since the last call. False on out of memory. */
bool vm_stream_begin(Vm *vm, const uint8_t *keep, Arena *keep_arena);
/* Marks every non-kept global computed since the last call as not
 * computed, and forgets what builtins cached (their values point into the
 * arena about to be reset). */
void vm_forget_globals(Vm *vm);
/* Sets global g to v as if it had been computed (a value folded over a
 * stream); v must outlive its use. */
void vm_set_global(Vm *vm, uint32_t g, Value v);

#endif
