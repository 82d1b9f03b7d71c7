/* builtins_time.c — time without a clock: time.parse_rfc3339,
 * time.format_rfc3339, time.weekday, time.hour, time.parts,
 * time.parse_duration, time.add.
 *
 * Veto never reads the clock ("now" is context.time, given by the caller),
 * so every function here is pure. A time argument `t` is either epoch
 * seconds (int, or float with a fraction) or an RFC 3339 string. A zone
 * argument is "UTC" (also "Z", "GMT"), a fixed offset ("+02:00", "-0530",
 * "+02"), or an IANA name ("Europe/Berlin") read from the system's
 * zoneinfo (TZif files, versions 1-4, including the POSIX TZ rule in the
 * footer for instants past the last transition). We parse TZif ourselves
 * because setenv("TZ") + localtime_r is process-global and not thread-safe.
 *
 * Owns: a small process-wide cache of parsed zones (under a mutex; never
 * freed, at most TIME_ZONE_CACHE of them), so a zone file is read once.
 */
#include "builtin_impl.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_ZONEINFO_DIR "/usr/share/zoneinfo"
#define TIME_ZONE_CACHE   64
#define TIME_TZIF_MAX     (1u << 20)

/* ---- civil calendar (proleptic Gregorian; Howard Hinnant's algorithms) - */

static int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool time_is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned time_month_days(int64_t y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && time_is_leap(y) ? 29 : days[m - 1];
}

static int64_t time_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static unsigned time_weekday_of_days(int64_t days) { return (unsigned)(((days + 4) % 7 + 7) % 7); }

/* ---- zones ------------------------------------------------------------- */

typedef struct TimeRuleDate {
    char kind;    /* 'M' month.week.day, 'J' 1-based julian without Feb 29, 'N' 0-based day */
    int m, w, d;  /* for 'M' */
    int n;        /* for 'J' and 'N' */
    int32_t time; /* seconds after local midnight (may be negative or > 24h) */
} TimeRuleDate;

typedef struct TimeRule {
    int32_t std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    TimeRuleDate start, end;
} TimeRule;

typedef struct TimeZone {
    char name[64];
    int64_t *trans;    /* transition instants (UTC), ascending */
    uint8_t *trans_ty; /* local time type index per transition */
    uint32_t ntrans;
    int32_t *ty_off; /* UT offset per local time type */
    uint32_t ntypes;
    bool has_rule;
    TimeRule rule; /* the footer: governs instants after the last transition */
} TimeZone;

static pthread_mutex_t time_zone_lock = PTHREAD_MUTEX_INITIALIZER;
static TimeZone *time_zone_cache[TIME_ZONE_CACHE];

/* [+-]hh[:mm[:ss]] → seconds; hours up to 167 (TZif v3 rule times). */
static bool time_parse_hms(const char **pp, int32_t *out, bool allow_sign)
{
    const char *p = *pp;
    int sign = 1;
    if (allow_sign && (*p == '+' || *p == '-'))
        sign = *p++ == '-' ? -1 : 1;
    if (*p < '0' || *p > '9')
        return false;
    int h = 0, m = 0, s = 0;
    while (*p >= '0' && *p <= '9' && h < 1000)
        h = h * 10 + (*p++ - '0');
    if (*p == ':') {
        p++;
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
            return false;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':') {
            p++;
            if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
                return false;
            s = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
    }
    if (h > 167 || m > 59 || s > 59)
        return false;
    *out = sign * (h * 3600 + m * 60 + s);
    *pp = p;
    return true;
}

static bool time_parse_rule_name(const char **pp)
{
    const char *p = *pp;
    if (*p == '<') {
        const char *e = strchr(p, '>');
        if (!e)
            return false;
        *pp = e + 1;
        return true;
    }
    size_t n = 0;
    while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z'))
        n++;
    if (n < 3)
        return false;
    *pp = p + n;
    return true;
}

static bool time_parse_rule_date(const char **pp, TimeRuleDate *d)
{
    const char *p = *pp;
    memset(d, 0, sizeof *d);
    d->time = 7200; /* POSIX default: 02:00 local */
    if (*p == 'M') {
        d->kind = 'M';
        if (sscanf(p + 1, "%d.%d.%d", &d->m, &d->w, &d->d) != 3)
            return false;
        if (d->m < 1 || d->m > 12 || d->w < 1 || d->w > 5 || d->d < 0 || d->d > 6)
            return false;
        p++;
        while ((*p >= '0' && *p <= '9') || *p == '.')
            p++;
    } else {
        d->kind = 'N';
        if (*p == 'J') {
            d->kind = 'J';
            p++;
        }
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9' && d->n < 1000)
            d->n = d->n * 10 + (*p++ - '0');
        if (d->n > 365 || (d->kind == 'J' && d->n < 1))
            return false;
    }
    if (*p == '/') {
        p++;
        if (!time_parse_hms(&p, &d->time, true))
            return false;
    }
    *pp = p;
    return true;
}

