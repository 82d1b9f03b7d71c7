/* report_sarif.c — SARIF 2.1.0 as GitHub code scanning accepts it: one
 * run (one tool, one category, whatever the number of inputs), a rule per
 * policy of the evaluated kind, a result per finding. A result points at
 * the .tf block when --source-dir found it, else at line 1 of the input
 * file (or the policy rule when the input has no file); the policy rule is
 * always a related location. Waived and overridden findings carry an
 * accepted external suppression with the justification; evaluation errors
 * are tool notifications, not findings. Checked in tests with
 * @microsoft/sarif-multitool validate. */
#include <string.h>

#include "input/json_read.h"
#include "report/report.h"
#include "report/views.h"

static void sarif_str(Buf *b, const char *s)
{
    json_write_string(b, s ? s : "", s ? strlen(s) : 0);
}

/* A path as a URI: relative paths as relative references, absolute ones
 * as file:// URIs; percent-encodes all but unreserved characters and '/'. */
/* Drops "." segments and folds "x/.." (SARIF wants no dot segments);
 * leading ".." of a relative path stay. */
static void sarif_normalize(Buf *out, const char *path)
{
    size_t start = out->len;
    int absolute = path[0] == '/';
    if (absolute)
        buf_putc(out, '/');
    size_t base = out->len; /* nothing before this is removed */
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.' && out->len > base && out->p) {
            size_t last = out->len;
            while (last > base && out->p[last - 1] != '/')
                last--;
            if (!(out->len - last == 2 && out->p[last] == '.' && out->p[last + 1] == '.')) {
                out->len = last > base ? last - 1 : base;
                out->p[out->len] = '\0';
                continue;
            }
        }
        if (out->len > base)
            buf_putc(out, '/');
        buf_append(out, seg, len);
    }
    if (out->len == start)
        buf_putc(out, '.');
}

static void sarif_uri(Buf *b, const char *raw)
{
    Buf norm = BUF_INIT;
    sarif_normalize(&norm, raw);
    const char *path = norm.p ? norm.p : ".";
    Buf u = BUF_INIT;
    if (path[0] == '/') /* an absolute path is only valid as a file: URI */
        buf_puts(&u, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            buf_putc(&u, (char)c);
        else
            buf_printf(&u, "%%%02X", c);
    }
    sarif_str(b, u.p ? u.p : "");
    buf_free(&u);
    buf_free(&norm);
}

static const char *sarif_level(const veto_decision *d, const Result *r)
{
    if (r->status == ST_PASS)
        return "none";
    if (report_fails(d, r))
        return "error";
    return r->status == ST_WAIVED || r->status == ST_OVERRIDDEN ? "note" : "warning";
}

/* GitHub's security-severity: a CVSS-like score as a string. */
static const char *sarif_security_severity(Severity s)
{
    switch (s) {
    case SEV_CRITICAL:
        return "9.5";
    case SEV_HIGH:
        return "8.0";
    case SEV_MEDIUM:
        return "5.5";
    case SEV_LOW:
        return "3.0";
    default:
        return "1.0";
    }
}

static int sarif_has_file(const veto_decision *d)
{
    const char *in = d->input_name;
    return in && strcmp(in, "-") != 0 && in[0] != '<';
}

