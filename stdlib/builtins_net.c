/* builtins_net.c — IP address and CIDR builtins: net.cidr_parse,
 * net.cidr_contains, net.cidr_overlaps, net.is_private,
 * net.is_open_to_world, net.is_ip, net.is_cidr.
 *
 * IPv4 and IPv6 through inet_pton/inet_ntop; an address without "/n" is a
 * single host (/32 or /128). Host bits in a CIDR are allowed and masked off
 * ("10.1.2.3/8" is the network 10.0.0.0/8). IPv4 and IPv6 never contain or
 * overlap each other (an IPv4-mapped IPv6 address is IPv6).
 *
 * The two questions (net.is_ip, net.is_cidr) answer false and
 * net.cidr_parse answers undefined for text that is not an address; the
 * predicates that take an address as given (cidr_contains, cidr_overlaps,
 * is_private, is_open_to_world) make it an error, so a typo in a security
 * rule is loud rather than silently "not matched". Owns no state.
 */
#include "builtin_impl.h"

#include <arpa/inet.h>
#include <string.h>

typedef struct NetCidr {
    uint8_t addr[16]; /* address as written (IPv4 in the first 4 bytes) */
    uint8_t version;  /* 4 or 6 */
    uint8_t prefix;   /* 0..32 or 0..128 */
    bool has_prefix;  /* "/n" was written */
} NetCidr;

static bool net_parse(const char *s, size_t n, NetCidr *c)
{
    char buf[64];
    memset(c, 0, sizeof *c);
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || alen >= sizeof buf)
        return false;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (inet_pton(AF_INET, buf, c->addr) == 1)
        c->version = 4;
    else if (inet_pton(AF_INET6, buf, c->addr) == 1)
        c->version = 6;
    else
        return false;
    unsigned max = c->version == 4 ? 32 : 128;
    c->prefix = (uint8_t)max;
    if (slash) {
        size_t i = alen + 1;
        if (i >= n || n - i > 3)
            return false;
        unsigned p = 0;
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            p = p * 10 + (unsigned)(s[i] - '0');
        }
        if (p > max || (n - alen - 1 > 1 && s[alen + 1] == '0'))
            return false; /* out of range, or a leading zero ("/08") */
        c->prefix = (uint8_t)p;
        c->has_prefix = true;
    }
    return true;
}

/* addr with the bits past `prefix` cleared (fill == 0) or set (fill == 1). */
static void net_mask(const uint8_t *addr, unsigned bytes, unsigned prefix, int fill, uint8_t *out)
{
    for (unsigned k = 0; k < bytes; k++) {
        unsigned bits = prefix >= (k + 1) * 8 ? 8 : prefix > k * 8 ? prefix - k * 8 : 0;
        uint8_t keep = (uint8_t)(bits ? 0xFFu << (8 - bits) : 0);
        out[k] = (uint8_t)((addr[k] & keep) | (fill ? ~keep & 0xFF : 0));
    }
}

static bool net_same_prefix(const uint8_t *a, const uint8_t *b, unsigned bytes, unsigned prefix)
{
    uint8_t ma[16], mb[16];
    net_mask(a, bytes, prefix, 0, ma);
    net_mask(b, bytes, prefix, 0, mb);
    return memcmp(ma, mb, bytes) == 0;
}

/* a contains b: same family, b's prefix no shorter, and b inside a's network. */
static bool net_contains(const NetCidr *a, const NetCidr *b)
{
    return a->version == b->version && b->prefix >= a->prefix &&
           net_same_prefix(a->addr, b->addr, a->version == 4 ? 4 : 16, a->prefix);
}

static bool net_arg(BuiltinCtx *ctx, const char *fn, const Value *args, uint32_t i, NetCidr *c)
{
    if (args[i].kind != V_STR)
        return builtin_type_error(ctx, fn, i + 1, "a string (IP address or CIDR)", args[i]);
    if (!net_parse(args[i].u.s, args[i].n, c))
        return builtin_error(ctx, "%s: argument %u is not an IP address or CIDR: \"%.*s\"", fn,
                             (unsigned)i + 1, (int)(args[i].n > 60 ? 60 : args[i].n), args[i].u.s);
    return true;
}

static bool net_ntop(BuiltinCtx *ctx, const char *fn, const uint8_t *addr, int version, Value *out)
{
    char text[INET6_ADDRSTRLEN];
    inet_ntop(version == 4 ? AF_INET : AF_INET6, addr, text, sizeof text);
    return builtin_new_str(ctx, fn, text, strlen(text), out);
}

/* {ip, prefix, version, network, broadcast (IPv4 only)} or undefined. */
static bool net_cidr_parse(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "net.cidr_parse";
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a string", args[0]);
    NetCidr c;
    if (!net_parse(args[0].u.s, args[0].n, &c)) {
        *out = value_undef();
        return true;
    }
    unsigned bytes = c.version == 4 ? 4 : 16;
    uint8_t net[16], bcast[16];
    net_mask(c.addr, bytes, c.prefix, 0, net);
    net_mask(c.addr, bytes, c.prefix, 1, bcast);
    Member *ms = builtin_new_members(ctx, fn, 5);
    Value ip, network, broadcast;
    if (!ms || !net_ntop(ctx, fn, c.addr, c.version, &ip) ||
        !net_ntop(ctx, fn, net, c.version, &network) ||
        !net_ntop(ctx, fn, bcast, c.version, &broadcast))
        return false;
    builtin_member(ctx, &ms[0], "ip", ip);
    builtin_member(ctx, &ms[1], "prefix", value_int(c.prefix));
    builtin_member(ctx, &ms[2], "version", value_int(c.version));
    builtin_member(ctx, &ms[3], "network", network);
    builtin_member(ctx, &ms[4], "broadcast", broadcast);
    *out = builtin_obj(ms, c.version == 4 ? 5 : 4);
    return true;
}

