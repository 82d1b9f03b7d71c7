/* fixture_cut.c — cutting a test fixture out of a plan; see fixture_cut.h.
 *
 * Builds a new Value tree in a scratch arena (sharing the kept parts of
 * the document) and writes it with JSON_REDACT, so tainted values print
 * as the placeholder. Borrows the document; owns nothing past the call.
 */
#include "author/fixture_cut.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "input/json_read.h"
#include "input/taint.h"
#include "vm/program.h"

typedef struct Cut {
    Arena arena;
    const char *const *sel;
    size_t nsel;
    bool *used;     /* per selector: matched something */
    Value kept_rcs; /* the kept resource_changes (V_ARR), for the configuration */
} Cut;

static const Member *cut_get(Value obj, const char *key)
{
    return obj.kind == V_OBJ ? value_get(obj, key, (uint32_t)strlen(key), 0) : NULL;
}

static Value cut_field(Value obj, const char *key)
{
    const Member *m = cut_get(obj, key);
    return m ? m->val : value_undef();
}

static bool cut_str_is(Value v, const char *s)
{
    return v.kind == V_STR && v.n == strlen(s) && memcmp(v.u.s, s, v.n) == 0;
}

/* A new object with room for cap members. */
static Value cut_obj(Cut *c, uint32_t cap)
{
    Value v = {0};
    v.kind = V_OBJ;
    v.u.o = arena_zalloc(&c->arena, (cap ? cap : 1) * sizeof(Member));
    return v;
}

static void cut_put(Value *obj, const char *key, Value val)
{
    if (val.kind == V_UNDEF || !obj->u.o)
        return;
    Member *m = &obj->u.o[obj->n++];
    m->key = key;
    m->klen = (uint32_t)strlen(key);
    m->kid = 0;
    m->val = val;
}

/* Copies member `key` of src (when present) into dst. */
static void cut_copy(Value *dst, Value src, const char *key)
{
    const Member *m = cut_get(src, key);
    if (m)
        cut_put(dst, key, m->val);
}

static Value cut_arr(Cut *c, uint32_t cap)
{
    Value v = {0};
    v.kind = V_ARR;
    v.u.a = arena_alloc(&c->arena, (cap ? cap : 1) * sizeof(Value));
    return v;
}

static bool cut_matches(Cut *c, Value addr)
{
    if (addr.kind != V_STR)
        return false;
    bool any = false;
    for (size_t i = 0; i < c->nsel; i++) {
        size_t sl = strlen(c->sel[i]);
        if (addr.n < sl || memcmp(addr.u.s, c->sel[i], sl) != 0)
            continue;
        if (addr.n == sl || addr.u.s[sl] == '[' || addr.u.s[sl] == '.') {
            c->used[i] = true;
            any = true;
        }
    }
    return any;
}

/* The entries of list (objects) whose `key` matches a selector. */
static Value cut_filter(Cut *c, Value list, const char *key)
{
    if (list.kind != V_ARR)
        return value_undef();
    Value out = cut_arr(c, list.n);
    for (uint32_t i = 0; out.u.a && i < list.n; i++)
        if (cut_matches(c, cut_field(list.u.a[i], key)))
            out.u.a[out.n++] = list.u.a[i];
    return out;
}

/* A state resource's values tainted also by its resource change's mask
 * (mask_key: after_sensitive for planned values, before_sensitive for the
 * prior state): older plans carry no sensitive_values of their own. */
static Value cut_state_resource(Cut *c, Value r, const char *mask_key)
{
    Value addr = cut_field(r, "address");
    for (uint32_t k = 0; k < c->kept_rcs.n; k++) {
        Value rc = c->kept_rcs.u.a[k];
        if (!value_equal(cut_field(rc, "address"), addr))
            continue;
        Value mask = cut_field(cut_field(rc, "change"), mask_key);
        Value out = cut_obj(c, r.n);
        for (uint32_t i = 0; out.u.o && i < r.n; i++) {
            Member m = r.u.o[i];
            if (m.klen == 6 && memcmp(m.key, "values", 6) == 0)
                m.val = taint_apply(&c->arena, m.val, mask);
            out.u.o[out.n++] = m;
        }
        return out;
    }
    return r;
}

/* A planned_values / prior_state module with only the kept resources;
 * undefined when nothing is kept below it (unless keep_empty). */
