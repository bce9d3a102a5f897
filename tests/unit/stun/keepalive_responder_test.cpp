#include "happysip/stun/keepalive_responder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "happysip/stun/binding_request.hpp"
#include "happysip/stun/binding_response.hpp"
#include "stun_test_bytes.hpp"

namespace happysip::stun {
namespace {

const TransportAddress k_source = TransportAddress::v4({203, 0, 113, 7}, 40000);

TEST(KeepaliveResponder, AnswersABareBindingRequestWithTheSmallestSuccess) {
    const std::string request = binding_request(test::k_simple_id);
    const Reply reply = answer_keepalive(request, k_source);
    EXPECT_EQ(reply.kind, ReplyKind::binding_success);
    // No FINGERPRINT asked for, none given: 32 bytes for a 20-byte request.
    EXPECT_EQ(reply.bytes, binding_success(test::k_simple_id, k_source, WithFingerprint::no));
    EXPECT_EQ(reply.bytes.size(), 32U);
}

TEST(KeepaliveResponder, MirrorsFingerprint) {
    const Reply reply =
        answer_keepalive(binding_request(test::k_simple_id, WithFingerprint::yes), k_source);
    EXPECT_EQ(reply.kind, ReplyKind::binding_success);
    const BindingResponse r = std::get<BindingResponse>(parse_binding_response(reply.bytes));
    EXPECT_TRUE(r.has_fingerprint);
    EXPECT_EQ(r.mapped, k_source);
}

TEST(KeepaliveResponder, UnknownComprehensionRequiredAttributeGets420) {
    // RFC 5389 §7.3.1, with the RFC 5769 §2.1 sample request (ICE's PRIORITY).
    const Reply reply = answer_keepalive(test::k_rfc5769_request, k_source);
    EXPECT_EQ(reply.kind, ReplyKind::unknown_attribute);
    const BindingResponse r = std::get<BindingResponse>(parse_binding_response(reply.bytes));
    EXPECT_EQ(r.error_code, 420);
    EXPECT_EQ(r.unknown_attributes, (std::vector<std::uint16_t>{0x0024}));
    EXPECT_EQ(r.transaction_id, test::k_rfc5769_id);
    EXPECT_FALSE(r.mapped);
}

TEST(KeepaliveResponder, MalformedAttributesGet400) {
    std::string m = binding_request(test::k_simple_id);
    m += test::bytes({0x80, 0x22, 0x00, 0x08, 'a', 'b', 'c', 'd'});  // claims 8, has 4
    m[3] = 8;
    const Reply reply = answer_keepalive(m, k_source);
    EXPECT_EQ(reply.kind, ReplyKind::bad_request);
    EXPECT_EQ(std::get<BindingResponse>(parse_binding_response(reply.bytes)).error_code, 400);
}

TEST(KeepaliveResponder, NeverAnswersResponsesIndicationsOrBrokenHeaders) {
    EXPECT_EQ(answer_keepalive(test::k_rfc5769_ipv4_response, k_source).kind, ReplyKind::ignored);
    const std::string error = binding_error(test::k_simple_id, 420, std::vector<std::uint16_t>{1});
    EXPECT_EQ(answer_keepalive(error, k_source).kind, ReplyKind::ignored);
    std::string indication = binding_request(test::k_simple_id);
    indication[1] = 0x11;
    EXPECT_EQ(answer_keepalive(indication, k_source).kind, ReplyKind::ignored);
    std::string longer = binding_request(test::k_simple_id) + "junk";
    EXPECT_EQ(answer_keepalive(longer, k_source).kind, ReplyKind::ignored);
    std::string bad_fp = binding_request(test::k_simple_id, WithFingerprint::yes);
    bad_fp.back() ^= 0x01;
    const Reply reply = answer_keepalive(bad_fp, k_source);
    EXPECT_EQ(reply.kind, ReplyKind::ignored);
    EXPECT_TRUE(reply.bytes.empty());
}

}  // namespace
}  // namespace happysip::stun
