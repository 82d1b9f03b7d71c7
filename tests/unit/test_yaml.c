/* test_yaml.c — engine/input/yaml_read.c, engine/input/input_kind.c and the YAML side
 * of engine/input/doc.c.
 *
 * Scalars by the YAML 1.2 core schema, tags (core, CloudFormation, unknown),
 * multi-document streams, anchors/aliases/merge keys, exact "line:col:
 * message" errors, the alias-expansion bound (billion laughs) and the depth
 * bound, duplicate keys, key-id tagging, Kubernetes manifests, format and
 * input-kind detection through the public API.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "harness.h"
#include "input/json_read.h"
#include "input/yaml_read.h"
#include "veto.h"
#include "vm/value.h"

/* ---- helpers ----------------------------------------------------------- */

static Arena g_arena;
static char g_out[16384];
static uint32_t g_ndocs;

/* Reads YAML and writes the result as compact JSON into g_out; on an error
 * g_out holds "ERR line:col: message". */
static const char *yr_opt(const char *in, const YamlReadOptions *opt)
{
    arena_reset(&g_arena);
    Value v;
    YamlError e;
    if (!yaml_read(&g_arena, in, strlen(in), opt, &v, &g_ndocs, &e)) {
        snprintf(g_out, sizeof g_out, "ERR %u:%u: %s", (unsigned)e.line, (unsigned)e.col,
                 e.message);
        return g_out;
    }
    Buf b = BUF_INIT;
    json_write(&b, v, 0);
    snprintf(g_out, sizeof g_out, "%s", b.p ? b.p : "");
    buf_free(&b);
    return g_out;
}

static const char *yr(const char *in) { return yr_opt(in, NULL); }

static Value yv(const char *in)
{
    arena_reset(&g_arena);
    Value v;
    YamlError e;
    if (!yaml_read(&g_arena, in, strlen(in), NULL, &v, &g_ndocs, &e))
        return value_undef();
    return v;
}

/* ---- scalars ----------------------------------------------------------- */

TEST(core_schema_nulls_and_bools)
{
    CHECK_STR(yr("[null, Null, NULL, ~, ]"), "[null,null,null,null]");
    CHECK_STR(yr("a:\nb: ~"), "{\"a\":null,\"b\":null}");
    CHECK_STR(yr("[true, True, TRUE, false, False, FALSE]"), "[true,true,true,false,false,false]");
    /* YAML 1.1 booleans are strings in 1.2 */
    CHECK_STR(yr("[yes, no, on, off, y, n, tRUE, nULL]"),
              "[\"yes\",\"no\",\"on\",\"off\",\"y\",\"n\",\"tRUE\",\"nULL\"]");
}

TEST(core_schema_ints)
{
    CHECK_STR(yr("[0, -12, +12, 007, 0o17, 0x1F, 0xff, 0o0]"), "[0,-12,12,7,15,31,255,0]");
    CHECK_STR(yr("[9223372036854775807, -9223372036854775808]"),
              "[9223372036854775807,-9223372036854775808]");
    Value v = yv("99999999999999999999");
    CHECK_INT(v.kind, V_BIGNUM);
    CHECK_STR(yr("[99999999999999999999, -00099999999999999999999]"),
              "[99999999999999999999,-99999999999999999999]");
    CHECK_STR(yr("x: 0x1FFFFFFFFFFFFFFFF"),
              "ERR 1:4: integer 0x1FFFFFFFFFFFFFFFF does not fit in 64 bits");
    /* not core-schema ints: strings */
    CHECK_STR(yr("[1_000, 0x, 0o8, 0b101, 12:30, 1,2]"),
              "[\"1_000\",\"0x\",\"0o8\",\"0b101\",\"12:30\",1,2]");
    CHECK_STR(yr("[0X1F, 0O17, -0x1F]"), "[\"0X1F\",\"0O17\",\"-0x1F\"]");
}

