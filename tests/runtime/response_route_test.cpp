#include "happysip/runtime/response_route.hpp"

#include <gtest/gtest.h>

#include "happysip/sip/via.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

sip::Message request_with_via(const std::string& via) {
    std::string text = "OPTIONS sip:r@example.com SIP/2.0\r\nVia: " + via +
                       "\r\nFrom: <sip:p@x>;tag=1\r\nTo: <sip:r@x>\r\nCall-ID: c1\r\n"
                       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

std::string top_via(const sip::Message& m) {
    return std::string(m.values(sip::HeaderId::via)[0]);
}

// RFC 3581 §4: a bare rport is filled and received added even when the address matches.
TEST(ResponseRoute, RportGetsTheSourcePortAndReceived) {
    auto m = request_with_via("SIP/2.0/UDP [2001:db8::2]:5060;branch=z9hG4bK1;rport");
    ASSERT_FALSE(stamp_received(m, asio::ip::make_address("2001:db8::2"), 40000));
    EXPECT_EQ(top_via(m),
              "SIP/2.0/UDP [2001:db8::2]:5060;branch=z9hG4bK1;received=2001:db8::2;"
              "rport=40000");
    auto dest = udp_response_destination(m);
    ASSERT_TRUE(dest);
    EXPECT_EQ(*dest, asio::ip::udp::endpoint(asio::ip::make_address("2001:db8::2"), 40000));
}

// RFC 3261 §18.2.1/§18.2.2: without rport, received when the address differs, and the
// response goes to the received address at the sent-by port.
TEST(ResponseRoute, WithoutRportReceivedAndSentByPort) {
    auto m = request_with_via(
        "SIP/2.0/UDP pc33.example.com:5070;branch=z9hG4bK2, "
        "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK0");
    ASSERT_FALSE(stamp_received(m, asio::ip::make_address("192.0.2.7"), 41000));
    EXPECT_EQ(top_via(m), "SIP/2.0/UDP pc33.example.com:5070;branch=z9hG4bK2;received=192.0.2.7");
    EXPECT_EQ(m.values(sip::HeaderId::via).size(), 2u);
    EXPECT_EQ(*udp_response_destination(m),
              asio::ip::udp::endpoint(asio::ip::make_address("192.0.2.7"), 5070));
}

TEST(ResponseRoute, SameAddressWithoutRportIsLeftAloneAndDefaultsTo5060) {
    auto m = request_with_via("SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK3");
    ASSERT_FALSE(stamp_received(m, asio::ip::make_address("192.0.2.7"), 41000));
    EXPECT_EQ(top_via(m), "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK3");
    EXPECT_EQ(*udp_response_destination(m),
              asio::ip::udp::endpoint(asio::ip::make_address("192.0.2.7"), 5060));
}

TEST(ResponseRoute, MaddrLiteralWins) {
    auto m = request_with_via("SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK4;maddr=198.51.100.1");
    EXPECT_EQ(*udp_response_destination(m),
              asio::ip::udp::endpoint(asio::ip::make_address("198.51.100.1"), 5062));
}

// The overload for a Via already parsed (a server's key headers) stamps the same text as
// parsing it again would, and answers where udp_response_destination reads the result.
TEST(ResponseRoute, ParsedViaStampsTheSameAsParsingAgain) {
    const std::string vias[] = {
        "SIP/2.0/UDP [2001:db8::2]:5060;branch=z9hG4bK1;rport",
        "SIP/2.0/UDP pc33.example.com:5070;branch=z9hG4bK2;received=10.0.0.1, "
        "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK0",
        "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK3",
        "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK3;rport=9",
        "SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK4;maddr=198.51.100.1",
        "SIP/2.0/UDP host.example.com:5062;branch=z9hG4bK5;maddr=mcast.example.com;rport",
        "SIP/2.0/TCP h.example.com;x=\"a,b\";branch=z9hG4bK6",
        "SIP/2.0/UDP [2001:db8::2];branch=z9hG4bK8",  // nothing to stamp
    };
    const auto source = asio::ip::make_address("2001:db8::2");
    for (const auto& via : vias) {
        SCOPED_TRACE(via);
        auto reparsed = request_with_via(via);
        ASSERT_FALSE(stamp_received(reparsed, source, 40000));
        auto m = request_with_via(via);
        auto top = sip::parse_via(*m.first_value(sip::HeaderId::via));
        ASSERT_TRUE(top.ok());
        auto reply_to = stamp_received(m, *top, source, 40000);
        EXPECT_EQ(m.values(sip::HeaderId::via), reparsed.values(sip::HeaderId::via));
        EXPECT_EQ(reply_to, udp_response_destination(m));
    }
}

// The stamped Via keeps the sent-by and every other parameter as written (white space,
// case, order); only received and rport, in any case, are replaced at the end. A Via
// without parameters (RFC 2543) is rebuilt from its parts.
TEST(ResponseRoute, StampedViaKeepsTheRestAsWritten) {
    struct Case {
        std::string via;
        std::string stamped;
    };
    const Case cases[] = {
        {"SIP/2.0/UDP 192.0.2.7:5070 ;Branch=z9hG4bK9 ; RPORT;x=\"a;b\";Received=10.0.0.1;lr",
         "SIP/2.0/UDP 192.0.2.7:5070 ;Branch=z9hG4bK9 ;x=\"a;b\";lr;received=203.0.113.9;"
         "rport=41000"},
        {"SIP / 2.0 / UDP host.example.com;rport=5;branch=z9hG4bKa",
         "SIP / 2.0 / UDP host.example.com;branch=z9hG4bKa;received=203.0.113.9;rport=41000"},
        {"SIP/2.0/UDP host.example.com:5071",
         "SIP/2.0/UDP host.example.com:5071;received=203.0.113.9"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.via);
        auto reparsed = request_with_via(c.via);
        ASSERT_FALSE(stamp_received(reparsed, asio::ip::make_address("203.0.113.9"), 41000));
        EXPECT_EQ(top_via(reparsed), c.stamped);
        auto m = request_with_via(c.via);
        auto top = sip::parse_via(*m.first_value(sip::HeaderId::via));
        ASSERT_TRUE(top.ok());
        stamp_received(m, *top, asio::ip::make_address("203.0.113.9"), 41000);
        EXPECT_EQ(top_via(m), c.stamped);
        auto stamped = sip::parse_via(top_via(m));
        ASSERT_TRUE(stamped.ok()) << stamped.error().to_string();
        EXPECT_EQ(stamped->received, "203.0.113.9");
    }
}

// A Via line of its own is edited where it stands, and the message keeps its other lines.
TEST(ResponseRoute, ParsedViaEditedInPlace) {
    auto m = request_with_via("SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bK7;rport");
    auto top = sip::parse_via(*m.first_value(sip::HeaderId::via));
    ASSERT_TRUE(top.ok());
    auto reply_to = stamp_received(m, *top, asio::ip::make_address("203.0.113.9"), 41000);
    ASSERT_TRUE(reply_to);
    EXPECT_EQ(*reply_to, asio::ip::udp::endpoint(asio::ip::make_address("203.0.113.9"), 41000));
    EXPECT_EQ(m.serialize(),
              "OPTIONS sip:r@example.com SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bK7;received=203.0.113.9;rport=41000"
              "\r\nFrom: <sip:p@x>;tag=1\r\nTo: <sip:r@x>\r\nCall-ID: c1\r\n"
              "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace happysip::runtime
