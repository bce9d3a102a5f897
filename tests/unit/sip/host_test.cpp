// Hosts (RFC 3261 §25.1 hostname / IPv4address / IPv6reference; RFC 5118, RFC 4291
// §2.2): what parse_host and parse_ip_literal accept, and how hosts compare.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/sip/host.hpp"

namespace happysip::sip {
namespace {

Host host_of(std::string_view text) {
    auto h = parse_host(text);
    EXPECT_TRUE(h.ok()) << text << ": " << (h.ok() ? "" : h.error().to_string());
    return h.ok() ? *h : Host{};
}

// ---- Host: RFC 3261 §25.1 hostname / IPv4address / IPv6reference ----------------------

TEST(Host, ParsesHostnameWithOptionalTrailingDot) {
    EXPECT_EQ(host_of("atlanta.example.com").kind, HostKind::hostname);
    EXPECT_EQ(host_of("atlanta.example.com.").text, "atlanta.example.com.");
    EXPECT_EQ(host_of("localhost").kind, HostKind::hostname);
    EXPECT_EQ(host_of("a-1.b2.c").kind, HostKind::hostname);
}

TEST(Host, RejectsLabelsThatStartOrEndWithHyphen) {
    EXPECT_FALSE(parse_host("-a.example.com").ok());
    EXPECT_FALSE(parse_host("a-.example.com").ok());
    EXPECT_FALSE(parse_host("example.com-").ok());
}

TEST(Host, RejectsEmptyLabelsAndBadCharacters) {
    EXPECT_FALSE(parse_host("a..b").ok());
    EXPECT_FALSE(parse_host(".example.com").ok());
    EXPECT_FALSE(parse_host("example.com..").ok());
    EXPECT_FALSE(parse_host("under_score.com").ok());
    EXPECT_FALSE(parse_host("").ok());
    EXPECT_EQ(parse_host("").error().detail, "missing host");
}

TEST(Host, TopLabelMustStartWithALetter) {
    EXPECT_TRUE(parse_host("123.example.com").ok());
    auto bad = parse_host("example.1com");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().detail, "invalid hostname");
}

TEST(Host, ParsesIpv4Address) {
    Host h = host_of("192.0.2.4");
    EXPECT_EQ(h.kind, HostKind::ipv4);
    EXPECT_EQ(h.address(), "192.0.2.4");
    EXPECT_EQ(host_of("255.255.255.255").kind, HostKind::ipv4);
    EXPECT_EQ(host_of("0.0.0.0").kind, HostKind::ipv4);
}

TEST(Host, RejectsIpv4WithOctetAbove255OrWrongOctetCount) {
    for (std::string_view bad :
         {"256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", "1234.1.1.1"}) {
        auto h = parse_host(bad);
        ASSERT_FALSE(h.ok()) << bad;
        EXPECT_EQ(h.error().detail, "invalid IPv4 address") << bad;
    }
}

TEST(Host, ParsesIpv6ReferenceAndStripsBracketsInAddress) {
    Host h = host_of("[2001:db8::10]");
    EXPECT_EQ(h.kind, HostKind::ipv6);
    EXPECT_EQ(h.text, "[2001:db8::10]");
    EXPECT_EQ(h.address(), "2001:db8::10");
}

TEST(Host, AcceptsEveryIpv6CompressionForm) {
    for (std::string_view ok :
         {"[::]", "[::1]", "[1::]", "[2001:db8:0:0:0:0:0:1]", "[2001:DB8::9:1]",
          "[1:2:3:4:5:6:7::]", "[::2:3:4:5:6:7:8]", "[1::8]", "[fe80::1:2]", "[1:2:3:4:5:6::8]"}) {
        EXPECT_EQ(host_of(ok).kind, HostKind::ipv6) << ok;
    }
}

TEST(Host, AcceptsIpv4TailsInIpv6) {
    // RFC 5118 §4.9 (IPv4-mapped) and §4.10 (the two-colon form RFC 4291 intends).
    EXPECT_EQ(host_of("[::ffff:192.0.2.2]").kind, HostKind::ipv6);
    EXPECT_EQ(host_of("[2001:db8::192.0.2.1]").kind, HostKind::ipv6);
    EXPECT_EQ(host_of("[::192.0.2.1]").kind, HostKind::ipv6);
    EXPECT_EQ(host_of("[1:2:3:4:5:6:192.0.2.1]").kind, HostKind::ipv6);
}

TEST(Host, ToleratesTheRfc3261AbnfExtraColonBeforeIpv4Tail) {
    // RFC 5118 §4.10: "[2001:db8:::192.0.2.1]" must be tolerated; it means the same address.
    Host odd = host_of("[2001:db8:::192.0.2.1]");
    EXPECT_EQ(odd.kind, HostKind::ipv6);
    EXPECT_TRUE(host_equal(odd, host_of("[2001:db8::192.0.2.1]")));
    // ...but only right before an IPv4 tail.
    EXPECT_FALSE(parse_host("[2001:db8:::1]").ok());
    EXPECT_FALSE(parse_host("[2001:db8:::1:192.0.2.1]").ok());
}

TEST(Host, RejectsMalformedIpv6) {
    for (std::string_view bad :
         {"[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[1::2::3]", "[12345::1]", "[:1::2]", "[1::2:]",
          "[::1:]", "[g::1]", "[fe80::1%eth0]", "[1:2:3:4:5:6:7:192.0.2.1]", "[::1.2.3]",
          "[::256.1.1.1]", "[::1.2.3.4:5]", "[1:2:3:4:5:6:7::8]", "[]", "[:::]",
          "[::ffff:1.2.3.4.]"}) {
        auto h = parse_host(bad);
        ASSERT_FALSE(h.ok()) << bad;
        EXPECT_EQ(h.error().detail, "invalid IPv6 reference") << bad;
    }
}

TEST(Host, RejectsUnterminatedIpv6Reference) {
    auto h = parse_host("[2001:db8::10");
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.error().detail, "unterminated IPv6 reference");
}

