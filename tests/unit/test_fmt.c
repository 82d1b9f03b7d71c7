/* test_fmt.c — `veto fmt` (engine/author/fmt.c): layout cases as input/output
 * pairs, and three properties over every *.veto file of the repository
 * (policies-examples/, stdlib/, tests/):
 *   - the AST (ast_dump) of the formatted text equals the original's;
 *   - formatting is idempotent: fmt(fmt(x)) == fmt(x);
 *   - layout is canonical: the same file re-spaced at random (tokens and
 *     comments kept, blank lines and own-line comments kept as they were)
 *     formats to the same text;
 * plus: every comment survives, in order. Files that do not parse (the
 * syntax-error cases) must make fmt_source fail with diagnostics.
 * Runs from the repository root (tests/run-all.sh does).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "author/fmt.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "harness.h"
#include "lang/ast.h"
#include "lang/lexer.h"
#include "lang/parser.h"

/* ---- helpers --------------------------------------------------------------- */

static char *fmt_str(const char *text)
{
    DiagList d = {0};
    char *out = fmt_source("t.veto", text, strlen(text), &d);
    diag_clear(&d);
    return out;
}

/* ast_dump of text, or NULL when it does not parse. */
static char *dump_of(const char *text, size_t len)
{
    Source *s = source_new("t.veto", text, len);
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    AstNode *root = s ? parse_source(&a, s, &d) : NULL;
    char *r = NULL;
    if (root && d.errors == 0) {
        Buf b = BUF_INIT;
        ast_dump(&b, root);
        r = buf_take(&b);
    }
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
    return r;
}

/* Every comment of text (lexer gaps), one per line, trailing blanks cut. */
static char *comments_of(const char *text, size_t len)
{
    Source *s = source_new("t.veto", text, len);
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    Lexer lx;
    lex_init(&lx, s, &a, &d);
    Buf b = BUF_INIT;
    uint32_t prev = 0;
    Token t;
    for (;;) {
        int type = lex_next(&lx, &t);
        uint32_t end = type == TK_EOF ? (uint32_t)len : t.off;
        for (uint32_t p = prev; p < end; p++) {
            if (text[p] != '#')
                continue;
            uint32_t q = p;
            while (q < end && text[q] != '\n')
                q++;
            uint32_t e = q;
            while (e > p && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
                e--;
            buf_append(&b, text + p, e - p);
            buf_putc(&b, '\n');
            p = q;
        }
        if (type == TK_EOF)
            break;
        prev = t.off + t.len;
    }
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
    char *r = buf_take(&b);
    return r ? r : strdup("");
}

static void check_fmt(const char *in, const char *want, int line)
{
    char *got = fmt_str(in);
    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr, "test_fmt.c:%d: formatting:\n%s\n--- want:\n%s--- got:\n%s---\n", line, in,
                want, got ? got : "(NULL)\n");
        harness_cur_failed = 1;
    } else {
        char *again = fmt_str(got);
        if (!again || strcmp(again, got) != 0) {
            fprintf(stderr, "test_fmt.c:%d: not idempotent:\n%s--- second pass:\n%s---\n", line,
                    got, again ? again : "(NULL)\n");
            harness_cur_failed = 1;
        }
        free(again);
    }
    free(got);
}
#define F(in, want) check_fmt(in, want, __LINE__)

/* ---- layout cases ------------------------------------------------------------ */

TEST(spacing)
{
    F("let  x=1+2*3", "let x = 1 + 2 * 3\n");
    F("let a = [ 1 ,2,3 , ]", "let a = [1, 2, 3]\n");
    F("let o = { \"a\" : 1 , b:2 }", "let o = {\"a\": 1, b: 2}\n");
    F("let s = {1,2}\nlet e = { }\nlet l = [ ]", "let s = {1, 2}\nlet e = {}\nlet l = []\n");
    F("let x = - 1 - -y", "let x = -1 - -y\n");
    F("let x = not  a and not(b)", "let x = not a and not (b)\n");
    F("let x = a  not\n in b", "let x = a not in b\n");
    F("let x = a . b [ 0 ] ( 1 , 2 ) . c", "let x = a.b[0](1, 2).c\n");
    F("let x = r.after.when", "let x = r.after.when\n");
    F("let x = a??b", "let x = a ?? b\n");
    F("let x = a=~`^x`  and b!~\"y\" and c like \"*\"",
      "let x = a =~ `^x` and b !~ \"y\" and c like \"*\"\n");
    F("func f( a , b , ) = a+b", "func f(a, b) = a + b\n");
    F("func g()=1", "func g() = 1\n");
    F("use  tf\nuse a.b  as  c", "use tf\nuse a.b as c\n");
    F("module   m.n\nlet x = 1", "module m.n\n\nlet x = 1\n");
}