/* A POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3". Note the POSIX
 * sign: "CET-1" is one hour EAST of UTC. */
static bool time_parse_rule(const char *p, TimeRule *r)
{
    memset(r, 0, sizeof *r);
    int32_t off;
    if (!time_parse_rule_name(&p) || !time_parse_hms(&p, &off, true))
        return false;
    r->std_off = -off;
    if (*p == '\0')
        return true;
    if (!time_parse_rule_name(&p))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!time_parse_hms(&p, &off, true))
            return false;
        r->dst_off = -off;
    }
    if (*p == '\0') { /* no dates given: the US rules, as POSIX leaves it to us */
        const char *us = "M3.2.0,M11.1.0";
        time_parse_rule_date(&us, &r->start);
        us++;
        time_parse_rule_date(&us, &r->end);
        return true;
    }
    if (*p++ != ',' || !time_parse_rule_date(&p, &r->start) || *p++ != ',' ||
        !time_parse_rule_date(&p, &r->end))
        return false;
    return *p == '\0';
}

/* Day number (days since the epoch) of a rule date in year y. */
static int64_t time_rule_day(const TimeRuleDate *d, int64_t y)
{
    int64_t jan1 = time_days_from_civil(y, 1, 1);
    if (d->kind == 'J')
        return jan1 + d->n - 1 + (time_is_leap(y) && d->n >= 60);
    if (d->kind == 'N')
        return jan1 + d->n;
    int64_t first = time_days_from_civil(y, (unsigned)d->m, 1);
    int64_t day = first + (d->d - (int)time_weekday_of_days(first) + 7) % 7 + (d->w - 1) * 7;
    while (day >= first + time_month_days(y, (unsigned)d->m))
        day -= 7; /* week 5 means "the last" */
    return day;
}

static int32_t time_rule_offset(const TimeRule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t y;
    unsigned m, d;
    time_civil_from_days(time_floor_div(t + r->std_off, 86400), &y, &m, &d);
    /* start is written in standard time, end in daylight time */
    int64_t start = time_rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    int64_t end = time_rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

static uint32_t time_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t time_be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)time_be32(p) << 32 | time_be32(p + 4));
}

/* Parses TZif data (RFC 8536) into z; false when malformed. */
static bool time_parse_tzif(const unsigned char *buf, size_t len, TimeZone *z)
{
    if (len < 44 || memcmp(buf, "TZif", 4) != 0)
        return false;
    const unsigned char *h = buf;
    int tsize = 4;
    size_t pos = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pos + 44 > len || memcmp(h, "TZif", 4) != 0)
            return false;
        uint32_t isut = time_be32(h + 20), isstd = time_be32(h + 24), leap = time_be32(h + 28),
                 timecnt = time_be32(h + 32), typecnt = time_be32(h + 36),
                 charcnt = time_be32(h + 40);
        if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || leap > 100000)
            return false;
        size_t body = (size_t)timecnt * (size_t)tsize + timecnt + (size_t)typecnt * 6 + charcnt +
                      (size_t)leap * (size_t)(tsize + 4) + isstd + isut;
        if (pos + 44 + body > len)
            return false;
        if (pass == 0 && h[4] >= '2') { /* skip the 32-bit block; use the 64-bit one */
            pos += 44 + body;
            h = buf + pos;
            tsize = 8;
            continue;
        }
        const unsigned char *p = h + 44;
        z->trans = malloc((timecnt ? timecnt : 1) * sizeof *z->trans);
        z->trans_ty = malloc(timecnt ? timecnt : 1);
        z->ty_off = malloc(typecnt * sizeof *z->ty_off);
        if (!z->trans || !z->trans_ty || !z->ty_off)
            return false;
        for (uint32_t k = 0; k < timecnt; k++, p += tsize)
            z->trans[k] = tsize == 8 ? time_be64(p) : (int32_t)time_be32(p);
        for (uint32_t k = 0; k < timecnt; k++, p++) {
            if (*p >= typecnt)
                return false;
            z->trans_ty[k] = *p;
        }
        for (uint32_t k = 0; k < typecnt; k++, p += 6)
            z->ty_off[k] = (int32_t)time_be32(p);
        z->ntrans = timecnt;
        z->ntypes = typecnt;
        pos += 44 + body;
        /* v2+ footer: "\n<POSIX TZ>\n" */
        if (tsize == 8 && pos < len && buf[pos] == '\n') {
            const unsigned char *nl = memchr(buf + pos + 1, '\n', len - pos - 1);
            if (nl && (size_t)(nl - (buf + pos + 1)) < 128) {
                char rule[128];
                size_t rl = (size_t)(nl - (buf + pos + 1));
                memcpy(rule, buf + pos + 1, rl);
                rule[rl] = '\0';
                z->has_rule = rl > 0 && time_parse_rule(rule, &z->rule);
            }
        }
        return true;
    }
    return false;
}

