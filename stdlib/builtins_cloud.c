/* builtins_cloud.c — cloud policy-document helpers: iam.statements,
 * iam.has_wildcard_action, iam.is_public_principal.
 *
 * AWS IAM documents are irregular: Statement may be one object or an
 * array, Action/Resource a string or an array, Principal "*" or a map of
 * strings or arrays. iam.statements gives rules one regular shape to walk:
 *
 *   {"Sid": s|null, "Effect": s|null, "Action": [..], "NotAction": [..],
 *    "Resource": [..], "NotResource": [..], "Principal": [..],
 *    "NotPrincipal": [..], "Condition": {..}}
 *
 * with every list present (empty when absent) and Principal flattened to
 * its strings ({"AWS": ["a"], "Service": "s"} → ["a", "s"]; "*" → ["*"]).
 * A document may be given as an object or as JSON text (Terraform plans
 * hold policies as strings). Owns no state.
 */
#include "builtin_impl.h"

#include <string.h>

/* Decodes a JSON string argument into a document (objects pass through). */
static bool cloud_doc(BuiltinCtx *ctx, const char *fn, const Value *args, Value *doc)
{
    if (args[0].kind == V_OBJ) {
        *doc = args[0];
        return true;
    }
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a policy document (object or JSON string)", args[0]);
    if (!enc_json_decode(ctx, args, 1, doc))
        return false;
    if (doc->kind != V_OBJ)
        return builtin_error(ctx, "%s: the policy document is not a JSON object", fn);
    return true;
}

/* Appends the strings of v (string, array/set of strings, or for
 * principals an object of those) to vec; other scalars are kept as they
 * are so nothing silently disappears. */
static bool cloud_flatten(BuiltinCtx *ctx, const char *fn, Value v, bool objects, ValVec *vec)
{
    switch (v.kind) {
    case V_UNDEF:
    case V_NULL:
        return true;
    case V_ARR:
    case V_SET:
        for (uint32_t k = 0; k < v.n; k++)
            if (!cloud_flatten(ctx, fn, v.u.a[k], false, vec))
                return false;
        return true;
    case V_OBJ:
        if (objects) {
            for (uint32_t k = 0; k < v.n; k++)
                if (!cloud_flatten(ctx, fn, v.u.o[k].val, false, vec))
                    return false;
            return true;
        }
        return builtin_vec_push(ctx, fn, vec, v);
    default:
        return builtin_vec_push(ctx, fn, vec, v);
    }
}

static const Member *cloud_get(Value obj, const char *key)
{
    return value_get(obj, key, (uint32_t)strlen(key), 0);
}

static bool cloud_list(BuiltinCtx *ctx, const char *fn, Value st, const char *key, bool objects,
                       Value *out)
{
    const Member *m = cloud_get(st, key);
    ValVec vec = {0};
    if (m && !cloud_flatten(ctx, fn, m->val, objects, &vec))
        return false;
    *out = builtin_arr(vec.items, (uint32_t)vec.n);
    return true;
}

static bool cloud_normalise(BuiltinCtx *ctx, const char *fn, Value st, Value *out)
{
    static const char *const lists[] = {"Action",      "NotAction", "Resource",
                                        "NotResource", "Principal", "NotPrincipal"};
    Member *ms = builtin_new_members(ctx, fn, 9);
    if (!ms)
        return false;
    const Member *sid = cloud_get(st, "Sid"), *eff = cloud_get(st, "Effect"),
                 *cond = cloud_get(st, "Condition");
    builtin_member(ctx, &ms[0], "Sid", sid ? sid->val : value_null());
    builtin_member(ctx, &ms[1], "Effect", eff ? eff->val : value_null());
    for (int k = 0; k < 6; k++) {
        Value list;
        if (!cloud_list(ctx, fn, st, lists[k], k >= 4, &list))
            return false;
        builtin_member(ctx, &ms[2 + k], lists[k], list);
    }
    builtin_member(ctx, &ms[8], "Condition",
                   cond && cond->val.kind == V_OBJ ? cond->val : builtin_obj(NULL, 0));
    *out = builtin_obj(ms, 9);
    return true;
}