TEST(literals_as_written)
{
    F("let n = [1_000, 1.5e-3, 2E10, 0.50]", "let n = [1_000, 1.5e-3, 2E10, 0.50]\n");
    F("let s = \"tab\\tquote\\\" \\u00e9 \\$ \\/\"",
      "let s = \"tab\\tquote\\\" \\u00e9 \\$ \\/\"\n");
    F("let r = `raw \\d+ ${x}`", "let r = `raw \\d+ ${x}`\n");
    F("let t = \"a ${ x+1 } b ${ \"in\" } \\${c}\"", "let t = \"a ${x + 1} b ${\"in\"} \\${c}\"\n");
    F("let t = \"${ {\"k\" : 1}.k }\"", "let t = \"${{\"k\": 1}.k}\"\n");
    F("let t = \"o ${ \"i ${ y } j\" } p\"", "let t = \"o ${\"i ${y} j\"} p\"\n");
    F("let x = [true,false,null]", "let x = [true, false, null]\n");
}

TEST(parentheses_kept)
{
    F("let x = ( (1+2) )*3", "let x = ((1 + 2)) * 3\n");
    F("let x = ( a )", "let x = (a)\n");
    F("let o = {(k): 1, k: 2}", "let o = {(k): 1, k: 2}\n");
    F("let x = (a or b) and c", "let x = (a or b) and c\n");
    F("let x = (f)(x)", "let x = (f)(x)\n");
}

TEST(expressions)
{
    F("let x = if a then 1 else if b then 2 else 3",
      "let x = if a then 1 else if b then 2 else 3\n");
    F("let x = let a = 1 ; let b = 2 ; a+b", "let x = let a = 1; let b = 2; a + b\n");
    F("let x = any r in xs : r.a", "let x = any r in xs: r.a\n");
    F("let x = all k , v in o : v > 1", "let x = all k, v in o: v > 1\n");
    F("let x = [ r.a for r in xs if r.b ]", "let x = [r.a for r in xs if r.b]\n");
    F("let x = { r for r in xs }", "let x = {r for r in xs}\n");
    F("let x = { k : v*10 for k , v in o }", "let x = {k: v * 10 for k, v in o}\n");
}

TEST(policies_and_rules)
{
    F("policy  a.b\nkind:plan\n id : \"x\"\n labels: [ \"l\" ]\ndeny  when  x",
      "policy a.b\n  kind: plan\n  id: \"x\"\n  labels: [\"l\"]\n\ndeny when x\n");
    /* A rule that fits stays on one line. */
    F("deny for r in xs\n  when r.a\n  message \"m\"", "deny for r in xs when r.a message \"m\"\n");
    /* One that does not: each clause on its own line, indented 2. */
    F("deny for r in tf.changes(\"aws_s3_bucket\", [\"create\", \"update\"]) let a = r.after.acl "
      "when a in public message \"bucket ${r.address} has ACL ${a}\"",
      "deny for r in tf.changes(\"aws_s3_bucket\", [\"create\", \"update\"])\n"
      "  let a = r.after.acl\n"
      "  when a in public\n"
      "  message \"bucket ${r.address} has ACL ${a}\"\n");
    /* A long condition breaks before its loosest operators, indented 4. */
    F("deny when input.action == \"apply\" and context.time.weekday in frozen_days and not "
      "(\"break-glass\" in (context.actor.teams ?? [])) message \"frozen\"",
      "deny\n"
      "  when input.action == \"apply\"\n"
      "    and context.time.weekday in frozen_days\n"
      "    and not (\"break-glass\" in (context.actor.teams ?? []))\n"
      "  message \"frozen\"\n");
    F("trigger  \"stack-b\"  for s in xs when s.ok", "trigger \"stack-b\" for s in xs when s.ok\n");
    F("approve when a\nreject when b", "approve when a\n\nreject when b\n");
}

