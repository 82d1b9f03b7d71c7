/* fuzz_bundle.c — libFuzzer target for the bundle loader and the bytecode
 * verifier (engine/gate/bundle.c, engine/gate/bundle_verify.c).
 *
 * The first byte picks how the input becomes a bundle:
 *   0x00  the rest is a whole bundle file, header included (tests the
 *         header checks: magic, version, length, checksum);
 *   0x01  the rest is a payload; a valid header with its checksum is put
 *         in front, so the section parser and the verifier see it;
 *   else  the input up to its first NUL is policy source (the corpus seeds
 *         are .veto files); it is compiled and serialised, and each 3-byte
 *         group after the NUL (offset u16, xor u8) edits the payload before
 *         the checksum is recomputed: crafted bundles close to real ones.
 * Whatever loads must verify, disassemble, hash and evaluate (with a small
 * step budget) without a sanitizer report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "gate/bundle.h"
#include "gate/bundle_verify.h"
#include "veto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_input[] =
    "{\"resource_changes\": [{\"address\": \"a.b\", \"type\": \"aws_s3_bucket\", \"change\": "
    "{\"actions\": [\"create\"], \"after\": {\"acl\": \"public-read\", \"tags\": {}}}}], "
    "\"n\": [1, 2.5, \"x\", null, true]}";

static void fuzz_header(unsigned char *b, size_t payload)
{
    memcpy(b, BUNDLE_MAGIC, 8);
    b[8] = BUNDLE_FORMAT & 0xff;
    b[9] = b[10] = b[11] = 0;
    memset(b + 12, 0, 16);
    for (int i = 0; i < 8; i++)
        b[28 + i] = (unsigned char)((uint64_t)payload >> (8 * i));
    sha256(b + BUNDLE_HEADER_SIZE, payload, b + 36);
}

static void fuzz_run(veto_engine *e, const unsigned char *bytes, size_t len)
{
    veto_diags *d = veto_diags_new();
    veto_program *p = bundle_load_mem(e, "fuzz.vbundle", bytes, len, d);
    if (p) {
        char err[256];
        if (!bundle_verify(p, err, sizeof err))
            abort(); /* the loader returned a program that does not verify */
        char hash[65];
        veto_program_hash(p, hash);
        free(veto_program_disasm(p));
        veto_doc *doc =
            veto_doc_load_json(e, "input.json", fuzz_input, strlen(fuzz_input), NULL, d);
        static const char *const kinds[] = {"plan", "approval", "access", "trigger", "drift"};
        for (size_t k = 0; doc && k < sizeof kinds / sizeof kinds[0]; k++) {
            veto_eval_options opt;
            memset(&opt, 0, sizeof opt);
            opt.fuel = 3000;
            opt.mem_cap = 16u << 20;
            opt.kind = kinds[k];
            veto_decision *dec = veto_eval(p, doc, &opt);
            free(dec ? veto_decision_json(dec, 0) : NULL);
            veto_decision_free(dec);
        }
        veto_doc_free(doc);
        veto_program_free(p);
    } else {
        free(veto_diags_render(d, 0));
    }
    veto_diags_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > (1u << 20))
        return 0;
    veto_engine *e = veto_engine_new();
    if (!e)
        return 0;
    if (data[0] == 0x00) {
        fuzz_run(e, data + 1, size - 1);
    } else if (data[0] == 0x01) {
        unsigned char *b = malloc(BUNDLE_HEADER_SIZE + size);
        if (b) {
            memcpy(b + BUNDLE_HEADER_SIZE, data + 1, size - 1);
            fuzz_header(b, size - 1);
            fuzz_run(e, b, BUNDLE_HEADER_SIZE + size - 1);
            free(b);
        }
    } else {
        const uint8_t *nul = memchr(data, 0, size);
        size_t tlen = nul ? (size_t)(nul - data) : size;
        veto_diags *d = veto_diags_new();
        veto_compiler *c = veto_compiler_new(e);
        veto_program *p = NULL;
        if (c && veto_compiler_add_source(c, "fuzz.veto", (const char *)data, tlen, d) == VETO_OK)
            p = veto_compiler_finish(c, d);
        else
            veto_compiler_free(c);
        unsigned char *b = NULL;
        size_t blen = 0;
        if (p && bundle_serialize(p, &b, &blen, NULL) == VETO_OK) {
            size_t plen = blen - BUNDLE_HEADER_SIZE;
            for (size_t i = tlen + 1; nul && plen > 0 && i + 3 <= size; i += 3) {
                size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % plen;
                b[BUNDLE_HEADER_SIZE + off] ^= data[i + 2];
            }
            fuzz_header(b, plen);
            fuzz_run(e, b, blen);
        }
        free(b);
        veto_program_free(p);
        veto_diags_free(d);
    }
    veto_engine_free(e);
    return 0;
}
