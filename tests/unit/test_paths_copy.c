/* test_paths_copy.c — the pieces of mixed streaming in paths.c: the path
 * analysis rooted at some rules (paths_analyze_rules), the coverage test
 * between two trees (paths_covers) and the projected copy of a value
 * (paths_copy); and the precision of the analysis that mixed streaming
 * relies on to keep little of each entry (flatten, joined arrays, the
 * fields of tf.normalise_all read only when read).
 *
 * The copy is checked against the projecting reader: a document read with
 * the whole program's projection and copied with a subset's tree must be
 * the document read with the subset's tree, byte for byte, for every
 * subset of the rules; the copy keeps taint flags, depends on neither the
 * arena nor the buffer it was made from (checked by overwriting and
 * freeing both), shares interned key texts, and leaves out the masks only
 * tainting reads when asked to.
 */
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "compile_testlib.h"
#include "gate/paths.h"
#include "harness.h"
#include "input/json_read.h"
#include "input/taint.h"
#include "veto.h"
#include "vm/program.h"

static veto_engine *engine;

static veto_program *compile(const char *src) { return testlib_compile(engine, "copy.veto", src); }

/* Five rules reading different parts of each entry, and the root. */
static const char policy_src[] =
    "policy copy.a\n"
    "  kind: plan\n"
    "deny for r in input.resource_changes\n"
    "  when r.type == \"aws_s3_bucket\"\n"
    "  message \"${r.address}\"\n"
    "deny when count(input.resource_changes) > 1\n"
    "  message \"${input.resource_changes[1].change.after.name}\"\n"
    "policy copy.b\n"
    "  kind: plan\n"
    "deny for r in input.resource_changes\n"
    "  when r.change.after.password == \"x\"\n"
    "  message \"${r.change.after.password} ${input.variables.env}\"\n"
    "warn when any r in input.resource_changes: \"delete\" in "
    "r.change.actions\n"
    "  message \"${json.encode(input.resource_changes[0].change.before)}\"\n"
    "deny for r in input.resource_changes\n"
    "  when r.change.after.rules[0].port == 22\n"
    "  message \"${r.name}\"\n";

/* Entries with escaped strings (unescaped into the arena), a secret, keys
 * no policy names, nested arrays, and one that is not an object. */
static const char doc_src[] =
    "{\"variables\":{\"env\":\"prod\",\"other\":1},\"planned_values\":{\"big\":[1,2,3]},"
    "\"resource_changes\":["
    "{\"address\":\"aws_s3_bucket.\\u0061\",\"type\":\"aws_s3_bucket\",\"name\":\"a\","
    "\"change\":{\"actions\":[\"create\"],\"before\":null,\"after\":{\"name\":\"n\\\"1\","
    "\"password\":\"hunter2\",\"tags\":{\"x\":[1,{\"y\":2}]},"
    "\"rules\":[{\"port\":22,\"cidr\":\"0.0.0.0/0\"},{\"port\":[80],\"x\":{}},5]},"
    "\"after_sensitive\":{\"password\":true},\"before_sensitive\":false}},"
    "{\"address\":\"aws_db.b\",\"type\":\"aws_db\",\"name\":\"b\",\"extra\":{\"k\":[1,2]},"
    "\"change\":{\"actions\":[\"delete\",\"create\"],\"before\":{\"p\":[1,\"\\n\"],\"q\":true},"
    "\"after\":{\"name\":\"n2\",\"password\":\"x\",\"big\":12345678901234567890123}}},"
    "7,"
    "{\"address\":\"c\",\"change\":{\"actions\":[],\"after\":null}}"
    "]}";

static char *write_value(Value v, unsigned flags)
{
    Buf b = BUF_INIT;
    json_write(&b, v, flags | JSON_SORT_KEYS);
    return buf_take(&b);
}

static const PathNode *entry_node(const PathNode *root)
{
    static const PathNode whole = {.whole = 1};
    const PathNode *rc = paths_child(root, "resource_changes", 16, 0);
    if (!rc)
        return NULL;
    return rc->whole ? &whole : paths_elem(rc);
}

/* Reads doc_src with the projection of `proj` (NULL: all of it) into a,
 * its entries tainted as taint_plan taints them; root in *out. */
