/* input_kind.c — recognising what an input document is, from its shape.
 *
 * Owns the detection rules (docs/INPUTS.md lists them); does not own
 * loading. Every rule looks at top-level keys only (a few levels for
 * CloudFormation's Resources), so detection costs nothing next to
 * parsing, and it never fails: what fits no rule is a "document".
 *
 *   terraform-plan   format_version and resource_changes or planned_values
 *                    (`terraform show -json PLANFILE`)
 *   terraform-state  values.root_module (`terraform show -json` of a state),
 *                    or version and a resources array (a raw .tfstate)
 *   kubernetes       apiVersion and kind strings (List kinds included), or a
 *                    stream of several documents that all are
 *   cloudformation   AWSTemplateFormatVersion, or a Resources mapping with a
 *                    resource whose Type starts with "AWS::"
 *   stream           several documents, not all Kubernetes objects
 *   document         anything else
 */
#include <string.h>

#include "input/input_kind.h"

static const Member *kind_get(Value obj, const char *key)
{
    return obj.kind == V_OBJ ? value_get(obj, key, (uint32_t)strlen(key), 0) : NULL;
}

static bool kind_has(Value obj, const char *key, ValueKind k)
{
    const Member *m = kind_get(obj, key);
    return m && m->val.kind == k;
}

static bool kind_is_plan(Value v)
{
    return kind_get(v, "format_version") &&
           (kind_has(v, "resource_changes", V_ARR) || kind_has(v, "planned_values", V_OBJ));
}

static bool kind_is_state(Value v)
{
    const Member *values = kind_get(v, "values");
    if (values && kind_has(values->val, "root_module", V_OBJ))
        return true;
    const Member *version = kind_get(v, "version");
    return version && value_is_number(version->val) && kind_has(v, "resources", V_ARR);
}

static bool kind_is_kubernetes(Value v)
{
    const Member *api = kind_get(v, "apiVersion"), *kind = kind_get(v, "kind");
    return api && kind && api->val.kind == V_STR && kind->val.kind == V_STR && api->val.n > 0 &&
           kind->val.n > 0;
}

static bool kind_is_cloudformation(Value v)
{
    if (kind_get(v, "AWSTemplateFormatVersion"))
        return true;
    const Member *res = kind_get(v, "Resources");
    if (!res || res->val.kind != V_OBJ)
        return false;
    for (uint32_t i = 0; i < res->val.n; i++) {
        const Member *type = kind_get(res->val.u.o[i].val, "Type");
        if (type && type->val.kind == V_STR && type->val.n > 5 &&
            memcmp(type->val.u.s, "AWS::", 5) == 0)
            return true;
    }
    return false;
}

const char *input_kind_detect(Value root, uint32_t ndocs)
{
    if (ndocs > 1 && root.kind == V_ARR) {
        uint32_t objects = 0;
        for (uint32_t i = 0; i < root.n; i++) {
            if (root.u.a[i].kind == V_NULL)
                continue; /* an explicit `null` document says nothing */
            if (!kind_is_kubernetes(root.u.a[i]))
                return "stream";
            objects++;
        }
        return objects ? "kubernetes" : "stream";
    }
    if (root.kind != V_OBJ)
        return "document";
    if (kind_is_plan(root))
        return "terraform-plan";
    if (kind_is_state(root))
        return "terraform-state";
    if (kind_is_kubernetes(root))
        return "kubernetes";
    if (kind_is_cloudformation(root))
        return "cloudformation";
    return "document";
}