TEST(breaking)
{
    F("let policy_types = [\"aws_iam_policy\", \"aws_iam_role_policy\", \"aws_iam_user_policy\", "
      "\"aws_iam_group_policy\"]",
      "let policy_types =\n"
      "  [\"aws_iam_policy\", \"aws_iam_role_policy\", \"aws_iam_user_policy\", "
      "\"aws_iam_group_policy\"]\n");
    F("let policy_types = [\"aws_iam_policy\", \"aws_iam_role_policy\", \"aws_iam_user_policy\", "
      "\"aws_iam_group_policy\", \"xxxxxxxxxx\"]",
      "let policy_types = [\n"
      "  \"aws_iam_policy\",\n"
      "  \"aws_iam_role_policy\",\n"
      "  \"aws_iam_user_policy\",\n"
      "  \"aws_iam_group_policy\",\n"
      "  \"xxxxxxxxxx\",\n"
      "]\n");
    /* A value that fits on the next line goes there. */
    F("func world(rule) = [c for c in (rule.cidr_blocks ?? []) + (rule.ipv6_cidr_blocks ?? []) "
      "if is_world(c)]",
      "func world(rule) =\n"
      "  [c for c in (rule.cidr_blocks ?? []) + (rule.ipv6_cidr_blocks ?? []) if is_world(c)]\n");
    F("func action_of(actions) = if count(actions) == 2 and \"create\" in actions and \"delete\" "
      "in "
      "actions then \"replace\" else if count(actions) == 1 then actions[0] else \"unknown\"",
      "func action_of(actions) =\n"
      "  if count(actions) == 2 and \"create\" in actions and \"delete\" in actions then "
      "\"replace\"\n"
      "  else if count(actions) == 1 then actions[0]\n"
      "  else \"unknown\"\n");
    /* The one bracket argument of a call breaks, not the call. */
    F("let approvers = unique([r.actor for r in input.reviews ?? [] if r.verdict == \"approve\" "
      "and "
      "r.actor != input.run.author])",
      "let approvers = unique([\n"
      "  r.actor\n"
      "  for r in input.reviews ?? []\n"
      "  if r.verdict == \"approve\" and r.actor != input.run.author\n"
      "])\n");
    /* Strings never break, even past the width. */
    F("let m = "
      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aa"
      "aaaaaaaa\"",
      "let m = "
      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaa\"\n");
}

TEST(blank_lines)
{
    /* Declarations on adjacent lines stay together; more blank lines become one. */
    F("use tf\nlet a = 1\nfunc f() = 2\n\n\n\nlet b = 3",
      "use tf\nlet a = 1\nfunc f() = 2\n\nlet b = 3\n");
    /* Policies and rules always get one. */
    F("policy p\nuse tf\ndeny when a\ndeny when b\npolicy q\nwarn when c",
      "policy p\n\nuse tf\n\ndeny when a\n\ndeny when b\n\npolicy q\n\nwarn when c\n");
    F("\n\n\nlet a = 1\n\n\n", "let a = 1\n");
    F("", "");
    F("   \n\n", "");
}