TEST(core_schema_floats)
{
    CHECK_STR(yr("[1.5, -2.0, 1e3, 1E-2, .5, 5., +1.25, -.5e1]"),
              "[1.5,-2.0,1000.0,0.01,0.5,5.0,1.25,-5.0]");
    Value v = yv("[.inf, -.inf, .NaN, .Inf, +.INF]");
    CHECK_INT(v.kind, V_ARR);
    CHECK_INT(v.n, 5);
    CHECK(v.u.a[0].kind == V_FLOAT && v.u.a[0].u.f > 1e308);
    CHECK(v.u.a[1].kind == V_FLOAT && v.u.a[1].u.f < -1e308);
    CHECK(v.u.a[2].kind == V_FLOAT && v.u.a[2].u.f != v.u.a[2].u.f);
    CHECK(v.u.a[4].kind == V_FLOAT && v.u.a[4].u.f > 1e308);
    CHECK_STR(yr("[1.2.3, ., e3, 1e, .inff, -.nan, 1.0.0]"),
              "[\"1.2.3\",\".\",\"e3\",\"1e\",\".inff\",\"-.nan\",\"1.0.0\"]");
}

TEST(quoted_and_block_scalars_are_strings)
{
    CHECK_STR(yr("['true', \"1\", 'null', \"\", '']"), "[\"true\",\"1\",\"null\",\"\",\"\"]");
    CHECK_STR(yr("a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\nc: |-\n  12\n"),
              "{\"a\":\"line 1\\nline 2\\n\",\"b\":\"folded text\\n\",\"c\":\"12\"}");
    CHECK_STR(yr("\"tab\\there \\u00e9 \\x41\""), "\"tab\\there é A\"");
    CHECK_STR(yr("plain text with spaces"), "\"plain text with spaces\"");
    CHECK_STR(yr("s: \"\\0nul\""), "{\"s\":\"\\u0000nul\"}");
}

/* ---- tags -------------------------------------------------------------- */

TEST(core_tags)
{
    CHECK_STR(yr("[!!str 123, !!str true, !!str ~, !!int \"42\", !!float 3, !!float '1.5', "
                 "!!bool 'false', !!null '']"),
              "[\"123\",\"true\",\"~\",42,3.0,1.5,false,null]");
    CHECK_STR(yr("a: !!int abc"), "ERR 1:4: 'abc' is not an !!int");
    CHECK_STR(yr("a: !!bool yes"), "ERR 1:4: 'yes' is not a !!bool");
    CHECK_STR(yr("a: !!float x1"), "ERR 1:4: 'x1' is not a !!float");
    CHECK_STR(yr("a: !!null 0"), "ERR 1:4: '0' is not a !!null");
    CHECK_STR(yr("a: !!map [1]"), "ERR 1:4: !!map tag on a sequence");
    CHECK_STR(yr("a: !!seq {b: 1}"), "ERR 1:4: !!seq tag on a mapping");
    CHECK_STR(yr("a: !!map x"), "ERR 1:4: !!map tag on a scalar");
    CHECK_STR(yr("a: !!str [1]"), "ERR 1:4: !!str tag on a sequence");
    CHECK_STR(yr("!!map {a: !!seq [1]}"), "{\"a\":[1]}");
    CHECK_STR(yr("%TAG !e! tag:example.com,2000:\n---\n[!e!x 1, !!binary aGk=, "
                 "!!timestamp 2001-12-14, !local 12, ! 7]"),
              "[\"1\",\"aGk=\",\"2001-12-14\",\"12\",\"7\"]");
    CHECK_STR(yr("!custom {a: 1}"), "{\"a\":1}");
}

TEST(cloudformation_short_tags)
{
    CHECK_STR(yr("a: !Ref Bucket"), "{\"a\":{\"Ref\":\"Bucket\"}}");
    CHECK_STR(yr("a: !GetAtt Role.Arn"), "{\"a\":{\"Fn::GetAtt\":[\"Role\",\"Arn\"]}}");
    CHECK_STR(yr("a: !GetAtt [Role, Arn]"), "{\"a\":{\"Fn::GetAtt\":[\"Role\",\"Arn\"]}}");
    CHECK_STR(yr("a: !Sub '${AWS::Region}-x'"), "{\"a\":{\"Fn::Sub\":\"${AWS::Region}-x\"}}");
    CHECK_STR(yr("a: !If [c, !Ref x, !Ref y]"),
              "{\"a\":{\"Fn::If\":[\"c\",{\"Ref\":\"x\"},{\"Ref\":\"y\"}]}}");
    CHECK_STR(yr("a: !Condition IsProd"), "{\"a\":{\"Condition\":\"IsProd\"}}");
    CHECK_STR(yr("!Ref k: 1"), "ERR 1:1: a !Ref tag cannot be used on a key");
}

