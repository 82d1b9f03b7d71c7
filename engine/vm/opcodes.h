/* opcodes.h — every VM instruction, listed once.
 *
 * The instruction word is 32 bits:
 *
 *     31                      8 7        0
 *    +-------------------------+----------+
 *    |          A (24)         |  op (8)  |     format A:  one operand
 *    +------------+------------+----------+
 *    |  B (16)    |   A8 (8)   |  op (8)  |     format AB: two operands
 *    +------------+------------+----------+
 *
 * Jump targets are absolute pcs in A. ITER_NEXT is followed by one extra
 * word holding its exit target (format X).
 *
 * Each OP(name, format, stack effect, semantics) line expands into the
 * opcode enum, the name table, the disassembler's operand formats and the
 * dispatch table; nothing is kept in sync by hand. Stack effects are
 * "pops → pushes"; "-" means none, "n" the operand.
 */
#ifndef VETO_OPCODES_H
#define VETO_OPCODES_H

#include <stdint.h>

/* Operand formats, for the disassembler. */
#define OPF_NONE  0  /* no operand */
#define OPF_CONST 1  /* A indexes the constant pool */
#define OPF_INT   2  /* A is a signed 24-bit integer */
#define OPF_LOCAL 3  /* A is a local slot */
#define OPF_JUMP  4  /* A is a pc */
#define OPF_KEY   5  /* A indexes the key table */
#define OPF_GLOB  6  /* A indexes the globals */
#define OPF_FUNC  7  /* B indexes the functions, A8 is argc */
#define OPF_BUILT 8  /* B indexes the builtins, A8 is argc */
#define OPF_COUNT 9  /* A is a count */
#define OPF_REGEX 10 /* A indexes the regex table */
#define OPF_ITER  11 /* A is a local slot; next word is the exit pc */
#define OPF_RULE  12 /* A indexes the rules */