TEST(comments)
{
    F("# only a comment", "# only a comment\n");
    F("# head\n\n# more   \nlet a = 1 # trailing\n\n\n# tail\n",
      "# head\n\n# more\nlet a = 1 # trailing\n\n# tail\n");
    /* A comment between declarations, with its blank lines. */
    F("let a = 1\n# about b\nlet b = 2", "let a = 1\n# about b\nlet b = 2\n");
    F("let a = 1\n\n# section\n\nlet b = 2", "let a = 1\n\n# section\n\nlet b = 2\n");
    F("deny when a\n# about b\ndeny when b", "deny when a\n\n# about b\ndeny when b\n");
    /* Metadata and rule clauses. */
    F("policy p # the policy\n  # the kind\n  kind: plan # plan\n  id: \"x\"",
      "policy p # the policy\n  # the kind\n  kind: plan # plan\n  id: \"x\"\n");
    F("deny for r in xs # each\n  # why\n  when r.a\n  message \"m\" # done\n",
      "deny for r in xs # each\n  # why\n  when r.a\n  message \"m\" # done\n");
    /* A trailing comment at the end of a rule does not break it. */
    F("deny when a message \"m\" # note", "deny when a message \"m\" # note\n");
    /* Inside brackets: the bracket breaks so the comment can end its line. */
    F("let x = [\n  1, # one\n  2\n]", "let x = [\n  1, # one\n  2,\n]\n");
    F("let x = [ # first\n  1, 2]", "let x = [ # first\n  1,\n  2,\n]\n");
    F("let x = [\n  # lead\n  1,\n  2, # two\n]", "let x = [\n  # lead\n  1,\n  2, # two\n]\n");
    F("let x = a and # why\n  b", "let x =\n  a\n  and # why\n  b\n");
    F("let x = a. # odd\n  b", "let x = a. # odd\nb\n");
    F("deny when # why\n  a", "deny\n  when # why\n  a\n");
    F("let x = f(a # c\n)", "let x = f(\n  a, # c\n)\n");
    F("let x = f(a # c\n, b)", "let x = f(\n  a, # c\n  b,\n)\n");
    F("let x = f(a\n# c\n, b)", "let x = f(\n  a,\n  # c\n  b,\n)\n");
    F("let x = {\n  \"a\": 1, # one\n  # b next\n  \"b\": 2\n}",
      "let x = {\n  \"a\": 1, # one\n  # b next\n  \"b\": 2,\n}\n");
    F("let x = 1 #a#b\r\n", "let x = 1 #a#b\n");
}

TEST(syntax_errors)
{
    DiagList d = {0};
    const char *bad = "deny when (a\n";
    char *out = fmt_source("bad.veto", bad, strlen(bad), &d);
    CHECK(out == NULL);
    CHECK(d.errors > 0);
    char *r = diag_render(&d, 0);
    CHECK(r && strstr(r, "bad.veto:") != NULL);
    free(r);
    diag_clear(&d);
    const char *lex = "let s = \"open\n";
    out = fmt_source("lex.veto", lex, strlen(lex), &d);
    CHECK(out == NULL);
    CHECK(d.errors > 0);
    diag_clear(&d);
}

TEST(crlf_and_tabs)
{
    F("policy p\r\n\tkind: plan\r\n\r\n\r\ndeny\twhen\ta\r\n",
      "policy p\n  kind: plan\n\ndeny when a\n");
}

/* ---- the repository ------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    Buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    char *r = buf_take(&b);
    return r ? r : strdup("");
}

typedef struct Paths {
    char **v;
    size_t n, cap;
} Paths;

static void paths_walk(Paths *ps, const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (name[0] != '.') {
            size_t len = strlen(dir) + strlen(name) + 2;
            char *p = malloc(len);
            snprintf(p, len, "%s/%s", dir, name);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
                paths_walk(ps, p);
                free(p);
            } else if (strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".veto") == 0) {
                if (ps->n == ps->cap) {
                    ps->cap = ps->cap ? ps->cap * 2 : 64;
                    ps->v = realloc(ps->v, ps->cap * sizeof *ps->v);
                }
                ps->v[ps->n++] = p;
            } else {
                free(p);
            }
        }
        free(ents[i]);
    }
    free(ents);
}

/* A tiny deterministic generator for the re-spacing. */
static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 16) & 0x7fff;
}

static int has_blank_line(const char *t, uint32_t from, uint32_t to)
{
    int nl = 0;
    for (uint32_t p = from; p < to; p++)
        nl += t[p] == '\n';
    return nl >= 2;
}

/* text with every gap between tokens re-spaced at random: single spaces
 * become runs of blanks or line breaks, but a blank line stays a blank
 * line (and none appears), an own-line comment stays on its own line and
 * a trailing comment stays after its code. No break goes before a comma
 * (a comment after it would then belong to a different line). */
