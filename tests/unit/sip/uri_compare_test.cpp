// URI comparison (RFC 3261 §19.1.4; tel: RFC 3966 §4): uri_equal.
#include <gtest/gtest.h>

#include <string>

#include "happysip/sip/uri.hpp"
#include "uri_test_support.hpp"

namespace happysip::sip {
namespace {

using test::parsed;

// ---- RFC 3261 §19.1.4 comparison -----------------------------------------------------------

bool equal(std::string_view a, std::string_view b) {
    return uri_equal(parsed(a), parsed(b));
}

TEST(UriEqual, Rfc3261EquivalentPairs) {
    const std::pair<std::string_view, std::string_view> pairs[] = {
        {"sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"},
        {"sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"},
        {"sip:carol@chicago.com", "sip:carol@chicago.com;security=on"},
        {"sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"},
        {"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
         "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"},
        {"sip:alice@atlanta.com?subject=project%20x&priority=urgent",
         "sip:alice@atlanta.com?priority=urgent&subject=project%20x"},
    };
    for (const auto& [a, b] : pairs) {
        EXPECT_TRUE(equal(a, b)) << a << " vs " << b;
        EXPECT_TRUE(equal(b, a)) << b << " vs " << a;
    }
}

TEST(UriEqual, Rfc3261NonEquivalentPairs) {
    const std::pair<std::string_view, std::string_view> pairs[] = {
        {"SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"},
        {"sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"},
        {"sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"},
        {"sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"},
        {"sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"},
        {"sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"},
    };
    for (const auto& [a, b] : pairs) {
        EXPECT_FALSE(equal(a, b)) << a << " vs " << b;
        EXPECT_FALSE(equal(b, a)) << b << " vs " << a;
    }
}

TEST(UriEqual, IsNotTransitiveOverParametersInOnlyOneUri) {
    // RFC 3261 §19.1.4: each equals the plain URI, but not each other.
    EXPECT_TRUE(equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
    EXPECT_TRUE(equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=off"));
    EXPECT_FALSE(equal("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
}

TEST(UriEqual, UserTtlMethodAndMaddrMustMatchWhenInEither) {
    EXPECT_FALSE(equal("sip:a@b.com;user=phone", "sip:a@b.com"));
    EXPECT_FALSE(equal("sip:a@b.com;ttl=1", "sip:a@b.com"));
    EXPECT_FALSE(equal("sip:a@b.com;method=INVITE", "sip:a@b.com"));
    EXPECT_FALSE(equal("sip:a@b.com;maddr=239.255.255.1", "sip:a@b.com"));
    EXPECT_FALSE(equal("sip:a@b.com;maddr=239.255.255.1", "sip:a@b.com;maddr=239.255.255.2"));
    EXPECT_TRUE(equal("sip:a@b.com;MADDR=Example.com", "sip:a@b.com;maddr=example.COM"));
}

TEST(UriEqual, UserinfoIsCaseSensitiveAndPasswordCounts) {
    EXPECT_FALSE(equal("sip:Alice@a.com", "sip:alice@a.com"));
    EXPECT_FALSE(equal("sip:alice:x@a.com", "sip:alice@a.com"));
    EXPECT_FALSE(equal("sip:alice:x@a.com", "sip:alice:y@a.com"));
    EXPECT_FALSE(equal("sip:a.com", "sip:alice@a.com"));
    EXPECT_TRUE(equal("sip:alice:%78@a.com", "sip:alice:x@a.com"));
}

TEST(UriEqual, SipAndSipsAreNeverEqual) {
    EXPECT_FALSE(equal("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
    EXPECT_TRUE(equal("SIPS:alice@atlanta.com", "sips:alice@atlanta.com"));
}

TEST(UriEqual, ComparesIpv6HostsByAddress) {
    EXPECT_TRUE(equal("sip:[2001:db8::10]:5070", "sip:[2001:DB8:0:0::10]:5070"));
    EXPECT_FALSE(equal("sip:[2001:db8::10]:5070", "sip:[2001:db8::10:5070]"));
    EXPECT_TRUE(equal("sip:[::ffff:192.0.2.2]", "sip:[::FFFF:c000:0202]"));
}

TEST(UriEqual, HeadersMustMatchAsASet) {
    EXPECT_FALSE(equal("sip:a.com?x=1", "sip:a.com?x=2"));
    EXPECT_FALSE(equal("sip:a.com?x=1&y=2", "sip:a.com?x=1"));
    EXPECT_TRUE(equal("sip:a.com?X=%31", "sip:a.com?x=1"));
}

TEST(UriEqual, TelIgnoresVisualSeparatorsAndParameterOrder) {
    EXPECT_TRUE(equal("tel:+1-201-555-0123", "tel:+1(201)5550123"));
    EXPECT_TRUE(equal("tel:7042;phone-context=example.com;ext=1",
                      "tel:7042;EXT=1;phone-context=Example.COM"));
    EXPECT_FALSE(equal("tel:+1-201-555-0123", "tel:+1-201-555-0124"));
    EXPECT_FALSE(equal("tel:+1-201-555-0123", "tel:+1-201-555-0123;ext=1"));
    EXPECT_FALSE(equal("tel:5550123;phone-context=+1-201", "tel:+1-201-555-0123"));
}

TEST(UriEqual, OtherSchemesCompareTextWithCaseInsensitiveScheme) {
    EXPECT_TRUE(equal("URN:uuid:abc", "urn:uuid:abc"));
    EXPECT_FALSE(equal("urn:uuid:abc", "urn:uuid:ABC"));
    EXPECT_FALSE(equal("urn:uuid:abc", "sip:abc"));
}

TEST(UriEqual, RepeatedParameterNamesStayReflexiveAndSymmetric) {
    // Found by fuzzing: a name given twice with different values.
    const std::string_view twice = "sip:bob@192.0.2.4;x=1;x=2";
    EXPECT_TRUE(equal(twice, twice));
    EXPECT_TRUE(equal(twice, "sip:bob@192.0.2.4;x=2;x=1"));
    // Every occurrence must find its value in the other URI, whichever side is first.
    EXPECT_FALSE(equal(twice, "sip:bob@192.0.2.4;x=2"));
    EXPECT_FALSE(equal("sip:bob@192.0.2.4;x=2", twice));
    EXPECT_TRUE(equal(twice, "sip:bob@192.0.2.4"));
}

TEST(UriEqual, IsReflexive) {
    for (std::string_view text :
         {"sip:alice:pw@[2001:db8::1]:5060;transport=tcp;lr;ob?subject=x&a=b",
          "tel:7042;phone-context=example.com", "urn:uuid:1", "sips:%61@a.com;x=%41"}) {
        Uri u = parsed(text);
        EXPECT_TRUE(uri_equal(u, u)) << text;
    }
}

}  // namespace
}  // namespace happysip::sip