static Value cut_module(Cut *c, Value m, bool keep_empty, const char *mask_key, int depth)
{
    if (m.kind != V_OBJ || depth > 64)
        return value_undef();
    Value res = cut_filter(c, cut_field(m, "resources"), "address");
    for (uint32_t i = 0; res.kind == V_ARR && i < res.n; i++)
        res.u.a[i] = cut_state_resource(c, res.u.a[i], mask_key);
    Value kids = cut_field(m, "child_modules"), out_kids = value_undef();
    if (kids.kind == V_ARR) {
        out_kids = cut_arr(c, kids.n);
        for (uint32_t i = 0; out_kids.u.a && i < kids.n; i++) {
            Value k = cut_module(c, kids.u.a[i], false, mask_key, depth + 1);
            if (k.kind != V_UNDEF)
                out_kids.u.a[out_kids.n++] = k;
        }
    }
    bool empty = (res.kind == V_UNDEF || res.n == 0) && (out_kids.kind == V_UNDEF || !out_kids.n);
    if (empty && !keep_empty)
        return value_undef();
    Value out = cut_obj(c, 3);
    cut_copy(&out, m, "address");
    if (res.kind != V_UNDEF)
        cut_put(&out, "resources", res);
    if (out_kids.kind != V_UNDEF && out_kids.n)
        cut_put(&out, "child_modules", out_kids);
    return out;
}

/* planned_values or prior_state.values: the root module, cut. */
static Value cut_values(Cut *c, Value v, const char *mask_key)
{
    if (v.kind != V_OBJ)
        return value_undef();
    Value out = cut_obj(c, 1);
    cut_put(&out, "root_module", cut_module(c, cut_field(v, "root_module"), true, mask_key, 0));
    return out;
}

/* "module.a[0].module.b" → "a.b": the configuration path of a module
 * instance (instance keys dropped, brackets may quote anything). */
static void cut_module_path(Value addr, Buf *out)
{
    buf_reset(out);
    buf_puts(out, "");
    if (addr.kind != V_STR)
        return;
    const char *p = addr.u.s, *end = addr.u.s + addr.n;
    while (p < end) {
        if (end - p > 7 && memcmp(p, "module.", 7) == 0) {
            p += 7;
            const char *s = p;
            while (p < end && *p != '.' && *p != '[')
                p++;
            if (out->len)
                buf_putc(out, '.');
            buf_append(out, s, (size_t)(p - s));
        } else if (*p == '[') {
            bool quoted = false;
            for (p++; p < end && (quoted || *p != ']'); p++) {
                if (*p == '\\' && quoted)
                    p++;
                else if (*p == '"')
                    quoted = !quoted;
            }
            p++;
        } else {
            p++;
        }
    }
}

/* Every constant_value inside an expression tree, marked sensitive. */
static Value cut_scrub_all(Cut *c, Value v, int depth)
{
    if (depth > 64)
        return v;
    if (v.kind == V_ARR) {
        Value out = cut_arr(c, v.n);
        for (uint32_t i = 0; out.u.a && i < v.n; i++)
            out.u.a[out.n++] = cut_scrub_all(c, v.u.a[i], depth + 1);
        return out;
    }
    if (v.kind != V_OBJ)
        return v;
    Value out = cut_obj(c, v.n);
    for (uint32_t i = 0; out.u.o && i < v.n; i++) {
        Member m = v.u.o[i];
        if (m.klen == 14 && memcmp(m.key, "constant_value", 14) == 0)
            m.val.flags |= VF_SENSITIVE;
        else
            m.val = cut_scrub_all(c, m.val, depth + 1);
        out.u.o[out.n++] = m;
    }
    return out;
}

/* A resource block's `expressions` scrubbed by one after_sensitive mask:
 * an attribute the mask marks true loses its constants; a nested value
 * is tainted element-wise; nested blocks recurse. */