/* ---- documents --------------------------------------------------------- */

TEST(multi_document_streams)
{
    CHECK_STR(yr("a: 1\n---\nb: 2\n---\n- 3\n"), "[{\"a\":1},{\"b\":2},[3]]");
    CHECK_INT(g_ndocs, 3);
    CHECK_STR(yr("---\na: 1\n"), "{\"a\":1}");
    CHECK_INT(g_ndocs, 1);
    /* empty documents (a leading/trailing ---, or between) are skipped */
    CHECK_STR(yr("---\na: 1\n---\n---\nb: 2\n---\n"), "[{\"a\":1},{\"b\":2}]");
    CHECK_INT(g_ndocs, 2);
    /* an explicit null document is kept */
    CHECK_STR(yr("a: 1\n--- ~\n"), "[{\"a\":1},null]");
    CHECK_STR(yr("a: 1\n...\n---\nb: 2\n...\n"), "[{\"a\":1},{\"b\":2}]");
    CHECK_STR(yr(""), "null");
    CHECK_INT(g_ndocs, 0);
    CHECK_STR(yr("# only a comment\n\n"), "null");
    CHECK_INT(g_ndocs, 0);
    YamlReadOptions all = {0, 0, NULL, true};
    CHECK_STR(yr_opt("a: 1\n", &all), "[{\"a\":1}]");
    CHECK_STR(yr_opt("", &all), "[]");
    /* anchors do not cross documents */
    CHECK_STR(yr("a: &x 1\n---\nb: *x\n"), "ERR 3:4: alias *x names no anchor defined before it");
}

/* ---- anchors, aliases, merge keys -------------------------------------- */

TEST(anchors_and_aliases)
{
    CHECK_STR(yr("base: &b {x: 1, y: [2, 3]}\ncopy: *b\nlist: [*b, *b]\n"),
              "{\"base\":{\"x\":1,\"y\":[2,3]},\"copy\":{\"x\":1,\"y\":[2,3]},"
              "\"list\":[{\"x\":1,\"y\":[2,3]},{\"x\":1,\"y\":[2,3]}]}");
    /* an alias shares the anchored value */
    Value v = yv("a: &s [1]\nb: *s\n");
    CHECK(v.kind == V_OBJ && v.u.o[0].val.u.a == v.u.o[1].val.u.a);
    CHECK_STR(yr("&k key: v\n*k : w\n"),
              "ERR 2:1: duplicate key 'key' (first at line 1, column 1)");
    CHECK_STR(yr("a: &k name\n*k : w\n"), "{\"a\":\"name\",\"name\":\"w\"}");
    CHECK_STR(yr("a: &n 12\nb: *n\n"), "{\"a\":12,\"b\":12}");
    CHECK_STR(yr("a: &x 1\nb: &x 2\nc: *x\n"), "{\"a\":1,\"b\":2,\"c\":2}");
    CHECK_STR(yr("a: *nope\n"), "ERR 1:4: alias *nope names no anchor defined before it");
    CHECK_STR(yr("a: &r [1, *r]\n"), "ERR 1:11: alias *r refers to a node that contains it");
    CHECK_STR(yr("a: &m {x: 1}\n*m : 2\n"),
              "ERR 2:1: alias *m used as a key is not a scalar (keys must be scalars)");
}