/* clang-format off */
#define VETO_OPCODES(OP)                                                                    \
    OP(NOP,          OPF_NONE,  "- → -",      "do nothing")                               \
    OP(CONST,        OPF_CONST, "- → v",      "push constant A")                          \
    OP(INT,          OPF_INT,   "- → i",      "push the small integer A")                 \
    OP(UNDEF,        OPF_NONE,  "- → u",      "push undefined")                           \
    OP(NULL,         OPF_NONE,  "- → null",   "push null")                                \
    OP(TRUE,         OPF_NONE,  "- → true",   "push true")                                \
    OP(FALSE,        OPF_NONE,  "- → false",  "push false")                               \
    OP(POP,          OPF_NONE,  "v → -",      "discard the top")                          \
    OP(LOAD,         OPF_LOCAL, "- → v",      "push local A")                             \
    OP(STORE,        OPF_LOCAL, "v → -",      "pop into local A")                         \
    OP(GLOBAL,       OPF_GLOB,  "- → v",      "push global A, computing it on first use") \
    OP(INPUT,        OPF_NONE,  "- → v",      "push the input document")                  \
    OP(CONTEXT,      OPF_NONE,  "- → v",      "push the evaluation context")              \
    OP(DATA,         OPF_NONE,  "- → v",      "push the data documents object")           \
    OP(FIELD,        OPF_KEY,   "o → v",      "member A of an object; else undefined")    \
    OP(INDEX,        OPF_NONE,  "o k → v",    "element/member k; undefined when absent")  \
    OP(ADD,          OPF_NONE,  "a b → c",    "numbers add; strings and arrays join")     \
    OP(SUB,          OPF_NONE,  "a b → c",    "subtract numbers")                         \
    OP(MUL,          OPF_NONE,  "a b → c",    "multiply numbers")                         \
    OP(DIV,          OPF_NONE,  "a b → c",    "divide; int when exact; error on zero")    \
    OP(MOD,          OPF_NONE,  "a b → c",    "integer remainder; error on zero")         \
    OP(NEG,          OPF_NONE,  "a → c",      "negate a number")                          \
    OP(EQ,           OPF_NONE,  "a b → bool", "structural equality")                      \
    OP(NE,           OPF_NONE,  "a b → bool", "structural inequality")                    \
    OP(LT,           OPF_NONE,  "a b → bool", "order numbers or strings")                 \
    OP(LE,           OPF_NONE,  "a b → bool", "order numbers or strings")                 \
    OP(GT,           OPF_NONE,  "a b → bool", "order numbers or strings")                 \
    OP(GE,           OPF_NONE,  "a b → bool", "order numbers or strings")                 \
    OP(IN,           OPF_NONE,  "x c → bool", "membership: element, key or substring")    \
    OP(MATCH,        OPF_REGEX, "s → bool",   "s matches literal regex A")                \
    OP(MATCH_DYN,    OPF_NONE,  "s re → bool","s matches the regex re (cached)")          \
    OP(NMATCH,       OPF_REGEX, "s → bool",   "s does not match literal regex A")         \
    OP(NMATCH_DYN,   OPF_NONE,  "s re → bool","s does not match the regex re")            \
    OP(NOTIN,        OPF_NONE,  "x c → bool", "not a member (undefined stays undefined)") \
    OP(LIKE,         OPF_NONE,  "s g → bool", "s matches glob g")                         \
    OP(NOT,          OPF_NONE,  "a → bool",   "logical not; undefined/null count false")  \
    OP(TO_BOOL,      OPF_NONE,  "a → bool",   "logical value; non-boolean is an error")   \
    OP(JUMP,         OPF_JUMP,  "- → -",      "go to A")                                  \
    OP(JUMP_IF_NOT,  OPF_JUMP,  "c → -",      "go to A unless c is true")                 \
    OP(AND,          OPF_JUMP,  "a → a | -",  "if a is not true: replace by false, go to A; else pop") \
    OP(OR,           OPF_JUMP,  "a → a | -",  "if a is true: replace by true, go to A; else pop")      \
    OP(COALESCE,     OPF_JUMP,  "a → a | -",  "if a is defined and not null: go to A; else pop")       \
    OP(ARRAY,        OPF_COUNT, "n → arr",    "array of the top A values")                \
    OP(SET,          OPF_COUNT, "n → set",    "set of the top A values")                  \
    OP(OBJECT,       OPF_COUNT, "2n → obj",   "object of the top A key/value pairs")      \
    OP(OBJECT_SHAPE, OPF_CONST, "n → obj",    "object with the keys of constant A, values from the stack") \
    OP(MARK,         OPF_LOCAL, "- → -",      "local A = stack height (comprehension start)")     \
    OP(COLLECT_ARR,  OPF_LOCAL, "* → arr",    "array of the values pushed since MARK A")  \
    OP(COLLECT_SET,  OPF_LOCAL, "* → set",    "set of the values pushed since MARK A")    \
    OP(COLLECT_OBJ,  OPF_LOCAL, "* → obj",    "object of the pairs pushed since MARK A")  \
    OP(ITER_INIT,    OPF_LOCAL, "c → -",      "start iterating c in locals A..A+3")       \
    OP(ITER_NEXT,    OPF_ITER,  "- → -",      "next key/value into locals A+2/A+3, or go to exit") \
    OP(TEMPLATE,     OPF_COUNT, "n → str",    "join A parts as text; sensitive parts redacted")    \
    OP(CALL,         OPF_FUNC,  "args → v",   "call user function B with A8 arguments")   \
    OP(BUILTIN,      OPF_BUILT, "args → v",   "call builtin B with A8 arguments")         \
    OP(RET,          OPF_NONE,  "v → -",      "return the top to the caller")             \
    OP(EMIT,         OPF_RULE,  "b m → -",    "rule A fired for binding b with message m")

/* clang-format on */

typedef enum Opcode {
#define OPCODE_ENUM(name, fmt, effect, doc) OP_##name,
    VETO_OPCODES(OPCODE_ENUM)
#undef OPCODE_ENUM
        OP__COUNT
} Opcode;

typedef uint32_t Instr;

#define INS_OP(i)       ((Opcode)((i)&0xffu))
#define INS_A(i)        ((uint32_t)(i) >> 8)
#define INS_SA(i)       (((int32_t)((uint32_t)(i) << 0) >> 8)) /* signed 24-bit A */
#define INS_A8(i)       (((uint32_t)(i) >> 8) & 0xffu)
#define INS_B(i)        ((uint32_t)(i) >> 16)
#define MK_A(op, a)     ((Instr)(op) | ((Instr)(a) << 8))
#define MK_AB(op, a, b) ((Instr)(op) | ((Instr)((a)&0xffu) << 8) | ((Instr)(b) << 16))

#define INS_A_MAX  0xffffffu
#define INS_SA_MIN (-0x800000)
#define INS_SA_MAX 0x7fffff
#define INS_B_MAX  0xffffu

extern const char *const opcode_names[OP__COUNT];
extern const unsigned char opcode_formats[OP__COUNT];

#endif