static Value cut_scrub_expr(Cut *c, Value expr, Value mask, int depth)
{
    if (expr.kind != V_OBJ || mask.kind != V_OBJ || depth > 64)
        return expr;
    Value out = cut_obj(c, expr.n);
    for (uint32_t i = 0; out.u.o && i < expr.n; i++) {
        Member m = expr.u.o[i];
        const Member *mm = value_get(mask, m.key, m.klen, 0);
        if (mm && mm->val.kind == V_BOOL && mm->val.u.b) {
            m.val = cut_scrub_all(c, m.val, 0);
        } else if (mm && m.val.kind == V_ARR && mm->val.kind == V_ARR) {
            Value blocks = cut_arr(c, m.val.n);
            for (uint32_t b = 0; blocks.u.a && b < m.val.n; b++) {
                Value bm = mm->val.n ? mm->val.u.a[b < mm->val.n ? b : 0] : value_undef();
                blocks.u.a[blocks.n++] = cut_scrub_expr(c, m.val.u.a[b], bm, depth + 1);
            }
            m.val = blocks;
        } else if (mm && m.val.kind == V_OBJ) {
            const Member *cv = cut_get(m.val, "constant_value");
            if (cv) {
                Value one = cut_obj(c, m.val.n);
                for (uint32_t k = 0; one.u.o && k < m.val.n; k++) {
                    Member x = m.val.u.o[k];
                    if (x.klen == 14 && memcmp(x.key, "constant_value", 14) == 0)
                        x.val = taint_apply(&c->arena, x.val, mm->val);
                    one.u.o[one.n++] = x;
                }
                m.val = one;
            }
        }
        out.u.o[out.n++] = m;
    }
    return out;
}

/* A configuration module with the resource blocks of kept resources and
 * the module calls that lead to some; undefined when nothing is kept. */
static Value cut_config_module(Cut *c, Value m, const char *path, bool keep_empty, int depth)
{
    if (m.kind != V_OBJ || depth > 64)
        return value_undef();
    Buf mp = BUF_INIT;
    Value res = cut_field(m, "resources"), out_res = value_undef();
    if (res.kind == V_ARR) {
        out_res = cut_arr(c, res.n);
        for (uint32_t i = 0; out_res.u.a && i < res.n; i++) {
            Value r = res.u.a[i];
            Value mode = cut_field(r, "mode"), type = cut_field(r, "type");
            Value name = cut_field(r, "name");
            bool keep = false;
            Value expr = cut_field(r, "expressions");
            for (uint32_t k = 0; k < c->kept_rcs.n; k++) {
                Value rc = c->kept_rcs.u.a[k];
                Value rmode = cut_field(rc, "mode");
                cut_module_path(cut_field(rc, "module_address"), &mp);
                if (strcmp(mp.p ? mp.p : "", path) != 0 ||
                    !value_equal(cut_field(rc, "type"), type) ||
                    !value_equal(cut_field(rc, "name"), name))
                    continue;
                if (!(rmode.kind == V_UNDEF ? cut_str_is(mode, "managed") || mode.kind == V_UNDEF
                                            : value_equal(rmode, mode)))
                    continue;
                keep = true;
                Value change = cut_field(rc, "change");
                expr = cut_scrub_expr(c, expr, cut_field(change, "after_sensitive"), 0);
                expr = cut_scrub_expr(c, expr, cut_field(change, "before_sensitive"), 0);
            }
            if (!keep)
                continue;
            Value copy = cut_obj(c, r.n);
            for (uint32_t k = 0; copy.u.o && k < r.n; k++) {
                Member x = r.u.o[k];
                if (x.klen == 11 && memcmp(x.key, "expressions", 11) == 0)
                    x.val = expr;
                copy.u.o[copy.n++] = x;
            }
            out_res.u.a[out_res.n++] = copy;
        }
    }
    buf_free(&mp);
    Value calls = cut_field(m, "module_calls"), out_calls = value_undef();
    if (calls.kind == V_OBJ) {
        out_calls = cut_obj(c, calls.n);
        for (uint32_t i = 0; out_calls.u.o && i < calls.n; i++) {
            const Member *call = &calls.u.o[i];
            char *name = arena_strndup(&c->arena, call->key, call->klen);
            size_t pl = strlen(path) + call->klen + 2;
            char *sub = arena_alloc(&c->arena, pl);
            if (!name || !sub)
                continue;
            snprintf(sub, pl, "%s%s%s", path, *path ? "." : "", name);
            Value mod = cut_config_module(c, cut_field(call->val, "module"), sub, false, depth + 1);
            if (mod.kind == V_UNDEF)
                continue;
            Value oc = cut_obj(c, 3);
            cut_copy(&oc, call->val, "source");
            cut_copy(&oc, call->val, "version_constraint");
            cut_put(&oc, "module", mod);
            cut_put(&out_calls, name, oc);
        }
    }
    bool empty =
        (out_res.kind == V_UNDEF || !out_res.n) && (out_calls.kind == V_UNDEF || !out_calls.n);
    if (empty && !keep_empty)
        return value_undef();
    Value out = cut_obj(c, 2);
    if (out_res.kind != V_UNDEF && out_res.n)
        cut_put(&out, "resources", out_res);
    if (out_calls.kind != V_UNDEF && out_calls.n)
        cut_put(&out, "module_calls", out_calls);
    return out;
}

