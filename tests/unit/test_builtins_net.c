/* test_builtins_net.c — net.* (IPv4/IPv6 CIDR), encodings (json, base64)
 * and the iam.* cloud helpers. */
#include "builtins_testlib.h"

TEST(cidr_parse)
{
    EXPECT("net.cidr_parse", "[\"10.1.2.3/8\"]",
           "{\"ip\":\"10.1.2.3\",\"prefix\":8,\"version\":4,\"network\":\"10.0.0.0\",\"broadcast\":"
           "\"10.255.255.255\"}");
    EXPECT("net.cidr_parse", "[\"192.168.1.7\"]",
           "{\"ip\":\"192.168.1.7\",\"prefix\":32,\"version\":4,\"network\":\"192.168.1.7\","
           "\"broadcast\":\"192.168.1.7\"}");
    EXPECT("net.cidr_parse", "[\"2001:DB8::1/32\"]",
           "{\"ip\":\"2001:db8::1\",\"prefix\":32,\"version\":6,\"network\":\"2001:db8::\"}");
    EXPECT("net.cidr_parse", "[\"0.0.0.0/0\"]",
           "{\"ip\":\"0.0.0.0\",\"prefix\":0,\"version\":4,\"network\":\"0.0.0.0\",\"broadcast\":"
           "\"255.255.255.255\"}");
    EXPECT("net.cidr_parse", "[\"10.0.0.0/33\"]", "undefined");
    EXPECT("net.cidr_parse", "[\"10.0.0.0/08\"]", "undefined");
    EXPECT("net.cidr_parse", "[\"10.0.0.0/\"]", "undefined");
    EXPECT("net.cidr_parse", "[\"256.0.0.1\"]", "undefined");
    EXPECT("net.cidr_parse", "[\"\"]", "undefined");
    EXPECT("net.cidr_parse", "[\"::/129\"]", "undefined");
    EXPECT("net.cidr_parse", "[1]",
           "error: net.cidr_parse: argument 1 must be a string, got number");
}

TEST(cidr_contains_overlaps)
{
    EXPECT("net.cidr_contains", "[\"10.0.0.0/8\", \"10.20.30.40\"]", "true");
    EXPECT("net.cidr_contains", "[\"10.0.0.0/8\", \"11.0.0.1\"]", "false");
    EXPECT("net.cidr_contains", "[\"10.0.0.0/8\", \"10.1.0.0/16\"]", "true");
    EXPECT("net.cidr_contains", "[\"10.1.0.0/16\", \"10.0.0.0/8\"]", "false");
    EXPECT("net.cidr_contains", "[\"0.0.0.0/0\", \"1.2.3.4\"]", "true");
    EXPECT("net.cidr_contains", "[\"0.0.0.0/0\", \"::1\"]", "false");
    EXPECT("net.cidr_contains", "[\"2001:db8::/32\", \"2001:db8:ffff::1\"]", "true");
    EXPECT("net.cidr_contains", "[\"2001:db8::/33\", \"2001:db8:ffff::1\"]", "false");
    EXPECT("net.cidr_contains", "[\"10.0.0.0/8\", \"nope\"]",
           "error: net.cidr_contains: argument 2 is not an IP address or CIDR: \"nope\"");
    EXPECT("net.cidr_contains", "[\"10.0.0.0/8\", \"$undef\"]", "undefined");
    EXPECT("net.cidr_overlaps", "[\"10.0.0.0/8\", \"10.5.0.0/16\"]", "true");
    EXPECT("net.cidr_overlaps", "[\"10.5.0.0/16\", \"10.0.0.0/8\"]", "true");
    EXPECT("net.cidr_overlaps", "[\"10.0.0.0/16\", \"10.1.0.0/16\"]", "false");
    EXPECT("net.cidr_overlaps", "[\"::/0\", \"0.0.0.0/0\"]", "false");
    EXPECT(
        "net.cidr_overlaps", "[1, \"::/0\"]",
        "error: net.cidr_overlaps: argument 1 must be a string (IP address or CIDR), got number");
}