static char *respace(const char *text, size_t len)
{
    Source *s = source_new("t.veto", text, len);
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    Lexer lx;
    lex_init(&lx, s, &a, &d);
    Buf b = BUF_INIT;
    static const char *const blanks[] = {" ", "  ", "\t", "\n", "\n      ", " \n "};
    uint32_t prev = 0;
    Token t;
    for (;;) {
        int type = lex_next(&lx, &t);
        uint32_t end = type == TK_EOF ? (uint32_t)len : t.off;
        uint32_t p = prev;
        while (p < end) {
            uint32_t c = p;
            while (c < end && text[c] != '#')
                c++;
            if (c == end)
                break;
            uint32_t q = c;
            while (q < end && text[q] != '\n')
                q++;
            int own = 1;
            for (uint32_t k = c; k > 0 && text[k - 1] != '\n'; k--)
                if (text[k - 1] != ' ' && text[k - 1] != '\t' && text[k - 1] != '\r')
                    own = 0;
            if (own)
                buf_puts(&b, has_blank_line(text, p, c) ? "\n\n" : "\n");
            buf_puts(&b, rng() % 2 ? " " : "   ");
            buf_append(&b, text + c, q - c);
            p = q;
        }
        if (p != prev) { /* after a comment: its line must end */
            buf_puts(&b, has_blank_line(text, p, end) ? "\n\n" : "\n");
        } else if (has_blank_line(text, prev, end)) {
            buf_puts(&b, "\n\n");
        } else if (type == TK_COMMA || type == TK_EOF) {
            buf_puts(&b, rng() % 2 ? "" : " ");
        } else {
            buf_puts(&b, blanks[rng() % (sizeof blanks / sizeof blanks[0])]);
        }
        if (type == TK_EOF)
            break;
        buf_append(&b, text + t.off, t.len);
        prev = t.off + t.len;
    }
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
    return buf_take(&b);
}

/* text with comments added in many gaps between tokens: trailing ones
 * (`x # tN`) and own-line ones, inside brackets, interpolations, paths. */
static char *commentify(const char *text, size_t len, int *count)
{
    Source *s = source_new("t.veto", text, len);
    Arena a;
    arena_init(&a, 0);
    DiagList d = {0};
    Lexer lx;
    lex_init(&lx, s, &a, &d);
    Buf b = BUF_INIT;
    uint32_t prev = 0;
    Token t;
    *count = 0;
    for (;;) {
        int type = lex_next(&lx, &t);
        uint32_t end = type == TK_EOF ? (uint32_t)len : t.off;
        buf_append(&b, text + prev, end - prev);
        uint32_t r = rng() % 6;
        if (r < 2)
            buf_printf(&b, " # t%d\n", (*count)++);
        else if (r == 2)
            buf_printf(&b, "\n# o%d\n", (*count)++);
        if (type == TK_EOF)
            break;
        buf_append(&b, text + t.off, t.len);
        prev = t.off + t.len;
    }
    diag_clear(&d);
    arena_free(&a);
    source_free(s);
    return buf_take(&b);
}

/* fmt of a commented copy of text: same AST, every comment kept, stable. */
static int check_commented(const char *path, const char *text, size_t len, const char *dump)
{
    int n, ok = 1;
    char *c = commentify(text, len, &n);
    char *cdump = c ? dump_of(c, strlen(c)) : NULL;
    char *out = c ? fmt_str(c) : NULL;
    char *odump = out ? dump_of(out, strlen(out)) : NULL;
    char *again = out ? fmt_str(out) : NULL;
    char *k1 = c ? comments_of(c, strlen(c)) : NULL;
    char *k2 = out ? comments_of(out, strlen(out)) : NULL;
    if (!cdump || strcmp(cdump, dump) != 0) {
        fprintf(stderr, "%s: the commented copy does not parse alike (test bug)\n%s", path,
                c ? c : "");
        ok = 0;
    } else if (!out || !odump || strcmp(odump, dump) != 0) {
        fprintf(stderr, "%s: commented copy: the AST changed\n--- input:\n%s--- output:\n%s", path,
                c, out ? out : "(NULL)\n");
        ok = 0;
    } else if (!again || strcmp(again, out) != 0) {
        fprintf(stderr,
                "%s: commented copy: not idempotent\n--- input:\n%s--- first:\n%s"
                "--- second:\n%s",
                path, c, out, again ? again : "(NULL)\n");
        ok = 0;
    } else if (!k1 || !k2 || strcmp(k1, k2) != 0) {
        fprintf(stderr, "%s: commented copy: comments changed\n--- input:\n%s--- output:\n%s", path,
                c, out);
        ok = 0;
    }
    free(c);
    free(cdump);
    free(out);
    free(odump);
    free(again);
    free(k1);
    free(k2);
    return ok;
}

