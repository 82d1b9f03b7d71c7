/* test_orch_config.c — veto.yaml loading, the dependency graph and the
 * small JSON reader of the orchestrator. */
#include "../../orchestrator/config.h"
#include "../../orchestrator/graph.h"
#include "../../orchestrator/graph_render.h"
#include "../../orchestrator/jdoc.h"
#include "../../orchestrator/plan.h"
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

static char cfg_path[64];

/* Writes text to a temporary veto.yaml and loads it. */
static Config *load(const char *text, char **errors)
{
    snprintf(cfg_path, sizeof cfg_path, "/tmp/veto-test-cfg-%d.yaml", (int)getpid());
    FILE *f = fopen(cfg_path, "w");
    fputs(text, f);
    fclose(f);
    Config *c = config_load(cfg_path, errors);
    unlink(cfg_path);
    return c;
}

/* The errors with the temporary path replaced by "F". */
static char *errs(const char *e)
{
    static char buf[4096];
    size_t n = strlen(cfg_path), o = 0;
    for (const char *p = e; *p && o < sizeof buf - 1;) {
        if (strncmp(p, cfg_path, n) == 0) {
            buf[o++] = 'F';
            p += n;
        } else {
            buf[o++] = *p++;
        }
    }
    buf[o] = '\0';
    return buf;
}

TEST(config_full)
{
    char *e = NULL;
    Config *c = load("version: 1\n"
                     "store: state/x.db\n"
                     "defaults:\n"
                     "  timeout: 15m\n"
                     "  apply: make apply\n"
                     "  env: {A: one, B: two}\n"
                     "people:\n"
                     "  alice: {teams: [platform]}\n"
                     "  bob:\n"
                     "teams:\n"
                     "  security: [bob, alice]\n"
                     "policies:\n"
                     "  - p/all\n"
                     "  - {path: p/prod, labels: [prod]}\n"
                     "stacks:\n"
                     "  net:\n"
                     "    dir: s/net\n"
                     "    labels: [prod]\n"
                     "    env:\n"
                     "      B: mine\n"
                     "      S: {value: hush, sensitive: true}\n"
                     "  app:\n"
                     "    depends_on: net\n"
                     "    timeout: 90\n"
                     "    auto_apply: false\n"
                     "    outputs: ''\n"
                     "    policies: [p/app]\n",
                     &e);
    CHECK(c != NULL);
    CHECK(e == NULL);
    if (!c)
        return;
    CHECK_INT(c->nstacks, 2);
    const CfgStack *net = config_stack(c, "net"), *app = config_stack(c, "app");
    CHECK(net && app);
    CHECK_STR(net->dir, "/tmp/s/net");
    CHECK_STR(net->dir_display, "s/net");
    CHECK_STR(net->plan_cmd, CONFIG_DEFAULT_PLAN);
    CHECK_STR(net->apply_cmd, "make apply");
    CHECK_INT(net->timeout, 900);
    CHECK_INT(net->nenv, 3);
    CHECK_STR(net->env[0].name, "A");
    CHECK_STR(net->env[1].name, "B");
    CHECK_STR(net->env[1].value, "mine");
    CHECK_INT(net->env[2].sensitive, 1);
    CHECK_INT(app->timeout, 90);
    CHECK_INT(app->auto_apply, 0);
    CHECK_STR(app->outputs_cmd, "");
    CHECK_INT(app->ndeps, 1);
    CHECK_INT(app->dep_idx[0], 0);
    CHECK_STR(app->policies[0], "/tmp/p/app");
    CHECK_STR(c->store_path, "/tmp/state/x.db");
    CHECK_INT(c->npolicies, 2);
    CHECK_INT(c->policies[1].nlabels, 1);
    size_t n = 0;
    char **teams = config_teams(c, "alice", &n);
    CHECK_INT(n, 2);
    CHECK(teams && strcmp(teams[1], "security") == 0);
    config_teams(c, "bob", &n);
    CHECK_INT(n, 1);
    CHECK(config_teams(c, "nobody", &n) == NULL && n == 0);
    CHECK_STR(config_suggest_stack(c, "nett"), "net");
    config_free(c);
}

