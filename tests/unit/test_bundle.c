/* test_bundle.c — bundles (engine/gate/bundle.c, engine/gate/bundle_verify.c): a round trip
 * gives the same decisions and the same policy-set hash; every truncation
 * and every single-byte change of a bundle is refused cleanly; a byte
 * changed under a recomputed checksum (a crafted bundle) either loads a
 * program that verifies or is refused, never crashes; wrong magic and
 * version give their messages; every program the compiler makes from the
 * examples verifies. */
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "compile_testlib.h"
#include "gate/bundle.h"
#include "gate/bundle_verify.h"
#include "harness.h"
#include "veto.h"
#include "vm/program.h"

static veto_engine *engine;

static const char policy_src[] =
    "policy demo.s3\n"
    "  id: \"DEMO-1\"\n"
    "  title: \"No public buckets\"\n"
    "  severity: high\n"
    "  enforcement: soft\n"
    "  maps: [\"CIS 2.1\"]\n"
    "  labels: [\"s3\", \"demo\"]\n"
    "\n"
    "let big = [1.5, -0.0, null, true, \"\\u00e9\"]\n"
    "let acls = {\"public-read\", \"public-read-write\"}\n"
    "func tagged(r) = r.change.after.tags.owner != null\n"
    "\n"
    "deny for r in input.resource_changes\n"
    "  when r.type == \"aws_s3_bucket\" and r.change.after.acl in acls\n"
    "  message \"bucket ${r.address} is ${r.change.after.acl}\"\n"
    "\n"
    "deny for r in input.resource_changes\n"
    "  when r.address =~ \"^aws_instance\\\\.\" and not tagged(r)\n"
    "    and count([x for x in r.change.actions if x != \"read\"]) > 0\n"
    "    and {\"k\": 1, \"v\": big} != null\n"
    "  message \"instance ${r.address} has no owner: ${lower(r.type)}\"\n"
    "\n"
    "policy demo.any\n"
    "  id: \"DEMO-2\"\n"
    "  enforcement: advisory\n"
    "\n"
    "warn when any r in input.resource_changes: r.change.actions[0] == \"delete\"\n"
    "  message \"something is deleted: ${{k: 1 for k, v in input}}\"\n";

static const char input_json[] =
    "{\"resource_changes\": ["
    " {\"address\": \"aws_s3_bucket.a\", \"type\": \"aws_s3_bucket\","
    "  \"change\": {\"actions\": [\"create\"], \"after\": {\"acl\": \"public-read\"}}},"
    " {\"address\": \"aws_s3_bucket.b\", \"type\": \"aws_s3_bucket\","
    "  \"change\": {\"actions\": [\"delete\"], \"after\": null}},"
    " {\"address\": \"aws_instance.c\", \"type\": \"aws_instance\","
    "  \"change\": {\"actions\": [\"update\"], \"after\": {\"instance_type\": \"t3\"}}}]}";

static veto_program *compile_demo(void) { return testlib_compile(engine, "demo.veto", policy_src); }

/* The decision JSON of p on the demo input (malloc'd), with a small fuel
 * budget so crafted programs stay quick. */
static char *decide(const veto_program *p, uint64_t fuel)
{
    veto_diags *d = veto_diags_new();
    veto_doc *doc =
        veto_doc_load_json(engine, "input.json", input_json, strlen(input_json), NULL, d);
    veto_eval_options opt;
    memset(&opt, 0, sizeof opt);
    opt.fuel = fuel;
    veto_decision *dec = doc ? veto_eval(p, doc, &opt) : NULL;
    char *json = dec ? veto_decision_json(dec, 1) : NULL;
    veto_decision_free(dec);
    veto_doc_free(doc);
    veto_diags_free(d);
    return json;
}

static char *load_error(const unsigned char *bytes, size_t len, veto_program **out)
{
    veto_diags *d = veto_diags_new();
    *out = bundle_load_mem(engine, "b.vbundle", bytes, len, d);
    char *r = veto_diags_render(d, 0);
    veto_diags_free(d);
    return r;
}

TEST(round_trip_same_decisions_and_hash)
{
    veto_program *p = compile_demo();
    CHECK(p != NULL);
    if (!p)
        return;
    char err[256] = "";
    CHECK(bundle_verify(p, err, sizeof err));
    unsigned char *bytes;
    size_t len;
    CHECK_INT(bundle_serialize(p, &bytes, &len, NULL), VETO_OK);
    veto_program *q;
    char *msg = load_error(bytes, len, &q);
    CHECK(q != NULL);
    if (!q)
        fprintf(stderr, "%s", msg ? msg : "");
    free(msg);
    if (q) {
        char h1[65], h2[65];
        veto_program_hash(p, h1);
        veto_program_hash(q, h2);
        CHECK_INT(strlen(h1), 64);
        CHECK_STR(h2, h1);
        char *a = decide(p, 0), *b = decide(q, 0);
        CHECK(a && strstr(a, "DEMO-1"));
        CHECK_STR(b, a);
        free(a);
        free(b);
        char *da = veto_program_disasm(p), *db = veto_program_disasm(q);
        CHECK_STR(db, da);
        free(da);
        free(db);
        /* Writing the loaded program again gives the same bytes. */
        unsigned char *again;
        size_t len2;
        CHECK_INT(bundle_serialize(q, &again, &len2, NULL), VETO_OK);
        CHECK(len2 == len && memcmp(again, bytes, len) == 0);
        free(again);
        veto_program_free(q);
    }
    /* The hash is stable: a second compile hashes the same. */
    veto_program *p2 = compile_demo();
    char h1[65], h3[65];
    veto_program_hash(p, h1);
    veto_program_hash(p2, h3);
    CHECK_STR(h3, h1);
    veto_program_free(p2);
    free(bytes);
    veto_program_free(p);
}

