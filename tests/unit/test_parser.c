/* test_parser.c — the grammar, through whole ast_dump strings for valid
 * programs and whole rendered diagnostics for broken ones. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "harness.h"
#include "lang/ast.h"
#include "lang/parser.h"
#include "policy_tokens.h"

/* The dump of `text` when it parses, else its rendered diagnostics.
 * *root_out (optional) receives the root while `arena` lives. */
static char *parse_text(const char *text, size_t len)
{
    Source *s = source_new("t.veto", text, len);
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    AstNode *root = parse_source(&a, s, &d);
    Buf b = BUF_INIT;
    if (root && d.errors == 0)
        ast_dump(&b, root);
    else if (root)
        buf_puts(&b, "root despite errors\n");
    char *r = diag_render(&d, 0);
    buf_puts(&b, r);
    free(r);
    if (!root && d.errors == 0)
        buf_puts(&b, "NULL without errors\n");
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
    return buf_take(&b);
}

static void check_parse(const char *text, const char *want, int line)
{
    char *got = parse_text(text, strlen(text));
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "test_parser.c:%d: parsing:\n%s\n  want:\n%s\n  got:\n%s\n", line, text,
                want, got);
        harness_cur_failed = 1;
    }
    free(got);
}
#define P(text, want) check_parse(text, want, __LINE__)
/* One declaration `let e = EXPR`, compared on the expression's dump. */
#define E(expr, want) check_parse("let e = " expr, "(file (let-decl e " want "))", __LINE__)

TEST(declarations)
{
    P("", "(file)");
    P("# nothing\n", "(file)");
    P("module tf.util", "(file (module tf.util))");
    P("use tf", "(file (use tf))");
    P("use a.b as c", "(file (use a.b as c))");
    P("let x = 1", "(file (let-decl x (int 1)))");
    P("func f() = 1", "(file (func f () (int 1)))");
    P("func g(a, b,) = a + b", "(file (func g (a b) (binary + (name a) (name b))))");
    P("policy p.q\n  kind: plan\n  severity: high",
      "(file (policy p.q (meta kind (name plan)) (meta severity (name high))))");
    P("policy a.deny.x", "(file (policy a.deny.x))");
    P("policy a\nlet x = 1\npolicy b\n  id: \"B\"",
      "(file (policy a) (let-decl x (int 1)) (policy b (meta id (string \"B\"))))");
}

TEST(rules)
{
    P("deny", "(file (rule deny))");
    P("warn when x message \"m\"", "(file (rule warn (when (name x)) (message (string \"m\"))))");
    P("allow for x in xs when x",
      "(file (rule allow (for (binding x (name xs))) (when (name x))))");
    P("approve for k, v in o let a = k let b = v when a == b message b",
      "(file (rule approve (for (binding k v (name o))) (let-decl a (name k)) (let-decl b (name "
      "v)) "
      "(when (binary == (name a) (name b))) (message (name b))))");
    P("reject when true", "(file (rule reject (when true)))");
    P("deny message \"always\"", "(file (rule deny (message (string \"always\"))))");
    P("trigger \"stack-a\" for f in files when f like \"infra/**\"",
      "(file (rule trigger (value (string \"stack-a\")) (for (binding f (name files))) "
      "(when (binary like (name f) (string \"infra/**\")))))");
    P("trigger \"s\"", "(file (rule trigger (value (string \"s\"))))");
    P("deny for r in xs ?? [] when r", /* a binding's collection is a full expression */
      "(file (rule deny (for (binding r (binary ?? (name xs) (array)))) (when (name r))))");
    /* the documented quirk: a let right after a bare rule is the rule's */
    P("deny for x in xs\nlet y = 1",
      "(file (rule deny (for (binding x (name xs))) (let-decl y (int 1))))");
    P("deny when x\nlet y = 1", "(file (rule deny (when (name x))) (let-decl y (int 1)))");
}

