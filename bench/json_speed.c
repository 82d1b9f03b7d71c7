/* json_speed.c — throughput of json_read on a large Terraform-plan-shaped
 * document, against `jq .`, `jq empty` and jansson's json_loadb on the same
 * bytes.
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iengine bench/json_speed.c build/libveto.a \
 *      -ljansson -lm -o build/json_speed
 *   build/json_speed [FILE.json | --size MB] [--keep PATH] [--no-jq] [--no-jansson]
 *
 * Without FILE it generates a plan of about --size MB (default 100) with
 * resource_changes: nested before/after objects, tags, ARNs, embedded IAM
 * policy documents (escape-heavy strings), numbers of every kind; the text
 * goes to a temporary file (or --keep PATH) so jq reads the same bytes.
 * Each reader runs three times; the best wall time and the best CPU time
 * (user+sys: steadier than wall on a shared machine) count. json_read runs
 * without and then with a KeyTable of typical policy keys, as the engine
 * calls it. Peak RSS is the process's ru_maxrss (shown above the baseline
 * of the input buffer) and, for jq, /usr/bin/time's %M of jq itself.
 * Only this program links jansson.
 */
#include <errno.h>
#include <jansson.h>
#undef JSON_SORT_KEYS /* jansson has its own; ours comes from json.h */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "input/json_read.h"
#include "vm/value.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_kb(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return ru.ru_maxrss;
}

/* ---- generator ------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}
static unsigned pick(unsigned n) { return (unsigned)(rng() % n); }

static const char *const types[] = {
    "aws_s3_bucket",   "aws_instance",          "aws_security_group",      "aws_iam_role",
    "aws_db_instance", "google_storage_bucket", "azurerm_storage_account", "aws_lambda_function"};
static const char *const actions[][2] = {
    {"create", NULL}, {"update", NULL}, {"no-op", NULL}, {"delete", "create"}, {"read", NULL}};
static const char *const words[] = {
    "prod",      "staging",   "dev",    "platform",          "payments",         "search",
    "eu-west-1", "us-east-1", "team-α", "owner@example.com", "cost-center-4711", "backup",
    "logs",      "data"};

static void gen_tags(Buf *b)
{
    unsigned n = 2 + pick(6);
    buf_puts(b, "{");
    for (unsigned i = 0; i < n; i++)
        buf_printf(b, "%s\"%s%u\":\"%s-%s\"", i ? "," : "", i == 0 ? "Name" : "tag_", i,
                   words[pick(14)], words[pick(14)]);
    buf_puts(b, "}");
}

static void gen_attrs(Buf *b, unsigned id, const char *type, int after)
{
    buf_printf(b, "{\"arn\":\"arn:aws:%s:%s:123456789012:%s/r-%08u\",", type + 4,
               words[6 + pick(2)], type, id);
    buf_printf(b, "\"id\":\"r-%016llx\",", (unsigned long long)rng());
    buf_printf(b, "\"name\":\"%s-%s-%u\",", words[pick(6)], words[pick(14)], id);
    buf_printf(b, "\"count\":%u,\"size_gb\":%u.%u,\"ratio\":%g,\"big\":%llu,", pick(100),
               pick(2000), pick(10), (double)pick(100000) / 977.0,
               (unsigned long long)(rng() >> 1));
    buf_printf(b, "\"enabled\":%s,\"deleted_at\":null,", pick(2) ? "true" : "false");
    buf_puts(b, "\"tags\":");
    gen_tags(b);
    buf_puts(b, ",\"tags_all\":");
    gen_tags(b);
    /* the embedded-JSON policy strings plans are full of */
    buf_printf(
        b,
        ",\"policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":"
        "\\\"Allow\\\",\\\"Action\\\":[\\\"s3:GetObject\\\",\\\"s3:PutObject\\\"],"
        "\\\"Resource\\\":\\\"arn:aws:s3:::bucket-%u/*\\\"}]}\\n\",",
        id);
    buf_puts(b, "\"ingress\":[");
    unsigned nr = 1 + pick(4);
    for (unsigned i = 0; i < nr; i++)
        buf_printf(b,
                   "%s{\"from_port\":%u,\"to_port\":%u,\"protocol\":\"tcp\",\"cidr_blocks\":"
                   "[\"10.%u.%u.0/24\",\"192.168.%u.0/16\"],\"description\":\"rule %u for %s\","
                   "\"self\":false,\"ipv6_cidr_blocks\":[]}",
                   i ? "," : "", 1000 + pick(60000), 1000 + pick(60000), pick(256), pick(256),
                   pick(256), i, words[pick(14)]);
    buf_puts(b, "],\"settings\":{\"versioning\":{\"enabled\":true,\"mfa_delete\":false},");
    buf_printf(b, "\"lifecycle_rule\":[{\"id\":\"expire-%u\",\"days\":%u,\"prefix\":\"logs/\"}],",
               id, 30 + pick(365));
    buf_printf(b, "\"encryption\":{\"sse_algorithm\":\"aws:kms\",\"kms_master_key_id\":\"%s\"}}",
               after && pick(3) == 0 ? "" : "arn:aws:kms:eu-west-1:123456789012:key/abcd-ef01");
    buf_puts(b, "}");
}

