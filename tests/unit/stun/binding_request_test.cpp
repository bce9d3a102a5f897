#include "happysip/stun/binding_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "happysip/stun/message_writer.hpp"
#include "stun_test_bytes.hpp"

namespace happysip::stun {
namespace {

using test::bytes;

const BindingRequest* ok(const BindingRequestResult& r) {
    return std::get_if<BindingRequest>(&r);
}
StunErrc code(const BindingRequestResult& r) {
    return std::get<StunError>(r).code;
}

// A Binding request with the given attributes (type, value), FINGERPRINT optional.
std::string request_with(std::initializer_list<std::pair<std::uint16_t, std::string>> attrs,
                         WithFingerprint fp = WithFingerprint::no) {
    MessageWriter w(MessageClass::request, k_method_binding, test::k_simple_id);
    for (const auto& [type, value] : attrs)
        w.add(type, value);
    if (fp == WithFingerprint::yes) w.add_fingerprint();
    return std::move(w).finish();
}

TEST(BindingRequest, BuiltWithoutAttributesIsTheBareHeader) {
    // RFC 5626 §8: keep-alive requests need no attributes.
    EXPECT_EQ(binding_request(test::k_simple_id),
              bytes({0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                     3,    4,    5,    6,    7,    8,    9,    10,   11, 12}));
}

TEST(BindingRequest, BuiltWithFingerprint) {
    // Length 8 (the FINGERPRINT attribute alone); CRC-32 of the first 20 bytes computed with
    // zlib.crc32, XOR 0x5354554e = 0x5b20f9cc.
    EXPECT_EQ(
        binding_request(test::k_simple_id, WithFingerprint::yes),
        bytes({0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 1,    2,    3,    4,    5,   6, 7,
               8,    9,    10,   11,   12,   0x80, 0x28, 0x00, 0x04, 0x5b, 0x20, 0xf9, 0xcc}));
}

TEST(BindingRequest, ParsesTheBareKeepalive) {
    auto r = parse_binding_request(binding_request(test::k_simple_id));
    ASSERT_TRUE(ok(r));
    EXPECT_EQ(ok(r)->transaction_id, test::k_simple_id);
    EXPECT_FALSE(ok(r)->has_fingerprint);
    EXPECT_FALSE(ok(r)->has_message_integrity);
}

TEST(BindingRequest, VerifiesAFingerprintWhenPresent) {
    std::string m = binding_request(test::k_simple_id, WithFingerprint::yes);
    auto r = parse_binding_request(m);
    ASSERT_TRUE(ok(r));
    EXPECT_TRUE(ok(r)->has_fingerprint);
    m[10] ^= 0x01;  // a bit flipped in the transaction id: the CRC no longer matches
    EXPECT_EQ(code(parse_binding_request(m)), StunErrc::bad_fingerprint);
}

TEST(BindingRequest, FingerprintMustBeLastAndFourBytes) {
    MessageWriter w(MessageClass::request, k_method_binding, test::k_simple_id);
    w.add_fingerprint();
    w.add(k_attr_software, "after");
    EXPECT_EQ(code(parse_binding_request(std::move(w).finish())), StunErrc::bad_fingerprint);
    EXPECT_EQ(code(parse_binding_request(request_with({{k_attr_fingerprint, "abc"}}))),
              StunErrc::bad_fingerprint);
}

TEST(BindingRequest, Rfc5769SampleRequestHasAnUnknownComprehensionRequiredAttribute) {
    // RFC 5769 §2.1: PRIORITY (0x0024) is ICE's, comprehension-required, unknown to a
    // SIP server; ICE-CONTROLLED (0x8029) is comprehension-optional; USERNAME and
    // MESSAGE-INTEGRITY are understood (and ignored). The FINGERPRINT verifies.
    auto r = parse_binding_request(test::k_rfc5769_request);
    ASSERT_TRUE(std::holds_alternative<StunError>(r));
    const auto& e = std::get<StunError>(r);
    EXPECT_EQ(e.code, StunErrc::unknown_attributes);
    EXPECT_EQ(e.transaction_id, test::k_rfc5769_id);
    EXPECT_EQ(e.unknown_attributes, (std::vector<std::uint16_t>{0x0024}));
}

TEST(BindingRequest, UnknownAttributesAreListedOnceEach) {
    auto r = parse_binding_request(
        request_with({{0x7001, "x"}, {0x0024, "abcd"}, {0x7001, ""}, {0xC001, "optional"}}));
    ASSERT_TRUE(std::holds_alternative<StunError>(r));
    EXPECT_EQ(std::get<StunError>(r).unknown_attributes,
              (std::vector<std::uint16_t>{0x7001, 0x0024}));
}

TEST(BindingRequest, UnknownAttributesListIsCapped) {
    MessageWriter w(MessageClass::request, k_method_binding, test::k_simple_id);
    for (std::uint16_t t = 0x7000; t < 0x7100; ++t)
        w.add(t, "");
    auto r = parse_binding_request(std::move(w).finish());
    ASSERT_TRUE(std::holds_alternative<StunError>(r));
    EXPECT_EQ(std::get<StunError>(r).unknown_attributes.size(), k_max_unknown_listed);
}

TEST(BindingRequest, MessageIntegrityIsAcceptedAndWhatFollowsIgnored) {
    // RFC 5389 §15.4: attributes after MESSAGE-INTEGRITY, FINGERPRINT aside, are ignored,
    // so an unknown one there earns no 420.
    auto r = parse_binding_request(request_with({{k_attr_username, "alice"},
                                                 {k_attr_message_integrity, std::string(20, 'm')},
                                                 {0x0024, "abcd"}},
                                                WithFingerprint::yes));
    ASSERT_TRUE(ok(r));
    EXPECT_TRUE(ok(r)->has_message_integrity);
    EXPECT_TRUE(ok(r)->has_fingerprint);
}

TEST(BindingRequest, ComprehensionOptionalAttributesAreIgnored) {
    auto r =
        parse_binding_request(request_with({{k_attr_software, "phone 1.0"}, {0x8029, "12345678"}}));
    ASSERT_TRUE(ok(r));
}

TEST(BindingRequest, ResponsesAndIndicationsAreNotRequests) {
    EXPECT_EQ(code(parse_binding_request(test::k_rfc5769_ipv4_response)), StunErrc::not_a_request);
    std::string indication = binding_request(test::k_simple_id);
    indication[1] = 0x11;  // Binding indication
    EXPECT_EQ(code(parse_binding_request(indication)), StunErrc::not_a_request);
}

TEST(BindingRequest, OtherMethodsAreUnsupported) {
    std::string allocate = binding_request(test::k_simple_id);
    allocate[1] = 0x03;  // TURN Allocate (RFC 5766)
    auto r = parse_binding_request(allocate);
    EXPECT_EQ(code(r), StunErrc::unsupported_method);
    EXPECT_EQ(std::get<StunError>(r).transaction_id, test::k_simple_id);
}

TEST(BindingRequest, AnAttributeRunningPastTheEndIsMalformed) {
    std::string m = request_with({{k_attr_software, "abcd"}});
    m[23] = 0x08;  // SOFTWARE claims 8 bytes, 4 are there
    EXPECT_EQ(code(parse_binding_request(m)), StunErrc::malformed_attribute);
    m[23] = 0x05;  // 5 bytes padded to 8: also past the end
    EXPECT_EQ(code(parse_binding_request(m)), StunErrc::malformed_attribute);
}

TEST(BindingRequest, EveryPrefixOfAValidRequestIsRejectedWithoutOverRead) {
    // Each prefix is copied into a buffer of exactly its size, so ASan sees any over-read.
    const std::string& full = test::k_rfc5769_request;
    for (std::size_t n = 0; n < full.size(); ++n) {
        const std::string prefix = full.substr(0, n);
        auto r = parse_binding_request(prefix);
        ASSERT_TRUE(std::holds_alternative<StunError>(r)) << n;
        const StunErrc c = std::get<StunError>(r).code;
        EXPECT_TRUE(c == StunErrc::not_stun || c == StunErrc::bad_length) << n;
    }
}

TEST(BindingRequest, PrefixesWithAFixedUpLengthNeverOverRead) {
    // The length field made to agree with the cut: the attribute walk meets a cut attribute.
    const std::string& full = test::k_rfc5769_request;
    for (std::size_t n = k_header_size; n < full.size(); n += 4) {
        std::string m = full.substr(0, n);
        m[2] = static_cast<char>((n - k_header_size) >> 8);
        m[3] = static_cast<char>((n - k_header_size) & 0xFF);
        auto r = parse_binding_request(m);
        if (n == 20 || n == 40) {  // no attribute, or SOFTWARE alone: a fine request
            EXPECT_TRUE(ok(r)) << n;
            continue;
        }
        ASSERT_TRUE(std::holds_alternative<StunError>(r)) << n;
        const StunErrc c = std::get<StunError>(r).code;
        // Cut inside an attribute, or PRIORITY complete and nothing cut after it.
        EXPECT_EQ(c, n == 48 || n == 60 || n == 76 || n == 100 ? StunErrc::unknown_attributes
                                                               : StunErrc::malformed_attribute)
            << n << " " << to_string(c);
    }
}

TEST(BindingRequest, GarbageIsNotStun) {
    EXPECT_EQ(code(parse_binding_request(std::string(64, '\0'))), StunErrc::not_stun);
    EXPECT_EQ(code(parse_binding_request(std::string(64, '\xff'))), StunErrc::not_stun);
    EXPECT_EQ(code(parse_binding_request("REGISTER sip:example.com SIP/2.0\r\n")),
              StunErrc::not_stun);
}

}  // namespace
}  // namespace happysip::stun
