/* test_builtins_time.c — time.* (RFC 3339, zones from TZif files, DST
 * edges, durations) and semver.*. Zone tests are skipped when the system
 * has no tzdata. */
#include <unistd.h>

#include "builtins_testlib.h"

static int have_zone(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    return access(path, R_OK) == 0;
}

TEST(parse_format_rfc3339)
{
    EXPECT("time.parse_rfc3339", "[\"1970-01-01T00:00:00Z\"]", "0");
    EXPECT("time.parse_rfc3339", "[\"2024-02-29T12:00:00Z\"]", "1709208000");
    EXPECT("time.parse_rfc3339", "[\"2024-02-29T14:00:00+02:00\"]", "1709208000");
    EXPECT("time.parse_rfc3339", "[\"2024-02-29t12:00:00z\"]", "1709208000");
    EXPECT("time.parse_rfc3339", "[\"2024-02-29 12:00:00Z\"]", "1709208000");
    EXPECT("time.parse_rfc3339", "[\"1969-12-31T23:59:59Z\"]", "-1");
    EXPECT("time.parse_rfc3339", "[\"2024-01-01T00:00:00.5Z\"]", "1704067200.5");
    EXPECT("time.parse_rfc3339", "[\"2024-01-01T00:00:00.000Z\"]", "1704067200");
    EXPECT("time.parse_rfc3339", "[\"2023-02-29T00:00:00Z\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[\"2024-13-01T00:00:00Z\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[\"2024-01-01T24:00:00Z\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[\"2024-01-01T00:00:00\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[\"2024-01-01\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[\"2024-01-01T00:00:00.Z\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[\"2024-01-01T00:00:00+0200\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[\"\"]", "undefined");
    EXPECT("time.parse_rfc3339", "[1]",
           "error: time.parse_rfc3339: argument 1 must be a string, got number");
    EXPECT("time.format_rfc3339", "[0]", "\"1970-01-01T00:00:00Z\"");
    EXPECT("time.format_rfc3339", "[1709208000, \"+05:30\"]", "\"2024-02-29T17:30:00+05:30\"");
    EXPECT("time.format_rfc3339", "[1709208000, \"-0800\"]", "\"2024-02-29T04:00:00-08:00\"");
    EXPECT("time.format_rfc3339", "[1709208000, \"+02\"]", "\"2024-02-29T14:00:00+02:00\"");
    EXPECT("time.format_rfc3339", "[1704067200.25]", "\"2024-01-01T00:00:00.25Z\"");
    EXPECT("time.format_rfc3339", "[-1]", "\"1969-12-31T23:59:59Z\"");
    EXPECT("time.format_rfc3339", "[\"2024-02-29T14:00:00+02:00\"]", "\"2024-02-29T12:00:00Z\"");
    EXPECT("time.format_rfc3339", "[253402300800]",
           "error: time.format_rfc3339: year 10000 is outside 0000-9999");
    EXPECT("time.format_rfc3339", "[0, \"Mars/Olympus\"]",
           "error: time.format_rfc3339: unknown time zone \"Mars/Olympus\"");
    EXPECT("time.format_rfc3339", "[0, \"../../etc/passwd\"]",
           "error: time.format_rfc3339: unknown time zone \"../../etc/passwd\"");
    EXPECT("time.format_rfc3339", "[0, \"+25:00\"]",
           "error: time.format_rfc3339: unknown time zone \"+25:00\"");
    EXPECT("time.format_rfc3339", "[0, 2]",
           "error: time.format_rfc3339: argument 2 must be a time zone string, got number");
    EXPECT("time.format_rfc3339", "[\"yesterday\"]",
           "error: time.format_rfc3339: argument 1 is not an RFC 3339 time: \"yesterday\"");
    EXPECT("time.format_rfc3339", "[true]",
           "error: time.format_rfc3339: argument 1 must be a time (epoch seconds or RFC 3339 "
           "string), got boolean");
}

TEST(weekday_hour_parts)
{
    EXPECT("time.weekday", "[0]", "\"Thu\"");
    EXPECT("time.weekday", "[\"2024-03-01T23:30:00Z\"]", "\"Fri\"");
    EXPECT("time.weekday", "[\"2024-03-01T23:30:00Z\", \"+01:00\"]", "\"Sat\"");
    EXPECT("time.weekday", "[-86400]", "\"Wed\"");
    EXPECT("time.hour", "[\"2024-03-01T23:30:00Z\"]", "23");
    EXPECT("time.hour", "[\"2024-03-01T23:30:00Z\", \"UTC\"]", "23");
    EXPECT("time.hour", "[\"2024-03-01T23:30:00Z\", \"-05:00\"]", "18");
    EXPECT("time.weekday", "[\"$undef\"]", "undefined");
    EXPECT("time.parts", "[\"2024-03-01T23:30:05Z\", \"+01:00\"]",
           "{\"year\":2024,\"month\":3,\"day\":2,\"hour\":0,\"minute\":30,\"second\":5,\"weekday\":"
           "\"Sat\",\"offset\":3600}");
    EXPECT("time.parts", "[-1]",
           "{\"year\":1969,\"month\":12,\"day\":31,\"hour\":23,\"minute\":59,\"second\":59,"
           "\"weekday\":\"Wed\",\"offset\":0}");
}

