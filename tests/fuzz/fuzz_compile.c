/* fuzz_compile.c — libFuzzer target for the whole policy pipeline: lexer,
 * parser, name resolution, code generation, then evaluation of whatever
 * compiles against a small plan, with a tight step budget and memory cap
 * so runaway policies end quickly. Also renders every view of the result
 * and the disassembly. Whatever the bytes, nothing may crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_plan[] =
    "{\"resource_changes\": [{\"address\": \"aws_s3_bucket.a\", \"type\": \"aws_s3_bucket\","
    " \"change\": {\"actions\": [\"create\"], \"after\": {\"acl\": \"public-read\","
    " \"tags\": {\"a\": 1}}, \"after_sensitive\": {\"acl\": true}}}],"
    " \"n\": [1, 2.5, \"x\", null, true, {\"k\": [{}]}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static veto_engine *engine;
    if (!engine)
        engine = veto_engine_new();
    veto_diags *d = veto_diags_new();
    static veto_doc *schema;
    if (!schema) {
        /* A small provider schema, so the typo checker runs on every input. */
        static const char s[] =
            "{\"format_version\":\"1.0\",\"provider_schemas\":{\"registry.terraform.io/hashicorp/"
            "aws\":"
            "{\"resource_schemas\":{\"aws_s3_bucket\":{\"version\":0,\"block\":{\"attributes\":"
            "{\"acl\":{\"type\":\"string\",\"optional\":true},\"tags\":{\"type\":[\"map\","
            "\"string\"],"
            "\"optional\":true}},\"block_types\":{\"grant\":{\"nesting_mode\":\"set\",\"block\":"
            "{\"attributes\":{\"id\":{\"type\":\"string\",\"optional\":true}}}}}}}}}}}";
        veto_diags *sd = veto_diags_new();
        schema = veto_doc_load_json(engine, "schema.json", s, sizeof s - 1, NULL, sd);
        veto_diags_free(sd);
        if (!schema)
            abort(); /* the fixed schema above must load */
    }
    veto_compiler *c = veto_compiler_new(engine);
    veto_compiler_add_source(c, "fuzz.veto", (const char *)data, size, d);
    veto_program *p = veto_check_finish(c, 1, schema, d);
    char *r = veto_diags_render(d, 1);
    free(r);
    if (p) {
        char *dis = veto_program_disasm(p);
        free(dis);
        veto_doc *doc =
            veto_doc_load_json(engine, "plan.json", fuzz_plan, strlen(fuzz_plan), NULL, d);
        static const char *const kinds[] = {"plan", "access", "approval", "trigger"};
        for (size_t k = 0; doc && k < 4; k++) {
            veto_eval_options opt;
            memset(&opt, 0, sizeof opt);
            opt.fuel = 20000;
            opt.mem_cap = 8u << 20;
            opt.kind = kinds[k];
            veto_decision *dec = veto_eval(p, doc, &opt);
            if (dec) {
                char *j = veto_decision_json(dec, 1);
                char *t = veto_decision_text(dec, 0);
                /* The sensitive ACL never reaches any view. */
                if (!j || !t || (strstr(j, "public-read") && !memmem(data, size, "public", 6)))
                    abort();
                free(j);
                free(t);
                veto_decision_free(dec);
            }
        }
        veto_doc_free(doc);
        veto_program_free(p);
    }
    veto_diags_free(d);
    return 0;
}