TEST(Host, ParseHostRejectsBareIpv6) {
    EXPECT_FALSE(parse_host("2001:db8::10").ok());
    EXPECT_FALSE(parse_host("::1").ok());
}

TEST(Host, IpLiteralAcceptsIpv4BareIpv6AndBracketedIpv6) {
    // RFC 3261 received = IPv4address / IPv6address; RFC 5118 §4.5 shows both IPv6 forms.
    auto v4 = parse_ip_literal("192.0.2.1");
    ASSERT_TRUE(v4.ok());
    EXPECT_EQ(v4->kind, HostKind::ipv4);
    auto bare = parse_ip_literal("2001:db8::9:255");
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare->kind, HostKind::ipv6);
    EXPECT_EQ(bare->address(), "2001:db8::9:255");
    auto bracketed = parse_ip_literal("[2001:db8::9:255]");
    ASSERT_TRUE(bracketed.ok());
    EXPECT_EQ(bracketed->text, "[2001:db8::9:255]");
    EXPECT_EQ(bracketed->address(), "2001:db8::9:255");
}

TEST(Host, IpLiteralRejectsHostnamesAndGarbage) {
    for (std::string_view bad : {"example.com", "", "1.2.3", "2001:db8::g", "[2001:db8::1"}) {
        EXPECT_FALSE(parse_ip_literal(bad).ok()) << bad;
    }
    EXPECT_EQ(parse_ip_literal("example.com").error().detail, "not an IPv4 or IPv6 address");
}

TEST(Host, EqualityComparesAddressesByValueAndNamesCaseInsensitively) {
    EXPECT_TRUE(host_equal(host_of("[2001:DB8:0::1]"), host_of("[2001:db8::1]")));
    EXPECT_TRUE(host_equal(host_of("[::ffff:192.0.2.2]"), host_of("[::ffff:c000:202]")));
    EXPECT_TRUE(host_equal(host_of("AtLanTa.CoM"), host_of("atlanta.com")));
    EXPECT_FALSE(host_equal(host_of("[2001:db8::1]"), host_of("[2001:db8::2]")));
    EXPECT_FALSE(host_equal(host_of("192.0.2.4"), host_of("phone21.boxesbybob.com")));
}

TEST(Host, ParsesIpAddressesIntoNetworkByteOrder) {
    auto v6 = parse_ipv6_address("2001:db8::9:1");
    ASSERT_TRUE(v6.has_value());
    EXPECT_EQ((*v6)[0], 0x20);
    EXPECT_EQ((*v6)[1], 0x01);
    EXPECT_EQ((*v6)[3], 0xb8);
    EXPECT_EQ((*v6)[13], 0x09);
    EXPECT_EQ((*v6)[15], 0x01);
    auto v4 = parse_ipv4_address("192.0.2.10");
    ASSERT_TRUE(v4.has_value());
    EXPECT_EQ((*v4)[0], 192);
    EXPECT_EQ((*v4)[3], 10);
}

// is_ipv6_address is the parser's fast check; it must accept exactly what
// parse_ipv6_address accepts. Every string over a small alphabet up to length 6, plus
// the forms RFC 4291 §2.2 and RFC 5118 §4 list.
TEST(Host, Ipv6CheckAgreesWithTheFullParser) {
    const std::string alphabet = "0f:.1";
    std::vector<std::string> inputs = {"2001:db8::9:1",
                                       "::",
                                       "::1",
                                       "1::",
                                       "1:2:3:4:5:6:7:8",
                                       "1:2:3:4:5:6:7:8:9",
                                       "1:2:3:4:5:6:7::",
                                       "1:2:3:4:5:6:7:8::",
                                       "::ffff:192.0.2.2",
                                       "2001:db8:::192.0.2.1",
                                       "2001:db8::192.0.2.1",
                                       "1:2:3:4:5:6:192.0.2.1",
                                       "1:2:3:4:5:6:7:192.0.2.1",
                                       "12345::1",
                                       "1::2::3",
                                       ":1::2",
                                       "1:",
                                       "fffff::",
                                       "g::1",
                                       "2001:db8:10::5"};
    std::vector<std::string> level = {""};
    for (int len = 1; len <= 6; ++len) {
        std::vector<std::string> longer;
        for (const std::string& s : level)
            for (char c : alphabet)
                longer.push_back(s + c);
        inputs.insert(inputs.end(), longer.begin(), longer.end());
        level = std::move(longer);
    }
    for (const std::string& s : inputs)
        EXPECT_EQ(is_ipv6_address(s), parse_ipv6_address(s).has_value()) << s;
}

TEST(Host, Ipv4OctetsAreOneToThreeDigitsUpTo255) {
    EXPECT_TRUE(parse_ipv4_address("0.0.0.0"));
    EXPECT_TRUE(parse_ipv4_address("255.255.255.255"));
    EXPECT_TRUE(parse_ipv4_address("001.02.3.0000000255"));  // the last octet runs to the end
    for (const char* bad :
         {"", "1", "1.2.3", "1.2.3.", ".1.2.3", "1..2.3", "256.1.1.1", "1.1.1.256", "1234.1.1.1",
          "1.1.1.4294967296", "1.1.1.00000000001", "1a.2.3.4", "1.2.3.4 ", "1.2.3.4.5", "-1.2.3.4"})
        EXPECT_FALSE(parse_ipv4_address(bad)) << bad;
}

}  // namespace
}  // namespace happysip::sip
