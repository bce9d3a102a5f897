#include "happysip/stun/message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "happysip/stun/fingerprint.hpp"
#include "stun_test_bytes.hpp"

namespace happysip::stun {
namespace {

using test::bytes;

TEST(StunDemux, BindingRequestHeaderLooksLikeStun) {
    std::string header = bytes({0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42});
    header.append(12, '\x07');
    EXPECT_TRUE(looks_like_stun(header));
    EXPECT_TRUE(looks_like_stun(test::k_rfc5769_ipv4_response));
}

TEST(StunDemux, SipAndCrlfAndShortInputDoNotLookLikeStun) {
    EXPECT_FALSE(looks_like_stun("OPTIONS sip:a@example.com SIP/2.0\r\n\r\n"));
    EXPECT_FALSE(looks_like_stun("SIP/2.0 200 OK\r\nVia: x\r\n\r\n"));
    EXPECT_FALSE(looks_like_stun("\r\n\r\n"));
    EXPECT_FALSE(looks_like_stun(""));
    EXPECT_FALSE(looks_like_stun(test::k_rfc5769_request.substr(0, 19)));
}

TEST(StunDemux, NeedsTheMagicCookieAndAFirstByteBelowFour) {
    std::string m = test::k_rfc5769_request;
    m[7] = 0x43;  // cookie off by one
    EXPECT_FALSE(looks_like_stun(m));
    m = test::k_rfc5769_request;
    m[0] = 0x40;  // RFC 5389 §6: the top two bits are zero
    EXPECT_FALSE(looks_like_stun(m));
    m[0] = 0x04;  // RFC 7983 §7: 4-19 is not STUN
    EXPECT_FALSE(looks_like_stun(m));
}

TEST(StunHeader, ReadsClassMethodLengthAndTransactionId) {
    StunErrc error{};
    auto h = read_header(test::k_rfc5769_ipv6_response, error);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->message_class, MessageClass::success);
    EXPECT_EQ(h->method, k_method_binding);
    EXPECT_EQ(h->length, 0x48);
    EXPECT_EQ(h->transaction_id, test::k_rfc5769_id);
}

TEST(StunHeader, LengthMustBeAMultipleOfFourAndMatchTheDatagram) {
    StunErrc error{};
    std::string m = test::k_rfc5769_request;
    m.push_back('\0');  // one byte more than the header says
    EXPECT_FALSE(read_header(m, error));
    EXPECT_EQ(error, StunErrc::bad_length);
    m = test::k_rfc5769_request;
    m[3] = 0x57;  // not a multiple of 4
    EXPECT_FALSE(read_header(m, error));
    EXPECT_EQ(error, StunErrc::bad_length);
    EXPECT_FALSE(read_header("INVITE sip:x SIP/2.0\r\n", error));
    EXPECT_EQ(error, StunErrc::not_stun);
}

TEST(StunHeader, MessageTypeInterleavesClassBitsIntoTheMethod) {
    // RFC 5389 §6: Binding request 0x0001, success 0x0101, error 0x0111, indication 0x0011.
    EXPECT_EQ(message_type(MessageClass::request, k_method_binding), 0x0001);
    EXPECT_EQ(message_type(MessageClass::indication, k_method_binding), 0x0011);
    EXPECT_EQ(message_type(MessageClass::success, k_method_binding), 0x0101);
    EXPECT_EQ(message_type(MessageClass::error, k_method_binding), 0x0111);
    EXPECT_EQ(message_type(MessageClass::request, 0xFFF), 0x3EEF);  // all method bits
}

TEST(StunFingerprint, Crc32IsTheIeeeOne) {
    EXPECT_EQ(crc32("123456789"), 0xCBF43926U);  // the CRC-32 check value
    EXPECT_EQ(crc32(""), 0U);
}

TEST(StunFingerprint, Rfc5769VectorsCarryTheirFingerprints) {
    // RFC 5769 §2.1-2.3: the last 4 bytes are CRC-32(message before FINGERPRINT) ^ 0x5354554e.
    for (const std::string* m : {&test::k_rfc5769_request, &test::k_rfc5769_ipv4_response,
                                 &test::k_rfc5769_ipv6_response}) {
        const std::string_view v(*m);
        const std::uint32_t stored =
            (std::uint32_t{static_cast<unsigned char>(v[v.size() - 4])} << 24) |
            (std::uint32_t{static_cast<unsigned char>(v[v.size() - 3])} << 16) |
            (std::uint32_t{static_cast<unsigned char>(v[v.size() - 2])} << 8) |
            static_cast<unsigned char>(v[v.size() - 1]);
        EXPECT_EQ(fingerprint(v.substr(0, v.size() - 8)), stored);
    }
    EXPECT_EQ(fingerprint(test::k_rfc5769_request.substr(0, 100)), 0xe57a3bcfU);
    EXPECT_EQ(fingerprint(test::k_rfc5769_ipv4_response.substr(0, 72)), 0xc07d4c96U);
    EXPECT_EQ(fingerprint(test::k_rfc5769_ipv6_response.substr(0, 84)), 0xc8fb0b4cU);
}

}  // namespace
}  // namespace happysip::stun
