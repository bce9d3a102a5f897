#include "happysip/stun/binding_response.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "stun_test_bytes.hpp"

namespace happysip::stun {
namespace {

using test::bytes;

// By value: the variant returned by the parser is a temporary.
BindingResponse parsed(std::variant<BindingResponse, StunError> r) {
    if (const auto* error = std::get_if<StunError>(&r)) {
        ADD_FAILURE() << to_string(error->code);
        return {};
    }
    return std::get<BindingResponse>(std::move(r));
}

const TransportAddress k_v4_source = TransportAddress::v4({192, 0, 2, 1}, 5060);
const TransportAddress k_v6_source =
    TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}, 5060);

TEST(BindingSuccess, Ipv4ResponseByteByByte) {
    // Source 192.0.2.1:5060 (0x13C4), transaction id 01 02 ... 0c. RFC 5389 §15.2:
    //   X-Port    = 0x13C4 ^ 0x2112 (the cookie's top half)           = 0x32D6
    //   X-Address = c0.00.02.01 ^ 21.12.a4.42 (the cookie)              = e1.12.a6.43
    // Length 0x000c = the XOR-MAPPED-ADDRESS attribute: 4 header + 8 value.
    const std::string expected = bytes({
        0x01, 0x01, 0x00, 0x0c,              // Binding success, length 12
        0x21, 0x12, 0xa4, 0x42,              // magic cookie
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06,  // transaction id
        0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,  //
        0x00, 0x20, 0x00, 0x08,              // XOR-MAPPED-ADDRESS, 8 bytes
        0x00, 0x01, 0x32, 0xd6,              // reserved, IPv4, X-Port
        0xe1, 0x12, 0xa6, 0x43,              // X-Address
    });
    EXPECT_EQ(binding_success(test::k_simple_id, k_v4_source, WithFingerprint::no), expected);
}

TEST(BindingSuccess, Ipv4ResponseWithFingerprint) {
    // The same with FINGERPRINT: length 0x14 (12 + 8), and CRC-32 over the 32 bytes before
    // the attribute (length field already 0x14) XOR 0x5354554e = 0x271db2d5 (zlib.crc32).
    const std::string expected = bytes({
        0x01, 0x01, 0x00, 0x14, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
        0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0x32, 0xd6,
        0xe1, 0x12, 0xa6, 0x43, 0x80, 0x28, 0x00, 0x04, 0x27, 0x1d, 0xb2, 0xd5,  // FINGERPRINT
    });
    EXPECT_EQ(binding_success(test::k_simple_id, k_v4_source), expected);
}

TEST(BindingSuccess, Ipv6ResponseByteByByte) {
    // Source [2001:db8::1]:5060. The address is XORed with cookie + transaction id:
    //   20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
    // ^ 21 12 a4 42 01 02 03 04 05 06 07 08 09 0a 0b 0c
    // = 01 13 a9 fa 01 02 03 04 05 06 07 08 09 0a 0b 0d
    const std::string expected = bytes({
        0x01, 0x01, 0x00, 0x20, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
        0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x14,  // XOR-MAPPED-ADDRESS, 20
                                                               // bytes
        0x00, 0x02, 0x32, 0xd6,                                // reserved, IPv6, X-Port
        0x01, 0x13, 0xa9, 0xfa, 0x01, 0x02, 0x03, 0x04,        // X-Address
        0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d,        //
        0x80, 0x28, 0x00, 0x04, 0xe6, 0xec, 0xdf, 0x13,  // FINGERPRINT (zlib.crc32 ^ 0x5354554e)
    });
    EXPECT_EQ(binding_success(test::k_simple_id, k_v6_source), expected);
}

TEST(BindingSuccess, RoundTripsBothFamiliesFieldByField) {
    for (const auto& source : {k_v4_source, k_v6_source}) {
        for (auto fp : {WithFingerprint::no, WithFingerprint::yes}) {
            const std::string m = binding_success(test::k_rfc5769_id, source, fp);
            EXPECT_EQ(m.size(),
                      (source.is_v6() ? 44U : 32U) + (fp == WithFingerprint::yes ? 8 : 0));
            const BindingResponse r = parsed(parse_binding_response(m));
            EXPECT_EQ(r.message_class, MessageClass::success);
            EXPECT_EQ(r.transaction_id, test::k_rfc5769_id);
            ASSERT_TRUE(r.mapped);
            EXPECT_EQ(*r.mapped, source);
            EXPECT_EQ(r.has_fingerprint, fp == WithFingerprint::yes);
        }
    }
}