/* provider_config without expressions (credentials live there). */
static Value cut_providers(Cut *c, Value pc)
{
    if (pc.kind != V_OBJ)
        return value_undef();
    Value out = cut_obj(c, pc.n);
    for (uint32_t i = 0; out.u.o && i < pc.n; i++) {
        Value p = cut_obj(c, 5);
        static const char *const keep[] = {"name", "full_name", "version_constraint",
                                           "module_address", "parent_key"};
        for (int k = 0; k < 5; k++)
            cut_copy(&p, pc.u.o[i].val, keep[k]);
        Member *m = &out.u.o[out.n++];
        *m = pc.u.o[i];
        m->val = p;
    }
    return out;
}

static Value cut_config(Cut *c, Value conf)
{
    if (conf.kind != V_OBJ)
        return value_undef();
    Value out = cut_obj(c, 2);
    cut_put(&out, "provider_config", cut_providers(c, cut_field(conf, "provider_config")));
    cut_put(&out, "root_module", cut_config_module(c, cut_field(conf, "root_module"), "", true, 0));
    return out;
}

char *fixture_cut(const veto_doc *plan, const char *const *selectors, size_t nselectors, char *err,
                  size_t errlen)
{
    Value root = plan->root;
    if (root.kind != V_OBJ || (!cut_get(root, "resource_changes") &&
                               !cut_get(root, "planned_values") && !cut_get(root, "prior_state"))) {
        snprintf(err, errlen,
                 "%s is not a Terraform plan (no resource_changes, planned_values "
                 "or prior_state)",
                 plan->name);
        return NULL;
    }
    Cut c;
    memset(&c, 0, sizeof c);
    arena_init(&c.arena, 64 * 1024);
    c.sel = selectors;
    c.nsel = nselectors;
    bool used[256] = {0};
    if (nselectors > 256) {
        snprintf(err, errlen, "at most 256 addresses");
        arena_free(&c.arena);
        return NULL;
    }
    c.used = used;
    c.kept_rcs = cut_filter(&c, cut_field(root, "resource_changes"), "address");
    if (c.kept_rcs.kind == V_UNDEF)
        c.kept_rcs = cut_arr(&c, 0);
    Value out = cut_obj(&c, root.n);
    for (uint32_t i = 0; out.u.o && i < root.n; i++) {
        const Member *m = &root.u.o[i];
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(m->klen < 63 ? m->klen : 63), m->key);
        const char *k = arena_strndup(&c.arena, key, strlen(key));
        Value v = m->val, nv = value_undef();
        if (strcmp(key, "format_version") == 0 || strcmp(key, "terraform_version") == 0 ||
            strcmp(key, "timestamp") == 0 || strcmp(key, "applyable") == 0 ||
            strcmp(key, "complete") == 0 || strcmp(key, "errored") == 0)
            nv = v.kind == V_OBJ || v.kind == V_ARR ? value_undef() : v;
        else if (strcmp(key, "resource_changes") == 0)
            nv = c.kept_rcs;
        else if (strcmp(key, "resource_drift") == 0)
            nv = cut_filter(&c, v, "address");
        else if (strcmp(key, "relevant_attributes") == 0)
            nv = cut_filter(&c, v, "resource");
        else if (strcmp(key, "planned_values") == 0)
            nv = cut_values(&c, v, "after_sensitive");
        else if (strcmp(key, "prior_state") == 0 && v.kind == V_OBJ) {
            nv = cut_obj(&c, 3);
            cut_copy(&nv, v, "format_version");
            cut_copy(&nv, v, "terraform_version");
            cut_put(&nv, "values", cut_values(&c, cut_field(v, "values"), "before_sensitive"));
        } else if (strcmp(key, "configuration") == 0)
            nv = cut_config(&c, v);
        if (k)
            cut_put(&out, k, nv);
    }
    char *result = NULL;
    for (size_t i = 0; i < nselectors; i++)
        if (!used[i]) {
            snprintf(err, errlen, "no resource in %s has the address %s", plan->name, selectors[i]);
            arena_free(&c.arena);
            return NULL;
        }
    if (c.arena.failed) {
        snprintf(err, errlen, "out of memory");
    } else {
        Buf b = BUF_INIT;
        json_write(&b, out, JSON_PRETTY | JSON_REDACT);
        buf_putc(&b, '\n');
        result = buf_take(&b);
        if (!result)
            snprintf(err, errlen, "out of memory");
    }
    arena_free(&c.arena);
    return result;
}