/* The policy-set hash is computed on first use. It must equal the SHA-256
 * of the payload (the checksum in the bundle header) and the decision's
 * "policy_set", and many threads asking a fresh program at once must all
 * get that value (run under TSan/ASan builds too). */
struct HashThread {
    const veto_program *p;
    char hex[65];
};

static void *hash_thread(void *arg)
{
    struct HashThread *t = arg;
    veto_program_hash(t->p, t->hex);
    return NULL;
}

TEST(lazy_hash_is_the_payload_checksum)
{
    veto_program *p = compile_demo();
    CHECK(p != NULL);
    if (!p)
        return;
    enum { NT = 8 };
    struct HashThread t[NT];
    pthread_t tid[NT];
    int started[NT];
    for (int i = 0; i < NT; i++) {
        t[i].p = p;
        t[i].hex[0] = 'x';
        started[i] = pthread_create(&tid[i], NULL, hash_thread, &t[i]) == 0;
    }
    for (int i = 0; i < NT; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            hash_thread(&t[i]);

    unsigned char *bytes;
    size_t len;
    CHECK_INT(bundle_serialize(p, &bytes, &len, NULL), VETO_OK);
    char want[65];
    sha256_hex(bytes + 36, want);
    uint8_t md[SHA256_LEN];
    sha256(bytes + BUNDLE_HEADER_SIZE, len - BUNDLE_HEADER_SIZE, md);
    char payload[65];
    sha256_hex(md, payload);
    CHECK_STR(payload, want);
    for (int i = 0; i < NT; i++)
        CHECK_STR(t[i].hex, want);
    char *json = decide(p, 0);
    char field[96];
    snprintf(field, sizeof field, "\"policy_set\": \"%s\"", want);
    CHECK(json && strstr(json, field));
    free(json);
    free(bytes);
    veto_program_free(p);
}

TEST(every_truncation_is_refused)
{
    veto_program *p = compile_demo();
    unsigned char *bytes;
    size_t len;
    CHECK_INT(bundle_serialize(p, &bytes, &len, NULL), VETO_OK);
    int refused = 0;
    for (size_t n = 0; n < len; n++) {
        veto_program *q;
        char *msg = load_error(bytes, n, &q);
        if (!q && msg && strstr(msg, "b.vbundle: "))
            refused++;
        veto_program_free(q);
        free(msg);
    }
    CHECK_INT(refused, len);
    free(bytes);
    veto_program_free(p);
}

TEST(every_byte_flip_is_refused)
{
    veto_program *p = compile_demo();
    unsigned char *bytes;
    size_t len;
    CHECK_INT(bundle_serialize(p, &bytes, &len, NULL), VETO_OK);
    size_t refused = 0, loaded = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char *copy = malloc(len);
        memcpy(copy, bytes, len);
        copy[i] ^= 0x5a;
        veto_program *q;
        char *msg = load_error(copy, len, &q);
        if (q) {
            loaded++;
            /* Only the informational writer-version field is unchecked. */
            CHECK(i >= 12 && i < 28);
        } else {
            refused++;
        }
        veto_program_free(q);
        free(msg);
        free(copy);
    }
    CHECK_INT(refused + loaded, len);
    CHECK(loaded <= 16);
    free(bytes);
    veto_program_free(p);
}

/* A crafted bundle: one byte changed and the checksum recomputed, so the
 * parser and the verifier see it. Either refused or loaded and runnable. */
TEST(crafted_byte_changes_never_crash)
{
    veto_program *p = compile_demo();
    unsigned char *bytes;
    size_t len;
    CHECK_INT(bundle_serialize(p, &bytes, &len, NULL), VETO_OK);
    static const unsigned char deltas[] = {0x01, 0x80, 0xff};
    size_t loaded = 0;
    for (size_t i = BUNDLE_HEADER_SIZE; i < len; i++) {
        for (size_t k = 0; k < sizeof deltas; k++) {
            unsigned char *copy = malloc(len);
            memcpy(copy, bytes, len);
            copy[i] = (unsigned char)(copy[i] + deltas[k]);
            sha256(copy + BUNDLE_HEADER_SIZE, len - BUNDLE_HEADER_SIZE, copy + 36);
            veto_program *q;
            char *msg = load_error(copy, len, &q);
            if (q) {
                char err[256];
                CHECK(bundle_verify(q, err, sizeof err));
                free(decide(q, 20000));
                loaded++;
            } else {
                CHECK(msg && strstr(msg, "bundle is invalid") != NULL);
            }
            veto_program_free(q);
            free(msg);
            free(copy);
        }
    }
    CHECK(loaded > 0); /* text bytes change messages, not safety */
    free(bytes);
    veto_program_free(p);
}