TEST(merge_keys)
{
    CHECK_STR(yr("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  z: 4\n"),
              "{\"base\":{\"x\":1,\"y\":2},\"d\":{\"x\":1,\"y\":3,\"z\":4}}");
    /* explicit keys win wherever they stand; merged keys go where << is */
    CHECK_STR(yr("b: &b {x: 1, y: 2}\nd: {y: 0, <<: *b, w: 9}\n"),
              "{\"b\":{\"x\":1,\"y\":2},\"d\":{\"y\":0,\"x\":1,\"w\":9}}");
    /* a sequence of mappings: the first that has a key wins */
    CHECK_STR(yr("a: &a {k: a, p: 1}\nb: &b {k: b, q: 2}\nd:\n  <<: [*a, *b]\n"),
              "{\"a\":{\"k\":\"a\",\"p\":1},\"b\":{\"k\":\"b\",\"q\":2},"
              "\"d\":{\"k\":\"a\",\"p\":1,\"q\":2}}");
    CHECK_STR(yr("d:\n  <<: {x: 1}\n  <<: {x: 2, y: 2}\n"), "{\"d\":{\"x\":1,\"y\":2}}");
    CHECK_STR(yr("d: {'<<': 1, \"<<\": 2}"),
              "ERR 1:14: duplicate key '<<' (first at line 1, column 5)");
    CHECK_STR(yr("d: {'<<': 1}"), "{\"d\":{\"<<\":1}}");
    CHECK_STR(yr("d:\n  <<: 1\n"),
              "ERR 2:7: the value of the merge key '<<' must be a mapping or a sequence of "
              "mappings");
    CHECK_STR(yr("d:\n  <<: [{a: 1}, 2]\n"),
              "ERR 2:7: the value of the merge key '<<' must be a mapping or a sequence of "
              "mappings");
    CHECK_STR(yr("d: {<<: {}, a: 1}"), "{\"d\":{\"a\":1}}");
    /* a GitLab-CI-like file */
    CHECK_STR(yr(".defaults: &defaults\n  image: alpine:3.19\n  tags: [docker]\n"
                 "build:\n  <<: *defaults\n  script: [make]\n"
                 "test:\n  <<: *defaults\n  image: alpine:edge\n"),
              "{\".defaults\":{\"image\":\"alpine:3.19\",\"tags\":[\"docker\"]},"
              "\"build\":{\"image\":\"alpine:3.19\",\"tags\":[\"docker\"],\"script\":[\"make\"]},"
              "\"test\":{\"tags\":[\"docker\"],\"image\":\"alpine:edge\"}}");
}

/* ---- limits -------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(billion_laughs)
{
    const char *bomb =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    double t0 = now_seconds();
    CHECK_STR(yr(bomb), "ERR 7:8: aliases expand to more than 1000000 nodes (a \"billion "
                        "laughs\" document?)");
    CHECK(now_seconds() - t0 < 1.0);
    /* the bound is configurable, and a document under it loads */
    YamlReadOptions small = {0, 100, NULL, false};
    CHECK_STR(yr_opt("a: &a [1, 2, 3]\nb: [*a, *a]\n", &small),
              "{\"a\":[1,2,3],\"b\":[[1,2,3],[1,2,3]]}");
    CHECK_STR(yr_opt("a: &a [1,2,3,4,5,6,7,8,9]\nb: [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n", &small),
              "ERR 2:35: aliases expand to more than 100 nodes (a \"billion laughs\" document?)");
    /* merge keys count too */
    CHECK_STR(yr_opt("a: &a {x: 1, y: 2, z: 3}\nb: [{<<: *a}, {<<: *a}, {<<: *a}, {<<: *a}, "
                     "{<<: *a}, {<<: *a}, {<<: *a}, {<<: *a}, {<<: *a}, {<<: *a}, {<<: *a}, "
                     "{<<: *a}, {<<: *a}, {<<: *a}, {<<: *a}]\n",
                     &small),
              "ERR 2:150: aliases expand to more than 100 nodes (a \"billion laughs\" "
              "document?)");
}

static char *nested(const char *open, const char *close, int depth)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc((size_t)depth * (lo + lc) + 2);
    size_t o = 0;
    for (int i = 0; i < depth; i++, o += lo)
        memcpy(s + o, open, lo);
    s[o++] = '1';
    for (int i = 0; i < depth; i++, o += lc)
        memcpy(s + o, close, lc);
    s[o] = '\0';
    return s;
}

