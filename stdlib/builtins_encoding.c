/* builtins_encoding.c — text encodings: json.decode, json.encode,
 * json.is_valid, yaml.decode, yaml.decode_all, base64.encode/decode and
 * base64url.encode/decode.
 *
 * json.decode copies its argument into ctx->arena before reading it, so
 * the decoded value depends on nothing but the evaluation arena (the
 * reader leaves unescaped strings pointing into its input). Keys are
 * tagged with the engine's interned ids so paths into decoded documents
 * are as fast as paths into the input. Owns no state.
 */
#include "builtin_impl.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "input/json_read.h"
#include "input/yaml_read.h"

/* ---- JSON -------------------------------------------------------------- */

static bool enc_json_read(BuiltinCtx *ctx, const Value *args, Value *out, JsonError *err)
{
    char *copy = arena_strndup(ctx->arena, args[0].u.s, args[0].n);
    if (!copy) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return false;
    }
    JsonReadOptions opt = {0, ctx->keys};
    return json_read(ctx->arena, copy, args[0].n, &opt, out, err);
}

bool enc_json_decode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, "json.decode", 1, "a string", args[0]);
    JsonError err;
    memset(&err, 0, sizeof err);
    if (!enc_json_read(ctx, args, out, &err))
        return builtin_error(ctx, "json.decode: invalid JSON at line %u, column %u: %s",
                             (unsigned)err.line, (unsigned)err.col, err.message);
    return true;
}

static bool enc_json_is_valid(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR) {
        *out = value_bool(false);
        return true;
    }
    JsonError err;
    Value v;
    *out = value_bool(enc_json_read(ctx, args, &v, &err));
    return true;
}

/* Compact JSON with keys sorted: equal values encode to equal text. */
static bool enc_json_encode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Buf b = BUF_INIT;
    json_write(&b, args[0], JSON_SORT_KEYS);
    bool ok = b.failed ? builtin_oom(ctx, "json.encode")
                       : builtin_new_str(ctx, "json.encode", b.p, b.len, out);
    buf_free(&b);
    return ok;
}

/* ---- YAML -------------------------------------------------------------- */

/* The YAML reader copies every string into the arena, so the text needs no
 * copy first. Limits are the reader's defaults (depth 512, a million nodes
 * through aliases); the evaluation's memory cap bounds the rest. */
static bool enc_yaml_read(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                          bool all, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a string", args[0]);
    YamlReadOptions opt = {0, 0, ctx->keys, all};
    YamlError err;
    uint32_t ndocs = 0;
    if (!yaml_read(ctx->arena, args[0].u.s, args[0].n, &opt, out, &ndocs, &err)) {
        if (ctx->arena->failed)
            return builtin_oom(ctx, fn);
        return builtin_error(ctx, "%s: invalid YAML at line %u, column %u: %s", fn,
                             (unsigned)err.line, (unsigned)err.col, err.message);
    }
    if (!all && ndocs > 1)
        return builtin_error(ctx,
                             "%s: the text holds %u YAML documents; yaml.decode_all returns "
                             "them as an array",
                             fn, (unsigned)ndocs);
    return true;
}

static bool enc_yaml_decode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return enc_yaml_read(ctx, "yaml.decode", args, argc, false, out);
}

static bool enc_yaml_decode_all(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return enc_yaml_read(ctx, "yaml.decode_all", args, argc, true, out);
}

/* ---- base64 ------------------------------------------------------------ */

static const char enc_b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char enc_b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static bool enc_b64_encode(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                           const char *alpha, bool pad, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s;
    size_t n;
    if (!builtin_str_arg(ctx, fn, args, 0, &s, &n))
        return false;
    size_t cap = (n + 2) / 3 * 4;
    if (cap > UINT32_MAX)
        return builtin_error(ctx, "%s: result string too long", fn);
    char *r = arena_alloc(ctx->arena, cap + 1);
    if (!r)
        return builtin_oom(ctx, fn);
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t w = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 | u[i + 2];
        r[o++] = alpha[w >> 18];
        r[o++] = alpha[(w >> 12) & 63];
        r[o++] = alpha[(w >> 6) & 63];
        r[o++] = alpha[w & 63];
    }
    if (i < n) {
        uint32_t w = (uint32_t)u[i] << 16 | (i + 1 < n ? (uint32_t)u[i + 1] << 8 : 0);
        r[o++] = alpha[w >> 18];
        r[o++] = alpha[(w >> 12) & 63];
        if (i + 1 < n)
            r[o++] = alpha[(w >> 6) & 63];
        else if (pad)
            r[o++] = '=';
        if (pad)
            r[o++] = '=';
    }
    r[o] = '\0';
    *out = value_str(r, (uint32_t)o);
    return true;
}

static int enc_b64_val(char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Strict decoding: the alphabet only, padding optional but, when present,
 * correct; no whitespace. Bad input is an error naming the offset. */
static bool enc_b64_decode(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                           bool url, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s;
    size_t n;
    if (!builtin_str_arg(ctx, fn, args, 0, &s, &n))
        return false;
    size_t len = n;
    if (len % 4 == 0 && len >= 2 && s[len - 1] == '=')
        len -= s[len - 2] == '=' ? 2 : 1;
    if (len % 4 == 1)
        return builtin_error(ctx, "%s: invalid length %zu", fn, n);
    char *r = arena_alloc(ctx->arena, len / 4 * 3 + 3);
    if (!r)
        return builtin_oom(ctx, fn);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = enc_b64_val(s[i], url);
        if (v < 0)
            return builtin_error(ctx, "%s: invalid character at offset %zu", fn, i);
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            r[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if (bits && (acc & ((1u << bits) - 1)))
        return builtin_error(ctx, "%s: non-zero padding bits", fn);
    r[o] = '\0';
    *out = value_str(r, (uint32_t)o);
    return true;
}

static bool enc_base64_encode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return enc_b64_encode(ctx, "base64.encode", args, argc, enc_b64_std, true, out);
}

static bool enc_base64_decode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return enc_b64_decode(ctx, "base64.decode", args, argc, false, out);
}

static bool enc_base64url_encode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return enc_b64_encode(ctx, "base64url.encode", args, argc, enc_b64_url, false, out);
}

static bool enc_base64url_decode(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return enc_b64_decode(ctx, "base64url.decode", args, argc, true, out);
}

#define P BUILTIN_PURE
const BuiltinDef builtins_encoding_defs[] = {
    {"base64.decode", 1, 1, P, enc_base64_decode, "base64.decode(s) -> string"},
    {"base64.encode", 1, 1, P, enc_base64_encode, "base64.encode(s) -> string"},
    {"base64url.decode", 1, 1, P, enc_base64url_decode, "base64url.decode(s) -> string"},
    {"base64url.encode", 1, 1, P, enc_base64url_encode, "base64url.encode(s) -> string"},
    {"json.decode", 1, 1, P, enc_json_decode, "json.decode(s) -> any"},
    {"json.encode", 1, 1, P, enc_json_encode, "json.encode(x) -> string"},
    {"json.is_valid", 1, 1, P, enc_json_is_valid, "json.is_valid(s) -> bool"},
    {"yaml.decode", 1, 1, P, enc_yaml_decode, "yaml.decode(s) -> any"},
    {"yaml.decode_all", 1, 1, P, enc_yaml_decode_all, "yaml.decode_all(s) -> array"},
};
const size_t builtins_encoding_ndefs = BUILTIN_NELEMS(builtins_encoding_defs);
