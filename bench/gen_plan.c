/* gen_plan.c — writes a realistic `terraform show -json` plan of any size.
 *
 *   cc -O2 -std=c11 bench/gen_plan.c -o build/gen_plan
 *   build/gen_plan N_RESOURCES > plan.json
 *
 * The key layout is the real one (format_version 1.2): variables,
 * planned_values (outputs, root_module with resources and child_modules),
 * resource_changes, output_changes, prior_state, configuration
 * (provider_config, root_module resources with expressions, module_calls),
 * relevant_attributes and timestamp. Every resource appears in each section
 * where Terraform puts it, so the file is about 3.4 KB per resource.
 *
 * The mix, fixed by the resource index (so every section agrees and the
 * output is byte-for-byte reproducible): eight AWS types; a quarter of the
 * resources in the root module and the rest in module.network,
 * module.app["blue"] and module.app["green"]; actions create, update,
 * delete, both orders of replace, no-op and data-source reads; after_unknown
 * for ids and ARNs of new objects; a sensitive database password
 * (after_sensitive / before_sensitive / sensitive_values). About 1 in 20
 * buckets has a public ACL, 1 in 25 security groups opens SSH to the world
 * and 1 in 8 taggable resources has no owner tag, so the workload finds
 * violations at every size.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const types[] = {"aws_s3_bucket",
                                    "aws_security_group",
                                    "aws_instance",
                                    "aws_iam_role",
                                    "aws_db_instance",
                                    "aws_lambda_function",
                                    "aws_security_group_rule",
                                    "aws_subnet"};
#define NTYPES 8

static const char *const mod_addr[] = {NULL, "module.network", "module.app[\"blue\"]",
                                       "module.app[\"green\"]"};
static const char *const mod_json[] = {NULL, "module.network", "module.app[\\\"blue\\\"]",
                                       "module.app[\\\"green\\\"]"};
#define NMODS 4

/* What one resource is: every choice is a function of its index. */
typedef struct Res {
    unsigned i;
    const char *type;
    int mod;       /* 0 = root */
    int action;    /* see action_words */
    int data;      /* a data source (mode "data", action read) */
    int public;    /* s3: public ACL */
    int ssh_world; /* security group (rule): SSH from 0.0.0.0/0 */
    int no_owner;  /* no owner tag */
    char addr[160], addr_json[160], name[40];
} Res;

enum { A_CREATE, A_UPDATE, A_DELETE, A_REPLACE, A_REPLACE_CBD, A_NOOP, A_READ };

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static void res_make(Res *r, unsigned i)
{
    uint64_t h = mix(i + 1);
    memset(r, 0, sizeof *r);
    r->i = i;
    r->type = types[i % NTYPES];
    r->mod = (int)((i / NTYPES) % NMODS);
    unsigned a = (unsigned)(h % 100);
    r->action = a < 55   ? A_CREATE
                : a < 75 ? A_UPDATE
                : a < 82 ? A_DELETE
                : a < 86 ? A_REPLACE
                : a < 88 ? A_REPLACE_CBD
                : a < 97 ? A_NOOP
                         : A_READ;
    r->data = r->action == A_READ;
    r->public = ((h >> 8) % 20) == 0;
    r->ssh_world = ((h >> 16) % 25) == 0;
    r->no_owner = ((h >> 24) % 8) == 0;
    snprintf(r->name, sizeof r->name, "r%u", i);
    const char *prefix = r->data ? "data." : "";
    if (r->mod) {
        snprintf(r->addr, sizeof r->addr, "%s.%s%s.%s", mod_addr[r->mod], prefix, r->type, r->name);
        snprintf(r->addr_json, sizeof r->addr_json, "%s.%s%s.%s", mod_json[r->mod], prefix, r->type,
                 r->name);
    } else {
        snprintf(r->addr, sizeof r->addr, "%s%s.%s", prefix, r->type, r->name);
        snprintf(r->addr_json, sizeof r->addr_json, "%s", r->addr);
    }
}

static int has_before(const Res *r) { return r->action != A_CREATE && r->action != A_READ; }
static int has_after(const Res *r) { return r->action != A_DELETE; }

static FILE *out;
static void put(const char *s) { fputs(s, out); }
static void putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void putf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
}

static void tags(const Res *r, int all)
{
    putf("{\"Name\":\"%s\",\"env\":\"%s\"", r->name, r->i % 3 ? "prod" : "staging");
    if (!r->no_owner)
        putf(",\"owner\":\"team-%u\"", r->i % 17);
    if (all)
        put(",\"managed-by\":\"terraform\",\"cost-center\":\"cc-4711\"");
    put("}");
}