TEST(BindingSuccess, Rfc5769Ipv4SampleResponseDecodes) {
    // RFC 5769 §2.2: XOR-MAPPED-ADDRESS 192.0.2.1 port 32853; FINGERPRINT verified.
    const BindingResponse r = parsed(parse_binding_response(test::k_rfc5769_ipv4_response));
    EXPECT_EQ(r.transaction_id, test::k_rfc5769_id);
    ASSERT_TRUE(r.mapped);
    EXPECT_EQ(*r.mapped, TransportAddress::v4({192, 0, 2, 1}, 32853));
    EXPECT_TRUE(r.has_fingerprint);
}

TEST(BindingSuccess, Rfc5769Ipv6SampleResponseDecodes) {
    // RFC 5769 §2.3: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
    const BindingResponse r = parsed(parse_binding_response(test::k_rfc5769_ipv6_response));
    ASSERT_TRUE(r.mapped);
    EXPECT_EQ(*r.mapped, TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00,
                                               0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
                                              32853));
    EXPECT_TRUE(r.has_fingerprint);
}

TEST(BindingSuccess, OurEncodingOfTheRfc5769AddressesMatchesTheVectors) {
    // Same transaction id and address: our XOR-MAPPED-ADDRESS value equals the RFC's bytes.
    const std::string v4 = binding_success(
        test::k_rfc5769_id, TransportAddress::v4({192, 0, 2, 1}, 32853), WithFingerprint::no);
    EXPECT_EQ(v4.substr(20), test::k_rfc5769_ipv4_response.substr(36, 12));
    const std::string v6 =
        binding_success(test::k_rfc5769_id,
                        TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00,
                                              0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
                                             32853),
                        WithFingerprint::no);
    EXPECT_EQ(v6.substr(20), test::k_rfc5769_ipv6_response.substr(36, 24));
}

TEST(BindingSuccess, ACorruptedVectorFailsItsFingerprint) {
    std::string m = test::k_rfc5769_ipv4_response;
    m[45] ^= 0x01;  // inside the X-Address
    auto r = parse_binding_response(m);
    ASSERT_TRUE(std::holds_alternative<StunError>(r));
    EXPECT_EQ(std::get<StunError>(r).code, StunErrc::bad_fingerprint);
}

TEST(BindingError, UnknownAttribute420ListsThem) {
    const std::vector<std::uint16_t> unknown = {0x0024, 0x7001, 0x0030};
    const std::string m = binding_error(test::k_simple_id, 420, unknown);
    // Header, ERROR-CODE (4 + 4 + "Unknown Attribute" 17 -> 20), UNKNOWN-ATTRIBUTES
    // (4 + 6 -> 8), FINGERPRINT (8).
    EXPECT_EQ(m.size(), 20U + 28U + 12U + 8U);
    EXPECT_EQ(m.substr(0, 2), bytes({0x01, 0x11}));  // Binding error response
    EXPECT_EQ(m.substr(20, 8), bytes({0x00, 0x09, 0x00, 0x15, 0x00, 0x00, 0x04, 20}));
    EXPECT_EQ(m.substr(48, 10),
              bytes({0x00, 0x0a, 0x00, 0x06, 0x00, 0x24, 0x70, 0x01, 0x00, 0x30}));
    const BindingResponse r = parsed(parse_binding_response(m));
    EXPECT_EQ(r.message_class, MessageClass::error);
    EXPECT_EQ(r.error_code, 420);
    EXPECT_EQ(r.reason, "Unknown Attribute");
    EXPECT_EQ(r.unknown_attributes, unknown);
    EXPECT_TRUE(r.has_fingerprint);
    EXPECT_EQ(r.transaction_id, test::k_simple_id);
}

TEST(BindingError, BadRequest400) {
    const BindingResponse r = parsed(parse_binding_response(binding_error(test::k_simple_id, 400)));
    EXPECT_EQ(r.error_code, 400);
    EXPECT_EQ(r.reason, "Bad Request");
    EXPECT_TRUE(r.unknown_attributes.empty());
}

TEST(BindingResponseParse, RejectsRequestsAndResponsesWithoutTheirAttribute) {
    EXPECT_EQ(std::get<StunError>(parse_binding_response(test::k_rfc5769_request)).code,
              StunErrc::not_a_response);
    std::string bare = bytes({0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42});
    bare.append(12, '\x01');
    EXPECT_EQ(std::get<StunError>(parse_binding_response(bare)).code, StunErrc::missing_attribute);
}

TEST(BindingResponseParse, EveryPrefixIsRejectedWithoutOverRead) {
    for (const std::string* full :
         {&test::k_rfc5769_ipv4_response, &test::k_rfc5769_ipv6_response}) {
        for (std::size_t n = 0; n < full->size(); ++n) {
            const std::string prefix = full->substr(0, n);
            EXPECT_TRUE(std::holds_alternative<StunError>(parse_binding_response(prefix))) << n;
        }
    }
}

}  // namespace
}  // namespace happysip::stun