TEST(depth_bound)
{
    char *ok = nested("[", "]", 512);
    char *deep = nested("[", "]", 513);
    char *huge = nested("{a: ", "}", 100000);
    CHECK(strncmp(yr(ok), "[[[", 3) == 0);
    CHECK_STR(yr(deep), "ERR 1:513: nesting deeper than 512 levels");
    CHECK_STR(yr(huge), "ERR 1:2049: nesting deeper than 512 levels");
    YamlReadOptions d3 = {3, 0, NULL, false};
    CHECK_STR(yr_opt("a:\n  b:\n    c: 1\n", &d3), "{\"a\":{\"b\":{\"c\":1}}}");
    CHECK_STR(yr_opt("a:\n  b:\n    c: [1]\n", &d3), "ERR 3:8: nesting deeper than 3 levels");
    /* an alias counts with the height of what it stands for */
    CHECK_STR(yr_opt("x: &x [[1]]\ny: [*x]\n", &d3),
              "ERR 2:5: nesting deeper than 3 levels (through alias *x)");
    free(ok);
    free(deep);
    free(huge);
}

/* ---- errors -------------------------------------------------------------- */

TEST(duplicate_keys)
{
    CHECK_STR(yr("a: 1\nb: 2\na: 3\n"), "ERR 3:1: duplicate key 'a' (first at line 1, column 1)");
    CHECK_STR(yr("m:\n  x: 1\n  y: 2\n  x: 3\n  y: 4\n"),
              "ERR 4:3: duplicate key 'x' (first at line 2, column 3)");
    CHECK_STR(yr("{1: a, \"1\": b}"), "ERR 1:8: duplicate key '1' (first at line 1, column 2)");
    CHECK_STR(yr("[{a: 1}, {a: 2}]"), "[{\"a\":1},{\"a\":2}]");
}

TEST(syntax_errors_with_positions)
{
    CHECK_STR(yr("a: 1\n b: 2\n"), "ERR 2:3: mapping values are not allowed in this context");
    CHECK_STR(yr("a: [1, 2\nb: 3\n"),
              "ERR 2:2: did not find expected ',' or ']' (while parsing a flow sequence at line "
              "1, column 4)");
    CHECK_STR(yr("a: \"open\n"),
              "ERR 2:1: found unexpected end of stream (while scanning a quoted scalar at line "
              "1, column 4)");
    CHECK_STR(yr("- a\nb: 1\n"),
              "ERR 2:1: did not find expected '-' indicator (while parsing a block collection "
              "at line 1, column 1)");
    CHECK_STR(yr("a:\n\tb: 1\n"),
              "ERR 2:1: found character that cannot start any token (while scanning for the "
              "next token)");
    CHECK_STR(yr("? [a, b]\n: 1\n"),
              "ERR 1:3: a sequence as a mapping key is not supported (keys must be scalars)");
    CHECK_STR(yr("a: \x01\n"), "ERR 1:4: control characters are not allowed (byte 0x01)");
    CHECK_STR(yr("a: \xc3\x28\n"), "ERR 1:5: invalid trailing UTF-8 octet");
}

TEST(keys_are_tagged_with_ids)
{
    KeyTable *kt = keys_new();
    uint32_t kid = keys_intern(kt, "metadata", 8);
    YamlReadOptions opt = {0, 0, kt, false};
    arena_reset(&g_arena);
    Value v;
    YamlError e;
    CHECK(yaml_read(&g_arena, "metadata: {name: x}\nother: 1\n", 28, &opt, &v, NULL, &e));
    CHECK(v.kind == V_OBJ && v.n == 2);
    CHECK_INT(v.u.o[0].kid, kid);
    CHECK_INT(v.u.o[1].kid, 0);
    CHECK(value_get(v, "metadata", 8, kid) != NULL);
    keys_free(kt);
}

/* ---- through the public API -------------------------------------------- */

static veto_engine *g_engine;

static veto_doc *load(const char *name, const char *text, char *err, size_t errn)
{
    veto_diags *d = veto_diags_new();
    veto_doc *doc = veto_doc_load_text(g_engine, name, text, strlen(text), NULL, d);
    char *r = veto_diags_render(d, 0);
    snprintf(err, errn, "%s", r ? r : "");
    free(r);
    veto_diags_free(d);
    return doc;
}

