// The SDP families a proxy bridging IPv6 and IPv4 looks at before warning about media.
#include "happysip/proxy/media_family.hpp"

#include <gtest/gtest.h>

#include <string>

namespace happysip::proxy {
namespace {

constexpr const char* k_offer6 =
    "v=0\r\no=- 1 1 IN IP6 2001:db8:6::2\r\ns=-\r\nc=IN IP6 2001:db8:6::2\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n";

TEST(MediaFamily, ConnectionLinesNameTheirFamily) {
    auto six = sdp_media_families(k_offer6);
    EXPECT_TRUE(six.ip6);
    EXPECT_FALSE(six.ip4);  // the o= line's address type is not where media goes

    auto both = sdp_media_families(
        "v=0\nc=IN IP4 192.0.2.2\nm=audio 6000 RTP/AVP 0\nm=video 6002 RTP/AVP 96\n"
        "c=IN IP6 2001:db8::2\n");
    EXPECT_TRUE(both.ip4);
    EXPECT_TRUE(both.ip6);
}

TEST(MediaFamily, IceCandidatesAddTheirFamilies) {
    std::string sdp = std::string(k_offer6) +
                      "a=candidate:1 1 UDP 2130706431 2001:db8:6::2 6000 typ host\r\n"
                      "a=candidate:2 1 UDP 1694498815 198.51.100.7 41000 typ srflx\r\n";
    auto families = sdp_media_families(sdp);
    EXPECT_TRUE(families.ip6);
    EXPECT_TRUE(families.ip4);
    // An mDNS name (RFC 8839 §5.1 allows FQDNs) says nothing.
    auto mdns =
        sdp_media_families("a=candidate:1 1 UDP 2130706431 3f2b-9c.local 6000 typ host\r\n");
    EXPECT_FALSE(mdns.any());
}

TEST(MediaFamily, OtherLinesAndMalformedOnesNameNothing) {
    EXPECT_FALSE(sdp_media_families("").any());
    EXPECT_FALSE(sdp_media_families("c=\r\nc=IN\r\nc=ATM NSAP x\r\nxc=IN IP4 1.2.3.4\r\n").any());
    EXPECT_FALSE(sdp_media_families("a=candidate:1 1 UDP 2130706431\r\n").any());
}

std::string invite(const std::string& content_type, const std::string& body) {
    return "INVITE sip:bob@example.com SIP/2.0\r\n"
           "Via: SIP/2.0/UDP [2001:db8:6::2]:5060;branch=z9hG4bK1\r\n"
           "Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n"
           "From: <sip:alice@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n" +
           (content_type.empty() ? std::string() : "Content-Type: " + content_type + "\r\n") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(MediaFamily, OnlySdpBodiesAreRead) {
    const std::string text = invite("Application/SDP", k_offer6);
    auto sdp = sip::parse_message(text);
    ASSERT_TRUE(sdp) << sdp.error().to_string();
    EXPECT_TRUE(media_families_of(sdp.value()).ip6);

    const std::string plain_text = invite("text/plain", k_offer6);
    auto plain = sip::parse_message(plain_text);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(media_families_of(plain.value()).any());

    const std::string none_text = invite("", "");
    auto none = sip::parse_message(none_text);
    ASSERT_TRUE(none);
    EXPECT_FALSE(media_families_of(none.value()).any());
}

}  // namespace
}  // namespace happysip::proxy
