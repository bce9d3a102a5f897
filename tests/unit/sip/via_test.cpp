#include <gtest/gtest.h>

#include "happysip/sip/via.hpp"

namespace happysip::sip {
namespace {

TEST(Via, ParsesIpv6SentByWithPortAndParameters) {
    auto v = parse_via(
        "SIP/2.0/TCP [2001:db8:10::5]:49352;branch=z9hG4bKnashds7;alias;rport=49352;"
        "received=2001:db8:10::5");
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    EXPECT_EQ(v->protocol_name, "SIP");
    EXPECT_EQ(v->protocol_version, "2.0");
    EXPECT_EQ(v->transport, "TCP");
    EXPECT_EQ(v->host.text, "[2001:db8:10::5]");
    EXPECT_EQ(v->host.kind, HostKind::ipv6);
    EXPECT_EQ(v->port, 49352);
    EXPECT_EQ(v->branch, "z9hG4bKnashds7");
    EXPECT_TRUE(v->has_rfc3261_branch());
    EXPECT_TRUE(v->alias);
    EXPECT_TRUE(v->has_rport);
    EXPECT_EQ(v->rport, 49352);
    EXPECT_EQ(v->received, "2001:db8:10::5");
}

TEST(Via, RportWithoutValueIsAFlag) {
    // RFC 3581 §3: the client asks for rport by sending it empty.
    auto v = parse_via("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKa");
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->has_rport);
    EXPECT_FALSE(v->rport.has_value());
    EXPECT_EQ(v->host.kind, HostKind::ipv4);
}

TEST(Via, AllowsWhiteSpaceAroundSlashesColonAndSemicolons) {
    // RFC 3261 §25.1: SLASH, COLON and SEMI are surrounded by SWS.
    auto v = parse_via("SIP / 2.0 / UDP  host.example.com : 5070 ; branch = z9hG4bKx ; ttl=16");
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    EXPECT_EQ(v->transport, "UDP");
    EXPECT_EQ(v->host.text, "host.example.com");
    EXPECT_EQ(v->port, 5070);
    EXPECT_EQ(v->branch, "z9hG4bKx");
    EXPECT_EQ(v->ttl, 16);
}

TEST(Via, AcceptsBracketedReceivedFromDeployedStacks) {
    auto v = parse_via("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->received, "[2001:db8::9:255]");
}

TEST(Via, KeepsUnknownParametersForLookup) {
    auto v = parse_via("SIP/2.0/UDP a.example.com;branch=z9hG4bK1;x-token=\"a b\";flag");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->params.find("X-TOKEN"), "\"a b\"");
    EXPECT_TRUE(v->params.has("flag"));
    EXPECT_FALSE(v->params.has("missing"));
}

TEST(Via, TransportComparisonIgnoresCase) {
    auto v = parse_via("SIP/2.0/tls h.example.com;branch=z9hG4bK1");
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->transport_is("TLS"));
}

struct BadVia {
    const char* text;
    const char* detail;
};

class ViaRejects : public testing::TestWithParam<BadVia> {};

TEST_P(ViaRejects, WithAPreciseReason) {
    auto v = parse_via(GetParam().text);
    ASSERT_FALSE(v.ok()) << GetParam().text;
    EXPECT_EQ(v.error().header, "Via");
    EXPECT_NE(v.error().detail.find(GetParam().detail), std::string::npos) << v.error().detail;
}

INSTANTIATE_TEST_SUITE_P(
    Via, ViaRejects,
    testing::Values(BadVia{"SIP/2.0 host;branch=z9hG4bK1", "sent-protocol"},
                    BadVia{"SIP/2.0/UDP", "white space"},
                    BadVia{"SIP/2.0/UDP [2001:db8::1;branch=z9hG4bK1", "unterminated"},
                    BadVia{"SIP/2.0/UDP host:99999;branch=z9hG4bK1", "port"},
                    BadVia{"SIP/2.0/UDP host;branch", "branch"},
                    BadVia{"SIP/2.0/UDP host;branch=z9hG4bK1;received=host.example.com",
                           "received"},
                    BadVia{"SIP/2.0/UDP host;branch=z9hG4bK1;ttl=300", "ttl"},
                    BadVia{"SIP/2.0/UDP host;branch=z9hG4bK1;rport=0", "rport"},
                    BadVia{"SIP/2.0/UDP host;branch=\"unterminated", "unterminated"},
                    BadVia{"SIP/2.0/UDP host branch=z9hG4bK1", "expected ';'"}));

// parse_via_into and parse_uri_into reset their output member by member; a reused value
// must not keep anything from the previous parse.
TEST(Via, ReusedOutputKeepsNothingFromThePreviousValue) {
    Via via;
    ASSERT_FALSE(parse_via_into(
        "SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK1;received=192.0.2.1;rport=5;maddr=x.org;"
        "ttl=3;alias",
        via));
    ASSERT_FALSE(parse_via_into("SIP/2.0/UDP host.example.com;branch=z9hG4bK2", via));
    EXPECT_EQ(via.transport, "UDP");
    EXPECT_EQ(via.host.text, "host.example.com");
    EXPECT_EQ(via.host.kind, HostKind::hostname);
    EXPECT_FALSE(via.port.has_value());
    EXPECT_EQ(via.branch, "z9hG4bK2");
    EXPECT_FALSE(via.received || via.maddr || via.ttl || via.rport || via.has_rport || via.alias);
    EXPECT_EQ(via.params.raw(), ";branch=z9hG4bK2");

    Uri uri;
    ASSERT_FALSE(parse_uri_into("sips:u:p@[2001:db8::1]:5061;transport=tcp?h=v", uri));
    ASSERT_FALSE(parse_uri_into("sip:example.com", uri));
    EXPECT_EQ(uri.scheme, UriScheme::sip);
    EXPECT_FALSE(uri.has_user || uri.has_password || uri.port.has_value());
    EXPECT_TRUE(uri.user.empty() && uri.password.empty() && uri.headers.empty());
    EXPECT_TRUE(uri.params.empty());
    EXPECT_EQ(uri.host.text, "example.com");
}

}  // namespace
}  // namespace happysip::sip
