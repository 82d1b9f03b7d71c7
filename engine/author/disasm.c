/* disasm.c — a readable listing of a program's bytecode, with the source
 * line each run of instructions came from (`veto disasm`). Operand
 * formats come from the opcode table, so new opcodes need nothing here. */
#include <inttypes.h>
#include <string.h>

#include "base/buf.h"
#include "input/json_read.h"
#include "stdlib/builtin.h"
#include "vm/program.h"

static void disasm_operand(Buf *b, const Program *p, const Instr *code, uint32_t pc)
{
    Instr ins = code[pc];
    switch (opcode_formats[INS_OP(ins)]) {
    case OPF_CONST: {
        buf_printf(b, "%u ", INS_A(ins));
        Buf v = BUF_INIT;
        json_write(&v, p->consts[INS_A(ins)], JSON_REDACT);
        if (v.len > 48)
            buf_printf(b, "%.45s...", v.p);
        else if (v.p)
            buf_puts(b, v.p);
        buf_free(&v);
        break;
    }
    case OPF_INT:
        buf_printf(b, "%d", (int)INS_SA(ins));
        break;
    case OPF_LOCAL:
        buf_printf(b, "$%u", INS_A(ins));
        break;
    case OPF_JUMP:
        buf_printf(b, "-> %u", INS_A(ins));
        break;
    case OPF_KEY:
        buf_printf(b, ".%s", p->keys[INS_A(ins)].s);
        break;
    case OPF_GLOB:
        buf_printf(b, "%s", p->globals[INS_A(ins)].name);
        break;
    case OPF_FUNC:
        buf_printf(b, "%s/%u", p->funcs[INS_B(ins)].name, INS_A8(ins));
        break;
    case OPF_BUILT:
        buf_printf(b, "%s/%u", builtin_at(INS_B(ins))->name, INS_A8(ins));
        break;
    case OPF_COUNT:
        buf_printf(b, "%u", INS_A(ins));
        break;
    case OPF_REGEX:
        buf_printf(b, "/%s/", p->regex_src[INS_A(ins)]);
        break;
    case OPF_ITER:
        buf_printf(b, "$%u exit -> %u", INS_A(ins), code[pc + 1]);
        break;
    case OPF_RULE:
        buf_printf(b, "rule %u", INS_A(ins));
        break;
    default:
        break;
    }
}

char *veto_program_disasm(const veto_program *p)
{
    Buf b = BUF_INIT;
    buf_printf(&b, "; %u policies, %u rules, %u functions, %u constants, %u keys, %u regexes\n",
               p->npolicies, p->nrules, p->nfuncs, p->nconsts, p->nkeys, p->nregexes);
    for (uint32_t pi = 0; pi < p->npolicies; pi++) {
        const Policy *pol = &p->policies[pi];
        buf_printf(&b, "; policy %s id=%s kind=%s severity=%s enforcement=%s rules=%u\n", pol->name,
                   pol->id, policy_kind_name(pol->kind), severity_name(pol->severity),
                   enforcement_name(pol->enforcement), pol->nrules);
    }
    for (uint32_t fi = 0; fi < p->nfuncs; fi++) {
        const Function *f = &p->funcs[fi];
        const Source *src = p->sources[f->source];
        uint32_t line, col;
        source_position(src, f->off, &line, &col);
        static const char *const kinds[] = {"func", "let", "rule"};
        buf_printf(&b, "\n%s %s  (%u params, %u locals)  %s:%u\n", kinds[f->kind], f->name,
                   f->nparams, f->nlocals, src->name, line);
        uint32_t last_line = 0;
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            uint32_t l, c;
            source_position(src, f->offsets[pc], &l, &c);
            if (l != last_line) {
                size_t len;
                const char *text = source_line(src, l, &len);
                while (len > 0 && (*text == ' ' || *text == '\t')) {
                    text++;
                    len--;
                }
                buf_printf(&b, "      ; %u: %.*s\n", l, (int)(len > 90 ? 90 : len), text);
                last_line = l;
            }
            Instr ins = f->code[pc];
            buf_printf(&b, "  %4u  %-13s ", pc, opcode_names[INS_OP(ins)]);
            disasm_operand(&b, p, f->code, pc);
            buf_putc(&b, '\n');
            if (INS_OP(ins) == OP_ITER_NEXT)
                pc++; /* the exit word */
        }
    }
    return buf_take(&b);
}