static void time_zone_free(TimeZone *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->trans_ty);
    free(z->ty_off);
    free(z);
}

static TimeZone *time_zone_load(const char *name)
{
    char path[sizeof TIME_ZONEINFO_DIR + 70];
    snprintf(path, sizeof path, "%s/%s", TIME_ZONEINFO_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(TIME_TZIF_MAX);
    size_t len = buf ? fread(buf, 1, TIME_TZIF_MAX, f) : 0;
    fclose(f);
    TimeZone *z = calloc(1, sizeof *z);
    if (!buf || !z || !time_parse_tzif(buf, len, z)) {
        free(buf);
        time_zone_free(z);
        return NULL;
    }
    free(buf);
    snprintf(z->name, sizeof z->name, "%s", name);
    return z;
}

/* The parsed zone for an IANA name (cached), or NULL when unknown. */
static const TimeZone *time_zone_get(const char *name)
{
    pthread_mutex_lock(&time_zone_lock);
    TimeZone *found = NULL;
    int k = 0;
    for (; k < TIME_ZONE_CACHE && time_zone_cache[k]; k++) {
        if (strcmp(time_zone_cache[k]->name, name) == 0) {
            found = time_zone_cache[k];
            break;
        }
    }
    if (!found) {
        found = time_zone_load(name);
        /* Cached zones are never freed (another thread may be reading one),
         * so the cache is the bound: past it a zone is refused, not leaked. */
        if (found && k < TIME_ZONE_CACHE) {
            time_zone_cache[k] = found;
        } else {
            time_zone_free(found);
            found = NULL;
        }
    }
    pthread_mutex_unlock(&time_zone_lock);
    return found;
}

static int32_t time_zone_offset(const TimeZone *z, int64_t t)
{
    if (z->ntrans == 0 || t < z->trans[0]) {
        if (z->ntrans == 0 && z->has_rule)
            return time_rule_offset(&z->rule, t);
        return z->ty_off[0]; /* RFC 8536: type 0 before the first transition */
    }
    if (t >= z->trans[z->ntrans - 1] && z->has_rule)
        return time_rule_offset(&z->rule, t);
    uint32_t lo = 0, hi = z->ntrans; /* last transition <= t */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->ty_off[z->trans_ty[lo]];
}

/* A resolved zone argument: a fixed offset or a loaded zone. */
typedef struct TimeTz {
    const TimeZone *zone; /* NULL for a fixed offset */
    int32_t fixed;
} TimeTz;

static int32_t time_tz_offset(const TimeTz *tz, int64_t t)
{
    return tz->zone ? time_zone_offset(tz->zone, t) : tz->fixed;
}

static bool time_tz_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t argc,
                        uint32_t i, TimeTz *tz)
{
    tz->zone = NULL;
    tz->fixed = 0;
    if (i >= argc)
        return true; /* no zone: UTC */
    if (args[i].kind != V_STR)
        return builtin_type_error(ctx, fn, i + 1, "a time zone string", args[i]);
    const char *s = args[i].u.s;
    size_t n = args[i].n;
    char name[64];
    if (n == 0 || n >= sizeof name)
        goto bad;
    memcpy(name, s, n);
    name[n] = '\0';
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0 || strcmp(name, "GMT") == 0)
        return true;
    if (name[0] == '+' || name[0] == '-') {
        /* +HH, +HHMM, +HH:MM */
        int sign = name[0] == '-' ? -1 : 1;
        const char *p = name + 1;
        int hh, mm = 0;
        if (n == 3 && sscanf(p, "%2d", &hh) == 1)
            ;
        else if (n == 5 && p[0] >= '0' && p[2] >= '0' && sscanf(p, "%2d%2d", &hh, &mm) == 2)
            ;
        else if (n == 6 && p[2] == ':' && sscanf(p, "%2d:%2d", &hh, &mm) == 2)
            ;
        else
            goto bad;
        for (const char *q = p; *q; q++)
            if ((*q < '0' || *q > '9') && *q != ':')
                goto bad;
        if (hh > 23 || mm > 59)
            goto bad;
        tz->fixed = sign * (hh * 3600 + mm * 60);
        return true;
    }
    /* An IANA name: letters, digits, '_', '-', '+', '/'; no "..", no leading '/'. */
    if (name[0] == '/' || strstr(name, ".."))
        goto bad;
    for (size_t k = 0; k < n; k++) {
        char c = name[k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '+' || c == '/'))
            goto bad;
    }
    tz->zone = time_zone_get(name);
    if (tz->zone)
        return true;