TEST(expressions)
{
    E("let a = 1; a + 2", "(let a (int 1) (binary + (name a) (int 2)))");
    E("any x in xs: x > 0 and x < 9",
      "(any (binding x (name xs)) (and (binary > (name x) (int 0)) (binary < (name x) (int 9))))");
    E("all x in xs: x", "(all (binding x (name xs)) (name x))");
    E("all k, v in o: v", "(all (binding k v (name o)) (name v))");
    E("if a then b else if c then d else e",
      "(if (name a) (name b) (if (name c) (name d) (name e)))");
    E("if a then b else c + 1", "(if (name a) (name b) (binary + (name c) (int 1)))");
    E("1 + if a then 2 else 3 + 4",
      "(binary + (int 1) (if (name a) (int 2) (binary + (int 3) (int 4))))");
    E("a ?? b ?? c", "(binary ?? (binary ?? (name a) (name b)) (name c))");
    E("a ?? b or c", "(binary ?? (name a) (or (name b) (name c)))");
    E("a or b and c", "(or (name a) (and (name b) (name c)))");
    E("a and b or c", "(or (and (name a) (name b)) (name c))");
    E("not a == b", "(not (binary == (name a) (name b)))");
    E("not a and b", "(and (not (name a)) (name b))");
    E("not not a", "(not (not (name a)))");
    E("a != b", "(binary != (name a) (name b))");
    E("a < b", "(binary < (name a) (name b))");
    E("a <= b", "(binary <= (name a) (name b))");
    E("a > b", "(binary > (name a) (name b))");
    E("a >= b", "(binary >= (name a) (name b))");
    E("a in b", "(binary in (name a) (name b))");
    E("a not in b", "(binary not in (name a) (name b))");
    E("a =~ `^x\\d`", "(binary =~ (name a) (string \"^x\\\\d\"))");
    E("a !~ \"y\"", "(binary !~ (name a) (string \"y\"))");
    E("a like \"*.tf\"", "(binary like (name a) (string \"*.tf\"))");
    E("a + 1 == b * 2", "(binary == (binary + (name a) (int 1)) (binary * (name b) (int 2)))");
    E("1 + 2 - 3 * 4 / 5 % 6", "(binary - (binary + (int 1) (int 2)) (binary % (binary / (binary * "
                               "(int 3) (int 4)) (int 5)) (int 6)))");
    E("-a.b[0][\"k\"](1, 2,)",
      "(unary - (call (index (index (field (name a) b) (int 0)) (string \"k\")) (int 1) (int 2)))");
    E("- -1 * 2", "(binary * (unary - (unary - (int 1))) (int 2))");
    E("(1 + 2) * 3", "(binary * (binary + (int 1) (int 2)) (int 3))");
    E("f()", "(call (name f))");
    E("tf.changes(\"aws_s3_bucket\")",
      "(call (field (name tf) changes) (string \"aws_s3_bucket\"))");
    E("a.when.in.not", "(field (field (field (name a) when) in) not)");
    E("\"x\".y", "(field (string \"x\") y)");
    E("count(xs) >= 2", "(binary >= (call (name count) (name xs)) (int 2))");
}

TEST(literals)
{
    E("[null, true, false, 1, 2.5, \"s\", ]",
      "(array null true false (int 1) (float 2.5) (string \"s\"))");
    E("[]", "(array)");
    E("{}", "(object)");
    E("{\"k\": 1, name: 2, (name): 3}", "(object (pair (string \"k\") (int 1)) (pair (string "
                                        "\"name\") (int 2)) (pair (name name) (int 3)))");
    E("{a: {b: [1]},}",
      "(object (pair (string \"a\") (object (pair (string \"b\") (array (int 1))))))");
    E("{1, 2,}", "(set (int 1) (int 2))");
    E("{x}", "(set (name x))");
    E("[x * 2 for x in xs if x > 1]", "(array-comp (binary * (name x) (int 2)) (binding x (name "
                                      "xs)) (if (binary > (name x) (int 1))))");
    E("[x for x in xs]", "(array-comp (name x) (binding x (name xs)))");
    E("{x for x in xs}", "(set-comp (name x) (binding x (name xs)))");
    E("{x for x in xs if x}", "(set-comp (name x) (binding x (name xs)) (if (name x)))");
    E("{k: v for k, v in o if v}",
      "(object-comp (name k) (name v) (binding k v (name o)) (if (name v)))");
    E("{k: 1 for k in o}", "(object-comp (name k) (int 1) (binding k (name o)))");
    E("\"a ${b} c ${d + 1}\"",
      "(template (string \"a \") (name b) (string \" c \") (binary + (name d) (int 1)))");
    E("\"${x}\"", "(template (name x))");
    E("\"${ {\"a\": 1}.a } ${\"in${n}\"}\"",
      "(template (field (object (pair (string \"a\") (int 1))) a) (string \" \") (template (string "
      "\"in\") (name n)))");
    E("\"tab\\t\\u00e9\"", "(string \"tab\\té\")");
    E("1_000 + 1.5e3", "(binary + (int 1000) (float 1500.0))");
}