TEST(private_world_is_ip)
{
    EXPECT("net.is_private", "[\"10.1.2.3\"]", "true");
    EXPECT("net.is_private", "[\"172.16.0.0/12\"]", "true");
    EXPECT("net.is_private", "[\"172.32.0.1\"]", "false");
    EXPECT("net.is_private", "[\"192.168.0.0/15\"]", "false");
    EXPECT("net.is_private", "[\"127.0.0.1\"]", "true");
    EXPECT("net.is_private", "[\"169.254.169.254\"]", "true");
    EXPECT("net.is_private", "[\"8.8.8.8\"]", "false");
    EXPECT("net.is_private", "[\"0.0.0.0/0\"]", "false");
    EXPECT("net.is_private", "[\"fd12:3456::1\"]", "true");
    EXPECT("net.is_private", "[\"fe80::1\"]", "true");
    EXPECT("net.is_private", "[\"::1\"]", "true");
    EXPECT("net.is_private", "[\"2001:db8::1\"]", "false");
    EXPECT("net.is_private", "[\"x\"]",
           "error: net.is_private: argument 1 is not an IP address or CIDR: \"x\"");
    EXPECT("net.is_open_to_world", "[\"0.0.0.0/0\"]", "true");
    EXPECT("net.is_open_to_world", "[\"::/0\"]", "true");
    EXPECT("net.is_open_to_world", "[\"0.0.0.0/1\"]", "false");
    EXPECT("net.is_open_to_world", "[[\"10.0.0.0/8\", \"0.0.0.0/0\"]]", "true");
    EXPECT("net.is_open_to_world", "[[]]", "false");
    EXPECT("net.is_open_to_world", "[[\"10.0.0.0/8\", 5]]",
           "error: net.is_open_to_world: element 1 is not a CIDR string");
    EXPECT("net.is_open_to_world", "[\"bad\"]",
           "error: net.is_open_to_world: argument 1 is not an IP address or CIDR: \"bad\"");
    EXPECT("net.is_open_to_world", "[1]",
           "error: net.is_open_to_world: argument 1 must be a CIDR string or an array of them, got "
           "number");
    EXPECT("net.is_ip", "[\"1.2.3.4\"]", "true");
    EXPECT("net.is_ip", "[\"::ffff:1.2.3.4\"]", "true");
    EXPECT("net.is_ip", "[\"1.2.3.4/32\"]", "false");
    EXPECT("net.is_ip", "[\"1.2.3\"]", "false");
    EXPECT("net.is_ip", "[7]", "false");
    EXPECT("net.is_cidr", "[\"1.2.3.4/32\"]", "true");
    EXPECT("net.is_cidr", "[\"1.2.3.4\"]", "false");
}

TEST(json_codec)
{
    EXPECT("json.decode", "[\"{\\\"a\\\":[1,2.5,\\\"x\\\\n\\\"],\\\"b\\\":null}\"]",
           "{\"a\":[1,2.5,\"x\\n\"],\"b\":null}");
    EXPECT("json.decode", "[\" 3 \"]", "3");
    EXPECT_PREFIX("json.decode", "[\"{\"]",
                  "error: json.decode: invalid JSON at line 1, column 2:");
    EXPECT_PREFIX("json.decode", "[\"\"]", "error: json.decode: invalid JSON at line 1");
    EXPECT("json.decode", "[1]", "error: json.decode: argument 1 must be a string, got number");
    EXPECT("json.is_valid", "[\"[1,2]\"]", "true");
    EXPECT("json.is_valid", "[\"[1,2\"]", "false");
    EXPECT("json.is_valid", "[1]", "false");
    EXPECT("json.encode", "[{\"b\":1,\"a\":[true,null]}]",
           "\"{\\\"a\\\":[true,null],\\\"b\\\":1}\"");
    EXPECT("json.encode", "[\"x\"]", "\"\\\"x\\\"\"");
    EXPECT("json.encode", "[\"$undef\"]", "undefined");
}

TEST(json_decode_copies_its_input)
{
    char text[] = "[\"abc\"]";
    Value arg = value_str(text, (uint32_t)strlen(text)), out;
    tl_call_v("json.decode", tl_arr(&arg, 1), 1, &out);
    memset(text, 'z', strlen(text)); /* the result must not point here */
    CHECK(out.kind == V_ARR && out.n == 1 && out.u.a[0].n == 3 &&
          memcmp(out.u.a[0].u.s, "abc", 3) == 0);
}

