/* test_eval.c — the language end to end through the public API: each case
 * is an expression, an optional input document and the exact JSON of its
 * value (or the text an error must contain). Covers every operator and
 * construct of docs/LANGUAGE.md sections 4-5, undefined propagation, and
 * the runtime errors. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "veto.h"

static veto_engine *engine;

static const char *plan_json =
    "{\"resource_changes\": ["
    " {\"address\": \"aws_s3_bucket.a\", \"type\": \"aws_s3_bucket\","
    "  \"change\": {\"actions\": [\"create\"], \"after\": {\"acl\": \"public-read\", \"tags\": "
    "{\"owner\": \"x\"}}}},"
    " {\"address\": \"aws_s3_bucket.b\", \"type\": \"aws_s3_bucket\","
    "  \"change\": {\"actions\": [\"delete\"], \"after\": null}},"
    " {\"address\": \"aws_instance.c\", \"type\": \"aws_instance\","
    "  \"change\": {\"actions\": [\"update\"], \"after\": {\"instance_type\": \"t3.micro\"}}}"
    "], \"n\": 12345678901234567890, \"f\": 1.5, \"e\": \"\\u00e9t\\u00e9\"}";

static veto_doc *plan;

static void expect_value(const char *expr, const char *want, int line)
{
    veto_diags *d = veto_diags_new();
    char *got = veto_eval_expr(engine, expr, plan, NULL, d);
    int ok = got && strcmp(got, want) == 0;
    if (!ok) {
        char *r = veto_diags_render(d, 0);
        fprintf(stderr, "%s:%d: %s\n    expected %s\n    got      %s\n%s", __FILE__, line, expr,
                want, got ? got : "(error)", r ? r : "");
        free(r);
    }
    harness_record(ok);
    free(got);
    veto_diags_free(d);
}

static void expect_error(const char *expr, const char *want_sub, int line)
{
    veto_diags *d = veto_diags_new();
    char *got = veto_eval_expr(engine, expr, plan, NULL, d);
    char *r = veto_diags_render(d, 0);
    int ok = !got && r && strstr(r, want_sub) != NULL;
    if (!ok)
        fprintf(stderr, "%s:%d: %s\n    expected an error containing \"%s\"\n    got %s\n%s\n",
                __FILE__, line, expr, want_sub, got ? got : "(error)", r ? r : "");
    harness_record(ok);
    free(r);
    free(got);
    veto_diags_free(d);
}

#define V(expr, want) expect_value(expr, want, __LINE__)
#define E(expr, want) expect_error(expr, want, __LINE__)

int main(void)
{
    engine = veto_engine_new();
    veto_diags *d = veto_diags_new();
    plan = veto_doc_load_json(engine, "plan.json", plan_json, strlen(plan_json), NULL, d);
    if (!plan) {
        char *r = veto_diags_render(d, 0);
        fprintf(stderr, "cannot load the test plan:\n%s", r);
        free(r);
        return 1;
    }
    veto_diags_free(d);

    /* literals and arithmetic */
    V("1 + 2 * 3", "7");
    V("(1 + 2) * 3", "9");
    V("7 / 2", "3.5");
    V("8 / 2", "4");
    V("7 % 3", "1");
    V("-3 - -4", "1");
    V("1.5 + 1", "2.5");
    V("\"ab\" + \"cd\"", "\"abcd\"");
    V("[1] + [2, 3]", "[1,2,3]");
    V("null", "null");
    V("true", "true");
    V("1_000_000", "1000000");
    /* comparison */
    V("1 == 1.0", "true");
    V("\"a\" < \"b\"", "true");
    V("[1, {\"a\": 2}] == [1, {\"a\": 2}]", "true");
    V("{\"a\": 1, \"b\": 2} == {\"b\": 2, \"a\": 1}", "true");
    V("2 >= 3", "false");
    V("1 != 2", "true");
    /* membership, regex, glob */
    V("2 in [1, 2, 3]", "true");
    V("\"k\" in {\"k\": 1}", "true");
    V("\"ell\" in \"hello\"", "true");
    V("4 not in [1, 2]", "true");
    V("\"abc-123\" =~ `^[a-z]+-\\d+$`", "true");
    V("\"abc\" !~ \"^x\"", "true");
    V("\"modules/net/main.tf\" like \"modules/**/*.tf\"", "true");
    V("\"a/b.tf\" like \"*.tf\"", "false");
    /* boolean logic */
    V("true and false", "false");
    V("false or true", "true");
    V("not false", "true");
    V("not input.missing", "true");
    V("input.missing and true", "false");
    V("input.missing or true", "true");
    /* undefined */
    V("input.missing", "undefined");
    V("input.missing.deeper[3].x", "undefined");
    V("input.missing == 1", "undefined");
    V("input.missing != 1", "undefined");
    V("input.missing + 1", "undefined");
    V("input.missing ?? \"fallback\"", "\"fallback\"");
    V("null ?? 2", "2");
    V("[1, input.missing, 3]", "[1,3]");
    V("{\"a\": input.missing, \"b\": 1}", "{\"b\":1}");
    V("\"x\".y", "undefined");
    V("[1, 2][5]", "undefined");
    /* paths into the input */
    V("input.resource_changes[0].change.after.acl", "\"public-read\"");
    V("input.resource_changes[0][\"address\"]", "\"aws_s3_bucket.a\"");
    V("input.n", "12345678901234567890");
    V("input.f", "1.5");
    V("input.e", "\"\xc3\xa9t\xc3\xa9\"");
    /* interpolation */
    V("\"n=${1 + 1} s=${\"x\"} u=${input.missing}\"", "\"n=2 s=x u=undefined\"");
    V("\"${input.resource_changes[0].change.after.tags}\"", "\"{\\\"owner\\\":\\\"x\\\"}\"");
    V("\"a ${ {\"k\": \"v\"}.k } b\"", "\"a v b\"");
    V("\"esc \\${x}\"", "\"esc ${x}\"");
    /* collections */
    V("{3, 1, 2, 1}", "[1,2,3]");
    V("{}", "{}");
    V("{name: 1}", "{\"name\":1}");
    V("[x * 2 for x in [1, 2, 3] if x != 2]", "[2,6]");
    V("{x % 2 for x in [1, 2, 3, 4]}", "[0,1]");
    V("{k: v + 1 for k, v in {\"a\": 1, \"b\": 2}}", "{\"a\":2,\"b\":3}");
    V("[i for i, x in [\"a\", \"b\"]]", "[0,1]");
    V("[r.address for r in input.resource_changes if \"delete\" in r.change.actions]",
      "[\"aws_s3_bucket.b\"]");
    V("[r.change.after.acl for r in input.resource_changes]", "[\"public-read\"]");
    /* quantifiers */
    V("any x in [1, 2, 3]: x > 2", "true");
    V("all x in [1, 2, 3]: x > 2", "false");
    V("all x in []: false", "true");
    V("any x in []: true", "false");
    V("any r in input.resource_changes: r.type == \"aws_instance\"", "true");
    V("any x in input.missing: true", "false");
    /* aggregates */
    V("count([1, 2, 3])", "3");
    V("count([r for r in input.resource_changes if r.type == \"aws_s3_bucket\"])", "2");
    V("sum([1, 2, 3.5])", "6.5");
    V("min([3, 1, 2])", "1");
    V("max([3, 1, 2])", "3");
    /* let, if */
    V("let x = 2; x * x", "4");
    V("let x = 2; let y = x + 1; [x, y]", "[2,3]");
    V("if 1 < 2 then \"yes\" else \"no\"", "\"yes\"");
    V("if input.missing then 1 else 2", "2");
    V("[if x > 1 then x else 0 for x in [1, 2]]", "[0,2]");
    /* modules */
    V("count(tf.resource_changes())", "3");

    /* compile errors */
    E("cuont([1])", "did you mean `count`?");
    E("inptu.x", "did you mean `input`?");
    E("1 +", "<expr>:1:4: error");
    E("\"abc\" =~ \"[\"", "invalid regular expression");
    E("count()", "`count` takes");
    E("nosuchmod.f(1)", "unknown function `nosuchmod.f`");
    /* runtime errors */
    E("1 / 0", "division by zero");
    E("1 + \"a\"", "cannot add number and string");
    E("\"a\" < 1", "cannot compare string and number");
    E("9223372036854775807 + 1", "integer overflow");
    E("[x for x in 3]", "cannot iterate over number");
    E("if 3 then 1 else 2", "condition must be a boolean, got number");
    E("not \"x\"", "condition must be a boolean");
    E("{1: 2}", "object keys must be strings");
    E("count([y for x in [1,2,3] for y in [1]])", "");

    veto_doc_free(plan);
    veto_engine_free(engine);
    return harness_done();
}