static bool read_doc(Arena *a, char *buf, const PathNode *proj, Value *out)
{
    JsonReadOptions jo = {0, engine->keys};
    JsonError err;
    if (proj ? !json_read_projected(a, buf, strlen(buf), &jo, proj, out, &err)
             : !json_read(a, buf, strlen(buf), &jo, out, &err))
        return false;
    taint_plan(a, out);
    return !a->failed;
}

/* For every subset of the program's rules: read with the whole program's
 * projection (or without one), copy each entry with the subset's entry
 * node, compare with the entries read with the subset's projection. */
static void check_subsets(bool projected)
{
    veto_program *p = compile(policy_src);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_INT(p->nrules, 5);
    PathTree *all = paths_analyze(p);
    CHECK(all != NULL && !all->root->whole);
    for (uint32_t set = 1; all && set < (1u << p->nrules); set++) {
        uint8_t mask[5] = {0};
        for (uint32_t r = 0; r < p->nrules; r++)
            mask[r] = (set >> r) & 1;
        PathTree *sub = paths_analyze_rules(p, mask);
        CHECK(sub != NULL);
        if (!sub)
            continue;
        CHECK(paths_covers(all->root, sub->root));
        Arena big, small, copy;
        arena_init(&big, 4096);
        arena_init(&small, 4096);
        arena_init(&copy, 4096);
        char *buf1 = strdup(doc_src), *buf2 = strdup(doc_src);
        Value vb, vs;
        CHECK(read_doc(&big, buf1, projected ? all->root : NULL, &vb));
        CHECK(read_doc(&small, buf2, sub->root, &vs));
        const Member *rb = value_get(vb, "resource_changes", 16, 0);
        const Member *rs = value_get(vs, "resource_changes", 16, 0);
        const PathNode *en = entry_node(sub->root);
        /* every rule reads resource_changes (a loop, count, any, index) */
        CHECK(rb && rs && en);
        if (rb && rs && en) {
            CHECK_INT(rb->val.n, 4);
            CHECK_INT(rs->val.n, 4);
            Value *items = calloc(rb->val.n, sizeof *items);
            for (uint32_t i = 0; i < rb->val.n; i++)
                CHECK(paths_copy(&copy, rb->val.u.a[i], en, true, engine->keys, &items[i]));
            Value got = rb->val;
            got.u.a = items;
            /* what the subset reads is independent of the buffer and the
             * arena it was copied from */
            char *want = write_value(rs->val, JSON_REDACT);
            char *want_raw = write_value(rs->val, 0);
            memset(buf1, 'x', strlen(buf1));
            arena_free(&big);
            char *have = write_value(got, JSON_REDACT);
            char *have_raw = write_value(got, 0);
            CHECK_STR(have, want);
            CHECK_STR(have_raw, want_raw);
            if (strcmp(have, want) != 0)
                fprintf(stderr, "    rule set %u\n", set);
            free(want);
            free(want_raw);
            free(have);
            free(have_raw);
            free(items);
        } else {
            arena_free(&big);
        }
        arena_free(&small);
        arena_free(&copy);
        free(buf1);
        free(buf2);
        paths_free(sub);
    }
    paths_free(all);
    veto_program_free(p);
}

TEST(copy_is_the_projected_read) { check_subsets(true); }
TEST(copy_of_the_whole_is_the_projected_read) { check_subsets(false); }

/* The copy keeps taint flags, shares interned keys, and without masks
 * drops exactly the mask members no rule reads. */