TEST(spec_examples)
{
    P("policy aws.s3.public_acl            # dotted name\n"
      "  kind: plan                        # metadata: key \":\" expression\n"
      "  id: \"VETO-AWS-S3-001\"\n"
      "  severity: high\n"
      "  enforcement: hard\n"
      "  title: \"S3 buckets must not grant public ACLs\"\n"
      "  maps: [\"CIS-AWS-2.1.5\", \"checkov:CKV_AWS_20\"]\n"
      "\n"
      "use tf\n"
      "\n"
      "let public_acls = [\"public-read\", \"public-read-write\"]\n"
      "func is_public(acl) = acl in public_acls\n"
      "\n"
      "deny for r in tf.changes(\"aws_s3_bucket\", [\"create\", \"update\"])\n"
      "  when is_public(r.after.acl)\n"
      "  message \"bucket ${r.address} has ACL ${r.after.acl}\"\n",
      "(file (policy aws.s3.public_acl (meta kind (name plan)) (meta id (string "
      "\"VETO-AWS-S3-001\")) "
      "(meta severity (name high)) (meta enforcement (name hard)) "
      "(meta title (string \"S3 buckets must not grant public ACLs\")) "
      "(meta maps (array (string \"CIS-AWS-2.1.5\") (string \"checkov:CKV_AWS_20\")))) "
      "(use tf) (let-decl public_acls (array (string \"public-read\") (string "
      "\"public-read-write\"))) "
      "(func is_public (acl) (binary in (name acl) (name public_acls))) "
      "(rule deny (for (binding r (call (field (name tf) changes) (string \"aws_s3_bucket\") "
      "(array (string \"create\") (string \"update\"))))) "
      "(when (call (name is_public) (field (field (name r) after) acl))) "
      "(message (template (string \"bucket \") (field (name r) address) (string \" has ACL \") "
      "(field (field (name r) after) acl)))))");
    P("policy approvals.two_reviewers\n"
      "  kind: approval\n"
      "approve when count(unique([r.actor for r in reviews if r.verdict == \"approve\" and r.actor "
      "!= run.author])) >= 2\n"
      "reject  when any r in reviews: r.verdict == \"reject\"\n",
      "(file (policy approvals.two_reviewers (meta kind (name approval))) "
      "(rule approve (when (binary >= (call (name count) (call (name unique) (array-comp (field "
      "(name r) actor) "
      "(binding r (name reviews)) (if (and (binary == (field (name r) verdict) (string "
      "\"approve\")) "
      "(binary != (field (name r) actor) (field (name run) author))))))) (int 2)))) "
      "(rule reject (when (any (binding r (name reviews)) (binary == (field (name r) verdict) "
      "(string \"reject\"))))))");
    P("policy access.freeze\n"
      "  kind: access\n"
      "deny  when action in [\"apply\"] and context.time.weekday in [\"Fri\", \"Sat\", \"Sun\"]\n"
      "           and not (\"break-glass\" in context.actor.teams)\n"
      "allow when \"platform\" in context.actor.teams\n",
      "(file (policy access.freeze (meta kind (name access))) "
      "(rule deny (when (and (and (binary in (name action) (array (string \"apply\"))) "
      "(binary in (field (field (name context) time) weekday) (array (string \"Fri\") (string "
      "\"Sat\") (string \"Sun\")))) "
      "(not (binary in (string \"break-glass\") (field (field (name context) actor) teams)))))) "
      "(rule allow (when (binary in (string \"platform\") (field (field (name context) actor) "
      "teams)))))");
}