bad:
    return builtin_error(ctx, "%s: unknown time zone \"%.*s\"", fn, (int)(n > 60 ? 60 : n), s);
}

/* ---- instants ---------------------------------------------------------- */

typedef struct TimeInstant {
    int64_t sec;  /* epoch seconds */
    int32_t nsec; /* 0..999999999 */
} TimeInstant;

static int time_digits(const char *s, size_t n, size_t at, size_t count)
{
    int v = 0;
    if (at + count > n)
        return -1;
    for (size_t k = 0; k < count; k++) {
        char c = s[at + k];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

/* RFC 3339: 2024-03-31T01:30:00Z, with optional fraction and a numeric
 * offset; 't', 'z' and a space separator are accepted too (RFC 3339 5.6). */
static bool time_parse_rfc3339_text(const char *s, size_t n, TimeInstant *out)
{
    int y = time_digits(s, n, 0, 4), mo = time_digits(s, n, 5, 2), d = time_digits(s, n, 8, 2);
    int h = time_digits(s, n, 11, 2), mi = time_digits(s, n, 14, 2), se = time_digits(s, n, 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
        se > 60 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return false;
    if ((unsigned)d > time_month_days(y, (unsigned)mo))
        return false;
    size_t i = 19;
    int32_t nsec = 0;
    if (i < n && s[i] == '.') {
        i++;
        size_t digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (digits < 9)
                nsec = nsec * 10 + (s[i] - '0');
            digits++, i++;
        }
        if (digits == 0)
            return false;
        for (size_t k = digits; k < 9; k++)
            nsec *= 10;
    }
    int32_t off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh = time_digits(s, n, i + 1, 2), om = time_digits(s, n, i + 4, 2);
        if (oh < 0 || om < 0 || oh > 23 || om > 59 || s[i + 3] != ':')
            return false;
        off = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        i += 6;
    } else {
        return false;
    }
    if (i != n)
        return false;
    /* A leap second (:60) is read as the first second of the next minute. */
    out->sec =
        time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    out->nsec = nsec;
    return true;
}

static bool time_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, TimeInstant *t)
{
    Value v = args[i];
    if (v.kind == V_INT) {
        t->sec = v.u.i;
        t->nsec = 0;
        return true;
    }
    if (v.kind == V_FLOAT && isfinite(v.u.f) && fabs(v.u.f) < 1e15) {
        double fl = floor(v.u.f);
        t->sec = (int64_t)fl;
        t->nsec = (int32_t)llround((v.u.f - fl) * 1e9);
        if (t->nsec >= 1000000000)
            t->sec++, t->nsec -= 1000000000;
        return true;
    }
    if (v.kind == V_STR) {
        if (time_parse_rfc3339_text(v.u.s, v.n, t))
            return true;
        return builtin_error(ctx, "%s: argument %u is not an RFC 3339 time: \"%.*s\"", fn,
                             (unsigned)i + 1, (int)(v.n > 60 ? 60 : v.n), v.u.s);
    }
    return builtin_type_error(ctx, fn, i + 1, "a time (epoch seconds or RFC 3339 string)", v);
}

static Value time_instant_value(TimeInstant t)
{
    if (t.nsec == 0)
        return value_int(t.sec);
    return value_float((double)t.sec + t.nsec / 1e9);
}

/* Broken-down local time. Years outside 0..9999 are refused by callers
 * that print them. */
typedef struct TimeParts {
    int64_t year;
    unsigned month, day, hour, minute, second, weekday;
    int32_t offset;
} TimeParts;