static void gen_plan(Buf *b, size_t target)
{
    buf_puts(b, "{\"format_version\":\"1.2\",\"terraform_version\":\"1.7.5\",\"variables\":"
                "{\"region\":{\"value\":\"eu-west-1\"}},\"resource_changes\":[");
    for (unsigned id = 0; b->len < target && !b->failed; id++) {
        const char *type = types[pick(8)];
        const char *const *act = actions[pick(5)];
        unsigned mod = pick(20);
        buf_printf(b,
                   "%s{\"address\":\"module.m%u.%s.r%u\",\"module_address\":\"module.m%u\","
                   "\"mode\":\"managed\",\"type\":\"%s\",\"name\":\"r%u\",\"index\":%u,"
                   "\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"change\":{"
                   "\"actions\":[\"%s\"%s%s%s],\"before\":",
                   id ? "," : "", mod, type, id, mod, type, id, pick(4), act[0],
                   act[1] ? ",\"" : "", act[1] ? act[1] : "", act[1] ? "\"" : "");
        if (!strcmp(act[0], "create"))
            buf_puts(b, "null");
        else
            gen_attrs(b, id, type, 0);
        buf_puts(b, ",\"after\":");
        gen_attrs(b, id, type, 1);
        buf_puts(b, ",\"after_unknown\":{\"id\":true,\"arn\":true,\"tags_all\":{}},"
                    "\"before_sensitive\":{},\"after_sensitive\":{\"tags\":{},\"policy\":true}}}");
    }
    buf_puts(b, "],\"configuration\":{\"provider_config\":{\"aws\":{\"name\":\"aws\"}}}}\n");
}

/* ---- runners ----------------------------------------------------------------- */

/* Runs cmd under /usr/bin/time; wall, CPU (user+sys) seconds and peak RSS
 * (KB) of the command itself. -1 wall on failure. */
static double time_cmd(const char *cmd, double *cpu, long *rss_kb)
{
    char tf[64], full[1400];
    snprintf(tf, sizeof tf, "/tmp/json_speed_time_%ld", (long)getpid());
    snprintf(full, sizeof full, "/usr/bin/time -f '%%U %%S %%M' -o %s %s", tf, cmd);
    double t0 = now();
    int rc = system(full);
    double t = now() - t0;
    double u = 0, sy = 0;
    long m = 0;
    FILE *f = fopen(tf, "r");
    if (f) {
        if (fscanf(f, "%lf %lf %ld", &u, &sy, &m) != 3)
            u = sy = 0, m = 0;
        fclose(f);
    }
    unlink(tf);
    if (rc != 0) {
        fprintf(stderr, "json_speed: `%s` exited %d\n", cmd, rc);
        return -1;
    }
    *cpu = u + sy;
    *rss_kb = m;
    return t;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NULL;
    }
    char *p = malloc((size_t)st.st_size + 1);
    size_t n = p ? fread(p, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!p || n != (size_t)st.st_size) {
        free(p);
        return NULL;
    }
    *len = n;
    return p;
}