TEST(spans)
{
    const char *text = "deny when a.b + 1 message \"m\"";
    Source *s = source_new("t.veto", text, strlen(text));
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    AstNode *root = parse_source(&a, s, &d);
    CHECK(root != NULL);
    if (root) {
        CHECK_INT(root->off, 0);
        CHECK_INT(root->len, strlen(text));
        AstNode *rule = root->list.items[0];
        CHECK_INT(rule->op, TK_DENY);
        CHECK_INT(rule->off, 0);
        CHECK_INT(rule->len, strlen(text));
        AstNode *cond = rule->c;
        CHECK_INT(cond->kind, AST_BINARY);
        CHECK_INT(cond->op, TK_PLUS);
        CHECK_INT(cond->off, 10);
        CHECK_INT(cond->len, 7);
        CHECK_INT(cond->a->kind, AST_FIELD);
        CHECK_INT(cond->a->len, 3);
        CHECK_INT(rule->b->off, 26);
        CHECK_INT(rule->b->len, 3);
    }
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
}

TEST(errors)
{
    P("deny when x message \"abc\nwarn when y",
      "t.veto:1:21: error: unterminated string\n"
      "   1 | deny when x message \"abc\n"
      "     |                     ^\n"
      "     = hint: strings end on the line they start; write \\n for a newline\n");
    P("let s = \"abc\\qdef\"",
      "t.veto:1:13: error: invalid escape sequence `\\q`\n"
      "   1 | let s = \"abc\\qdef\"\n"
      "     |             ^~\n"
      "     = hint: valid escapes: \\\" \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX \\$\n");
    P("deny when x ]", "t.veto:1:13: error: unexpected `]`\n"
                       "   1 | deny when x ]\n"
                       "     |             ^\n");
    P("deny when f(a, b\nwarn when c", "t.veto:2:1: error: unexpected `warn`, expected `)`\n"
                                       "   2 | warn when c\n"
                                       "     | ^~~~\n");
    P("deny when f(a b)", "t.veto:1:15: error: unexpected identifier `b`, expected `)`\n"
                          "   1 | deny when f(a b)\n"
                          "     |               ^\n");
    P("let x = [1, 2", "t.veto:1:14: error: unexpected end of file, expected `]`\n"
                       "   1 | let x = [1, 2\n"
                       "     |              ^\n");
    P("let n = 99999999999999999999",
      "t.veto:1:9: error: integer literal out of range\n"
      "   1 | let n = 99999999999999999999\n"
      "     |         ^~~~~~~~~~~~~~~~~~~~\n"
      "     = hint: integers are 64-bit: at most 9223372036854775807\n");
    P("let x = a == b == c", "t.veto:1:16: error: unexpected `==`\n"
                             "   1 | let x = a == b == c\n"
                             "     |                ^~\n");
    P("deny when x = 1",
      "t.veto:1:13: error: unexpected `=`\n"
      "   1 | deny when x = 1\n"
      "     |             ^\n"
      "     = hint: `==` compares; `=` only follows the name in `let` and `func`\n");
    P("deny when if a then b", "t.veto:1:22: error: unexpected end of file, expected `else`\n"
                               "   1 | deny when if a then b\n"
                               "     |                      ^\n");
    P("deny when x\n  message\n",
      "t.veto:2:10: error: unexpected end of file, expected an expression\n"
      "   2 |   message\n"
      "     |          ^\n");
    P("let x = {a: 1 b: 2}", "t.veto:1:15: error: unexpected identifier `b`, expected `}`\n"
                             "   1 | let x = {a: 1 b: 2}\n"
                             "     |               ^\n");
    P("allow for x when x", "t.veto:1:13: error: unexpected `when`, expected `in` or `,`\n"
                            "   1 | allow for x when x\n"
                            "     |             ^~~~\n");
    P("deny when x message \"a ${r.address\"",
      "t.veto:1:35: error: expected `}` to close the interpolation\n"
      "   1 | deny when x message \"a ${r.address\"\n"
      "     |                                   ^\n");
    P("deny when \"${x\n", "t.veto:1:11: error: unterminated string interpolation\n"
                           "   1 | deny when \"${x\n"
                           "     |           ^\n");
}

