/* builtins_tf.c — the parts of the `tf` module that are written in C.
 *
 * The tf module (stdlib/tf.veto) is written in the policy language; what
 * it cannot say well lives here, under dotted names that the module's own
 * members do not shadow (`tf.x` calls the module's function x when there is
 * one, else the builtin "tf.x"):
 *
 *   tf.parse_address(address)   a Terraform resource instance address split
 *                               into module path, mode, type, name and index
 *                               key; undefined for text that is not one
 *   tf.is_sensitive(value)      whether the value, or anything in it, carries
 *                               the sensitive taint (the module cannot call
 *                               the builtin is_sensitive under that name)
 *
 * The address grammar (Terraform's addrs.ParseAbsResourceInstanceStr):
 *
 *   address  := { "module" "." NAME [key] "." } ["data" "."] TYPE "." NAME [key]
 *   key      := "[" DIGITS "]" | "[" JSON-STRING "]"
 *   NAME     := [A-Za-z0-9_-]+
 *
 * Parsing allocates only the result, in the evaluation arena; it never
 * reads past the string, whatever bytes it holds.
 */
#include <string.h>

#include "builtin_impl.h"

/* ---- address parsing ---------------------------------------------------- */

typedef struct AddrCursor {
    const char *s; /* the address text */
    size_t n;      /* its length */
    size_t i;      /* read position */
} AddrCursor;

static bool tf_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* A NAME at the cursor: its start and length; false when there is none. */
static bool tf_scan_name(AddrCursor *c, size_t *start, size_t *len)
{
    size_t b = c->i;
    while (c->i < c->n && tf_name_char(c->s[c->i]))
        c->i++;
    *start = b;
    *len = c->i - b;
    return *len > 0;
}

static bool tf_accept(AddrCursor *c, char ch)
{
    if (c->i < c->n && c->s[c->i] == ch) {
        c->i++;
        return true;
    }
    return false;
}