/* {"physicalLocation": ...}; with address, a logicalLocations entry too. */
static void sarif_location(Buf *b, const char *file, uint32_t line, uint32_t col,
                           const char *address)
{
    buf_puts(b, "{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
    sarif_uri(b, file);
    buf_printf(b, "}, \"region\": {\"startLine\": %u", line ? line : 1);
    if (col)
        buf_printf(b, ", \"startColumn\": %u", col);
    buf_puts(b, "}}");
    if (address) {
        buf_puts(b, ", \"logicalLocations\": [{\"kind\": \"resource\", \"fullyQualifiedName\": ");
        sarif_str(b, address);
        buf_puts(b, "}]");
    }
    buf_puts(b, "}");
}

static void sarif_result(Buf *b, const veto_decision *d, const Result *r, uint32_t rule_index,
                         int first)
{
    const Policy *pol = &d->prog->policies[r->policy];
    buf_printf(b, "%s\n        {\n          \"ruleId\": ", first ? "" : ",");
    sarif_str(b, pol->id);
    buf_printf(b, ",\n          \"ruleIndex\": %u,\n          \"level\": \"%s\",\n", rule_index,
               sarif_level(d, r));
    buf_printf(b, "          \"kind\": \"%s\",\n", r->status == ST_PASS ? "pass" : "fail");
    buf_puts(b, "          \"message\": {\"text\": ");
    sarif_str(b, r->message);
    buf_puts(b, "},\n          \"locations\": [");
    if (r->tf_file)
        sarif_location(b, r->tf_file, r->tf_line, 0, r->address);
    else if (sarif_has_file(d))
        sarif_location(b, d->input_name, 1, 0, r->address);
    else
        sarif_location(b, r->file ? r->file : "policy", r->line, r->col, r->address);
    buf_puts(b, "],\n          \"relatedLocations\": [{\"id\": 1, ");
    Buf tmp = BUF_INIT;
    sarif_location(&tmp, r->file ? r->file : "policy", r->line, r->col, NULL);
    if (tmp.len >= 2)
        buf_append(b, tmp.p + 1, tmp.len - 2); /* its members, inside our object */
    buf_free(&tmp);
    buf_puts(b, ", \"message\": {\"text\": \"the policy rule\"}}],\n");
    /* A fingerprint that survives line moves: policy, resource, input. */
    Buf fp = BUF_INIT;
    buf_printf(&fp, "%s\n%s\n%s", pol->id, r->address ? r->address : r->message, report_input(d));
    char hex[65];
    decision_sha256_hex(fp.p ? fp.p : "", fp.len, hex);
    buf_free(&fp);
    buf_printf(b, "          \"partialFingerprints\": {\"vetoFinding/v1\": \"%s\"},\n", hex);
    if (r->status == ST_WAIVED || r->status == ST_OVERRIDDEN) {
        Buf j = BUF_INIT;
        if (r->status == ST_WAIVED) {
            const DecWaiver *w = &d->waivers[r->waiver_ix];
            buf_printf(&j, "waived by %s until %s (owner %s%s%s%s%s): %s", w->id, w->expires,
                       w->owner, w->ticket ? ", ticket " : "", w->ticket ? w->ticket : "",
                       w->approved_by ? ", approved by " : "", w->approved_by ? w->approved_by : "",
                       w->reason);
        } else {
            const DecOverride *o = &d->overrides[r->override_ix];
            buf_printf(&j, "overridden by %s: %s", o->by, o->reason);
        }
        buf_puts(b, "          \"suppressions\": [{\"kind\": \"external\", \"status\": "
                    "\"accepted\", \"justification\": ");
        sarif_str(b, j.p);
        buf_puts(b, "}],\n");
        buf_free(&j);
    }
    buf_puts(b, "          \"properties\": {\"status\": ");
    sarif_str(b, result_status_name(r->status));
    buf_puts(b, ", \"severity\": ");
    sarif_str(b, severity_name(pol->severity));
    buf_puts(b, ", \"enforcement\": ");
    sarif_str(b, enforcement_name(pol->enforcement));
    buf_puts(b, ", \"input\": ");
    sarif_str(b, report_input(d));
    buf_puts(b, "}\n        }");
}

/* The rule index of policy pi: its position among the policies listed. */
static uint32_t sarif_rule_index(const veto_decision *d, uint32_t pi)
{
    uint32_t ix = 0;
    for (uint32_t k = 0; k < pi; k++)
        if (report_policy_ran(d, k))
            ix++;
    return ix;
}

static void sarif_rules(Buf *b, const veto_decision *d)
{
    int first = 1;
    for (uint32_t pi = 0; pi < d->prog->npolicies; pi++) {
        if (!report_policy_ran(d, pi))
            continue;
        const Policy *pol = &d->prog->policies[pi];
        buf_printf(b, "%s\n            {\n              \"id\": ", first ? "" : ",");
        first = 0;
        sarif_str(b, pol->id);
        buf_puts(b, ",\n              \"name\": ");
        sarif_str(b, pol->name);
        buf_puts(b, ",\n              \"shortDescription\": {\"text\": ");
        sarif_str(b, pol->title ? pol->title : pol->name);
        buf_puts(b, "},\n");
        if (pol->description) {
            buf_puts(b, "              \"fullDescription\": {\"text\": ");
            sarif_str(b, pol->description);
            buf_puts(b, "},\n");
        }
        buf_printf(b,
                   "              \"defaultConfiguration\": {\"level\": \"%s\"},\n"
                   "              \"properties\": {\"security-severity\": \"%s\", "
                   "\"severity\": \"%s\", \"enforcement\": \"%s\", \"tags\": [\"veto\"",
                   pol->enforcement == ENF_ADVISORY ? "warning" : "error",
                   sarif_security_severity(pol->severity), severity_name(pol->severity),
                   enforcement_name(pol->enforcement));
        for (uint32_t m = 0; m < pol->nmaps; m++) {
            buf_puts(b, ", ");
            sarif_str(b, pol->maps[m]);
        }
        buf_puts(b, "]}\n            }");
    }
}

void report_sarif(Buf *b, ReportDecs d, size_t n)
{
    buf_puts(b, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
                "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
                "      \"tool\": {\n        \"driver\": {\n          \"name\": \"veto\",\n");
    buf_printf(b, "          \"version\": \"%s\",\n          \"semanticVersion\": \"%s\",\n",
               VETO_VERSION, VETO_VERSION);
    buf_puts(b, "          \"rules\": [");
    if (n > 0)
        sarif_rules(b, d[0]);
    buf_puts(b, "\n          ]\n        }\n      },\n");
    /* Evaluation errors and gate warnings: notifications of the run. */
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        if (d[i]->errors || d[i]->oom)
            ok = 0;
    buf_printf(b,
               "      \"invocations\": [{\"executionSuccessful\": %s, "
               "\"toolExecutionNotifications\": [",
               ok ? "true" : "false");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const veto_decision *dec = d[i];
        for (uint32_t r = 0; r < dec->nresults; r++) {
            const Result *res = &dec->results[r];
            if (res->status != ST_ERROR)
                continue;
            buf_printf(
                b, "%s\n        {\"level\": \"error\", \"message\": {\"text\": ", first ? "" : ",");
            first = 0;
            Buf m = BUF_INIT;
            buf_printf(&m, "%s: %s (%s)", dec->prog->policies[res->policy].id, res->message,
                       report_input(dec));
            sarif_str(b, m.p);
            buf_free(&m);
            buf_puts(b, "}, \"locations\": [");
            sarif_location(b, res->file ? res->file : "policy", res->line, res->col, NULL);
            buf_puts(b, "]}");
        }
        for (uint32_t k = 0; k < dec->nnotes; k++) {
            buf_printf(b, "%s\n        {\"level\": \"warning\", \"message\": {\"text\": ",
                       first ? "" : ",");
            first = 0;
            sarif_str(b, dec->notes[k].message);
            buf_puts(b, "}, \"descriptor\": {\"id\": ");
            sarif_str(b, dec->notes[k].code);
            buf_puts(b, "}}");
        }
    }
    buf_puts(b, first ? "]}],\n" : "\n      ]}],\n");
    buf_puts(b, "      \"results\": [");
    first = 1;
    for (size_t i = 0; i < n; i++) {
        const veto_decision *dec = d[i];
        for (uint32_t r = 0; r < dec->nresults; r++) {
            const Result *res = &dec->results[r];
            if (res->status == ST_ERROR)
                continue;
            sarif_result(b, dec, res, sarif_rule_index(dec, res->policy), first);
            first = 0;
        }
    }
    buf_puts(b, first ? "],\n" : "\n      ],\n");
    buf_puts(b, "      \"properties\": {\"outcome\": ");
    sarif_str(b, veto_outcome_name(veto_report_outcome(d, n)));
    buf_puts(b, ", \"inputs\": [");
    for (size_t i = 0; i < n; i++) {
        buf_puts(b, i ? ", {\"input\": " : "{\"input\": ");
        sarif_str(b, report_input(d[i]));
        buf_puts(b, ", \"outcome\": ");
        sarif_str(b, veto_outcome_name(d[i]->outcome));
        buf_puts(b, ", \"input_sha256\": ");
        if (d[i]->input_hash[0])
            sarif_str(b, d[i]->input_hash);
        else
            buf_puts(b, "null");
        buf_puts(b, ", \"policy_set_sha256\": ");
        const char *ph = decision_policy_hash(d[i]);
        if (ph[0])
            sarif_str(b, ph);
        else
            buf_puts(b, "null");
        buf_puts(b, "}");
    }
    buf_puts(b, "]}\n    }\n  ]\n}\n");
}