static const char *kind_of(const char *name, const char *text)
{
    static char buf[600];
    char err[512];
    veto_doc *doc = load(name, text, err, sizeof err);
    if (!doc) {
        snprintf(buf, sizeof buf, "ERR %s", err);
        return buf;
    }
    snprintf(buf, sizeof buf, "%s %s %zu", veto_doc_format_name(doc), veto_doc_kind(doc),
             veto_doc_count(doc));
    veto_doc_free(doc);
    return buf;
}

static const char k8s_manifest[] = "# a typical multi-document manifest\n"
                                   "---\n"
                                   "apiVersion: v1\n"
                                   "kind: Namespace\n"
                                   "metadata:\n"
                                   "  name: shop\n"
                                   "---\n"
                                   "apiVersion: apps/v1\n"
                                   "kind: Deployment\n"
                                   "metadata:\n"
                                   "  name: web\n"
                                   "  namespace: shop\n"
                                   "  labels: &labels {app: web, tier: front}\n"
                                   "spec:\n"
                                   "  replicas: 3\n"
                                   "  selector:\n"
                                   "    matchLabels: *labels\n"
                                   "  template:\n"
                                   "    metadata:\n"
                                   "      labels: *labels\n"
                                   "    spec:\n"
                                   "      containers:\n"
                                   "        - name: web\n"
                                   "          image: nginx:1.25\n"
                                   "          ports: [{containerPort: 80}]\n"
                                   "          resources:\n"
                                   "            limits: {cpu: 500m, memory: 128Mi}\n"
                                   "---\n";

TEST(kubernetes_manifest)
{
    CHECK_STR(kind_of("app.yaml", k8s_manifest), "yaml kubernetes 2");
    char err[512];
    veto_doc *doc = load("app.yaml", k8s_manifest, err, sizeof err);
    CHECK(doc != NULL);
    if (!doc)
        return;
    veto_diags *d = veto_diags_new();
    char *got = veto_eval_expr(g_engine,
                               "[d.kind + \"/\" + d.metadata.name for d in input] + "
                               "[input[1].spec.replicas, input[1].spec.selector.matchLabels.tier,"
                               " input[1].spec.template.spec.containers[0].resources.limits.cpu]",
                               doc, NULL, d);
    CHECK_STR(got, "[\"Namespace/shop\",\"Deployment/web\",3,\"front\",\"500m\"]");
    free(got);
    veto_diags_free(d);
    veto_doc_free(doc);
    CHECK_STR(kind_of("pod.yml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"),
              "yaml kubernetes 1");
    CHECK_STR(kind_of("list.yaml", "apiVersion: v1\nkind: List\nitems: []\n"), "yaml kubernetes 1");
    CHECK_STR(kind_of("mixed.yaml", "apiVersion: v1\nkind: Pod\n---\nfoo: 1\n"), "yaml stream 2");
    CHECK_STR(kind_of("pod.json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"),
              "json kubernetes 1");
}

TEST(input_kinds)
{
    CHECK_STR(kind_of("p.json", "{\"format_version\":\"1.2\",\"resource_changes\":[]}"),
              "json terraform-plan 1");
    CHECK_STR(kind_of("p.json", "{\"format_version\":\"0.1\",\"planned_values\":{}}"),
              "json terraform-plan 1");
    CHECK_STR(kind_of("s.json", "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{}}}"),
              "json terraform-state 1");
    CHECK_STR(kind_of("t.tfstate", "{\"version\":4,\"serial\":1,\"resources\":[]}"),
              "json terraform-state 1");
    CHECK_STR(kind_of("cfn.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"),
              "yaml cloudformation 1");
    CHECK_STR(kind_of("cfn.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
                                  "    Properties: {BucketName: !Ref N}\n"),
              "yaml cloudformation 1");
    CHECK_STR(kind_of("x.yaml", "Resources:\n  B:\n    Type: Other::Thing\n"), "yaml document 1");
    CHECK_STR(kind_of("x.yaml", "- 1\n- 2\n"), "yaml document 1");
    CHECK_STR(kind_of("x.yaml", "just a string\n"), "yaml document 1");
    CHECK_STR(kind_of("x.yaml", "a: 1\n---\nb: 2\n"), "yaml stream 2");
}