TEST(base64)
{
    EXPECT("base64.encode", "[\"\"]", "\"\"");
    EXPECT("base64.encode", "[\"f\"]", "\"Zg==\"");
    EXPECT("base64.encode", "[\"fo\"]", "\"Zm8=\"");
    EXPECT("base64.encode", "[\"foo\"]", "\"Zm9v\"");
    EXPECT("base64.encode", "[\"foobar\"]", "\"Zm9vYmFy\"");
    EXPECT("base64.decode", "[\"Zm9vYmFy\"]", "\"foobar\"");
    EXPECT("base64.decode", "[\"Zg==\"]", "\"f\"");
    EXPECT("base64.decode", "[\"Zg\"]", "\"f\"");
    EXPECT("base64.decode", "[\"\"]", "\"\"");
    EXPECT("base64.decode", "[\"Zm9v!A\"]", "error: base64.decode: invalid character at offset 4");
    EXPECT("base64.decode", "[\"Z\"]", "error: base64.decode: invalid length 1");
    EXPECT("base64.decode", "[\"Zh==\"]", "error: base64.decode: non-zero padding bits");
    EXPECT("base64.decode", "[\"_-8\"]", "error: base64.decode: invalid character at offset 0");
    EXPECT("base64url.encode", "[\"\\u00fb\\u00ff\"]", "\"w7vDvw\"");
    EXPECT("base64url.decode", "[\"w7vDvw\"]", "\"ûÿ\"");
    EXPECT("base64url.decode", "[\"w7vDvw==\"]", "\"ûÿ\"");
    EXPECT("base64.encode", "[5]", "error: base64.encode: argument 1 must be a string, got number");
}

TEST(iam)
{
    const char *doc = "[{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
                      "\"s3:*\",\"Resource\":\"*\",\"Principal\":{\"AWS\":[\"arn:a\",\"arn:b\"],"
                      "\"Service\":\"ec2.amazonaws.com\"}}}]";
    EXPECT("iam.statements", doc,
           "[{\"Sid\":null,\"Effect\":\"Allow\",\"Action\":[\"s3:*\"],\"NotAction\":[],"
           "\"Resource\":[\"*\"],\"NotResource\":[],"
           "\"Principal\":[\"arn:a\",\"arn:b\",\"ec2.amazonaws.com\"],\"NotPrincipal\":[],"
           "\"Condition\":{}}]");
    EXPECT("iam.has_wildcard_action", doc, "true");
    EXPECT(
        "iam.statements",
        "[\"{\\\"Statement\\\":[{\\\"Sid\\\":\\\"x\\\",\\\"Effect\\\":\\\"Deny\\\",\\\"Action\\\":["
        "\\\"*\\\"],\\\"Principal\\\":\\\"*\\\",\\\"Condition\\\":{\\\"Bool\\\":{}}}]}\"]",
        "[{\"Sid\":\"x\",\"Effect\":\"Deny\",\"Action\":[\"*\"],\"NotAction\":[],\"Resource\":[],"
        "\"NotResource\":[],"
        "\"Principal\":[\"*\"],\"NotPrincipal\":[],\"Condition\":{\"Bool\":{}}}]");
    EXPECT("iam.statements", "[{}]", "[]");
    EXPECT("iam.statements", "[{\"Statement\":[1]}]",
           "error: iam.statements: statement 0 must be an object, got number");
    EXPECT("iam.statements", "[{\"Statement\":\"x\"}]",
           "error: iam.statements: Statement must be an object or an array, got string");
    EXPECT("iam.statements", "[\"[1]\"]",
           "error: iam.statements: the policy document is not a JSON object");
    EXPECT_PREFIX("iam.statements", "[\"{\"]", "error: json.decode: invalid JSON");
    EXPECT("iam.statements", "[1]",
           "error: iam.statements: argument 1 must be a policy document (object or JSON string), "
           "got number");
    EXPECT("iam.has_wildcard_action", "[{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\"}]}]",
           "false");
    EXPECT("iam.has_wildcard_action",
           "[{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"]}]}]", "false");
    EXPECT("iam.has_wildcard_action", "[{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}]",
           "true");
    EXPECT("iam.has_wildcard_action",
           "[{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"s3:*\"}]}]", "true");
    EXPECT("iam.has_wildcard_action",
           "[{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\"}]}]", "false");
    EXPECT("iam.is_public_principal", "[\"*\"]", "true");
    EXPECT("iam.is_public_principal", "[{\"AWS\":\"*\"}]", "true");
    EXPECT("iam.is_public_principal", "[{\"AWS\":[\"arn:x\",\"*\"]}]", "true");
    EXPECT("iam.is_public_principal", "[{\"AWS\":\"arn:x\"}]", "false");
    EXPECT("iam.is_public_principal", "[{\"Service\":\"*\"}]", "false");
    EXPECT("iam.is_public_principal", "[[\"*\"]]", "true");
    EXPECT("iam.is_public_principal", "[null]", "false");
    EXPECT("iam.is_public_principal", "[\"$undef\"]", "undefined");
}

int main(void)
{
    tl_init();
    RUN(cidr_parse);
    RUN(cidr_contains_overlaps);
    RUN(private_world_is_ip);
    RUN(json_codec);
    RUN(json_decode_copies_its_input);
    RUN(base64);
    RUN(iam);
    tl_done();
    return harness_done();
}