TEST(copy_flags_keys_masks)
{
    veto_program *p = compile(policy_src);
    PathTree *all = p ? paths_analyze(p) : NULL;
    CHECK(all != NULL);
    if (!all) {
        veto_program_free(p);
        return;
    }
    Arena a, c;
    arena_init(&a, 4096);
    arena_init(&c, 4096);
    char *buf = strdup(doc_src);
    Value root;
    CHECK(read_doc(&a, buf, all->root, &root));
    const Member *rc = value_get(root, "resource_changes", 16, 0);
    const PathNode *en = entry_node(all->root);
    CHECK(rc && rc->val.kind == V_ARR && en);
    if (rc && en) {
        Value e = rc->val.u.a[0], with, without;
        CHECK(paths_copy(&c, e, en, true, engine->keys, &with));
        CHECK(paths_copy(&c, e, en, false, engine->keys, &without));
        const Member *ch = value_get(with, "change", 6, 0);
        const Member *after = ch ? value_get(ch->val, "after", 5, 0) : NULL;
        const Member *pw = after ? value_get(after->val, "password", 8, 0) : NULL;
        CHECK(pw && pw->val.kind == V_STR && (pw->val.flags & VF_SENSITIVE));
        CHECK(ch && value_get(ch->val, "after_sensitive", 15, 0) != NULL);
        /* interned keys ("change" is one: the policy names it) point at
         * the key table's text */
        uint32_t kid = keys_lookup(engine->keys, "change", 6);
        uint32_t klen = 0;
        const char *kt = keys_text(engine->keys, kid, &klen);
        const Member *cm = NULL;
        for (uint32_t i = 0; i < with.n; i++)
            if (with.u.o[i].klen == 6 && memcmp(with.u.o[i].key, "change", 6) == 0)
                cm = &with.u.o[i];
        CHECK(kid != 0 && cm && cm->key == kt && klen == 6);
        /* without masks: the same but after_sensitive/before_sensitive */
        const Member *ch2 = value_get(without, "change", 6, 0);
        CHECK(ch2 && !value_get(ch2->val, "after_sensitive", 15, 0) &&
              !value_get(ch2->val, "before_sensitive", 16, 0));
        CHECK(ch2 && value_get(ch2->val, "after", 5, 0) && value_get(ch2->val, "actions", 7, 0));
        CHECK(ch2 && ch && ch2->val.n + 2 == ch->val.n);
        /* a node n NULL copies nothing */
        Value none;
        CHECK(paths_copy(&c, e, NULL, true, NULL, &none) && none.kind == V_UNDEF);
    }
    arena_free(&a);
    arena_free(&c);
    free(buf);
    paths_free(all);
    veto_program_free(p);
}

/* A mask a rule iterates over (every member of change) is no mask. */
TEST(masks_read_by_rules_are_kept)
{
    veto_program *p = compile("policy m.m\n"
                              "  kind: plan\n"
                              "deny for r in input.resource_changes\n"
                              "  when count([k for k, v in r.change]) > 3\n"
                              "  message \"${r.address}\"\n");
    PathTree *t = p ? paths_analyze(p) : NULL;
    CHECK(t != NULL);
    const PathNode *en = t ? entry_node(t->root) : NULL;
    const PathNode *ch = en ? paths_child(en, "change", 6, 0) : NULL;
    const PathNode *m = ch ? paths_child(ch, "after_sensitive", 15, 0) : NULL;
    CHECK(m != NULL && !m->mask);
    const PathNode *mm = en ? paths_child(en, "after_sensitive", 15, 0) : NULL;
    CHECK(mm != NULL && mm->mask); /* beside the entry: there only for tainting */
    paths_free(t);
    veto_program_free(p);
}

/* Too deep a value is refused, not a stack overflow. */
TEST(copy_depth_limit)
{
    Arena a;
    arena_init(&a, 4096);
    static const PathNode whole = {.whole = 1};
    Value v = value_int(1);
    for (int i = 0; i < 1100; i++) {
        Value *box = arena_alloc(&a, sizeof *box);
        *box = v;
        v = value_undef();
        v.kind = V_ARR;
        v.n = 1;
        v.u.a = box;
    }
    Value out;
    CHECK(!paths_copy(&a, v, &whole, true, NULL, &out));
    Value shallow = v;
    for (int i = 0; i < 200; i++)
        shallow = shallow.u.a[0];
    CHECK(paths_copy(&a, shallow, &whole, true, NULL, &out) && out.kind == V_ARR);
    arena_free(&a);
}

/* paths_covers on hand-made trees. */
TEST(covers)
{
    PathNode whole = {.whole = 1}, empty = {0};
    PathNode ka = {.key = "a", .klen = 1}, kb = {.key = "b", .klen = 1};
    PathNode *kids_ab[] = {&ka, &kb}, *kids_a[] = {&ka};
    PathNode ab = {.kids = kids_ab, .nkids = 2}, a = {.kids = kids_a, .nkids = 1};
    PathNode star = {.star = &empty};
    PathNode ew = {.elems_whole = 1};
    CHECK(paths_covers(&whole, &ab));
    CHECK(paths_covers(&ab, &a));
    CHECK(!paths_covers(&a, &ab));
    CHECK(paths_covers(&star, &ab)); /* [*] keeps every member */
    CHECK(!paths_covers(&ab, &star));
    CHECK(!paths_covers(&ab, &whole));
    CHECK(paths_covers(&ab, NULL));
    CHECK(!paths_covers(NULL, &a));
    CHECK(!paths_covers(&star, &ew)); /* elements kept, but not whole */
    CHECK(!paths_covers(&ew, &star)); /* an object's members: none */
    PathNode ewstar = {.elems_whole = 1, .star = &empty}, starwhole = {.star = &whole};
    CHECK(paths_covers(&ewstar, &star) && paths_covers(&ewstar, &ew));
    CHECK(paths_covers(&starwhole, &ew)); /* every element whole */
}