static int tf_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s[i..]; -1 when they are not there. */
static int32_t tf_hex4(const AddrCursor *c, size_t i)
{
    if (c->n - i < 4)
        return -1;
    int32_t v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = tf_hex(c->s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A JSON string at the cursor (the opening quote already read), decoded
 * into the arena. false on a malformed string (the caller answers
 * undefined) or out of memory (ctx->err set). */
static bool tf_scan_string(BuiltinCtx *ctx, AddrCursor *c, Value *out, bool *oom)
{
    /* The decoded text is never longer than the raw text up to the closing
     * quote; sizing by that (not by the rest of the address) keeps an
     * address of many keys linear. */
    size_t end = c->i;
    while (end < c->n && c->s[end] != '"')
        end += c->s[end] == '\\' ? 2 : 1;
    if (end >= c->n)
        return false; /* unterminated */
    char *buf = arena_alloc(ctx->arena, end - c->i + 1);
    if (!buf) {
        *oom = true;
        return builtin_oom(ctx, "tf.parse_address");
    }
    size_t len = 0;
    while (c->i < c->n) {
        char ch = c->s[c->i++];
        if (ch == '"') {
            buf[len] = '\0';
            *out = value_str(buf, (uint32_t)len);
            return true;
        }
        if ((unsigned char)ch < 0x20)
            return false;
        if (ch != '\\') {
            buf[len++] = ch;
            continue;
        }
        if (c->i >= c->n)
            return false;
        char e = c->s[c->i++];
        switch (e) {
        case '"':
            buf[len++] = '"';
            break;
        case '\\':
            buf[len++] = '\\';
            break;
        case '/':
            buf[len++] = '/';
            break;
        case 'b':
            buf[len++] = '\b';
            break;
        case 'f':
            buf[len++] = '\f';
            break;
        case 'n':
            buf[len++] = '\n';
            break;
        case 'r':
            buf[len++] = '\r';
            break;
        case 't':
            buf[len++] = '\t';
            break;
        case 'u': {
            int32_t cp = tf_hex4(c, c->i);
            if (cp < 0)
                return false;
            c->i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* A high surrogate must be followed by \u and a low one. */
                if (c->n - c->i < 6 || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u')
                    return false;
                int32_t lo = tf_hex4(c, c->i + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                c->i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return false;
            }
            /* 6 (or 12) escape bytes always cover the 1..4 UTF-8 bytes. */
            len += builtin_utf8_encode((uint32_t)cp, buf + len);
            break;
        }
        default:
            return false;
        }
    }
    return false; /* unterminated */
}

/* An optional [key] at the cursor. *key is null when there is none. false
 * on a malformed key (or out of memory, *oom set). */
static bool tf_scan_key(BuiltinCtx *ctx, AddrCursor *c, Value *key, bool *oom)
{
    *key = value_null();
    if (!tf_accept(c, '['))
        return true;
    if (tf_accept(c, '"')) {
        if (!tf_scan_string(ctx, c, key, oom))
            return false;
    } else {
        size_t b = c->i;
        int64_t v = 0;
        while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
            int d = c->s[c->i] - '0';
            if (v > (INT64_MAX - d) / 10)
                return false; /* no count index is that large */
            v = v * 10 + d;
            c->i++;
        }
        if (c->i == b)
            return false;
        *key = value_int(v);
    }
    return tf_accept(c, ']');
}

/* The text s[b..b+len) copied into the arena as a string value. */
static bool tf_str(BuiltinCtx *ctx, const char *s, size_t len, Value *out)
{
    return builtin_new_str(ctx, "tf.parse_address", s, len, out);
}

static bool tf_parse_address(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    const char *s;
    size_t n;
    if (!builtin_str_arg(ctx, "tf.parse_address", args, 0, &s, &n))
        return false;
    AddrCursor c = {s, n, 0};
    ValVec names = {0}, keys = {0};
    size_t mod_end = 0; /* bytes of the module prefix, without its last '.' */
    bool oom = false;
    *out = value_undef();

    /* Module steps: "module" "." NAME [key] "." — a step only when text
     * follows it, so "module.x" alone is not read as a module path. */
    for (;;) {
        size_t save = c.i, b, len;
        if (!tf_scan_name(&c, &b, &len) || len != 6 || memcmp(s + b, "module", 6) != 0 ||
            !tf_accept(&c, '.')) {
            c.i = save;
            break;
        }
        size_t nb, nlen;
        Value key;
        if (!tf_scan_name(&c, &nb, &nlen))
            return true;
        if (!tf_scan_key(ctx, &c, &key, &oom))
            return !oom;
        if (!tf_accept(&c, '.'))
            return true; /* a module address, not a resource's */
        Value name;
        if (!tf_str(ctx, s + nb, nlen, &name) ||
            !builtin_vec_push(ctx, "tf.parse_address", &names, name) ||
            !builtin_vec_push(ctx, "tf.parse_address", &keys, key))
            return false;
        mod_end = c.i - 1;
    }
    size_t res_start = c.i;

    /* ["data" "."] TYPE "." NAME [key], then the end. */
    size_t tb, tlen, nb, nlen;
    bool data = false;
    if (!tf_scan_name(&c, &tb, &tlen) || !tf_accept(&c, '.'))
        return true;
    if (tlen == 4 && memcmp(s + tb, "data", 4) == 0) {
        size_t save = c.i;
        size_t b2, l2;
        if (tf_scan_name(&c, &b2, &l2) && tf_accept(&c, '.')) {
            data = true;
            tb = b2;
            tlen = l2;
        } else {
            c.i = save; /* a managed resource of type "data" */
        }
    }
    if (!tf_scan_name(&c, &nb, &nlen))
        return true;
    size_t res_end = c.i;
    Value index;
    if (!tf_scan_key(ctx, &c, &index, &oom))
        return !oom;
    if (c.i != n)
        return true;

    Value module = value_null(), type, name, resource, config;
    if (mod_end > 0 && !tf_str(ctx, s, mod_end, &module))
        return false;
    if (!tf_str(ctx, s + tb, tlen, &type) || !tf_str(ctx, s + nb, nlen, &name) ||
        !tf_str(ctx, s + res_start, res_end - res_start, &resource))
        return false;

    /* The configuration address: module names without their keys. */
    size_t clen = res_end - res_start;
    for (size_t k = 0; k < names.n; k++)
        clen += 7 + names.items[k].n + 1; /* "module." NAME "." */
    char *cbuf = arena_alloc(ctx->arena, clen + 1);
    if (!cbuf)
        return builtin_oom(ctx, "tf.parse_address");
    size_t cl = 0;
    for (size_t k = 0; k < names.n; k++) {
        memcpy(cbuf + cl, "module.", 7);
        cl += 7;
        memcpy(cbuf + cl, names.items[k].u.s, names.items[k].n);
        cl += names.items[k].n;
        cbuf[cl++] = '.';
    }
    memcpy(cbuf + cl, s + res_start, res_end - res_start);
    cl += res_end - res_start;
    cbuf[cl] = '\0';
    config = value_str(cbuf, (uint32_t)cl);

    Member *m = builtin_new_members(ctx, "tf.parse_address", 9);
    Value *none = builtin_new_values(ctx, "tf.parse_address", 0);
    if (!m || !none)
        return false;
    if (names.n == 0)
        names.items = keys.items = none;
    builtin_member(ctx, &m[0], "module", module);
    builtin_member(ctx, &m[1], "module_path", builtin_arr(names.items, (uint32_t)names.n));
    builtin_member(ctx, &m[2], "module_keys", builtin_arr(keys.items, (uint32_t)keys.n));
    builtin_member(ctx, &m[3], "mode", value_str(data ? "data" : "managed", data ? 4 : 7));
    builtin_member(ctx, &m[4], "type", type);
    builtin_member(ctx, &m[5], "name", name);
    builtin_member(ctx, &m[6], "index", index);
    builtin_member(ctx, &m[7], "resource", resource);
    builtin_member(ctx, &m[8], "config_address", config);
    *out = builtin_obj(m, 9);
    return true;
}

/* ---- sensitivity -------------------------------------------------------- */

/* Any sensitive value within v. Past the depth bound the answer is "yes":
 * for a redaction question, the safe side. */
static bool tf_any_sensitive(Value v, int depth)
{
    if (v.flags & VF_SENSITIVE)
        return true;
    if (depth > 1024)
        return true;
    if (v.kind == V_ARR || v.kind == V_SET) {
        for (uint32_t i = 0; i < v.n; i++)
            if (tf_any_sensitive(v.u.a[i], depth + 1))
                return true;
    } else if (v.kind == V_OBJ) {
        for (uint32_t i = 0; i < v.n; i++)
            if (tf_any_sensitive(v.u.o[i].val, depth + 1))
                return true;
    }
    return false;
}

static bool tf_is_sensitive(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)ctx;
    (void)argc;
    *out = value_bool(tf_any_sensitive(args[0], 0));
    return true;
}

const BuiltinDef builtins_tf_defs[] = {
    {"tf.is_sensitive", 1, 1, 0, tf_is_sensitive,
     "tf.is_sensitive(value) -> bool: true when value or anything in it is sensitive"},
    {"tf.parse_address", 1, 1, BUILTIN_PURE, tf_parse_address,
     "tf.parse_address(address) -> {module, module_path, module_keys, mode, type, name, index, "
     "resource, config_address}, or undefined"},
};
const size_t builtins_tf_ndefs = BUILTIN_NELEMS(builtins_tf_defs);