static void time_split(TimeInstant t, const TimeTz *tz, TimeParts *p)
{
    p->offset = time_tz_offset(tz, t.sec);
    int64_t local = t.sec + p->offset;
    int64_t days = time_floor_div(local, 86400);
    int64_t secs = local - days * 86400;
    time_civil_from_days(days, &p->year, &p->month, &p->day);
    p->hour = (unsigned)(secs / 3600);
    p->minute = (unsigned)(secs / 60 % 60);
    p->second = (unsigned)(secs % 60);
    p->weekday = time_weekday_of_days(days);
}

static const char *const time_weekday_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* ---- builtins ---------------------------------------------------------- */

static bool time_parse_rfc3339(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, "time.parse_rfc3339", 1, "a string", args[0]);
    TimeInstant t;
    *out =
        time_parse_rfc3339_text(args[0].u.s, args[0].n, &t) ? time_instant_value(t) : value_undef();
    return true;
}

static bool time_format_rfc3339(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "time.format_rfc3339";
    BUILTIN_UNDEF_IN(args, argc, out);
    TimeInstant t;
    TimeTz tz;
    if (!time_arg(ctx, fn, args, 0, &t) || !time_tz_arg(ctx, fn, args, argc, 1, &tz))
        return false;
    TimeParts p;
    time_split(t, &tz, &p);
    if (p.year < 0 || p.year > 9999)
        return builtin_error(ctx, "%s: year %lld is outside 0000-9999", fn, (long long)p.year);
    char buf[64];
    int len = snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", (int)p.year, p.month,
                       p.day, p.hour, p.minute, p.second);
    if (t.nsec) {
        char frac[16];
        snprintf(frac, sizeof frac, ".%09d", (int)t.nsec);
        size_t fl = strlen(frac);
        while (frac[fl - 1] == '0')
            frac[--fl] = '\0';
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%s", frac);
    }
    if (p.offset == 0 && !tz.zone)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "Z");
    else
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%c%02d:%02d",
                        p.offset < 0 ? '-' : '+', abs(p.offset) / 3600, abs(p.offset) / 60 % 60);
    return builtin_new_str(ctx, fn, buf, (size_t)len, out);
}

static bool time_weekday(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    TimeInstant t;
    TimeTz tz;
    if (!time_arg(ctx, "time.weekday", args, 0, &t) ||
        !time_tz_arg(ctx, "time.weekday", args, argc, 1, &tz))
        return false;
    TimeParts p;
    time_split(t, &tz, &p);
    *out = value_str(time_weekday_names[p.weekday], 3);
    return true;
}

static bool time_hour(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    TimeInstant t;
    TimeTz tz;
    if (!time_arg(ctx, "time.hour", args, 0, &t) ||
        !time_tz_arg(ctx, "time.hour", args, argc, 1, &tz))
        return false;
    TimeParts p;
    time_split(t, &tz, &p);
    *out = value_int(p.hour);
    return true;
}

/* {year, month, day, hour, minute, second, weekday, offset} in the zone;
 * offset in seconds east of UTC. */
static bool time_parts(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "time.parts";
    BUILTIN_UNDEF_IN(args, argc, out);
    TimeInstant t;
    TimeTz tz;
    if (!time_arg(ctx, fn, args, 0, &t) || !time_tz_arg(ctx, fn, args, argc, 1, &tz))
        return false;
    TimeParts p;
    time_split(t, &tz, &p);
    Member *ms = builtin_new_members(ctx, fn, 8);
    if (!ms)
        return false;
    builtin_member(ctx, &ms[0], "year", value_int(p.year));
    builtin_member(ctx, &ms[1], "month", value_int(p.month));
    builtin_member(ctx, &ms[2], "day", value_int(p.day));
    builtin_member(ctx, &ms[3], "hour", value_int(p.hour));
    builtin_member(ctx, &ms[4], "minute", value_int(p.minute));
    builtin_member(ctx, &ms[5], "second", value_int(p.second));
    builtin_member(ctx, &ms[6], "weekday", value_str(time_weekday_names[p.weekday], 3));
    builtin_member(ctx, &ms[7], "offset", value_int(p.offset));
    *out = builtin_obj(ms, 8);
    return true;
}

/* "1h30m", "90s", "2d", "1.5h", "-10m", "250ms": a sequence of
 * number+unit (w d h m s ms us ns); "0" alone is zero. Seconds, as an int
 * when whole. False when malformed. */
