/* builtins_collections.c — builtins over arrays, sets and objects: keys,
 * values, unique, sort, reverse, flatten, merge, union, intersection,
 * difference, group_by, object.get, object.remove, array.concat,
 * array.slice.
 *
 * Results are new arrays/objects in ctx->arena whose elements are the
 * argument's elements (values are plain data, so sharing is safe). Object
 * results keep insertion order: first the left operand's keys, then new
 * ones in the order they appear. Owns no state.
 */
#include "builtin_impl.h"

#include <string.h>

/* ---- a small hash index over values or keys, in the arena -------------- */

typedef struct CollIndex {
    uint32_t *slot; /* 1 + position, 0 = empty */
    uint32_t mask;
} CollIndex;

static bool coll_index_init(BuiltinCtx *ctx, const char *fn, CollIndex *ix, uint32_t n)
{
    uint32_t cap = 16;
    while (cap < (uint64_t)n * 2 && cap < (1u << 31))
        cap <<= 1;
    ix->slot = arena_zalloc(ctx->arena, (size_t)cap * sizeof(uint32_t));
    ix->mask = cap - 1;
    return ix->slot ? true : builtin_oom(ctx, fn);
}

static uint64_t coll_key_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < n; k++)
        h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static bool coll_key_eq(const Member *a, const Member *b)
{
    if (a->kid && b->kid)
        return a->kid == b->kid;
    return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

/* Finds member m's key among ms (indexed by ix); returns its position or
 * UINT32_MAX, and the slot where it would go in *slot_out. */
static uint32_t coll_index_find_key(const CollIndex *ix, const Member *ms, const Member *m,
                                    uint32_t *slot_out)
{
    uint32_t k = (uint32_t)coll_key_hash(m->key, m->klen) & ix->mask;
    *slot_out = 0;
    for (; ix->slot[k]; k = (k + 1) & ix->mask)
        if (coll_key_eq(&ms[ix->slot[k] - 1], m))
            return ix->slot[k] - 1;
    *slot_out = k;
    return UINT32_MAX;
}

static uint32_t coll_index_find_value(const CollIndex *ix, const Value *vs, Value v,
                                      uint32_t *slot_out)
{
    uint32_t k = (uint32_t)value_hash(v) & ix->mask;
    *slot_out = 0;
    for (; ix->slot[k]; k = (k + 1) & ix->mask)
        if (value_equal(vs[ix->slot[k] - 1], v))
            return ix->slot[k] - 1;
    *slot_out = k;
    return UINT32_MAX;
}

/* ---- keys / values ----------------------------------------------------- */

static bool coll_keys(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value o = args[0];
    if (o.kind != V_OBJ)
        return builtin_type_error(ctx, "keys", 1, "an object", o);
    Value *items = builtin_new_values(ctx, "keys", o.n);
    if (!items)
        return false;
    for (uint32_t k = 0; k < o.n; k++)
        items[k] = value_str(o.u.o[k].key, o.u.o[k].klen);
    *out = builtin_arr(items, o.n);
    return true;
}

static bool coll_values(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value o = args[0];
    if (o.kind != V_OBJ)
        return builtin_type_error(ctx, "values", 1, "an object", o);
    Value *items = builtin_new_values(ctx, "values", o.n);
    if (!items)
        return false;
    for (uint32_t k = 0; k < o.n; k++)
        items[k] = o.u.o[k].val;
    *out = builtin_arr(items, o.n);
    return true;
}

/* ---- unique / sort / reverse / flatten --------------------------------- */

static bool coll_unique(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "unique";
    BUILTIN_UNDEF_IN(args, argc, out);
    Value a = args[0];
    if (a.kind == V_SET) {
        *out = a;
        return true;
    }
    if (a.kind != V_ARR)
        return builtin_type_error(ctx, fn, 1, "an array or set", a);
    Value *items = builtin_new_values(ctx, fn, a.n);
    CollIndex ix;
    if (!items || !coll_index_init(ctx, fn, &ix, a.n))
        return false;
    uint32_t n = 0;
    for (uint32_t k = 0; k < a.n; k++) {
        uint32_t slot;
        if (coll_index_find_value(&ix, items, a.u.a[k], &slot) != UINT32_MAX)
            continue;
        items[n++] = a.u.a[k];
        ix.slot[slot] = n;
    }
    *out = builtin_arr(items, n);
    return true;
}

/* Stable merge sort by value_compare (qsort is not stable, and 1 and 1.0
 * compare equal but print differently). */
static void coll_merge_sort(Value *v, Value *tmp, uint32_t n)
{
    if (n < 2)
        return;
    uint32_t h = n / 2;
    coll_merge_sort(v, tmp, h);
    coll_merge_sort(v + h, tmp, n - h);
    if (value_compare(v[h - 1], v[h]) <= 0)
        return;
    memcpy(tmp, v, (size_t)h * sizeof *v);
    uint32_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        v[o++] = value_compare(v[j], tmp[i]) < 0 ? v[j++] : tmp[i++];
    while (i < h)
        v[o++] = tmp[i++];
}

static bool coll_sort(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value a = args[0];
    if (a.kind != V_ARR && a.kind != V_SET)
        return builtin_type_error(ctx, "sort", 1, "an array or set", a);
    Value *items = builtin_new_values(ctx, "sort", a.n);
    Value *tmp = builtin_new_values(ctx, "sort", a.n / 2 + 1);
    if (!items || !tmp)
        return false;
    if (a.n)
        memcpy(items, a.u.a, (size_t)a.n * sizeof *items);
    if (a.kind == V_ARR)
        coll_merge_sort(items, tmp, a.n);
    *out = builtin_arr(items, a.n);
    return true;
}

/* reverse(array) or reverse(string) (by code point). */
static bool coll_reverse(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value a = args[0];
    if (a.kind == V_STR) {
        char *r = arena_alloc(ctx->arena, (size_t)a.n + 1);
        if (!r)
            return builtin_oom(ctx, "reverse");
        size_t o = a.n;
        for (size_t i = 0; i < a.n;) {
            uint32_t cp;
            size_t len = utf8_next(a.u.s + i, a.n - i, &cp);
            o -= len;
            memcpy(r + o, a.u.s + i, len);
            i += len;
        }
        r[a.n] = '\0';
        *out = value_str(r, a.n);
        return true;
    }
    if (a.kind != V_ARR && a.kind != V_SET)
        return builtin_type_error(ctx, "reverse", 1, "an array or string", a);
    Value *items = builtin_new_values(ctx, "reverse", a.n);
    if (!items)
        return false;
    for (uint32_t k = 0; k < a.n; k++)
        items[k] = a.u.a[a.n - 1 - k];
    *out = builtin_arr(items, a.n);
    return true;
}

/* flatten(array): one level — elements that are arrays or sets are
 * spliced in, everything else kept; flatten(flatten(x)) for two levels. */
static bool coll_flatten(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value a = args[0];
    if (a.kind != V_ARR && a.kind != V_SET)
        return builtin_type_error(ctx, "flatten", 1, "an array", a);
    uint64_t total = 0;
    for (uint32_t k = 0; k < a.n; k++) {
        Value e = a.u.a[k];
        total += (e.kind == V_ARR || e.kind == V_SET) ? e.n : 1;
    }
    Value *items = builtin_new_values(ctx, "flatten", total);
    if (!items)
        return false;
    uint32_t o = 0;
    for (uint32_t k = 0; k < a.n; k++) {
        Value e = a.u.a[k];
        if (e.kind == V_ARR || e.kind == V_SET) {
            if (e.n)
                memcpy(items + o, e.u.a, (size_t)e.n * sizeof *items);
            o += e.n;
        } else {
            items[o++] = e;
        }
    }
    *out = builtin_arr(items, o);
    return true;
}

/* ---- objects ----------------------------------------------------------- */

/* merge(a, b, ...): shallow; for a key in several objects the rightmost
 * value wins, at the position where the key first appeared. */
static bool coll_merge(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "merge";
    BUILTIN_UNDEF_IN(args, argc, out);
    uint64_t total = 0;
    for (uint32_t k = 0; k < argc; k++) {
        if (args[k].kind != V_OBJ)
            return builtin_type_error(ctx, fn, k + 1, "an object", args[k]);
        total += args[k].n;
    }
    Member *ms = builtin_new_members(ctx, fn, total);
    CollIndex ix;
    if (!ms || !coll_index_init(ctx, fn, &ix, (uint32_t)total))
        return false;
    uint32_t n = 0;
    for (uint32_t k = 0; k < argc; k++) {
        for (uint32_t j = 0; j < args[k].n; j++) {
            const Member *m = &args[k].u.o[j];
            uint32_t slot, at = coll_index_find_key(&ix, ms, m, &slot);
            if (at != UINT32_MAX) {
                ms[at].val = m->val;
            } else {
                ms[n++] = *m;
                ix.slot[slot] = n;
            }
        }
    }
    *out = builtin_obj(ms, n);
    return true;
}

/* Follows a key (string) or path (array of strings / integer indexes)
 * into v; undefined when any step is missing. */
static bool coll_follow(BuiltinCtx *ctx, const char *fn, uint32_t argi, Value v, Value path,
                        Value *out)
{
    uint32_t steps = path.kind == V_ARR ? path.n : 1;
    for (uint32_t k = 0; k < steps; k++) {
        Value step = path.kind == V_ARR ? path.u.a[k] : path;
        if (step.kind == V_STR) {
            const Member *m = v.kind == V_OBJ ? value_get(v, step.u.s, step.n, 0) : NULL;
            if (!m) {
                *out = value_undef();
                return true;
            }
            v = m->val;
        } else if (step.kind == V_INT) {
            if (v.kind != V_ARR || step.u.i < 0 || step.u.i >= (int64_t)v.n) {
                *out = value_undef();
                return true;
            }
            v = v.u.a[step.u.i];
        } else {
            return builtin_type_error(ctx, fn, argi, "a key string or an array of keys", step);
        }
    }
    *out = v;
    return true;
}

/* object.get(obj, key_or_path, default): the value, or default when it is
 * missing (a present null is returned as null). */
static bool coll_object_get(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "object.get";
    if (args[0].kind == V_UNDEF) {
        *out = args[2];
        return true;
    }
    if (args[0].kind != V_OBJ)
        return builtin_type_error(ctx, fn, 1, "an object", args[0]);
    if (args[1].kind == V_UNDEF) {
        *out = value_undef();
        return true;
    }
    if (args[1].kind != V_STR && args[1].kind != V_ARR)
        return builtin_type_error(ctx, fn, 2, "a key string or an array of keys", args[1]);
    (void)argc;
    Value got;
    if (!coll_follow(ctx, fn, 2, args[0], args[1], &got))
        return false;
    *out = got.kind == V_UNDEF ? args[2] : got;
    return true;
}

/* object.remove(obj, keys): obj without the given key(s) (a string, or
 * an array/set of strings). */
static bool coll_object_remove(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "object.remove";
    BUILTIN_UNDEF_IN(args, argc, out);
    Value o = args[0], ks = args[1];
    if (o.kind != V_OBJ)
        return builtin_type_error(ctx, fn, 1, "an object", o);
    uint32_t nk = ks.kind == V_STR ? 1 : ks.n;
    const Value *kv = ks.kind == V_STR ? &args[1] : ks.u.a;
    if (ks.kind != V_STR && ks.kind != V_ARR && ks.kind != V_SET)
        return builtin_type_error(ctx, fn, 2, "a string or an array of strings", ks);
    for (uint32_t k = 0; k < nk; k++)
        if (kv[k].kind != V_STR)
            return builtin_error(ctx, "%s: key %u must be a string, got %s", fn, (unsigned)k,
                                 builtin_type_name(kv[k]));
    Member *ms = builtin_new_members(ctx, fn, o.n);
    if (!ms)
        return false;
    uint32_t n = 0;
    for (uint32_t j = 0; j < o.n; j++) {
        bool drop = false;
        for (uint32_t k = 0; k < nk && !drop; k++)
            drop = kv[k].n == o.u.o[j].klen && memcmp(kv[k].u.s, o.u.o[j].key, kv[k].n) == 0;
        if (!drop)
            ms[n++] = o.u.o[j];
    }
    *out = builtin_obj(ms, n);
    return true;
}

/* group_by(array_of_objects, key_or_path): {group: [elements...]} with
 * groups in first-appearance order; a string key value is the group name,
 * any other value its JSON text; elements without the key are left out. */
static bool coll_group_by(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "group_by";
    BUILTIN_UNDEF_IN(args, argc, out);
    Value a = args[0];
    if (a.kind != V_ARR && a.kind != V_SET)
        return builtin_type_error(ctx, fn, 1, "an array", a);
    if (args[1].kind != V_STR && args[1].kind != V_ARR)
        return builtin_type_error(ctx, fn, 2, "a key string or an array of keys", args[1]);
    Member *ms = builtin_new_members(ctx, fn, a.n);
    ValVec *groups = arena_zalloc(ctx->arena, (a.n ? a.n : 1) * sizeof(ValVec));
    CollIndex ix;
    if (!ms || !groups || !coll_index_init(ctx, fn, &ix, a.n))
        return groups ? false : builtin_oom(ctx, fn);
    uint32_t n = 0;
    for (uint32_t k = 0; k < a.n; k++) {
        Value key;
        if (!coll_follow(ctx, fn, 2, a.u.a[k], args[1], &key))
            return false;
        if (key.kind == V_UNDEF)
            continue;
        if (key.kind != V_STR) {
            Value text;
            if (!core_to_string(ctx, &key, 1, &text))
                return false;
            key = text;
        }
        Member probe = {key.u.s, key.n, 0, value_undef()};
        uint32_t slot, at = coll_index_find_key(&ix, ms, &probe, &slot);
        if (at == UINT32_MAX) {
            builtin_member_n(ctx, &ms[n], key.u.s, key.n, value_undef());
            at = n++;
            ix.slot[slot] = n;
        }
        if (!builtin_vec_push(ctx, fn, &groups[at], a.u.a[k]))
            return false;
    }
    for (uint32_t g = 0; g < n; g++)
        ms[g].val = builtin_arr(groups[g].items, (uint32_t)groups[g].n);
    *out = builtin_obj(ms, n);
    return true;
}

/* ---- set algebra ------------------------------------------------------- */

static bool coll_as_set(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, Value *set)
{
    Value v = args[i];
    if (v.kind == V_SET) {
        *set = v;
        return true;
    }
    if (v.kind != V_ARR)
        return builtin_type_error(ctx, fn, i + 1, "a set or array", v);
    *set = value_make_set(ctx->arena, v.u.a, v.n);
    return ctx->arena->failed ? builtin_oom(ctx, fn) : true;
}

/* Binary search in a set (sorted by value_compare). */
static bool coll_set_has(Value set, Value x)
{
    uint32_t lo = 0, hi = set.n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = value_compare(set.u.a[mid], x);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool coll_union(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    uint64_t total = 0;
    for (uint32_t k = 0; k < argc; k++) {
        if (args[k].kind != V_SET && args[k].kind != V_ARR)
            return builtin_type_error(ctx, "union", k + 1, "a set or array", args[k]);
        total += args[k].n;
    }
    Value *all = builtin_new_values(ctx, "union", total);
    if (!all)
        return false;
    uint32_t n = 0;
    for (uint32_t k = 0; k < argc; k++) {
        if (args[k].n)
            memcpy(all + n, args[k].u.a, (size_t)args[k].n * sizeof *all);
        n += args[k].n;
    }
    *out = value_make_set(ctx->arena, all, n);
    return ctx->arena->failed ? builtin_oom(ctx, "union") : true;
}

/* intersection(a, b, ...) and difference(a, b): elements of the first set
 * kept when in every other one (intersection) / in none (difference). */
static bool coll_filter_sets(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                             bool keep_if_in, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Value first;
    if (!coll_as_set(ctx, fn, args, 0, &first))
        return false;
    Value *others = builtin_new_values(ctx, fn, argc);
    if (!others)
        return false;
    for (uint32_t k = 1; k < argc; k++)
        if (!coll_as_set(ctx, fn, args, k, &others[k]))
            return false;
    Value *items = builtin_new_values(ctx, fn, first.n);
    if (!items)
        return false;
    uint32_t n = 0;
    for (uint32_t j = 0; j < first.n; j++) {
        bool keep = true;
        for (uint32_t k = 1; k < argc && keep; k++)
            keep = coll_set_has(others[k], first.u.a[j]) == keep_if_in;
        if (keep)
            items[n++] = first.u.a[j];
    }
    Value s = builtin_arr(items, n); /* already sorted and unique */
    s.kind = V_SET;
    *out = s;
    return true;
}

static bool coll_intersection(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return coll_filter_sets(ctx, "intersection", args, argc, true, out);
}

static bool coll_difference(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    return coll_filter_sets(ctx, "difference", args, argc, false, out);
}

/* ---- arrays ------------------------------------------------------------ */

static bool coll_array_concat(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    uint64_t total = 0;
    for (uint32_t k = 0; k < argc; k++) {
        if (args[k].kind != V_ARR && args[k].kind != V_SET)
            return builtin_type_error(ctx, "array.concat", k + 1, "an array", args[k]);
        total += args[k].n;
    }
    Value *items = builtin_new_values(ctx, "array.concat", total);
    if (!items)
        return false;
    uint32_t n = 0;
    for (uint32_t k = 0; k < argc; k++) {
        if (args[k].n)
            memcpy(items + n, args[k].u.a, (size_t)args[k].n * sizeof *items);
        n += args[k].n;
    }
    *out = builtin_arr(items, n);
    return true;
}

/* array.slice(a, start, end?): elements start..end-1; negative positions
 * count from the end (Python's rule), and both are clamped to the array. */
static bool coll_array_slice(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "array.slice";
    BUILTIN_UNDEF_IN(args, argc, out);
    Value a = args[0];
    if (a.kind != V_ARR && a.kind != V_SET)
        return builtin_type_error(ctx, fn, 1, "an array", a);
    int64_t start, end = a.n;
    if (!builtin_int_arg(ctx, fn, args, 1, &start) ||
        (argc > 2 && !builtin_int_arg(ctx, fn, args, 2, &end)))
        return false;
    int64_t n = a.n;
    if (start < 0)
        start = start < -n ? 0 : start + n;
    if (end < 0)
        end = end < -n ? 0 : end + n;
    if (start > n)
        start = n;
    if (end > n)
        end = n;
    if (end < start)
        end = start;
    *out = builtin_arr(a.u.a ? a.u.a + start : NULL, (uint32_t)(end - start));
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_collections_defs[] = {
    {"array.concat", 1, 255, P, coll_array_concat, "array.concat(a, b, ...) -> array"},
    {"array.slice", 2, 3, P, coll_array_slice, "array.slice(a, start, end?) -> array"},
    {"difference", 2, 2, P, coll_difference, "difference(a, b) -> set"},
    {"flatten", 1, 1, P, coll_flatten, "flatten(array) -> array"},
    {"group_by", 2, 2, P, coll_group_by, "group_by(array, key_or_path) -> object"},
    {"intersection", 1, 255, P, coll_intersection, "intersection(a, b, ...) -> set"},
    {"keys", 1, 1, P, coll_keys, "keys(object) -> array"},
    {"merge", 1, 255, P, coll_merge, "merge(a, b, ...) -> object"},
    {"object.get", 3, 3, P, coll_object_get, "object.get(obj, key_or_path, default) -> any"},
    {"object.remove", 2, 2, P, coll_object_remove, "object.remove(obj, keys) -> object"},
    {"reverse", 1, 1, P, coll_reverse, "reverse(array_or_string) -> array"},
    {"sort", 1, 1, P, coll_sort, "sort(array) -> array"},
    {"union", 1, 255, P, coll_union, "union(a, b, ...) -> set"},
    {"unique", 1, 1, P, coll_unique, "unique(array) -> array"},
    {"values", 1, 1, P, coll_values, "values(object) -> array"},
};
const size_t builtins_collections_ndefs = BUILTIN_NELEMS(builtins_collections_defs);