/* flatten and + of built arrays read nothing whole: a Kubernetes-style
 * walk over the input keeps the paths it reads, not the whole input. */
TEST(flatten_and_join_are_precise)
{
    veto_program *p = compile("policy f.f\n"
                              "  kind: plan\n"
                              "func docs() = if is_array(input) then input else [input]\n"
                              "func items(d) = [i for i in d.items ?? []] + [d]\n"
                              "deny for o in flatten([items(d) for d in docs()])\n"
                              "  when o.kind == \"Pod\"\n"
                              "  message \"${o.metadata.name}\"\n");
    PathTree *t = p ? paths_analyze(p) : NULL;
    CHECK(t != NULL && !t->root->whole);
    const PathNode *kind = t ? paths_child(t->root, "kind", 4, 0) : NULL;
    CHECK(kind && kind->whole);
    const PathNode *rc = t ? paths_child(t->root, "resource_changes", 16, 0) : NULL;
    /* every member of an array input is a document: [*] at the root, its
     * elements not whole */
    CHECK(rc && !rc->whole);
    char *desc = t ? paths_describe(t) : NULL;
    CHECK(desc && strstr(desc, "items[*].metadata.name = whole"));
    free(desc);
    paths_free(t);
    veto_program_free(p);
}

/* tf.normalise_all's fields are read from the input only when a rule
 * reads them from the normalised objects — or all of them, when a rule
 * reads an object whole. */
static const PathNode *entry_field(const PathTree *t, const char *key)
{
    const PathNode *en = t ? entry_node(t->root) : NULL;
    return en ? paths_child(en, key, (uint32_t)strlen(key), 0) : NULL;
}

TEST(normalise_reads_what_is_read)
{
    veto_program *p = compile("use tf\n"
                              "policy n.n\n"
                              "  kind: plan\n"
                              "deny for r in tf.with_actions([\"create\"])\n"
                              "  when r.after.acl == \"public-read\"\n"
                              "  message \"${r.address}\"\n");
    PathTree *t = p ? paths_analyze(p) : NULL;
    CHECK(t != NULL && !t->root->whole);
    CHECK(entry_field(t, "address") != NULL);
    CHECK(entry_field(t, "mode") != NULL); /* tf's `managed` reads it */
    const PathNode *ch = entry_field(t, "change");
    CHECK(ch && paths_child(ch, "after", 5, 0) && paths_child(ch, "actions", 7, 0));
    CHECK(entry_field(t, "name") == NULL);
    CHECK(entry_field(t, "provider_name") == NULL);
    CHECK(ch && paths_child(ch, "before", 6, 0) == NULL);
    paths_free(t);
    veto_program_free(p);

    p = compile("use tf\n"
                "policy n.w\n"
                "  kind: plan\n"
                "deny for r in tf.with_actions([\"create\"])\n"
                "  when r.type == \"x\"\n"
                "  message \"${json.encode(r)}\"\n");
    t = p ? paths_analyze(p) : NULL;
    CHECK(t != NULL);
    const PathNode *name = entry_field(t, "name");
    ch = entry_field(t, "change");
    const PathNode *before = ch ? paths_child(ch, "before", 6, 0) : NULL;
    CHECK(name && name->whole && before && before->whole);
    paths_free(t);
    veto_program_free(p);
}

int main(void)
{
    engine = veto_engine_new();
    RUN(copy_is_the_projected_read);
    RUN(copy_of_the_whole_is_the_projected_read);
    RUN(copy_flags_keys_masks);
    RUN(masks_read_by_rules_are_kept);
    RUN(copy_depth_limit);
    RUN(covers);
    RUN(flatten_and_join_are_precise);
    RUN(normalise_reads_what_is_read);
    veto_engine_free(engine);
    return harness_done();
}