static bool cloud_statements_of(BuiltinCtx *ctx, const char *fn, const Value *args, Value *out)
{
    Value doc;
    if (!cloud_doc(ctx, fn, args, &doc))
        return false;
    const Member *m = cloud_get(doc, "Statement");
    Value sts = m ? m->val : builtin_arr(NULL, 0);
    const Value *items = &sts;
    uint32_t n = 1;
    if (sts.kind == V_ARR) {
        items = sts.u.a;
        n = sts.n;
    } else if (sts.kind != V_OBJ) {
        return builtin_error(ctx, "%s: Statement must be an object or an array, got %s", fn,
                             builtin_type_name(sts));
    }
    Value *res = builtin_new_values(ctx, fn, n);
    if (!res)
        return false;
    for (uint32_t k = 0; k < n; k++) {
        if (items[k].kind != V_OBJ)
            return builtin_error(ctx, "%s: statement %u must be an object, got %s", fn, (unsigned)k,
                                 builtin_type_name(items[k]));
        if (!cloud_normalise(ctx, fn, items[k], &res[k]))
            return false;
    }
    *out = builtin_arr(res, n);
    return true;
}

static bool cloud_statements(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    return cloud_statements_of(ctx, "iam.statements", args, out);
}

static bool cloud_str_eq(Value v, const char *s)
{
    return v.kind == V_STR && v.n == strlen(s) && memcmp(v.u.s, s, v.n) == 0;
}

/* True when an Allow statement grants "*" or "service:*", or uses
 * NotAction (an Allow of everything except a list is a wildcard too). */
static bool cloud_has_wildcard_action(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value sts;
    if (!cloud_statements_of(ctx, "iam.has_wildcard_action", args, &sts))
        return false;
    bool wild = false;
    for (uint32_t k = 0; k < sts.n && !wild; k++) {
        Value st = sts.u.a[k];
        if (!cloud_str_eq(cloud_get(st, "Effect")->val, "Allow"))
            continue;
        if (cloud_get(st, "NotAction")->val.n > 0)
            wild = true;
        Value acts = cloud_get(st, "Action")->val;
        for (uint32_t j = 0; j < acts.n && !wild; j++) {
            Value a = acts.u.a[j];
            wild = a.kind == V_STR &&
                   (cloud_str_eq(a, "*") || (a.n >= 2 && memcmp(a.u.s + a.n - 2, ":*", 2) == 0));
        }
    }
    *out = value_bool(wild);
    return true;
}

/* "*", {"AWS": "*"}, {"AWS": [..., "*"]} or an array holding "*". */
static bool cloud_is_public_principal(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value p = args[0];
    if (p.kind == V_OBJ) {
        const Member *aws = cloud_get(p, "AWS");
        if (!aws) {
            *out = value_bool(false);
            return true;
        }
        p = aws->val;
    }
    ValVec vec = {0};
    if (!cloud_flatten(ctx, "iam.is_public_principal", p, false, &vec))
        return false;
    bool pub = false;
    for (size_t k = 0; k < vec.n && !pub; k++)
        pub = cloud_str_eq(vec.items[k], "*");
    *out = value_bool(pub);
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_cloud_defs[] = {
    {"iam.has_wildcard_action", 1, 1, P, cloud_has_wildcard_action,
     "iam.has_wildcard_action(doc) -> bool"},
    {"iam.is_public_principal", 1, 1, P, cloud_is_public_principal,
     "iam.is_public_principal(principal) -> bool"},
    {"iam.statements", 1, 1, P, cloud_statements, "iam.statements(doc) -> array"},
};
const size_t builtins_cloud_ndefs = BUILTIN_NELEMS(builtins_cloud_defs);