TEST(zones_berlin_dst)
{
    if (!have_zone("Europe/Berlin")) {
        fprintf(stderr, "skipping zones_berlin_dst: no tzdata\n");
        return;
    }
    /* spring forward 2024-03-31 01:00Z: 02:00 CET becomes 03:00 CEST */
    EXPECT("time.format_rfc3339", "[\"2024-03-31T00:59:59Z\", \"Europe/Berlin\"]",
           "\"2024-03-31T01:59:59+01:00\"");
    EXPECT("time.format_rfc3339", "[\"2024-03-31T01:00:00Z\", \"Europe/Berlin\"]",
           "\"2024-03-31T03:00:00+02:00\"");
    /* fall back 2024-10-27 01:00Z: 03:00 CEST becomes 02:00 CET */
    EXPECT("time.format_rfc3339", "[\"2024-10-27T00:59:59Z\", \"Europe/Berlin\"]",
           "\"2024-10-27T02:59:59+02:00\"");
    EXPECT("time.format_rfc3339", "[\"2024-10-27T01:00:00Z\", \"Europe/Berlin\"]",
           "\"2024-10-27T02:00:00+01:00\"");
    EXPECT("time.hour", "[\"2024-07-01T12:00:00Z\", \"Europe/Berlin\"]", "14");
    /* 1970: no DST in Germany */
    EXPECT("time.hour", "[\"1970-07-01T12:00:00Z\", \"Europe/Berlin\"]", "13");
    /* far future: past the table, from the POSIX rule in the footer */
    EXPECT("time.format_rfc3339", "[\"2090-03-26T00:59:59Z\", \"Europe/Berlin\"]",
           "\"2090-03-26T01:59:59+01:00\"");
    EXPECT("time.format_rfc3339", "[\"2090-03-26T01:00:00Z\", \"Europe/Berlin\"]",
           "\"2090-03-26T03:00:00+02:00\"");
    EXPECT("time.format_rfc3339", "[\"2090-10-29T00:59:59Z\", \"Europe/Berlin\"]",
           "\"2090-10-29T02:59:59+02:00\"");
    EXPECT("time.format_rfc3339", "[\"2090-10-29T01:00:00Z\", \"Europe/Berlin\"]",
           "\"2090-10-29T02:00:00+01:00\"");
    EXPECT("time.weekday", "[\"2024-03-31T22:30:00Z\", \"Europe/Berlin\"]", "\"Mon\"");
}

TEST(zones_other)
{
    if (have_zone("America/New_York")) {
        EXPECT("time.format_rfc3339", "[\"2024-03-10T06:59:59Z\", \"America/New_York\"]",
               "\"2024-03-10T01:59:59-05:00\"");
        EXPECT("time.format_rfc3339", "[\"2024-03-10T07:00:00Z\", \"America/New_York\"]",
               "\"2024-03-10T03:00:00-04:00\"");
        EXPECT("time.format_rfc3339", "[\"2080-11-03T05:59:59Z\", \"America/New_York\"]",
               "\"2080-11-03T01:59:59-04:00\"");
        EXPECT("time.format_rfc3339", "[\"2080-11-03T06:00:00Z\", \"America/New_York\"]",
               "\"2080-11-03T01:00:00-05:00\"");
    }
    if (have_zone("Australia/Sydney")) { /* southern hemisphere: DST spans new year */
        EXPECT("time.hour", "[\"2060-01-15T00:00:00Z\", \"Australia/Sydney\"]", "11");
        EXPECT("time.hour", "[\"2060-07-15T00:00:00Z\", \"Australia/Sydney\"]", "10");
    }
    if (have_zone("Asia/Kolkata"))
        EXPECT("time.format_rfc3339", "[0, \"Asia/Kolkata\"]", "\"1970-01-01T05:30:00+05:30\"");
    if (have_zone("Etc/UTC"))
        EXPECT("time.format_rfc3339", "[0, \"Etc/UTC\"]", "\"1970-01-01T00:00:00+00:00\"");
}

