/* builtins_semver.c — semantic versions (semver.org 2.0.0):
 * semver.is_valid, semver.compare, semver.satisfies.
 *
 * A version is MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], optionally written
 * with a leading "v" (as Git tags and provider versions often are).
 * Precedence follows semver 2.0 section 11: build metadata is ignored; a
 * pre-release sorts before its release; pre-release identifiers compare
 * numerically when both are numeric, numeric before alphanumeric, else
 * bytewise, and a shorter list first when one is a prefix of the other.
 *
 * Constraints (semver.satisfies) use Terraform's syntax: a comma-separated
 * list, all of which must hold, of `= != > >= < <= ~>` followed by a
 * version that may be partial ("1.2"). "~> 1.2.3" means >= 1.2.3 and
 * < 1.3.0; "~> 1.2" means >= 1.2.0 and < 2.0.0. Owns no state.
 */
#include "builtin_impl.h"

#include <string.h>

typedef struct Semver {
    uint64_t num[3];
    int parts;       /* how many of major/minor/patch were written (constraints) */
    const char *pre; /* pre-release text without '-', or NULL */
    size_t pre_len;
} Semver;

static bool semver_number(const char *s, size_t n, size_t *i, uint64_t *out)
{
    size_t st = *i;
    uint64_t v = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        unsigned dgt = (unsigned)(s[*i] - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return false;
        v = v * 10 + dgt;
        (*i)++;
    }
    if (*i == st || (s[st] == '0' && *i - st > 1))
        return false; /* empty, or a leading zero */
    *out = v;
    return true;
}

/* Dot-separated identifiers of [0-9A-Za-z-]; numeric ones without leading
 * zeros when `strict_numeric` (pre-release, not build metadata). */
static bool semver_idents(const char *s, size_t n, bool strict_numeric)
{
    size_t i = 0;
    for (;;) {
        size_t st = i;
        bool numeric = true;
        while (i < n && s[i] != '.') {
            char c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '-'))
                return false;
            if (c < '0' || c > '9')
                numeric = false;
            i++;
        }
        if (i == st || (strict_numeric && numeric && s[st] == '0' && i - st > 1))
            return false;
        if (i == n)
            return true;
        i++; /* '.' */
    }
}

/* Full versions need all three numbers; partial ones (constraints) 1-3. */
static bool semver_parse(const char *s, size_t n, bool partial, Semver *v)
{
    memset(v, 0, sizeof *v);
    size_t i = 0;
    if (n && s[0] == 'v')
        i++;
    for (int k = 0; k < 3; k++) {
        if (k > 0) {
            if (i >= n || s[i] != '.')
                break;
            i++;
        }
        if (!semver_number(s, n, &i, &v->num[k]))
            return false;
        v->parts = k + 1;
    }
    if (v->parts < (partial ? 1 : 3))
        return false;
    if (i < n && s[i] == '-') {
        size_t st = ++i;
        while (i < n && s[i] != '+')
            i++;
        if (!semver_idents(s + st, i - st, true))
            return false;
        v->pre = s + st;
        v->pre_len = i - st;
    }
    if (i < n && s[i] == '+') {
        i++;
        if (!semver_idents(s + i, n - i, false))
            return false;
        i = n;
    }
    return i == n;
}

static int semver_cmp_u64(uint64_t a, uint64_t b) { return (a > b) - (a < b); }

static bool semver_all_digits(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    return n > 0;
}

static int semver_cmp_pre(const Semver *a, const Semver *b)
{
    if (!a->pre || !b->pre)
        return a->pre ? -1 : b->pre ? 1 : 0; /* a release outranks its pre-releases */
    const char *pa = a->pre, *pb = b->pre;
    size_t ra = a->pre_len, rb = b->pre_len;
    for (;;) {
        size_t la = 0, lb = 0;
        while (la < ra && pa[la] != '.')
            la++;
        while (lb < rb && pb[lb] != '.')
            lb++;
        bool an = semver_all_digits(pa, la), bn = semver_all_digits(pb, lb);
        int c;
        if (an && bn) /* no leading zeros, so longer means larger */
            c = la != lb ? (la > lb ? 1 : -1) : memcmp(pa, pb, la);
        else if (an || bn)
            c = an ? -1 : 1; /* numeric identifiers sort first */
        else {
            c = memcmp(pa, pb, la < lb ? la : lb);
            if (c == 0)
                c = (la > lb) - (la < lb);
        }
        if (c)
            return c < 0 ? -1 : 1;
        bool amore = la < ra, bmore = lb < rb; /* another identifier follows */
        if (!amore || !bmore)
            return (int)amore - (int)bmore;
        pa += la + 1, ra -= la + 1;
        pb += lb + 1, rb -= lb + 1;
    }
}