TEST(config_errors_have_positions)
{
    char *e = NULL;
    Config *c = load("stacks:\n"
                     "  a:\n"
                     "    dir: x\n"
                     "    lables: [p]\n"
                     "  b:\n"
                     "    depends_on: [a, zz]\n"
                     "    env: {1BAD: x}\n"
                     "    auto_apply: maybe\n"
                     "bogus: 1\n",
                     &e);
    CHECK(c == NULL);
    CHECK_STR(errs(e ? e : ""),
              "F:9:1: error: top level: unknown key 'bogus' (known keys: version, store, "
              "defaults, stacks, policies, people, teams)\n"
              "F:4:5: error: stack 'a': unknown key 'lables'; did you mean 'labels'?\n"
              "F:7:11: error: env: '1BAD' is not a valid environment variable name\n"
              "F:8:17: error: auto_apply must be true or false\n"
              "F:6:21: error: stack 'b' depends on unknown stack 'zz'\n");
    free(e);
}

TEST(config_cycle_named)
{
    char *e = NULL;
    Config *c = load("stacks:\n"
                     "  x: {depends_on: [z]}\n"
                     "  y: {depends_on: [x]}\n"
                     "  z: {depends_on: [y]}\n"
                     "  w: {depends_on: [w]}\n",
                     &e);
    CHECK(c == NULL);
    CHECK_STR(errs(e ? e : ""), "F:5:20: error: stack 'w' depends on itself\n"
                                "F:2:3: error: dependency cycle: x -> z -> y -> x\n");
    free(e);
}

TEST(config_yaml_errors)
{
    char *e = NULL;
    CHECK(load("stacks: [a\n", &e) == NULL);
    CHECK(e && strstr(errs(e), "F:2:1: error: invalid YAML") == errs(e));
    free(e);
    e = NULL;
    CHECK(load("", &e) == NULL);
    CHECK_STR(errs(e ? e : ""), "F:1:1: error: the file is empty; it needs at least a 'stacks' "
                                "mapping\n");
    free(e);
    e = NULL;
    CHECK(load("version: 2\nstacks: {}\n", &e) == NULL);
    CHECK_STR(errs(e ? e : ""), "F:1:10: error: version must be 1 (the only version of this "
                                "format)\n");
    free(e);
    e = NULL;
    CHECK(load("stacks:\n  a: {}\n  a: {}\n", &e) == NULL);
    CHECK_STR(errs(e ? e : ""), "F:3:3: error: stacks: duplicate key 'a'\n");
    free(e);
    e = NULL;
    CHECK(config_load("/nonexistent/veto.yaml", &e) == NULL);
    CHECK_STR(e, "cannot read config '/nonexistent/veto.yaml': No such file or directory\n");
    free(e);
}

TEST(graph_levels_and_marks)
{
    /* 0 <- 1 <- 3, 0 <- 2, 4 alone */
    size_t d1[] = {0}, d2[] = {0}, d3[] = {1, 2};
    const size_t *deps[] = {NULL, d1, d2, d3, NULL};
    size_t ndeps[] = {0, 1, 1, 2, 0};
    int level[5];
    size_t cycle[5], ncycle = 9;
    CHECK_INT(graph_levels(5, deps, ndeps, level, cycle, &ncycle), 0);
    CHECK_INT(ncycle, 0);
    CHECK(level[0] == 0 && level[1] == 1 && level[2] == 1 && level[3] == 2 && level[4] == 0);
    char mark[5] = {0, 1, 0, 0, 0};
    graph_mark_dependents(5, deps, ndeps, mark);
    CHECK(!mark[0] && mark[1] && !mark[2] && mark[3] && !mark[4]);
    char up[5] = {0, 0, 0, 1, 0};
    graph_mark_dependencies(5, deps, ndeps, up);
    CHECK(up[0] && up[1] && up[2] && up[3] && !up[4]);
    size_t c0[] = {2}, c1[] = {0}, c2[] = {1};
    const size_t *cdeps[] = {c0, c1, c2};
    size_t cn[] = {1, 1, 1};
    CHECK_INT(graph_levels(3, cdeps, cn, level, cycle, &ncycle), -1);
    CHECK_INT(ncycle, 3);
    CHECK(cycle[0] == 0 && cycle[1] == 2 && cycle[2] == 1);
}

