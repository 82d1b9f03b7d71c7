/* builtin_util.c — helpers shared by the builtin files: argument checks
 * with one error wording, arena result constructors and UTF-8 scanning.
 * Owns no state. See builtin_impl.h.
 */
#include "builtin_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool builtin_any_undef(const Value *args, uint32_t argc)
{
    for (uint32_t i = 0; i < argc; i++)
        if (args[i].kind == V_UNDEF)
            return true;
    return false;
}

const char *builtin_type_name(Value v)
{
    /* The engine's names, so builtin errors read like the VM's own and
     * type_of() agrees with them ("boolean", "number", "undefined", ...). */
    return value_kind_name((ValueKind)v.kind);
}

bool builtin_type_error(BuiltinCtx *ctx, const char *fn, uint32_t argi, const char *want, Value got)
{
    return builtin_error(ctx, "%s: argument %u must be %s, got %s", fn, (unsigned)argi, want,
                         builtin_type_name(got));
}

bool builtin_oom(BuiltinCtx *ctx, const char *fn)
{
    return builtin_error(ctx, "%s: out of memory", fn);
}

bool builtin_str_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, const char **s,
                     size_t *n)
{
    if (args[i].kind != V_STR)
        return builtin_type_error(ctx, fn, i + 1, "a string", args[i]);
    *s = args[i].u.s;
    *n = args[i].n;
    return true;
}

bool builtin_int_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, int64_t *out)
{
    Value v = args[i];
    if (v.kind == V_INT) {
        *out = v.u.i;
        return true;
    }
    /* 2.0 is as good an index as 2; 2.5 is not. */
    if (v.kind == V_FLOAT && v.u.f == floor(v.u.f) && v.u.f >= -9.2233720368547758e18 &&
        v.u.f < 9.2233720368547758e18) {
        *out = (int64_t)v.u.f;
        return true;
    }
    return builtin_type_error(ctx, fn, i + 1, "an integer", v);
}

bool builtin_num_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, double *out)
{
    if (!value_is_number(args[i]) || !value_to_double(args[i], out))
        return builtin_type_error(ctx, fn, i + 1, "a number", args[i]);
    return true;
}

bool builtin_new_str(BuiltinCtx *ctx, const char *fn, const char *s, size_t n, Value *out)
{
    if (n > UINT32_MAX)
        return builtin_error(ctx, "%s: result string too long", fn);
    char *p = arena_strndup(ctx->arena, s ? s : "", s ? n : 0);
    if (!p)
        return builtin_oom(ctx, fn);
    *out = value_str(p, (uint32_t)n);
    return true;
}

Value *builtin_new_values(BuiltinCtx *ctx, const char *fn, size_t n)
{
    if (n > UINT32_MAX) {
        builtin_error(ctx, "%s: result too large", fn);
        return NULL;
    }
    Value *p = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(Value));
    if (!p)
        builtin_oom(ctx, fn);
    return p;
}

Member *builtin_new_members(BuiltinCtx *ctx, const char *fn, size_t n)
{
    if (n > UINT32_MAX) {
        builtin_error(ctx, "%s: result too large", fn);
        return NULL;
    }
    Member *p = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(Member));
    if (!p)
        builtin_oom(ctx, fn);
    return p;
}

void builtin_member_n(BuiltinCtx *ctx, Member *m, const char *key, size_t klen, Value v)
{
    m->key = key;
    m->klen = (uint32_t)klen;
    /* Tagging with the interned id lets the VM's `x.name` compare ids. */
    m->kid = ctx->keys ? keys_lookup(ctx->keys, key, klen) : 0;
    m->val = v;
}

void builtin_member(BuiltinCtx *ctx, Member *m, const char *key, Value v)
{
    builtin_member_n(ctx, m, key, strlen(key), v);
}

bool builtin_vec_push(BuiltinCtx *ctx, const char *fn, ValVec *vec, Value v)
{
    if (vec->n >= UINT32_MAX)
        return builtin_error(ctx, "%s: result too large", fn);
    ARENA_GROW(ctx->arena, vec->items, vec->n, vec->cap);
    if (!vec->items)
        return builtin_oom(ctx, fn);
    vec->items[vec->n++] = v;
    return true;
}

size_t builtin_utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    uint32_t cp;
    for (size_t i = 0; i < n; count++)
        i += utf8_next(s + i, n - i, &cp);
    return count;
}

size_t builtin_utf8_offset(const char *s, size_t n, size_t index)
{
    size_t i = 0;
    uint32_t cp;
    while (index > 0 && i < n) {
        i += utf8_next(s + i, n - i, &cp);
        index--;
    }
    return i;
}

size_t builtin_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

Value builtin_number_from_double(double d)
{
    if (d == floor(d) && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)
        return value_int((int64_t)d);
    return value_float(d);
}

bool builtin_error(BuiltinCtx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
    va_end(ap);
    return false;
}