static int semver_cmp(const Semver *a, const Semver *b)
{
    for (int k = 0; k < 3; k++) {
        int c = semver_cmp_u64(a->num[k], b->num[k]);
        if (c)
            return c;
    }
    return semver_cmp_pre(a, b);
}

static bool semver_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, Semver *v)
{
    if (args[i].kind != V_STR)
        return builtin_type_error(ctx, fn, i + 1, "a version string", args[i]);
    if (!semver_parse(args[i].u.s, args[i].n, false, v))
        return builtin_error(ctx, "%s: argument %u is not a semantic version: \"%.*s\"", fn,
                             (unsigned)i + 1, (int)(args[i].n > 60 ? 60 : args[i].n), args[i].u.s);
    return true;
}

static bool semver_is_valid(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    (void)ctx;
    BUILTIN_UNDEF_IN(args, argc, out);
    Semver v;
    *out = value_bool(args[0].kind == V_STR && semver_parse(args[0].u.s, args[0].n, false, &v));
    return true;
}

static bool semver_compare(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    Semver a, b;
    if (!semver_arg(ctx, "semver.compare", args, 0, &a) ||
        !semver_arg(ctx, "semver.compare", args, 1, &b))
        return false;
    *out = value_int(semver_cmp(&a, &b));
    return true;
}

/* One constraint "OP VERSION" (spaces allowed around); false if malformed. */
static bool semver_check_one(const Semver *v, const char *s, size_t n, bool *ok)
{
    while (n && s[0] == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    char op[3] = {0};
    size_t ol = 0;
    while (ol < n && ol < 2 && strchr("=!<>~", s[ol]))
        op[ol] = s[ol], ol++;
    s += ol, n -= ol;
    while (n && s[0] == ' ')
        s++, n--;
    Semver c;
    if (!semver_parse(s, n, true, &c))
        return false;
    int cmp = semver_cmp(v, &c);
    if (ol == 0 || strcmp(op, "=") == 0)
        *ok = cmp == 0;
    else if (strcmp(op, "!=") == 0)
        *ok = cmp != 0;
    else if (strcmp(op, ">") == 0)
        *ok = cmp > 0;
    else if (strcmp(op, ">=") == 0)
        *ok = cmp >= 0;
    else if (strcmp(op, "<") == 0)
        *ok = cmp < 0;
    else if (strcmp(op, "<=") == 0)
        *ok = cmp <= 0;
    else if (strcmp(op, "~>") == 0) {
        /* the last written part may grow: ~> 1.2.3 < 1.3.0, ~> 1.2 < 2.0.0, ~> 1 < 2.0.0 */
        Semver upper = c;
        upper.pre = NULL;
        int bump = c.parts >= 3 ? 1 : 0;
        upper.num[bump]++;
        for (int k = bump + 1; k < 3; k++)
            upper.num[k] = 0;
        /* the upper bound excludes its own pre-releases, as Terraform does */
        *ok = cmp >= 0 && semver_cmp(v, &upper) < 0 &&
              !(v->pre && v->num[0] == upper.num[0] && v->num[1] == upper.num[1] &&
                v->num[2] == upper.num[2]);
    } else
        return false;
    return true;
}

static bool semver_satisfies(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "semver.satisfies";
    BUILTIN_UNDEF_IN(args, argc, out);
    Semver v;
    if (!semver_arg(ctx, fn, args, 0, &v))
        return false;
    if (args[1].kind != V_STR)
        return builtin_type_error(ctx, fn, 2, "a constraint string", args[1]);
    const char *s = args[1].u.s;
    size_t n = args[1].n, i = 0;
    bool all = true;
    do {
        size_t st = i;
        while (i < n && s[i] != ',')
            i++;
        bool ok;
        if (!semver_check_one(&v, s + st, i - st, &ok))
            return builtin_error(ctx, "%s: invalid constraint \"%.*s\"", fn, (int)(i - st), s + st);
        all = all && ok;
    } while (i++ < n);
    *out = value_bool(all);
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_semver_defs[] = {
    {"semver.compare", 2, 2, P, semver_compare, "semver.compare(a, b) -> number"},
    {"semver.is_valid", 1, 1, P, semver_is_valid, "semver.is_valid(s) -> bool"},
    {"semver.satisfies", 2, 2, P, semver_satisfies,
     "semver.satisfies(version, constraints) -> bool"},
};
const size_t builtins_semver_ndefs = BUILTIN_NELEMS(builtins_semver_defs);