static bool net_cidr_contains(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    NetCidr a, b;
    if (!net_arg(ctx, "net.cidr_contains", args, 0, &a) ||
        !net_arg(ctx, "net.cidr_contains", args, 1, &b))
        return false;
    *out = value_bool(net_contains(&a, &b));
    return true;
}

static bool net_cidr_overlaps(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    NetCidr a, b;
    if (!net_arg(ctx, "net.cidr_overlaps", args, 0, &a) ||
        !net_arg(ctx, "net.cidr_overlaps", args, 1, &b))
        return false;
    unsigned p = a.prefix < b.prefix ? a.prefix : b.prefix;
    *out = value_bool(a.version == b.version &&
                      net_same_prefix(a.addr, b.addr, a.version == 4 ? 4 : 16, p));
    return true;
}

/* Private ranges: RFC 1918 (10/8, 172.16/12, 192.168/16), loopback
 * (127/8, ::1/128), link-local (169.254/16, fe80::/10), unique local
 * (RFC 4193 fc00::/7). A CIDR is private when it lies wholly inside one. */
static bool net_is_private(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char *const ranges[] = {"10.0.0.0/8",  "172.16.0.0/12",  "192.168.0.0/16",
                                         "127.0.0.0/8", "169.254.0.0/16", "::1/128",
                                         "fe80::/10",   "fc00::/7"};
    BUILTIN_UNDEF_IN(args, argc, out);
    NetCidr c;
    if (!net_arg(ctx, "net.is_private", args, 0, &c))
        return false;
    bool priv = false;
    for (size_t k = 0; k < BUILTIN_NELEMS(ranges) && !priv; k++) {
        NetCidr r;
        net_parse(ranges[k], strlen(ranges[k]), &r);
        priv = net_contains(&r, &c);
    }
    *out = value_bool(priv);
    return true;
}

/* True for a /0 (0.0.0.0/0, ::/0: every address); given an array of
 * CIDRs (as security-group rules hold them), true when any element is. */
static bool net_is_open_to_world(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    static const char fn[] = "net.is_open_to_world";
    BUILTIN_UNDEF_IN(args, argc, out);
    Value v = args[0];
    const Value *items = &args[0];
    uint32_t n = 1;
    if (v.kind == V_ARR || v.kind == V_SET) {
        items = v.u.a;
        n = v.n;
    }
    if (v.kind != V_ARR && v.kind != V_SET && v.kind != V_STR)
        return builtin_type_error(ctx, fn, 1, "a CIDR string or an array of them", v);
    bool open = false;
    for (uint32_t k = 0; k < n && !open; k++) {
        NetCidr c;
        if (items[k].kind != V_STR || !net_parse(items[k].u.s, items[k].n, &c)) {
            if (items == &args[0])
                return net_arg(ctx, fn, args, 0, &c); /* sets the error */
            return builtin_error(ctx, "%s: element %u is not a CIDR string", fn, (unsigned)k);
        }
        open = c.prefix == 0;
    }
    *out = value_bool(open);
    return true;
}

static bool net_is_ip(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR) {
        *out = value_bool(false);
        return true;
    }
    NetCidr c;
    (void)ctx;
    *out = value_bool(net_parse(args[0].u.s, args[0].n, &c) && !c.has_prefix);
    return true;
}

static bool net_is_cidr(BuiltinCtx *ctx, const Value *args, uint32_t argc, Value *out)
{
    BUILTIN_UNDEF_IN(args, argc, out);
    if (args[0].kind != V_STR) {
        *out = value_bool(false);
        return true;
    }
    NetCidr c;
    (void)ctx;
    *out = value_bool(net_parse(args[0].u.s, args[0].n, &c) && c.has_prefix);
    return true;
}

#define P BUILTIN_PURE
const BuiltinDef builtins_net_defs[] = {
    {"net.cidr_contains", 2, 2, P, net_cidr_contains,
     "net.cidr_contains(cidr, ip_or_cidr) -> bool"},
    {"net.cidr_overlaps", 2, 2, P, net_cidr_overlaps, "net.cidr_overlaps(a, b) -> bool"},
    {"net.cidr_parse", 1, 1, P, net_cidr_parse, "net.cidr_parse(s) -> object"},
    {"net.is_cidr", 1, 1, P, net_is_cidr, "net.is_cidr(s) -> bool"},
    {"net.is_ip", 1, 1, P, net_is_ip, "net.is_ip(s) -> bool"},
    {"net.is_open_to_world", 1, 1, P, net_is_open_to_world,
     "net.is_open_to_world(cidr_or_array) -> bool"},
    {"net.is_private", 1, 1, P, net_is_private, "net.is_private(ip_or_cidr) -> bool"},
};
const size_t builtins_net_ndefs = BUILTIN_NELEMS(builtins_net_defs);
