/* ops.c — operator semantics on Values; see ops.h. */
#include "vm/ops.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vm/json_write.h"

static const char *const op_verbs[OP__COUNT] = {
    [OP_ADD] = "add",
    [OP_SUB] = "subtract",
    [OP_MUL] = "multiply",
    [OP_DIV] = "divide",
    [OP_MOD] = "take the remainder of",
    [OP_LT] = "compare",
    [OP_LE] = "compare",
    [OP_GT] = "compare",
    [OP_GE] = "compare",
};

static bool ops_type_error(Opcode op, Value a, Value b, char *err, size_t errlen)
{
    snprintf(err, errlen, "cannot %s %s and %s", op_verbs[op] ? op_verbs[op] : "combine",
             value_kind_name((ValueKind)a.kind), value_kind_name((ValueKind)b.kind));
    return false;
}

static uint8_t ops_taint(Value a, Value b) { return (uint8_t)((a.flags | b.flags) & VF_SENSITIVE); }

static bool ops_join(Arena *arena, Value a, Value b, Value *out, char *err, size_t errlen)
{
    if ((uint64_t)a.n + b.n > UINT32_MAX) {
        snprintf(err, errlen, "result too large");
        return false;
    }
    uint32_t n = a.n + b.n;
    if (a.kind == V_STR) {
        char *p = arena_alloc(arena, n ? n : 1);
        if (!p) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        if (a.n)
            memcpy(p, a.u.s, a.n);
        if (b.n)
            memcpy(p + a.n, b.u.s, b.n);
        *out = value_str(p, n);
    } else {
        Value *items = arena_alloc(arena, (n ? n : 1) * sizeof(Value));
        if (!items) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        if (a.n)
            memcpy(items, a.u.a, a.n * sizeof(Value));
        if (b.n)
            memcpy(items + a.n, b.u.a, b.n * sizeof(Value));
        out->kind = V_ARR;
        out->flags = 0;
        out->spare = 0;
        out->n = n;
        out->u.a = items;
    }
    out->flags = ops_taint(a, b);
    return true;
}

static bool ops_arith(Opcode op, Value a, Value b, Value *out, char *err, size_t errlen)
{
    if (a.kind == V_INT && b.kind == V_INT) {
        int64_t x = a.u.i, y = b.u.i, r = 0;
        switch (op) {
        case OP_ADD:
            if (__builtin_add_overflow(x, y, &r))
                goto overflow;
            *out = value_int(r);
            return true;
        case OP_SUB:
            if (__builtin_sub_overflow(x, y, &r))
                goto overflow;
            *out = value_int(r);
            return true;
        case OP_MUL:
            if (__builtin_mul_overflow(x, y, &r))
                goto overflow;
            *out = value_int(r);
            return true;
        case OP_DIV:
            if (y == 0)
                goto divzero;
            if (!(x == INT64_MIN && y == -1) && x % y == 0) {
                *out = value_int(x / y);
                return true;
            }
            *out = value_float((double)x / (double)y);
            return true;
        case OP_MOD:
            if (y == 0)
                goto divzero;
            *out = value_int(y == -1 ? 0 : x % y);
            return true;
        default:
            break;
        }
    }
    if (op == OP_MOD) {
        snprintf(err, errlen, "the remainder operator %% needs integers, got %s and %s",
                 value_kind_name((ValueKind)a.kind), value_kind_name((ValueKind)b.kind));
        return false;
    }
    double x, y;
    value_to_double(a, &x);
    value_to_double(b, &y);
    switch (op) {
    case OP_ADD:
        *out = value_float(x + y);
        break;
    case OP_SUB:
        *out = value_float(x - y);
        break;
    case OP_MUL:
        *out = value_float(x * y);
        break;
    case OP_DIV:
        if (y == 0)
            goto divzero;
        *out = value_float(x / y);
        break;
    default:
        return ops_type_error(op, a, b, err, errlen);
    }
    return true;
overflow:
    snprintf(err, errlen, "integer overflow in %s",
             op == OP_ADD   ? "addition"
             : op == OP_SUB ? "subtraction"
                            : "multiplication");
    return false;
divzero:
    snprintf(err, errlen, "division by zero");
    return false;
}

