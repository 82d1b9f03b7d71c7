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
 *   tf.normalise_all(list)      every object of a resource_changes (or
 *                               resource_drift) list as the module's
 *                               normalised change object, in one pass: the
 *                               per-evaluation `let`s of tf.veto call it
 *   tf.of_type(list, type)      `[r for r in list if r.type == type]`, and
 *   tf.of_types(list, types)    `[r for r in list if r.type in types]`, by
 *                               a per-evaluation index of the list by type:
 *                               the module's selections by type use them,
 *                               so R rules over N resources cost one pass
 *                               over the N plus what each rule selects,
 *                               not R passes
 *
 * tf.normalise_all is the module's `normalise` (tf.veto) in C, member for
 * member: same keys in the same order, a member left out when the plan
 * lacks it (as an object literal leaves out an undefined value), the same
 * defaults, and every value taken from the plan as is, flags included (a
 * field read carries its parent's sensitive taint, as OP_FIELD does), so
 * before/after are the loaded values themselves, never copies. Keep it in
 * step with `normalise` in tf.veto and with its model in engine/gate/paths.c
 * (paths_tf_normalise), which tells the projecting loader which fields of
 * each change it reads.
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
#include <stdlib.h>
#include <string.h>

#include "builtin_impl.h"
#include "vm/keys.h"
#include "vm/ops.h"

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

/* ---- normalisation -------------------------------------------------------- */

/* Where a member of the normalised object comes from. */
typedef enum TfFrom {
    TF_RC,      /* rc.KEY */
    TF_CHANGE,  /* rc.change.KEY */
    TF_ACTIONS, /* list_of(rc.change.actions) */
    TF_ACTION   /* action_of(actions) */
} TfFrom;

/* The default when the plan's value is undefined or null (`?? default`). */
typedef enum TfDefault {
    TF_KEEP,    /* no `??`: undefined leaves the member out */
    TF_NULL,    /* ?? null */
    TF_MANAGED, /* ?? "managed" */
    TF_EMPTY_OBJ,
    TF_EMPTY_ARR
} TfDefault;

typedef struct TfField {
    const char *out; /* key in the normalised object */
    const char *src; /* key read from rc or rc.change */
    uint8_t from;    /* TfFrom */
    uint8_t dflt;    /* TfDefault */
} TfField;

/* The members of `normalise` in tf.veto, in its order. */
static const TfField tf_fields[] = {
    {"address", "address", TF_RC, TF_KEEP},
    {"type", "type", TF_RC, TF_KEEP},
    {"name", "name", TF_RC, TF_KEEP},
    {"mode", "mode", TF_RC, TF_MANAGED},
    {"provider", "provider_name", TF_RC, TF_NULL},
    {"module", "module_address", TF_RC, TF_NULL},
    {"index", "index", TF_RC, TF_NULL},
    {"deposed", "deposed", TF_RC, TF_NULL},
    {"actions", "actions", TF_ACTIONS, TF_KEEP},
    {"action", NULL, TF_ACTION, TF_KEEP},
    {"action_reason", "action_reason", TF_RC, TF_NULL},
    {"before", "before", TF_CHANGE, TF_NULL},
    {"after", "after", TF_CHANGE, TF_NULL},
    {"after_unknown", "after_unknown", TF_CHANGE, TF_EMPTY_OBJ},
    {"before_sensitive", "before_sensitive", TF_CHANGE, TF_EMPTY_OBJ},
    {"after_sensitive", "after_sensitive", TF_CHANGE, TF_EMPTY_OBJ},
    {"replace_paths", "replace_paths", TF_CHANGE, TF_EMPTY_ARR},
    {"importing", "importing", TF_CHANGE, TF_NULL},
    {"previous_address", "previous_address", TF_RC, TF_NULL},
};
#define TF_NFIELDS   ((uint32_t)BUILTIN_NELEMS(tf_fields))
#define TF_F_ACTIONS 8 /* tf_fields index of "actions" (read by "action", next) */

/* The key ids tf.normalise_all needs, resolved once per thread and key
 * table instead of on every call (about 40 lookups: a third of a
 * one-resource evaluation). The table is append-only, so ids stay valid
 * while it lives; the cache is tied to the table by its serial (keys.h),
 * which a new table at a freed one's address does not share, and when some
 * key was missing also to the table's key count, since a program compiled
 * later may intern it. Per thread, so evaluations on several threads never
 * share it, and it outlives each veto_eval's BuiltinCtx (a cache in the
 * context would be rebuilt on every veto_eval). */
#define TF_SLOT_CHANGE TF_NFIELDS /* source slot of rc.change */
#define TF_KIDMAP      1024u      /* kids below this are mapped directly */

typedef struct TfKeys {
    uint64_t serial;              /* keys_serial of the table the ids are from; 0: none */
    uint32_t count;               /* its keys_count then (matters only when !all) */
    bool built;                   /* false: never filled on this thread */
    bool all;                     /* every key interned (the map is exact) */
    uint32_t src[TF_NFIELDS + 1]; /* source key ids by slot (0: none) */
    Member shape[TF_NFIELDS];     /* output keys with their ids */
    uint8_t bykid[TF_KIDMAP];     /* source kid -> 1 + slot */
} TfKeys;

static _Thread_local TfKeys tf_keys;

static const char *tf_src_key(uint32_t slot)
{
    return slot == TF_SLOT_CHANGE ? "change" : tf_fields[slot].src;
}

/* tf_keys for ctx->keys, refilled when it was made for another table, or
 * for this one before keys it lacked may have been interned. */
static const TfKeys *tf_keys_get(BuiltinCtx *ctx)
{
    TfKeys *k = &tf_keys;
    uint64_t serial = keys_serial(ctx->keys);
    if (k->built && k->serial == serial && (k->all || k->count == keys_count(ctx->keys)))
        return k;
    memset(k, 0, sizeof *k);
    k->all = true;
    for (uint32_t slot = 0; slot <= TF_NFIELDS; slot++) {
        const char *key = tf_src_key(slot);
        if (!key)
            continue;
        k->src[slot] = ctx->keys ? keys_lookup(ctx->keys, key, strlen(key)) : 0;
        if (!k->src[slot])
            k->all = false;
        else if (k->src[slot] < TF_KIDMAP)
            k->bykid[k->src[slot]] = (uint8_t)(slot + 1);
    }
    for (uint32_t f = 0; f < TF_NFIELDS; f++) {
        builtin_member(ctx, &k->shape[f], tf_fields[f].out, value_undef());
        if (!k->shape[f].kid)
            k->all = false;
    }
    k->serial = serial;
    k->count = keys_count(ctx->keys);
    k->built = true;
    return k;
}

static TfFrom tf_slot_from(uint32_t slot)
{
    TfFrom f = slot == TF_SLOT_CHANGE ? TF_RC : (TfFrom)tf_fields[slot].from;
    return f == TF_ACTIONS ? TF_CHANGE : f;
}

/* The slot of member m among the source keys of `from` (TF_RC also takes
 * "change"), with value_get's key equality; -1 when none. */
static int tf_slot(const TfKeys *k, const Member *m, TfFrom from)
{
    if (k->all && m->kid && m->kid < TF_KIDMAP) {
        /* exact: every source kid below TF_KIDMAP is in the map */
        int slot = (int)k->bykid[m->kid] - 1;
        return slot >= 0 && tf_slot_from((uint32_t)slot) == from ? slot : -1;
    }
    for (uint32_t slot = 0; slot <= TF_NFIELDS; slot++) {
        const char *key = tf_src_key(slot);
        if (!key || tf_slot_from(slot) != from)
            continue;
        if (m->kid && k->src[slot]) {
            if (m->kid == k->src[slot])
                return (int)slot;
        } else if (strlen(key) == m->klen && memcmp(key, m->key, m->klen) == 0) {
            return (int)slot;
        }
    }
    return -1;
}

/* Fills vals[slot] with the members of o that are source keys of `from`,
 * the first of equal keys winning, each carrying o's sensitive taint. */
static void tf_read(const TfKeys *k, Value o, TfFrom from, Value *vals)
{
    uint8_t taint = o.flags & VF_SENSITIVE;
    for (uint32_t i = 0; i < o.n; i++) {
        int slot = tf_slot(k, &o.u.o[i], from);
        if (slot >= 0 && vals[slot].kind == V_UNDEF) {
            vals[slot] = o.u.o[i].val;
            vals[slot].flags |= taint;
        }
    }
}

static bool tf_has(Value list, const char *s, uint32_t n)
{
    Value want = value_str(s, n);
    for (uint32_t i = 0; i < list.n; i++)
        if (value_equal(list.u.a[i], want))
            return true;
    return false;
}

/* action_of in tf.veto: the one-word action of a raw actions list. */
static Value tf_action_of(Value actions)
{
    if (actions.n == 2 && tf_has(actions, "create", 6) &&
        (tf_has(actions, "delete", 6) || tf_has(actions, "forget", 6)))
        return value_str("replace", 7);
    if (actions.n == 1) {
        Value a = actions.u.a[0];
        a.flags |= actions.flags & VF_SENSITIVE;
        return a;
    }
    return value_str("unknown", 7);
}

static bool tf_normalise_all(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "tf.normalise_all";
    (void)argc;
    Value list = args[0];
    if (list.kind != V_ARR) /* list_of: anything else reads as empty */
        list.n = 0;
    uint8_t ltaint = list.flags & VF_SENSITIVE;

    const TfKeys *keys = tf_keys_get(ctx);

    uint32_t nobj = 0;
    for (uint32_t i = 0; i < list.n; i++)
        nobj += list.u.a[i].kind == V_OBJ;
    Value *items = builtin_new_values(ctx, fn, nobj);
    if (!items)
        return false;
    Value empty_obj = builtin_obj(builtin_new_members(ctx, fn, 0), 0);
    Value empty_arr = builtin_arr(builtin_new_values(ctx, fn, 0), 0);
    if (!empty_obj.u.o || !empty_arr.u.a)
        return false;

    uint32_t k = 0;
    for (uint32_t i = 0; i < list.n; i++) {
        Value rc = list.u.a[i];
        if (rc.kind != V_OBJ)
            continue;
        rc.flags |= ltaint; /* as iteration taints each element */
        Value vals[TF_NFIELDS + 1];
        for (uint32_t s = 0; s <= TF_NFIELDS; s++)
            vals[s] = value_undef();
        tf_read(keys, rc, TF_RC, vals);
        if (vals[TF_SLOT_CHANGE].kind == V_OBJ)
            tf_read(keys, vals[TF_SLOT_CHANGE], TF_CHANGE, vals);

        Member *m = builtin_new_members(ctx, fn, TF_NFIELDS);
        if (!m)
            return false;
        uint32_t nm = 0;
        for (uint32_t f = 0; f < TF_NFIELDS; f++) {
            Value v = vals[f];
            if (tf_fields[f].from == TF_ACTIONS) {
                if (v.kind != V_ARR)
                    v = empty_arr;
            } else if (tf_fields[f].from == TF_ACTION) {
                v = tf_action_of(vals[TF_F_ACTIONS]);
            } else if (v.kind == V_UNDEF || (v.kind == V_NULL && tf_fields[f].dflt != TF_KEEP)) {
                switch ((TfDefault)tf_fields[f].dflt) {
                case TF_KEEP:
                    continue; /* an undefined member is left out */
                case TF_NULL:
                    v = value_null();
                    break;
                case TF_MANAGED:
                    v = value_str("managed", 7);
                    break;
                case TF_EMPTY_OBJ:
                    v = empty_obj;
                    break;
                case TF_EMPTY_ARR:
                    v = empty_arr;
                    break;
                }
            }
            if (tf_fields[f].from == TF_ACTIONS)
                vals[f] = v; /* action_of reads the list as normalised */
            m[nm] = keys->shape[f];
            m[nm].val = v;
            nm++;
        }
        items[k++] = builtin_obj(m, nm);
    }
    *out = builtin_arr(items, k);
    return true;
}

/* ---- selection by type ----------------------------------------------------- */

/* tf.of_type and tf.of_types are their comprehensions to the letter: the
 * same elements in the same order, duplicates kept; an object's member
 * values are its elements, undefined and null read as no elements, any
 * other kind is the comprehension's error; each element carries the list's
 * taint, as iteration gives it; an element that is not an object, or has
 * no `type`, never matches; the comparison is the operator's (`==`: a
 * string equals only the same string; `in`: ops.c, errors included). The
 * one difference is the VM's for every builtin: a sensitive argument taints
 * the result array itself (never a loaded plan's list or a literal type).
 *
 * The fast path is a string type over an array or set of at least
 * BUILTIN_TF_INDEX_MIN elements: the first such call for a list builds its
 * index (one pass: type text -> positions, in order), kept in ctx->tfindex
 * for the rest of the evaluation; each call then costs a hash lookup, and
 * the elements of one type are copied out once and shared by every caller
 * (values are immutable). Everything else is a direct scan. */

typedef struct TfBucket {
    const char *s; /* the type's text (in the list's element) */
    uint32_t len, hash;
    uint32_t count; /* elements of this type */
    uint32_t *pos;  /* their positions in the list, ascending */
    Value *vals;    /* the elements at pos, made on first request; NULL before */
} TfBucket;

struct TfTypeIndex {
    TfBucket *b;    /* the distinct types, in order of first appearance */
    uint32_t nb;    /* buckets */
    uint32_t *slot; /* open addressing: 1 + bucket number, 0 = empty */
    uint32_t mask;  /* slots - 1 (a power of two, at most half full) */
};

static uint32_t tf_hash(const char *s, uint32_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* r.type as OP_FIELD reads it: undefined unless r is an object with that
 * member; the member's value carries r's taint. */
static Value tf_type_of(Value r)
{
    const Member *m = value_get(r, "type", 4, 0);
    if (!m)
        return value_undef();
    Value t = m->val;
    t.flags |= r.flags & VF_SENSITIVE;
    return t;
}

static TfBucket *tf_bucket_find(const TfTypeIndex *ix, const char *s, uint32_t n, uint32_t h)
{
    for (uint32_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
        uint32_t k = ix->slot[i];
        if (!k)
            return NULL;
        TfBucket *b = &ix->b[k - 1];
        if (b->hash == h && b->len == n && (n == 0 || memcmp(b->s, s, n) == 0))
            return b;
    }
}

/* Room for one more bucket: the bucket array grows by doubling, the slot
 * table is rebuilt at twice the size when it would pass half full. Old
 * arrays stay in the arena (garbage bounded by the final sizes). */
static bool tf_index_grow(BuiltinCtx *ctx, TfTypeIndex *ix, uint32_t *capb)
{
    if (ix->nb == *capb) {
        uint32_t cap = *capb * 2;
        TfBucket *b = arena_realloc(ctx->arena, ix->b, *capb * sizeof *b, cap * sizeof *b);
        if (!b)
            return false;
        ix->b = b;
        *capb = cap;
    }
    if (2 * (ix->nb + 1) > ix->mask + 1) {
        uint32_t nslots = 2 * (ix->mask + 1);
        uint32_t *slot = arena_zalloc(ctx->arena, nslots * sizeof *slot);
        if (!slot)
            return false;
        ix->slot = slot;
        ix->mask = nslots - 1;
        for (uint32_t k = 0; k < ix->nb; k++) {
            uint32_t i = ix->b[k].hash & ix->mask;
            while (slot[i])
                i = (i + 1) & ix->mask;
            slot[i] = k + 1;
        }
    }
    return true;
}

/* The index of an array or set by its elements' string types: one pass
 * numbering the types, then the positions laid out bucket by bucket. */
static TfTypeIndex *tf_index_build(BuiltinCtx *ctx, const char *fn, Value list)
{
    uint32_t n = list.n, capb = 8;
    uint32_t *bucket_of = malloc((size_t)n * sizeof *bucket_of); /* scratch, freed here */
    TfTypeIndex *ix = arena_zalloc(ctx->arena, sizeof *ix);
    if (ix) {
        ix->b = arena_alloc(ctx->arena, capb * sizeof *ix->b);
        ix->slot = arena_zalloc(ctx->arena, 16 * sizeof *ix->slot);
        ix->mask = 15;
    }
    if (!bucket_of || !ix || !ix->b || !ix->slot) {
        free(bucket_of);
        builtin_oom(ctx, fn);
        return NULL;
    }
    uint32_t typed = 0;
    for (uint32_t i = 0; i < n; i++) {
        Value t = tf_type_of(list.u.a[i]);
        if (t.kind != V_STR) {
            bucket_of[i] = UINT32_MAX; /* never equals a string */
            continue;
        }
        uint32_t h = tf_hash(t.u.s, t.n);
        TfBucket *b = tf_bucket_find(ix, t.u.s, t.n, h);
        if (!b) {
            if (!tf_index_grow(ctx, ix, &capb)) {
                free(bucket_of);
                builtin_oom(ctx, fn);
                return NULL;
            }
            uint32_t k = ix->nb++, j = h & ix->mask;
            while (ix->slot[j])
                j = (j + 1) & ix->mask;
            ix->slot[j] = k + 1;
            b = &ix->b[k];
            *b = (TfBucket){t.u.s, t.n, h, 0, NULL, NULL};
        }
        b->count++;
        bucket_of[i] = (uint32_t)(b - ix->b);
        typed++;
    }
    uint32_t *pos = arena_alloc(ctx->arena, (typed ? typed : 1) * sizeof *pos);
    if (!pos) {
        free(bucket_of);
        builtin_oom(ctx, fn);
        return NULL;
    }
    for (uint32_t k = 0; k < ix->nb; k++) {
        ix->b[k].pos = pos;
        pos += ix->b[k].count;
        ix->b[k].count = 0; /* counts again while filling */
    }
    for (uint32_t i = 0; i < n; i++)
        if (bucket_of[i] != UINT32_MAX) {
            TfBucket *b = &ix->b[bucket_of[i]];
            b->pos[b->count++] = i;
        }
    free(bucket_of);
    return ix;
}

/* The index of list, built on first use in this evaluation. */
static TfTypeIndex *tf_index_get(BuiltinCtx *ctx, const char *fn, Value list)
{
    TfIndexCache *c = &ctx->tfindex;
    /* Defence in depth for builtin_ctx_reset: an arena that was replaced,
     * or holds less than when the newest index was built, was reset. */
    if (c->n && (c->arena != ctx->arena || ctx->arena->used < c->watermark))
        builtin_ctx_reset(ctx);
    for (uint32_t i = 0; i < c->n; i++)
        if (c->slot[i].items == list.u.a && c->slot[i].len == list.n)
            return c->slot[i].ix;
    TfTypeIndex *ix = tf_index_build(ctx, fn, list);
    if (!ix)
        return NULL;
    uint32_t k = c->n < BUILTIN_TF_INDEX_SLOTS ? c->n++ : c->next++ % BUILTIN_TF_INDEX_SLOTS;
    c->slot[k].items = list.u.a;
    c->slot[k].len = list.n;
    c->slot[k].ix = ix;
    c->arena = ctx->arena;
    c->watermark = ctx->arena->used;
    return ix;
}

/* The elements of bucket b (NULL: none) as a result array. */
static bool tf_bucket_result(BuiltinCtx *ctx, const char *fn, Value list, TfBucket *b, Value *out)
{
    uint8_t taint = list.flags & VF_SENSITIVE;
    if (!b) {
        Value *none = builtin_new_values(ctx, fn, 0);
        if (!none)
            return false;
        *out = builtin_arr(none, 0);
        return true;
    }
    Value *v = taint ? NULL : b->vals;
    if (!v) {
        v = builtin_new_values(ctx, fn, b->count);
        if (!v)
            return false;
        for (uint32_t j = 0; j < b->count; j++) {
            v[j] = list.u.a[b->pos[j]];
            v[j].flags |= taint;
        }
        if (!taint)
            b->vals = v; /* shared by later calls: the untainted elements */
    }
    *out = builtin_arr(v, b->count);
    return true;
}

static int tf_pos_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* The elements of several distinct buckets, in list order. */
static bool tf_union_result(BuiltinCtx *ctx, const char *fn, Value list, TfBucket **bs,
                            uint32_t nbs, Value *out)
{
    size_t total = 0;
    for (uint32_t k = 0; k < nbs; k++)
        total += bs[k]->count; /* distinct buckets: disjoint positions, total <= list.n */
    uint32_t *pos = malloc((total ? total : 1) * sizeof *pos); /* scratch, freed here */
    Value *v = builtin_new_values(ctx, fn, total);
    if (!pos || !v) {
        free(pos);
        return v ? builtin_oom(ctx, fn) : false;
    }
    size_t at = 0;
    for (uint32_t k = 0; k < nbs; k++) {
        memcpy(pos + at, bs[k]->pos, bs[k]->count * sizeof *pos);
        at += bs[k]->count;
    }
    qsort(pos, total, sizeof *pos, tf_pos_cmp);
    uint8_t taint = list.flags & VF_SENSITIVE;
    for (size_t j = 0; j < total; j++) {
        v[j] = list.u.a[pos[j]];
        v[j].flags |= taint;
    }
    free(pos);
    *out = builtin_arr(v, (uint32_t)total);
    return true;
}

/* `[r for r in list if r.type OP want]`, element by element. While every
 * element matches, nothing is copied: a list whose elements all match (a
 * one-element list of the right type, in streaming evaluation) is its own
 * result, unless its taint has to be copied into the elements. */
static bool tf_select_scan(BuiltinCtx *ctx, const char *fn, Value list, Value want, Opcode op,
                           Value *out)
{
    uint8_t taint = list.flags & VF_SENSITIVE;
    bool all = list.kind != V_OBJ && !taint && list.u.a; /* all matched so far: no copy yet */
    ValVec vec = {0};
    for (uint32_t i = 0; i < list.n; i++) {
        Value r = list.kind == V_OBJ ? list.u.o[i].val : list.u.a[i];
        r.flags |= taint;
        Value t = tf_type_of(r), hit;
        if (op == OP_EQ && want.kind == V_STR) {
            /* value_equal of a string: the same bytes, and only a string */
            hit = value_bool(t.kind == V_STR && t.n == want.n &&
                             (t.n == 0 || memcmp(t.u.s, want.u.s, t.n) == 0));
        } else {
            char err[sizeof ctx->err];
            if (!ops_binary(op, t, want, ctx->arena, &hit, err, sizeof err))
                return builtin_error(ctx, "%s", err);
        }
        /* the comprehension's `if`: undefined (an undefined side) is false */
        bool keep = hit.kind == V_BOOL && hit.u.b;
        if (all && keep)
            continue;
        if (all) {
            /* the first miss: the elements before it are the result so far;
             * a short list gets its worst case at once, a long one grows */
            all = false;
            vec.cap = list.n < BUILTIN_TF_INDEX_MIN ? list.n : i + 8;
            vec.items = builtin_new_values(ctx, fn, vec.cap);
            if (!vec.items)
                return false;
            memcpy(vec.items, list.u.a, i * sizeof *vec.items);
            vec.n = i;
        }
        if (keep && !builtin_vec_push(ctx, fn, &vec, r))
            return false;
    }
    if (all) {
        *out = builtin_arr(list.u.a, list.n);
        return true;
    }
    if (!vec.items && !(vec.items = builtin_new_values(ctx, fn, 0)))
        return false;
    *out = builtin_arr(vec.items, (uint32_t)vec.n);
    return true;
}

/* The list as iteration sees it: false (error set) when it cannot be
 * iterated; undefined and null become the empty array. */
static bool tf_iterable(BuiltinCtx *ctx, Value *list)
{
    if (list->kind == V_UNDEF || list->kind == V_NULL) {
        *list = builtin_arr(NULL, 0);
        return true;
    }
    if (list->kind != V_ARR && list->kind != V_SET && list->kind != V_OBJ)
        /* the VM's words for the comprehension's loop */
        return builtin_error(ctx, "cannot iterate over %s", value_kind_name((ValueKind)list->kind));
    return true;
}

static bool tf_indexable(Value list)
{
    return (list.kind == V_ARR || list.kind == V_SET) && list.n >= BUILTIN_TF_INDEX_MIN;
}

static bool tf_of_type(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "tf.of_type";
    (void)argc;
    Value list = args[0], type = args[1];
    if (!tf_iterable(ctx, &list))
        return false;
    if (type.kind != V_STR || !tf_indexable(list))
        return tf_select_scan(ctx, fn, list, type, OP_EQ, out);
    TfTypeIndex *ix = tf_index_get(ctx, fn, list);
    if (!ix)
        return false;
    TfBucket *b = tf_bucket_find(ix, type.u.s, type.n, tf_hash(type.u.s, type.n));
    return tf_bucket_result(ctx, fn, list, b, out);
}

static bool tf_of_types(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "tf.of_types";
    (void)argc;
    Value list = args[0], types = args[1];
    if (!tf_iterable(ctx, &list))
        return false;
    bool strings = types.kind == V_ARR || types.kind == V_SET;
    for (uint32_t k = 0; strings && k < types.n; k++)
        strings = types.u.a[k].kind == V_STR;
    if (!strings || !tf_indexable(list))
        return tf_select_scan(ctx, fn, list, types, OP_IN, out);
    TfTypeIndex *ix = tf_index_get(ctx, fn, list);
    if (!ix)
        return false;
    /* `in` an array of strings: equal to one of them; a type named twice
     * is one bucket, taken once */
    TfBucket **bs = types.n ? malloc(types.n * sizeof *bs) : NULL; /* scratch, freed here */
    if (types.n && !bs)
        return builtin_oom(ctx, fn);
    uint32_t nbs = 0;
    for (uint32_t k = 0; k < types.n; k++) {
        Value t = types.u.a[k];
        TfBucket *b = tf_bucket_find(ix, t.u.s, t.n, tf_hash(t.u.s, t.n));
        bool seen = !b;
        for (uint32_t j = 0; !seen && j < nbs; j++)
            seen = bs[j] == b;
        if (!seen)
            bs[nbs++] = b;
    }
    bool ok = nbs <= 1 ? tf_bucket_result(ctx, fn, list, nbs ? bs[0] : NULL, out)
                       : tf_union_result(ctx, fn, list, bs, nbs, out);
    free(bs);
    return ok;
}

const BuiltinDef builtins_tf_defs[] = {
    {"tf.is_sensitive", 1, 1, 0, tf_is_sensitive,
     "tf.is_sensitive(value) -> bool: true when value or anything in it is sensitive"},
    {"tf.parse_address", 1, 1, BUILTIN_PURE, tf_parse_address,
     "tf.parse_address(address) -> {module, module_path, module_keys, mode, type, name, index, "
     "resource, config_address}, or undefined"},
    {"tf.normalise_all", 1, 1, BUILTIN_PURE, tf_normalise_all,
     "tf.normalise_all(resource_changes) -> [normalised change...]: the objects of the list as "
     "tf.all_changes() reads them"},
    {"tf.of_type", 2, 2, BUILTIN_PURE, tf_of_type,
     "tf.of_type(list, type) -> [element...]: the elements whose type equals type, in order"},
    {"tf.of_types", 2, 2, BUILTIN_PURE, tf_of_types,
     "tf.of_types(list, types) -> [element...]: the elements whose type is in types, in order"},
};
const size_t builtins_tf_ndefs = BUILTIN_NELEMS(builtins_tf_defs);