TEST(durations_add)
{
    EXPECT("time.parse_duration", "[\"1h30m\"]", "5400");
    EXPECT("time.parse_duration", "[\"90s\"]", "90");
    EXPECT("time.parse_duration", "[\"2d\"]", "172800");
    EXPECT("time.parse_duration", "[\"1w\"]", "604800");
    EXPECT("time.parse_duration", "[\"1.5h\"]", "5400");
    EXPECT("time.parse_duration", "[\"-10m\"]", "-600");
    EXPECT("time.parse_duration", "[\"250ms\"]", "0.25");
    EXPECT("time.parse_duration", "[\"0\"]", "0");
    EXPECT("time.parse_duration", "[\"1h1ms\"]", "3600.001");
    EXPECT("time.parse_duration", "[\"\"]", "undefined");
    EXPECT("time.parse_duration", "[\"10\"]", "undefined");
    EXPECT("time.parse_duration", "[\"1y\"]", "undefined");
    EXPECT("time.parse_duration", "[\"h\"]", "undefined");
    EXPECT("time.parse_duration", "[\"-\"]", "undefined");
    EXPECT("time.parse_duration", "[60]", "60");
    EXPECT("time.parse_duration", "[[]]",
           "error: time.parse_duration: argument 1 must be a duration string, got array");
    EXPECT("time.add", "[0, \"1h\"]", "3600");
    EXPECT("time.add", "[\"2024-01-01T00:00:00Z\", \"-1d\"]", "1703980800");
    EXPECT("time.add", "[0, 90]", "90");
    EXPECT("time.add", "[0, 1.5]", "1.5");
    EXPECT("time.add", "[0.75, 0.5]", "1.25");
    EXPECT("time.add", "[0, \"soon\"]", "error: time.add: argument 2 is not a duration: \"soon\"");
    EXPECT("time.add", "[9223372036854775807, 1]", "error: time.add: result out of range");
    EXPECT("time.add", "[0, null]",
           "error: time.add: argument 2 must be a duration (seconds or string), got null");
}

TEST(semver)
{
    EXPECT("semver.is_valid", "[\"1.2.3\"]", "true");
    EXPECT("semver.is_valid", "[\"v1.2.3-rc.1+build.5\"]", "true");
    EXPECT("semver.is_valid", "[\"1.2\"]", "false");
    EXPECT("semver.is_valid", "[\"01.2.3\"]", "false");
    EXPECT("semver.is_valid", "[\"1.2.3-01\"]", "false");
    EXPECT("semver.is_valid", "[\"1.2.3-\"]", "false");
    EXPECT("semver.is_valid", "[\"1.2.3+\"]", "false");
    EXPECT("semver.is_valid", "[\"1.2.3+001\"]", "true");
    EXPECT("semver.is_valid", "[\"99999999999999999999.0.0\"]", "false");
    EXPECT("semver.is_valid", "[5]", "false");
    EXPECT("semver.compare", "[\"1.2.3\", \"1.2.3\"]", "0");
    EXPECT("semver.compare", "[\"1.2.3\", \"1.10.0\"]", "-1");
    EXPECT("semver.compare", "[\"2.0.0\", \"1.99.99\"]", "1");
    EXPECT("semver.compare", "[\"1.0.0-alpha\", \"1.0.0\"]", "-1");
    EXPECT("semver.compare", "[\"1.0.0+b1\", \"1.0.0+b2\"]", "0");
    EXPECT("semver.compare", "[\"v1.0.0\", \"1.0.0\"]", "0");
    /* the chain from semver.org section 11 */
    const char *chain[] = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                           "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
    for (int k = 0; k + 1 < 8; k++) {
        char args[128];
        snprintf(args, sizeof args, "[\"%s\", \"%s\"]", chain[k], chain[k + 1]);
        EXPECT("semver.compare", args, "-1");
        snprintf(args, sizeof args, "[\"%s\", \"%s\"]", chain[k + 1], chain[k]);
        EXPECT("semver.compare", args, "1");
    }
    EXPECT("semver.compare", "[\"1.2\", \"1.2.0\"]",
           "error: semver.compare: argument 1 is not a semantic version: \"1.2\"");
    EXPECT("semver.satisfies", "[\"1.2.5\", \"~> 1.2.3\"]", "true");
    EXPECT("semver.satisfies", "[\"1.3.0\", \"~> 1.2.3\"]", "false");
    EXPECT("semver.satisfies", "[\"1.9.0\", \"~> 1.2\"]", "true");
    EXPECT("semver.satisfies", "[\"2.0.0\", \"~> 1.2\"]", "false");
    EXPECT("semver.satisfies", "[\"1.3.0-beta\", \"~> 1.2.3\"]", "false");
    EXPECT("semver.satisfies", "[\"1.5.0\", \">= 1.2, < 2.0.0\"]", "true");
    EXPECT("semver.satisfies", "[\"2.0.0\", \">= 1.2, < 2.0.0\"]", "false");
    EXPECT("semver.satisfies", "[\"1.2.0\", \"1.2\"]", "true");
    EXPECT("semver.satisfies", "[\"1.2.0\", \"!= 1.2.0\"]", "false");
    EXPECT("semver.satisfies", "[\"1.2.0\", \"=1.2.0\"]", "true");
    EXPECT("semver.satisfies", "[\"1.2.0\", \">1.1,<=1.2.0\"]", "true");
    EXPECT("semver.satisfies", "[\"1.2.0\", \"=> 1.0\"]",
           "error: semver.satisfies: invalid constraint \"=> 1.0\"");
    EXPECT("semver.satisfies", "[\"1.2.0\", \"\"]",
           "error: semver.satisfies: invalid constraint \"\"");
    EXPECT("semver.satisfies", "[\"1.2.0\", \">= 1.0,\"]",
           "error: semver.satisfies: invalid constraint \"\"");
}

int main(void)
{
    tl_init();
    RUN(parse_format_rfc3339);
    RUN(weekday_hour_parts);
    RUN(zones_berlin_dst);
    RUN(zones_other);
    RUN(durations_add);
    RUN(semver);
    tl_done();
    return harness_done();
}