TEST(several_errors)
{
    P("policy p\n"
      "  kind plan\n"
      "deny when x ]\n"
      "warn when y\n"
      "let = 2\n"
      "func f(a b) = 1\n"
      "allow when (x\n"
      "use 1\n",
      "t.veto:2:8: error: unexpected identifier `plan`, expected `:`\n"
      "   2 |   kind plan\n"
      "     |        ^~~~\n"
      "t.veto:3:13: error: unexpected `]`\n"
      "   3 | deny when x ]\n"
      "     |             ^\n"
      "t.veto:5:5: error: unexpected `=`, expected a name\n"
      "   5 | let = 2\n"
      "     |     ^\n"
      "t.veto:6:10: error: unexpected identifier `b`, expected `)`\n"
      "   6 | func f(a b) = 1\n"
      "     |          ^\n"
      "t.veto:8:1: error: unexpected `use`, expected `)`\n"
      "   8 | use 1\n"
      "     | ^~~\n"
      "t.veto:8:5: error: unexpected number `1`, expected a name\n"
      "   8 | use 1\n"
      "     |     ^\n");
}

TEST(error_cap)
{
    Buf b = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_puts(&b, "deny when ]\n");
    char *got = parse_text(b.p, b.len);
    /* 20 errors, then one note */
    int errors = 0;
    for (const char *p = got; (p = strstr(p, ": error: ")); p++)
        errors++;
    CHECK_INT(errors, 20);
    CHECK(strstr(got, "note: too many errors; stopping\n") != NULL);
    free(got);
    buf_free(&b);
}

/* Builds `prefix` + n copies of `open` + "x" + n copies of `close`. */
static char *nest(const char *prefix, const char *open, const char *close, int n)
{
    Buf b = BUF_INIT;
    buf_puts(&b, prefix);
    for (int i = 0; i < n; i++)
        buf_puts(&b, open);
    buf_puts(&b, "x");
    for (int i = 0; i < n; i++)
        buf_puts(&b, close);
    return buf_take(&b);
}

TEST(nesting)
{
    /* 255 levels of every bracket construct fit the parser's stack */
    static const char *const kinds[][2] = {
        {"(", ")"},
        {"[", "]"},
        {"{a: ", "}"},
        {"{", "}"},
        {"f(1, ", ")"},
        {"[1 for y in ", "]"},
        {"{k: v for k, v in ", "}"},
        {"\"${", "}\""},
        {"a[", "]"},
        {"(not -", ")"},
        {"{a: if x then ", " else 1}"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char *src = nest("let e = ", kinds[k][0], kinds[k][1], 255);
        char *got = parse_text(src, strlen(src));
        if (strncmp(got, "(file", 5) != 0) {
            fprintf(stderr, "test_parser.c:%d: %s nested 255 deep: %.300s\n", __LINE__, kinds[k][0],
                    got);
            harness_cur_failed = 1;
        }
        free(got);
        free(src);
    }
    char *src = nest("let e = ", "(", ")", 257);
    char *got = parse_text(src, strlen(src));
    CHECK(strncmp(got, "t.veto:1:265: error: expression nested too deeply (more than 256 levels)\n",
                  73) == 0);
    free(got);
    free(src);
    /* 100k of anything fails cleanly, whatever runs out first */
    static const char *const deep[] = {"(", "[",          "{",           "not ",
                                       "-", "if a then ", "let a = 1; ", "\"${"};
    for (size_t k = 0; k < sizeof deep / sizeof deep[0]; k++) {
        src = nest("let e = ", deep[k], "", 100000);
        got = parse_text(src, strlen(src));
        if (!strstr(got, "error: expression nested too deeply")) {
            fprintf(stderr, "test_parser.c:%d: 100k of %s: %.200s\n", __LINE__, deep[k], got);
            harness_cur_failed = 1;
        }
        free(got);
        free(src);
    }
}

int main(void)
{
    RUN(declarations);
    RUN(rules);
    RUN(expressions);
    RUN(literals);
    RUN(spec_examples);
    RUN(spans);
    RUN(errors);
    RUN(several_errors);
    RUN(error_cap);
    RUN(nesting);
    return harness_done();
}