static bool time_parse_duration_text(const char *s, size_t n, double *secs)
{
    size_t i = 0;
    double sign = 1, total = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        sign = s[i++] == '-' ? -1 : 1;
    if (n - i == 1 && s[i] == '0') {
        *secs = 0;
        return true;
    }
    if (i == n)
        return false;
    while (i < n) {
        char num[32];
        size_t k = 0;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.') && k < sizeof num - 1)
            num[k++] = s[i++];
        num[k] = '\0';
        if (k == 0 || num[0] == '.' || num[k - 1] == '.' || strchr(num, '.') != strrchr(num, '.'))
            return false;
        double mult;
        if (i + 1 < n && s[i] == 'm' && s[i + 1] == 's')
            mult = 1e-3, i += 2;
        else if (i + 1 < n && s[i] == 'u' && s[i + 1] == 's')
            mult = 1e-6, i += 2;
        else if (i + 1 < n && s[i] == 'n' && s[i + 1] == 's')
            mult = 1e-9, i += 2;
        else if (i < n && s[i] == 'w')
            mult = 604800, i++;
        else if (i < n && s[i] == 'd')
            mult = 86400, i++;
        else if (i < n && s[i] == 'h')
            mult = 3600, i++;
        else if (i < n && s[i] == 'm')
            mult = 60, i++;
        else if (i < n && s[i] == 's')
            mult = 1, i++;
        else
            return false;
        total += strtod(num, NULL) * mult;
    }
    if (!isfinite(total) || total > 9e15)
        return false;
    *secs = sign * total;
    return true;
}

static bool time_parse_duration(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (value_is_number(args[0])) {
        *out = args[0];
        out->flags = 0;
        return true;
    }
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, "time.parse_duration", 1, "a duration string", args[0]);
    double secs;
    if (!time_parse_duration_text(args[0].u.s, args[0].n, &secs)) {
        *out = value_undef();
        return true;
    }
    /* Round to the nanosecond so 0.1s + 0.2s style sums print cleanly. */
    double r = round(secs * 1e9) / 1e9;
    *out = builtin_number_from_double(r);
    return true;
}

/* time.add(t, duration) → epoch seconds; duration is seconds or a
 * duration string. */
static bool time_add(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "time.add";
    BUILTIN_UNDEF_IN(args, argc, out);
    TimeInstant t;
    if (!time_arg(ctx, fn, args, 0, &t))
        return false;
    double secs;
    if (args[1].kind == V_INT) {
        int64_t r;
        if (__builtin_add_overflow(t.sec, args[1].u.i, &r))
            return builtin_error(ctx, "%s: result out of range", fn);
        t.sec = r;
        *out = time_instant_value(t);
        return true;
    }
    if (value_is_number(args[1])) {
        value_to_double(args[1], &secs);
    } else if (args[1].kind == V_STR) {
        if (!time_parse_duration_text(args[1].u.s, args[1].n, &secs))
            return builtin_error(ctx, "%s: argument 2 is not a duration: \"%.*s\"", fn,
                                 (int)(args[1].n > 60 ? 60 : args[1].n), args[1].u.s);
    } else {
        return builtin_type_error(ctx, fn, 2, "a duration (seconds or string)", args[1]);
    }
    double whole = floor(secs);
    if (fabs(whole) > 9e15)
        return builtin_error(ctx, "%s: result out of range", fn);
    int64_t ns = t.nsec + (int64_t)llround((secs - whole) * 1e9);
    t.sec += (int64_t)whole + ns / 1000000000;
    t.nsec = (int32_t)(ns % 1000000000);
    *out = time_instant_value(t);
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_time_defs[] = {
    {"time.add", 2, 2, P, time_add, "time.add(t, duration) -> number"},
    {"time.format_rfc3339", 1, 2, P, time_format_rfc3339, "time.format_rfc3339(t, tz?) -> string"},
    {"time.hour", 1, 2, P, time_hour, "time.hour(t, tz?) -> number"},
    {"time.parse_duration", 1, 1, P, time_parse_duration, "time.parse_duration(s) -> number"},
    {"time.parse_rfc3339", 1, 1, P, time_parse_rfc3339, "time.parse_rfc3339(s) -> number"},
    {"time.parts", 1, 2, P, time_parts, "time.parts(t, tz?) -> object"},
    {"time.weekday", 1, 2, P, time_weekday, "time.weekday(t, tz?) -> string"},
};
const size_t builtins_time_ndefs = BUILTIN_NELEMS(builtins_time_defs);