/* The attribute object of a resource (before: the old values). */
static void attrs(const Res *r, int before, int unknown_ok)
{
    const char *t = r->type;
    int known = before || !unknown_ok || r->action != A_CREATE;
    putf("{\"arn\":");
    if (known)
        putf("\"arn:aws:%s:eu-west-1:123456789012:%s/%s-%u\"", t + 4, t + 4, r->name, r->i);
    else
        put("null");
    putf(",\"id\":");
    if (known)
        putf("\"%s-%08x\"", t + 4, (unsigned)mix(r->i) & 0xffffffu);
    else
        put("null");
    if (!strcmp(t, "aws_s3_bucket")) {
        putf(",\"bucket\":\"bench-%u-logs\",\"acl\":\"%s\",\"force_destroy\":false,"
             "\"versioning\":[{\"enabled\":true,\"mfa_delete\":false}],"
             "\"server_side_encryption_configuration\":[{\"rule\":[{"
             "\"apply_server_side_encryption_by_default\":[{\"sse_algorithm\":\"aws:kms\","
             "\"kms_master_key_id\":\"arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c\"}],"
             "\"bucket_key_enabled\":true}]}],\"lifecycle_rule\":[{\"id\":\"expire\","
             "\"enabled\":true,\"prefix\":\"logs/\",\"expiration\":[{\"days\":%u}]}]",
             r->i, r->public && !before ? "public-read" : "private", 30 + r->i % 300);
    } else if (!strcmp(t, "aws_security_group")) {
        putf(",\"name\":\"sg-%u\",\"description\":\"Managed by Terraform\",\"vpc_id\":"
             "\"vpc-0a1b2c3d\",\"revoke_rules_on_delete\":false,\"ingress\":["
             "{\"from_port\":443,\"to_port\":443,\"protocol\":\"tcp\",\"cidr_blocks\":"
             "[\"0.0.0.0/0\"],\"ipv6_cidr_blocks\":[],\"prefix_list_ids\":[],"
             "\"security_groups\":[],\"self\":false,\"description\":\"https\"},"
             "{\"from_port\":22,\"to_port\":22,\"protocol\":\"tcp\",\"cidr_blocks\":[\"%s\"],"
             "\"ipv6_cidr_blocks\":[],\"prefix_list_ids\":[],\"security_groups\":[],"
             "\"self\":false,\"description\":\"ssh\"}],\"egress\":[{\"from_port\":0,"
             "\"to_port\":0,\"protocol\":\"-1\",\"cidr_blocks\":[\"0.0.0.0/0\"],"
             "\"ipv6_cidr_blocks\":[\"::/0\"],\"prefix_list_ids\":[],\"security_groups\":[],"
             "\"self\":false,\"description\":\"\"}]",
             r->i, r->ssh_world && !before ? "0.0.0.0/0" : "10.0.0.0/8");
    } else if (!strcmp(t, "aws_security_group_rule")) {
        putf(",\"type\":\"ingress\",\"from_port\":%d,\"to_port\":%d,\"protocol\":\"tcp\","
             "\"cidr_blocks\":[\"%s\"],\"ipv6_cidr_blocks\":null,\"security_group_id\":"
             "\"sg-0123456789\",\"self\":false,\"description\":\"admin access\"",
             r->ssh_world ? 22 : 8080, r->ssh_world ? 22 : 8080,
             r->ssh_world && !before ? "0.0.0.0/0" : "172.16.0.0/12");
    } else if (!strcmp(t, "aws_instance")) {
        putf(",\"ami\":\"ami-0c55b159cbfafe1f0\",\"instance_type\":\"%s\",\"subnet_id\":"
             "\"subnet-0a1b2c\",\"monitoring\":true,\"ebs_optimized\":true,"
             "\"root_block_device\":[{\"volume_size\":%u,\"volume_type\":\"gp3\",\"encrypted\":"
             "true,\"delete_on_termination\":true}],\"metadata_options\":[{\"http_tokens\":"
             "\"required\",\"http_endpoint\":\"enabled\"}],\"user_data\":\"#!/bin/bash\\n"
             "echo hello\\nsystemctl start app\\n\"",
             before ? "t3.small" : "t3.medium", 8 + r->i % 100);
    } else if (!strcmp(t, "aws_iam_role")) {
        putf(",\"name\":\"role-%u\",\"path\":\"/\",\"max_session_duration\":3600,"
             "\"assume_role_policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":"
             "[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":"
             "\\\"ec2.amazonaws.com\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}\","
             "\"managed_policy_arns\":[\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]",
             r->i);
    } else if (!strcmp(t, "aws_db_instance")) {
        putf(",\"engine\":\"postgres\",\"engine_version\":\"15.4\",\"instance_class\":"
             "\"db.t3.micro\",\"allocated_storage\":%u,\"storage_encrypted\":true,"
             "\"username\":\"app\",\"password\":\"s3cr3t-%u\",\"publicly_accessible\":false,"
             "\"backup_retention_period\":7,\"multi_az\":%s",
             20 + r->i % 200, r->i, r->i % 2 ? "true" : "false");
    } else if (!strcmp(t, "aws_lambda_function")) {
        putf(",\"function_name\":\"fn-%u\",\"runtime\":\"python3.12\",\"handler\":"
             "\"app.handler\",\"memory_size\":%u,\"timeout\":30,\"environment\":[{"
             "\"variables\":{\"LOG_LEVEL\":\"info\",\"STAGE\":\"prod\"}}],\"tracing_config\":"
             "[{\"mode\":\"Active\"}]",
             r->i, 128u << (r->i % 4));
    } else {
        putf(",\"vpc_id\":\"vpc-0a1b2c3d\",\"cidr_block\":\"10.%u.%u.0/24\","
             "\"availability_zone\":\"eu-west-1%c\",\"map_public_ip_on_launch\":false",
             (r->i >> 8) & 255, r->i & 255, 'a' + (int)(r->i % 3));
    }
    /* attributes every AWS resource schema carries in some form */
    putf(",\"region\":\"eu-west-1\",\"timeouts\":null,\"provider_meta\":{\"account_id\":"
         "\"123456789012\",\"partition\":\"aws\",\"dns_suffix\":\"amazonaws.com\"},"
         "\"created_by\":\"arn:aws:sts::123456789012:assumed-role/terraform-ci/session-%u\","
         "\"last_modified\":\"2024-04-%02uT10:%02u:00Z\",\"description_long\":\"Resource %s "
         "managed by the platform team; changes go through the plan gate.\"",
         r->i % 1000, 1 + r->i % 28, r->i % 60, r->name);
    put(",\"tags\":");
    tags(r, 0);
    put(",\"tags_all\":");
    tags(r, 1);
    put("}");
}