TEST(format_detection)
{
    /* by extension first */
    CHECK_STR(kind_of("a.JSON", "{\"a\": 1}"), "json document 1");
    CHECK_STR(kind_of("a.yml", "{\"a\": 1}"), "yaml document 1");
    /* then by content */
    CHECK_STR(kind_of("-", "  \n[1, 2]"), "json document 1");
    CHECK_STR(kind_of("input", "a: 1\n"), "yaml document 1");
    CHECK_STR(kind_of("input", "\"just a string\""), "yaml document 1");
    /* JSON that fails is reported as JSON, never retried as YAML */
    CHECK_STR(kind_of("bad.json", "{a: 1}"),
              "ERR bad.json:1:2: error: invalid JSON: expected string key or '}' in object, got "
              "'a'\n");
    CHECK_STR(kind_of("stdin", "{a: 1}"),
              "ERR stdin:1:2: error: invalid JSON: expected string key or '}' in object, got 'a' "
              "(read as JSON because it starts with '{'; a .yaml or .yml name reads it as "
              "YAML)\n");
    CHECK_STR(kind_of("x.yaml", "a: [1\n"),
              "ERR x.yaml:2:1: error: invalid YAML: did not find expected ',' or ']' (while "
              "parsing a flow sequence at line 1, column 4)\n");
    CHECK_STR(kind_of("x.yaml", "# nothing\n"),
              "ERR x.yaml:1:1: error: the input holds no document (only comments or blank "
              "lines)\n");
}

TEST(utf16_yaml)
{
    /* "a: é\n" as UTF-16LE with a BOM, then as UTF-16BE */
    static const char le[] = "\xff\xfe"
                             "a\0:\0 \0\xe9\0\n\0";
    static const char be[] = "\xfe\xff"
                             "\0a\0:\0 \0\xe9\0\n";
    veto_diags *d = veto_diags_new();
    veto_load_options opt = {0};
    opt.format = VETO_FORMAT_YAML;
    veto_doc *doc = veto_doc_load_text(g_engine, "ps.yaml", le, sizeof le - 1, &opt, d);
    CHECK(doc != NULL);
    if (doc) {
        char *got = veto_eval_expr(g_engine, "input", doc, NULL, d);
        CHECK_STR(got, "{\"a\":\"é\"}");
        free(got);
        veto_doc_free(doc);
    }
    doc = veto_doc_load_text(g_engine, "ps.yaml", be, sizeof be - 1, NULL, d);
    CHECK(doc != NULL);
    if (doc) {
        char *got = veto_eval_expr(g_engine, "input.a", doc, NULL, d);
        CHECK_STR(got, "\"é\"");
        free(got);
        veto_doc_free(doc);
    }
    veto_diags_free(d);
}

TEST(memory_cap)
{
    /* a document whose values need more than max_mem fails cleanly */
    size_t n = 20000;
    char *text = malloc(n * 8 + 16);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(text + o, "- k%zu\n", i % 10);
    veto_diags *d = veto_diags_new();
    veto_load_options opt = {0};
    opt.max_mem = 64 * 1024;
    veto_doc *doc = veto_doc_load_text(g_engine, "big.yaml", text, o, &opt, d);
    CHECK(doc == NULL);
    char *r = veto_diags_render(d, 0);
    CHECK_STR(r, "big.yaml:1:1: error: the document needs more than the memory limit of 65536 "
                 "bytes\n");
    free(r);
    veto_diags_free(d);
    free(text);
}

int main(void)
{
    arena_init(&g_arena, 0);
    g_engine = veto_engine_new();
    RUN(core_schema_nulls_and_bools);
    RUN(core_schema_ints);
    RUN(core_schema_floats);
    RUN(quoted_and_block_scalars_are_strings);
    RUN(core_tags);
    RUN(cloudformation_short_tags);
    RUN(multi_document_streams);
    RUN(anchors_and_aliases);
    RUN(merge_keys);
    RUN(billion_laughs);
    RUN(depth_bound);
    RUN(duplicate_keys);
    RUN(syntax_errors_with_positions);
    RUN(keys_are_tagged_with_ids);
    RUN(kubernetes_manifest);
    RUN(input_kinds);
    RUN(format_detection);
    RUN(utf16_yaml);
    RUN(memory_cap);
    veto_engine_free(g_engine);
    arena_free(&g_arena);
    return harness_done();
}