static void check_repo_file(const char *path, int *parsed, int *broken)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read\n", path);
        harness_record(0);
        return;
    }
    DiagList d = {0};
    char *out = fmt_source(path, text, len, &d);
    char *orig_dump = dump_of(text, len);
    int ok = 1;
    if (!out) {
        /* Only a file that does not parse may fail, and it must say why. */
        if (orig_dump || d.errors == 0) {
            fprintf(stderr, "%s: fmt failed on a file that parses\n", path);
            ok = 0;
        }
        (*broken)++;
    } else {
        (*parsed)++;
        char *new_dump = dump_of(out, strlen(out));
        if (!orig_dump || !new_dump || strcmp(orig_dump, new_dump) != 0) {
            fprintf(stderr, "%s: the AST changed\n  before: %s\n  after:  %s\n", path,
                    orig_dump ? orig_dump : "(none)", new_dump ? new_dump : "(none)");
            ok = 0;
        }
        free(new_dump);
        char *again = fmt_str(out);
        if (!again || strcmp(again, out) != 0) {
            fprintf(stderr, "%s: not idempotent\n--- first:\n%s--- second:\n%s", path, out,
                    again ? again : "(NULL)\n");
            ok = 0;
        }
        free(again);
        char *c1 = comments_of(text, len), *c2 = comments_of(out, strlen(out));
        if (strcmp(c1, c2) != 0) {
            fprintf(stderr, "%s: comments changed\n--- before:\n%s--- after:\n%s", path, c1, c2);
            ok = 0;
        }
        free(c1);
        free(c2);
        for (int round = 0; round < 8 && ok; round++)
            ok = check_commented(path, text, len, orig_dump);
        for (int round = 0; round < 4; round++) {
            char *messy = respace(text, len);
            char *m = messy ? fmt_str(messy) : NULL;
            if (!m || strcmp(m, out) != 0) {
                fprintf(stderr,
                        "%s: re-spaced copy formats differently\n--- re-spaced:\n%s"
                        "--- formatted:\n%s--- expected:\n%s",
                        path, messy ? messy : "(NULL)", m ? m : "(NULL)\n", out);
                ok = 0;
                round = 3;
            }
            free(m);
            free(messy);
        }
    }
    diag_clear(&d);
    free(orig_dump);
    free(out);
    free(text);
    harness_record(ok);
}

static void check_repo(void)
{
    Paths ps = {0};
    paths_walk(&ps, "policies-examples");
    paths_walk(&ps, "stdlib");
    paths_walk(&ps, "tests");
    int parsed = 0, broken = 0;
    for (size_t i = 0; i < ps.n; i++) {
        check_repo_file(ps.v[i], &parsed, &broken);
        free(ps.v[i]);
    }
    free(ps.v);
    /* The walk must have found the examples (run from the repository root). */
    if (parsed < 10)
        fprintf(stderr, "test_fmt: only %d repository files found: run from the root\n", parsed);
    harness_record(parsed >= 10);
    fprintf(stderr, "test_fmt: %d repository files formatted, %d with syntax errors\n", parsed,
            broken);
}

int main(void)
{
    RUN(spacing);
    RUN(literals_as_written);
    RUN(parentheses_kept);
    RUN(expressions);
    RUN(policies_and_rules);
    RUN(breaking);
    RUN(blank_lines);
    RUN(comments);
    RUN(syntax_errors);
    RUN(crlf_and_tabs);
    check_repo(); /* one count per file */
    return harness_done();
}