TEST(graph_render)
{
    char *e = NULL;
    Config *c = load("stacks:\n  a: {}\n  b: {depends_on: [a]}\n  c: {depends_on: [a, b]}\n", &e);
    CHECK(c != NULL);
    if (!c)
        return;
    char *t = graph_render_text(c);
    CHECK_STR(t, "level 0\n  a\nlevel 1\n  b  <- a\nlevel 2\n  c  <- a, b\n");
    free(t);
    t = graph_render_dot(c);
    CHECK_STR(t, "digraph stacks {\n  rankdir=LR;\n  node [shape=box];\n  \"a\";\n  \"b\";\n"
                 "  \"c\";\n  \"a\" -> \"b\";\n  \"a\" -> \"c\";\n  \"b\" -> \"c\";\n}\n");
    free(t);
    config_free(c);
}

TEST(jdoc_parse_and_write)
{
    char err[128];
    const char *text = " {\"a\": [1, -2.5e3, true, null], \"s\": \"x\\u00e9\\ud83d\\ude00\\n\"} ";
    Jd *j = jd_parse(text, strlen(text), err, sizeof err);
    CHECK(j != NULL);
    Sbuf b = {0};
    jd_write(&b, j);
    CHECK_STR(sbuf_str(&b), "{\"a\":[1,-2.5e3,true,null],\"s\":\"x\xc3\xa9\xf0\x9f\x98\x80\\n\"}");
    sbuf_free(&b);
    CHECK(jd_num(jd_get(j, "a")->items[1], 0) == -2500.0);
    jd_free(j);
    CHECK(jd_parse("{\"a\": }", 7, err, sizeof err) == NULL);
    CHECK_STR(err, "unexpected character at byte 6");
    CHECK(jd_parse("[1] x", 5, err, sizeof err) == NULL);
    CHECK(jd_parse("\"abc", 4, err, sizeof err) == NULL);
    CHECK_STR(err, "unterminated string at byte 4");
    const char *out = "Plan: 1 to add\n{not json\n{\"ok\": 1}\n";
    size_t off = 99;
    j = jd_parse_trailing_object(out, strlen(out), &off, err, sizeof err);
    CHECK(j != NULL);
    CHECK_INT(off, 25);
    jd_free(j);
    CHECK(jd_parse_trailing_object("no json", 7, &off, err, sizeof err) == NULL);
    CHECK_STR(err, "no JSON object found in the output");
}

TEST(plan_info_summary_and_secrets)
{
    const char *text =
        "{\"resource_changes\": ["
        "{\"type\": \"aws_s3_bucket\", \"change\": {\"actions\": [\"create\"], "
        "\"after\": {\"pw\": \"s3cret-pw\", \"n\": \"open\"}, \"after_sensitive\": {\"pw\": "
        "true}}},"
        "{\"type\": \"aws_s3_bucket\", \"change\": {\"actions\": [\"delete\", \"create\"], "
        "\"before\": {\"k\": [\"a-old-secret\"]}, \"before_sensitive\": {\"k\": [true]}}},"
        "{\"type\": \"aws_vpc\", \"change\": {\"actions\": [\"no-op\"]}}"
        "]}";
    char err[64];
    Jd *j = jd_parse(text, strlen(text), err, sizeof err);
    CHECK(j != NULL);
    PlanInfo pi;
    CHECK_INT(plan_info(j, text, strlen(text), &pi), 0);
    CHECK_INT(pi.changes, 2);
    CHECK_STR(pi.summary, "{\"actions\":{\"create\":1,\"no-op\":1,\"replace\":1},\"types\":{"
                          "\"aws_s3_bucket\":{\"create\":1,\"replace\":1},\"aws_vpc\":{\"no-op\":1}"
                          "},\"changes\":2}");
    CHECK_INT(pi.nsecrets, 2);
    CHECK_STR(pi.secrets[0], "s3cret-pw");
    CHECK_STR(pi.secrets[1], "a-old-secret");
    CHECK(strncmp(pi.hash, "sha256:", 7) == 0 && strlen(pi.hash) == 71);
    plan_info_clear(&pi);
    jd_free(j);
}

int main(void)
{
    RUN(config_full);
    RUN(config_errors_have_positions);
    RUN(config_cycle_named);
    RUN(config_yaml_errors);
    RUN(graph_levels_and_marks);
    RUN(graph_render);
    RUN(jdoc_parse_and_write);
    RUN(plan_info_summary_and_secrets);
    return harness_done();
}