static void sensitive_mask(const Res *r)
{
    put(!strcmp(r->type, "aws_db_instance") ? "{\"password\":true,\"tags\":{},\"tags_all\":{}}"
                                            : "{\"tags\":{},\"tags_all\":{}}");
}

static const char *action_json(const Res *r)
{
    switch (r->action) {
    case A_CREATE:
        return "[\"create\"]";
    case A_UPDATE:
        return "[\"update\"]";
    case A_DELETE:
        return "[\"delete\"]";
    case A_REPLACE:
        return "[\"delete\",\"create\"]";
    case A_REPLACE_CBD:
        return "[\"create\",\"delete\"]";
    case A_NOOP:
        return "[\"no-op\"]";
    default:
        return "[\"read\"]";
    }
}

static void resource_change(const Res *r)
{
    putf("{\"address\":\"%s\",", r->addr_json);
    if (r->mod)
        putf("\"module_address\":\"%s\",", mod_json[r->mod]);
    putf("\"mode\":\"%s\",\"type\":\"%s\",\"name\":\"%s\",\"provider_name\":"
         "\"registry.terraform.io/hashicorp/aws\",\"change\":{\"actions\":%s,\"before\":",
         r->data ? "data" : "managed", r->type, r->name, action_json(r));
    if (has_before(r))
        attrs(r, 1, 0);
    else
        put("null");
    put(",\"after\":");
    if (has_after(r))
        attrs(r, 0, 1);
    else
        put("null");
    put(",\"after_unknown\":");
    if (has_after(r) && r->action == A_CREATE)
        put("{\"arn\":true,\"id\":true,\"tags\":{},\"tags_all\":{}}");
    else
        put(has_after(r) ? "{\"tags\":{},\"tags_all\":{}}" : "{}");
    put(",\"before_sensitive\":");
    if (has_before(r))
        sensitive_mask(r);
    else
        put("false");
    put(",\"after_sensitive\":");
    if (has_after(r))
        sensitive_mask(r);
    else
        put("false");
    put("}");
    if (r->action == A_REPLACE || r->action == A_REPLACE_CBD)
        put(",\"action_reason\":\"replace_because_cannot_update\"");
    put("}");
}

/* planned_values / prior_state resource entries. */
static void state_resource(const Res *r, int prior)
{
    putf("{\"address\":\"%s\",\"mode\":\"%s\",\"type\":\"%s\",\"name\":\"%s\","
         "\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"schema_version\":0,"
         "\"values\":",
         r->addr_json, r->data ? "data" : "managed", r->type, r->name);
    attrs(r, prior, 0);
    put(",\"sensitive_values\":");
    sensitive_mask(r);
    put("}");
}

static void config_resource(const Res *r)
{
    putf("{\"address\":\"%s%s.%s\",\"mode\":\"%s\",\"type\":\"%s\",\"name\":\"%s\","
         "\"provider_config_key\":\"aws\",\"expressions\":{",
         r->data ? "data." : "", r->type, r->name, r->data ? "data" : "managed", r->type, r->name);
    putf("\"name\":{\"constant_value\":\"%s\"},\"tags\":{\"references\":[\"local.tags\"]},"
         "\"vpc_id\":{\"references\":[\"module.network.vpc_id\",\"module.network\"]}",
         r->name);
    put("},\"schema_version\":0}");
}

