/* fuzz_input_stream.c — differential libFuzzer target for resource-by-resource
 * streaming (veto_eval_file, engine/gate/stream.c) against loading the whole
 * document and evaluating it (veto_doc_load_file + veto_eval).
 *
 * The bytes are an input document, written to an anonymous memory file so
 * veto_eval_file maps it like a plan on disk. The policy set mixes what the
 * streaming plan (project.h) treats differently: STREAM rules through the
 * tf module and through raw input paths, a POST rule over a FOLD global
 * (count of a stream), a POST rule over another top-level member, a KEEP
 * global (independent of resource_changes) read inside a stream loop, and
 * an interpolated message; and policies that need the whole list (a count,
 * an index, `any`, a sort, a join of a tf selection that may raise a
 * runtime error, a secret in a message, a member that may follow the
 * list), so that the set streams mixed: those are evaluated on the
 * document rebuilt from what they read of each entry. Both ways must agree
 * exactly: both fail to load, or both give decisions whose JSON records
 * are byte for byte the same. Anything else aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "veto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_policies[] =
    "use tf\n"
    "\n"
    "policy fuzz.s3\n"
    "  kind: plan\n"
    "  severity: high\n"
    "deny for r in tf.changes(\"aws_s3_bucket\", [\"create\", \"update\"])\n"
    "  when r.after.acl in [\"public-read\", \"public-read-write\"]\n"
    "  message \"${r.address} has public ACL ${r.after.acl}\"\n"
    "\n"
    "policy fuzz.tags\n"
    "  kind: plan\n"
    "  severity: low\n"
    "let required = input.variables.required_tag.value ?? \"owner\"\n"
    "deny for r in tf.with_actions([\"create\", \"update\"])\n"
    "  when tf.is_taggable(r) and not is_defined(tf.tag(r, required))\n"
    "  message \"${r.address} lacks ${required}\"\n"
    "\n"
    "policy fuzz.raw\n"
    "  kind: plan\n"
    "  severity: medium\n"
    "deny for rc in input.resource_changes\n"
    "  when rc.change.after.size > 10\n"
    "  message \"${rc.address}: size ${rc.change.after.size}\"\n"
    "\n"
    "policy fuzz.destroys\n"
    "  kind: plan\n"
    "  severity: low\n"
    "  enforcement: advisory\n"
    "let gone = count(tf.destroys())\n"
    "warn when gone > 1\n"
    "  message \"destroys ${gone}\"\n"
    "\n"
    "policy fuzz.version\n"
    "  kind: plan\n"
    "  severity: low\n"
    "deny when input.format_version == \"0.1\"\n"
    "  message \"old format ${input.format_version}\"\n"
    "\n"
    "policy fuzz.whole\n"
    "  kind: plan\n"
    "  severity: high\n"
    "deny when count(input.resource_changes) > 2\n"
    "  message \"${count(input.resource_changes)} at ${input.timestamp ?? \"?\"}, first \"\n"
    "    + \"${input.resource_changes[0].address}\"\n"
    "deny for r in input.resource_changes\n"
    "  when r.type == \"aws_db_instance\" and count(input.resource_changes) > 1\n"
    "  message \"${r.address} password ${r.change.after.password}\"\n"
    "warn when any r in input.resource_changes: r.change.after.size == 7\n"
    "  message \"sorted ${sort([r.name for r in input.resource_changes])}\"\n"
    "\n"
    "policy fuzz.gone\n"
    "  kind: plan\n"
    "  severity: low\n"
    "let gone_list = [r.address for r in tf.destroys()]\n"
    "deny when count(gone_list) > 0\n"
    "  message \"destroys ${join(gone_list, \", \")}\"\n";

/* The bytes as a file: an anonymous memory file, named through /proc. */
static int fuzz_file(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
    int fd = memfd_create("fuzz-input", 0);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, pathlen, "/proc/self/fd/%d", fd);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static veto_engine *engine;
    static veto_program *prog;
    if (!engine) {
        engine = veto_engine_new();
        veto_diags *cd = veto_diags_new();
        veto_compiler *c = veto_compiler_new(engine);
        veto_compiler_add_source(c, "fuzz.veto", fuzz_policies, sizeof fuzz_policies - 1, cd);
        prog = veto_compiler_finish(c, cd);
        if (!prog) {
            char *r = veto_diags_render(cd, 0);
            fprintf(stderr, "fuzz_input_stream: the fixed policies do not compile:\n%s", r);
            abort();
        }
        veto_diags_free(cd);
    }
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    veto_eval_options opt;
    memset(&opt, 0, sizeof opt);
    opt.fuel = 200000;
    veto_load_options lo;
    memset(&lo, 0, sizeof lo);
    lo.max_mem = 64u << 20;

    veto_diags *d1 = veto_diags_new();
    veto_decision *streamed = veto_eval_file(engine, prog, path, &lo, &opt, d1);

    veto_diags *d2 = veto_diags_new();
    veto_doc *doc = veto_doc_load_file(engine, path, &lo, d2);
    veto_decision *whole = doc ? veto_eval(prog, doc, &opt) : NULL;

    if (!streamed != !whole) {
        fprintf(stderr, "fuzz_input_stream: streamed %s, whole %s\n",
                streamed ? "decided" : "failed", whole ? "decided" : "failed");
        abort();
    }
    if (streamed) {
        char *a = veto_decision_json(streamed, 1);
        char *b = veto_decision_json(whole, 1);
        if (!a || !b || strcmp(a, b) != 0) {
            fprintf(stderr,
                    "fuzz_input_stream: decisions differ\n--- streamed\n%s\n--- whole\n%s\n",
                    a ? a : "(null)", b ? b : "(null)");
            abort();
        }
        free(a);
        free(b);
    } else if (veto_diags_errors(d1) != veto_diags_errors(d2)) {
        fprintf(stderr, "fuzz_input_stream: %zu load errors streamed, %zu whole\n",
                veto_diags_errors(d1), veto_diags_errors(d2));
        abort();
    }
    veto_decision_free(streamed);
    veto_decision_free(whole);
    veto_doc_free(doc);
    veto_diags_free(d1);
    veto_diags_free(d2);
    close(fd);
    return 0;
}