static void count_nodes(Value v, size_t *n)
{
    (*n)++;
    if (v.kind == V_ARR)
        for (uint32_t i = 0; i < v.n; i++)
            count_nodes(v.u.a[i], n);
    else if (v.kind == V_OBJ)
        for (uint32_t i = 0; i < v.n; i++)
            count_nodes(v.u.o[i].val, n);
}

int main(int argc, char **argv)
{
    const char *file = NULL, *keep = NULL;
    size_t size_mb = 100;
    int use_jq = 1, use_jansson = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc)
            size_mb = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--keep") && i + 1 < argc)
            keep = argv[++i];
        else if (!strcmp(argv[i], "--no-jq"))
            use_jq = 0;
        else if (!strcmp(argv[i], "--no-jansson"))
            use_jansson = 0;
        else if (argv[i][0] != '-')
            file = argv[i];
        else {
            fprintf(stderr, "usage: json_speed [FILE | --size MB] [--keep PATH] [--no-jq] "
                            "[--no-jansson]\n");
            return 2;
        }
    }

    char path[512];
    char *data = NULL;
    size_t len = 0;
    int tmpfile_made = 0;
    if (file) {
        data = slurp(file, &len);
        if (!data) {
            fprintf(stderr, "json_speed: cannot read %s: %s\n", file, strerror(errno));
            return 1;
        }
        snprintf(path, sizeof path, "%s", file);
    } else {
        Buf b = BUF_INIT;
        gen_plan(&b, size_mb << 20);
        if (b.failed) {
            fprintf(stderr, "json_speed: out of memory generating\n");
            return 1;
        }
        len = b.len;
        data = buf_take(&b);
        if (keep) {
            snprintf(path, sizeof path, "%s", keep);
        } else {
            snprintf(path, sizeof path, "/tmp/json_speed_%ld.json", (long)getpid());
            tmpfile_made = 1;
        }
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "json_speed: cannot write %s\n", path);
            return 1;
        }
    }
    double mb = (double)len / 1e6;
    long rss_before = peak_rss_kb(RUSAGE_SELF);
    printf("input: %s, %zu bytes (%.1f MB)\n", path, len, mb);

    /* json_read, best of 3 (the arena is reset, not freed, between runs),
     * first without a KeyTable, then with one of typical policy attribute
     * names, as the engine calls it. */
    static const char *const policy_keys[] = {"resource_changes",
                                              "address",
                                              "type",
                                              "name",
                                              "mode",
                                              "change",
                                              "actions",
                                              "before",
                                              "after",
                                              "after_unknown",
                                              "tags",
                                              "tags_all",
                                              "Name",
                                              "acl",
                                              "policy",
                                              "ingress",
                                              "cidr_blocks",
                                              "from_port",
                                              "to_port",
                                              "protocol",
                                              "encryption",
                                              "sse_algorithm",
                                              "kms_master_key_id",
                                              "versioning",
                                              "enabled",
                                              "lifecycle_rule",
                                              "arn",
                                              "id",
                                              "provider_name",
                                              "module_address",
                                              "size_gb",
                                              "count",
                                              "index",
                                              "settings"};
    KeyTable *kt = keys_new();
    for (size_t i = 0; i < sizeof policy_keys / sizeof *policy_keys; i++)
        keys_intern(kt, policy_keys[i], strlen(policy_keys[i]));
    Arena arena;
    arena_init(&arena, 1 << 20);
    double best = 1e9, best_cpu = 1e9;
    Value v = value_undef();
    for (int withkeys = 0; withkeys < 2; withkeys++) {
        JsonReadOptions opt = {0, withkeys ? kt : NULL};
        double b = 1e9, bc = 1e9;
        for (int run = 0; run < 3; run++) {
            arena_reset(&arena);
            JsonError err;
            double t0 = now(), c0 = cpu_now();
            bool ok = json_read(&arena, data, len, &opt, &v, &err);
            double t = now() - t0, c = cpu_now() - c0;
            if (!ok) {
                fprintf(stderr, "json_speed: json_read failed: %u:%u: %s\n", (unsigned)err.line,
                        (unsigned)err.col, err.message);
                return 1;
            }
            if (t < b)
                b = t;
            if (c < bc)
                bc = c;
        }
        size_t nodes = 0;
        count_nodes(v, &nodes);
        long rss_after = peak_rss_kb(RUSAGE_SELF);
        printf("json_read%s %7.3f s  %7.1f MB/s wall, %7.1f MB/s CPU  (%zu values; peak RSS %ld "
               "MB, %ld MB above the input buffer)\n",
               withkeys ? "+keys:" : ":     ", b, mb / b, mb / bc, nodes, rss_after / 1024,
               (rss_after - rss_before) / 1024);
        if (!withkeys) {
            best = b;
            best_cpu = bc;
        }
    }
    arena_free(&arena);
    keys_free(kt);

    if (use_jansson) {
        double jbest = 1e9, jcpu = 1e9;
        for (int run = 0; run < 3; run++) {
            json_error_t jerr;
            double t0 = now(), c0 = cpu_now();
            json_t *j = json_loadb(data, len, 0, &jerr);
            double t = now() - t0, c = cpu_now() - c0;
            if (!j) {
                fprintf(stderr, "json_speed: jansson: %d:%d: %s\n", jerr.line, jerr.column,
                        jerr.text);
                break;
            }
            json_decref(j);
            if (t < jbest)
                jbest = t;
            if (c < jcpu)
                jcpu = c;
        }
        long rss_j = peak_rss_kb(RUSAGE_SELF);
        if (jbest < 1e9)
            printf("jansson:    %7.3f s  %7.1f MB/s wall, %7.1f MB/s CPU  (json_read is %.1fx "
                   "wall, %.1fx CPU; peak RSS %ld MB above the input buffer)\n",
                   jbest, mb / jbest, mb / jcpu, jbest / best, jcpu / best_cpu,
                   (rss_j - rss_before) / 1024);
    }

    if (use_jq && system("command -v jq >/dev/null 2>&1") == 0) {
        for (int k = 0; k < 2; k++) {
            char cmd[1200];
            if (k == 0)
                snprintf(cmd, sizeof cmd, "jq . '%s' >/dev/null", path);
            else
                snprintf(cmd, sizeof cmd, "jq empty '%s'", path);
            double qbest = 1e9, qcpu = 1e9;
            long qrss = 0;
            for (int run = 0; run < 3; run++) {
                double c = 0;
                long m = 0;
                double t = time_cmd(cmd, &c, &m);
                if (t < 0)
                    break;
                if (t < qbest)
                    qbest = t;
                if (c < qcpu)
                    qcpu = c;
                if (m > qrss)
                    qrss = m;
            }
            if (qbest < 1e9)
                printf("jq %-6s:  %7.3f s  %7.1f MB/s wall, %7.1f MB/s CPU  (json_read is %.1fx "
                       "wall, %.1fx CPU; jq peak RSS %ld MB)\n",
                       k ? "empty" : ".", qbest, mb / qbest, mb / qcpu, qbest / best,
                       qcpu / best_cpu, qrss / 1024);
        }
    }
    free(data);
    if (tmpfile_made)
        unlink(path);
    return 0;
}