typedef int (*ResFilter)(const Res *r, int mod);
static int in_planned(const Res *r, int mod) { return r->mod == mod && has_after(r); }
static int in_prior(const Res *r, int mod) { return r->mod == mod && has_before(r); }

/* A module object: {"resources":[...],"child_modules":[...]} for the root,
 * {"resources":[...],"address":...} for children. */
static void state_module(unsigned n, ResFilter keep, int prior)
{
    Res r;
    for (int m = 0; m < NMODS; m++) {
        if (m == 1)
            put(",\"child_modules\":[");
        if (m >= 1)
            putf("%s{\"address\":\"%s\",", m > 1 ? "," : "", mod_json[m]);
        put("\"resources\":[");
        int first = 1;
        for (unsigned i = 0; i < n; i++) {
            res_make(&r, i);
            if (!keep(&r, m))
                continue;
            if (!first)
                put(",");
            first = 0;
            state_resource(&r, prior);
        }
        put("]");
        if (m >= 1)
            put("}");
    }
    put("]");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_plan N_RESOURCES > plan.json\n");
        return 2;
    }
    unsigned n = (unsigned)strtoul(argv[1], NULL, 10);
    out = stdout;
    static char iobuf[1 << 20];
    setvbuf(out, iobuf, _IOFBF, sizeof iobuf);
    Res r;

    put("{\"format_version\":\"1.2\",\"terraform_version\":\"1.7.5\",\"variables\":{"
        "\"region\":{\"value\":\"eu-west-1\"},\"env\":{\"value\":\"prod\"}},");
    put("\"planned_values\":{\"outputs\":{\"bucket_names\":{\"sensitive\":false,\"type\":"
        "[\"list\",\"string\"],\"value\":[\"bench-0-logs\"]},\"db_password\":{\"sensitive\":"
        "true,\"type\":\"string\",\"value\":\"s3cr3t\"}},\"root_module\":{");
    state_module(n, in_planned, 0);
    put("}},");

    put("\"resource_changes\":[");
    for (unsigned i = 0; i < n; i++) {
        res_make(&r, i);
        if (i)
            put(",");
        resource_change(&r);
    }
    put("],");

    put("\"output_changes\":{\"bucket_names\":{\"actions\":[\"create\"],\"before\":null,"
        "\"after\":[\"bench-0-logs\"],\"after_unknown\":false,\"before_sensitive\":false,"
        "\"after_sensitive\":false},\"db_password\":{\"actions\":[\"update\"],\"before\":"
        "\"old\",\"after\":\"s3cr3t\",\"after_unknown\":false,\"before_sensitive\":true,"
        "\"after_sensitive\":true}},");

    put("\"prior_state\":{\"format_version\":\"1.0\",\"terraform_version\":\"1.7.5\","
        "\"values\":{\"outputs\":{},\"root_module\":{");
    state_module(n, in_prior, 1);
    put("}}},");

    put("\"configuration\":{\"provider_config\":{\"aws\":{\"name\":\"aws\",\"full_name\":"
        "\"registry.terraform.io/hashicorp/aws\",\"version_constraint\":\"~> 5.0\","
        "\"expressions\":{\"region\":{\"references\":[\"var.region\"]}}}},\"root_module\":{"
        "\"resources\":[");
    int first = 1;
    for (unsigned i = 0; i < n; i++) {
        res_make(&r, i);
        if (r.mod != 0)
            continue;
        if (!first)
            put(",");
        first = 0;
        config_resource(&r);
    }
    put("],\"module_calls\":{");
    for (int m = 1; m < NMODS; m++) {
        const char *call = m == 1 ? "network" : "app";
        if (m == 3)
            break; /* blue and green share the call "app" */
        putf("%s\"%s\":{\"source\":\"./modules/%s\",%s\"module\":{\"resources\":[",
             m > 1 ? "," : "", call, call,
             m == 2 ? "\"for_each_expression\":{\"references\":"
                      "[\"local.colors\"]},"
                    : "");
        int f2 = 1;
        for (unsigned i = 0; i < n; i++) {
            res_make(&r, i);
            if (r.mod != m && !(m == 2 && r.mod == 3))
                continue;
            if (!f2)
                put(",");
            f2 = 0;
            config_resource(&r);
        }
        put("]}}");
    }
    put("}}},");
    put("\"relevant_attributes\":[{\"resource\":\"module.network.aws_subnet.r7\",\"attribute\":"
        "[\"id\"]}],\"timestamp\":\"2024-05-01T12:00:00Z\"}\n");
    return fflush(out) == 0 ? 0 : 1;
}