static bool ops_in(Value x, Value c, Value *out, char *err, size_t errlen)
{
    switch (c.kind) {
    case V_ARR:
    case V_SET:
        for (uint32_t i = 0; i < c.n; i++) {
            if (value_equal(x, c.u.a[i])) {
                *out = value_bool(true);
                return true;
            }
        }
        *out = value_bool(false);
        return true;
    case V_OBJ:
        *out = value_bool(x.kind == V_STR && value_get(c, x.u.s, x.n, 0) != NULL);
        return true;
    case V_STR:
        if (x.kind != V_STR) {
            snprintf(err, errlen, "`in` a string needs a string on the left, got %s",
                     value_kind_name((ValueKind)x.kind));
            return false;
        }
        *out = value_bool(x.n == 0 || (x.n <= c.n && memmem(c.u.s, c.n, x.u.s, x.n) != NULL));
        return true;
    case V_NULL:
        *out = value_bool(false);
        return true;
    default:
        snprintf(err, errlen, "cannot test membership in %s", value_kind_name((ValueKind)c.kind));
        return false;
    }
}

static bool ops_order(Opcode op, Value a, Value b, Value *out, char *err, size_t errlen)
{
    int c;
    if (value_is_number(a) && value_is_number(b)) {
        double x, y;
        if (a.kind == V_FLOAT || b.kind == V_FLOAT) {
            value_to_double(a, &x);
            value_to_double(b, &y);
            if (isnan(x) || isnan(y)) {
                *out = value_bool(false);
                return true;
            }
        }
        c = value_compare(a, b);
    } else if (a.kind == V_STR && b.kind == V_STR) {
        c = value_compare(a, b);
    } else {
        return ops_type_error(op, a, b, err, errlen);
    }
    bool r = op == OP_LT ? c < 0 : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0;
    *out = value_bool(r);
    return true;
}

bool ops_binary(Opcode op, Value a, Value b, Arena *arena, Value *out, char *err, size_t errlen)
{
    if (a.kind == V_UNDEF || b.kind == V_UNDEF) {
        *out = value_undef();
        return true;
    }
    switch (op) {
    case OP_EQ:
        *out = value_bool(value_equal(a, b));
        return true;
    case OP_NE:
        *out = value_bool(!value_equal(a, b));
        return true;
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        return ops_order(op, a, b, out, err, errlen);
    case OP_IN:
        return ops_in(a, b, out, err, errlen);
    case OP_ADD:
        if ((a.kind == V_STR && b.kind == V_STR) || (a.kind == V_ARR && b.kind == V_ARR))
            return ops_join(arena, a, b, out, err, errlen);
        /* fallthrough */
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD:
        if (!value_is_number(a) || !value_is_number(b))
            return ops_type_error(op, a, b, err, errlen);
        if (!ops_arith(op, a, b, out, err, errlen))
            return false;
        out->flags = ops_taint(a, b);
        return true;
    default:
        snprintf(err, errlen, "internal error: not a binary operator");
        return false;
    }
}

bool ops_negate(Value a, Value *out, char *err, size_t errlen)
{
    uint8_t taint = a.flags & VF_SENSITIVE;
    switch (a.kind) {
    case V_UNDEF:
        *out = a;
        return true;
    case V_INT:
        if (a.u.i == INT64_MIN) {
            snprintf(err, errlen, "integer overflow in negation");
            return false;
        }
        *out = value_int(-a.u.i);
        break;
    case V_FLOAT:
        *out = value_float(-a.u.f);
        break;
    case V_BIGNUM: {
        double d;
        value_to_double(a, &d);
        *out = value_float(-d);
        break;
    }
    default:
        snprintf(err, errlen, "cannot negate %s", value_kind_name((ValueKind)a.kind));
        return false;
    }
    out->flags = taint;
    return true;
}

bool ops_truth(Value a, bool *out, char *err, size_t errlen)
{
    switch (a.kind) {
    case V_BOOL:
        *out = a.u.b;
        return true;
    case V_UNDEF:
    case V_NULL:
        *out = false;
        return true;
    default:
        snprintf(err, errlen, "condition must be a boolean, got %s",
                 value_kind_name((ValueKind)a.kind));
        return false;
    }
}

void ops_to_text(Buf *out, Value v)
{
    if (v.flags & VF_SENSITIVE) {
        buf_puts(out, REDACTED_MARKER);
        return;
    }
    switch (v.kind) {
    case V_UNDEF:
        buf_puts(out, "undefined");
        break;
    case V_STR:
        buf_append(out, v.u.s, v.n);
        break;
    case V_BIGNUM:
        buf_append(out, v.u.s, v.n);
        break;
    case V_INT:
        buf_printf(out, "%" PRId64, v.u.i);
        break;
    default:
        json_write(out, v, JSON_REDACT);
        break;
    }
}