TEST(magic_and_version)
{
    veto_program *p = compile_demo();
    unsigned char *bytes;
    size_t len;
    CHECK_INT(bundle_serialize(p, &bytes, &len, NULL), VETO_OK);
    veto_program *q;
    bytes[0] = 'X';
    char *msg = load_error(bytes, len, &q);
    CHECK(!q && msg && strstr(msg, "not a veto bundle"));
    free(msg);
    bytes[0] = 'V';
    bytes[8] = 7;
    msg = load_error(bytes, len, &q);
    CHECK(!q && msg &&
          strstr(msg, "bundle format 7, this veto reads 1; rebuild it with `veto build`"));
    free(msg);
    bytes[8] = 1;
    bytes[len - 1] ^= 1;
    msg = load_error(bytes, len, &q);
    CHECK(!q && msg && strstr(msg, "bundle is corrupt: checksum mismatch"));
    free(msg);
    bytes[len - 1] ^= 1;
    msg = load_error(bytes, len, &q);
    CHECK(q != NULL);
    free(msg);
    veto_program_free(q);
    free(bytes);
    veto_program_free(p);
}

/* Hand-made functions the verifier must refuse. */
TEST(verifier_refuses_bad_code)
{
    veto_program *p = compile_demo();
    /* Find a rule function and try a few corruptions of its code. */
    Function *f = &p->funcs[p->rules[0].func];
    Instr *saved = malloc(f->ncode * sizeof *saved);
    memcpy(saved, f->code, f->ncode * sizeof *saved);
    char err[256];
    struct {
        Instr first;
        const char *want;
    } cases[] = {
        {MK_A(OP_POP, 0), "needs 1 values"},
        {MK_A(OP_JUMP, 0), "backward jump"},
        {MK_A(OP_LOAD, 60000), "local 60000"},
        {MK_A(OP_CONST, 9999999), "constant"},
        {MK_A(OP_COLLECT_ARR, 0), "without an open MARK"},
        {(Instr)0xee, "unknown opcode"},
        {MK_AB(OP_CALL, 3, 0), "call with 3 arguments"},
        {MK_A(OP_RET, 0), "RET on an empty stack"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f->code[0] = cases[i].first;
        err[0] = '\0';
        CHECK(!bundle_verify(p, err, sizeof err));
        if (!strstr(err, cases[i].want))
            fprintf(stderr, "    case %zu: %s\n", i, err);
        CHECK(strstr(err, cases[i].want) != NULL);
    }
    memcpy(f->code, saved, f->ncode * sizeof *saved);
    CHECK(bundle_verify(p, err, sizeof err));
    free(saved);
    veto_program_free(p);
}

/* Every policy set the project ships compiles to code that verifies. */
static int verify_dir(const char *path)
{
    veto_diags *d = veto_diags_new();
    veto_compiler *c = veto_compiler_new(engine);
    veto_program *p = NULL;
    if (veto_compiler_add_path(c, path, d) == VETO_OK)
        p = veto_compiler_finish(c, d);
    else
        veto_compiler_free(c);
    veto_diags_free(d);
    if (!p)
        return -1; /* cases that must not compile are not ours */
    char err[256] = "";
    int ok = bundle_verify(p, err, sizeof err);
    if (!ok)
        fprintf(stderr, "%s: %s\n", path, err);
    veto_program_free(p);
    return ok;
}

TEST(compiler_output_verifies)
{
    CHECK_INT(verify_dir("policies-examples"), 1);
    const char *roots[] = {"tests/golden/language", "tests/golden/examples", "tests/golden/bundle"};
    int checked = 0;
    for (size_t r = 0; r < sizeof roots / sizeof roots[0]; r++) {
        DIR *dir = opendir(roots[r]);
        struct dirent *de;
        while (dir && (de = readdir(dir)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", roots[r], de->d_name);
            int ok = verify_dir(path);
            CHECK(ok != 0);
            checked += ok == 1;
        }
        if (dir)
            closedir(dir);
    }
    CHECK(checked > 5);
}

int main(void)
{
    engine = veto_engine_new();
    RUN(round_trip_same_decisions_and_hash);
    RUN(lazy_hash_is_the_payload_checksum);
    RUN(every_truncation_is_refused);
    RUN(every_byte_flip_is_refused);
    RUN(crafted_byte_changes_never_crash);
    RUN(magic_and_version);
    RUN(verifier_refuses_bad_code);
    RUN(compiler_output_verifies);
    veto_engine_free(engine);
    return harness_done();
}
