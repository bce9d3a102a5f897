#include <gtest/gtest.h>

#include "happysip/sip/builder.hpp"
#include "happysip/sip/key_headers.hpp"

namespace happysip::sip {
namespace {

constexpr std::string_view k_invite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKnew\r\n"
    "Via: SIP/2.0/UDP [2001:db8::2]:5060;branch=z9hG4bK776asdhds;received=2001:db8::2\r\n"
    "Max-Forwards: 69\r\n"
    "Record-Route: <sip:[2001:db8::9:1];lr>\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Timestamp: 54\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(MakeResponse, CopiesViasFromToCallIdAndCSeqInOrder) {
    auto req = parse_message(k_invite);
    ASSERT_TRUE(req.ok());
    auto resp = make_response(*req, 180, {}, "a6c85cf");
    ASSERT_TRUE(resp.ok()) << resp.error().to_string();
    EXPECT_EQ(resp->status_code(), 180);
    EXPECT_EQ(resp->reason_phrase(), "Ringing");
    auto vias = resp->values(HeaderId::via);
    ASSERT_EQ(vias.size(), 2u);
    EXPECT_EQ(vias[0], "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKnew");
    EXPECT_EQ(resp->header(HeaderId::to), "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf");
    EXPECT_EQ(resp->header(HeaderId::call_id), "a84b4c76e66710");
    EXPECT_EQ(resp->cseq_number(), 314159u);
    EXPECT_EQ(resp->cseq_method(), Method::invite);
    EXPECT_EQ(resp->find(HeaderId::timestamp), nullptr);
    EXPECT_EQ(resp->find(HeaderId::record_route), nullptr);
}

TEST(MakeResponse, TryingCopiesTimestampAndAddsNoTag) {
    auto req = parse_message(k_invite);
    ASSERT_TRUE(req.ok());
    auto resp = make_response(*req, 100, {}, "ignored");
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->header(HeaderId::timestamp), "54");
    EXPECT_EQ(resp->header(HeaderId::to), "Bob <sip:bob@biloxi.example.com>");
}

TEST(MakeResponse, KeepsAnExistingToTag) {
    std::string text(k_invite);
    text.replace(text.find("biloxi.example.com>\r\n"), 21, "biloxi.example.com>;tag=x1\r\n");
    auto req = parse_message(text);
    ASSERT_TRUE(req.ok());
    auto resp = make_response(*req, 200, {}, "other");
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->header(HeaderId::to), "Bob <sip:bob@biloxi.example.com>;tag=x1");
}

TEST(MakeResponse, UsesCustomReasonAndExtraHeaders) {
    auto req = parse_message(k_invite);
    ASSERT_TRUE(req.ok());
    auto resp = make_response(*req, 400, "Bad Via header at byte 7", {}, {"Warning: 399 x \"y\""});
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->reason_phrase(), "Bad Via header at byte 7");
    EXPECT_EQ(resp->header(HeaderId::warning), "399 x \"y\"");
}

TEST(TopViaBranch, IsTheFirstViaValuesBranchOrNothing) {
    auto req = parse_message(k_invite);
    ASSERT_TRUE(req.ok());
    EXPECT_EQ(top_via_branch(*req), "z9hG4bKnew");
    std::string text(k_invite);
    text.replace(text.find("[2001:db8::9:1];branch=z9hG4bKnew"), 33,
                 "a.example;branch=z9hG4bKone, SIP/2.0/UDP b.example;branch=z9hG4bKtwo");
    auto folded = parse_message(text);
    ASSERT_TRUE(folded.ok()) << folded.error().to_string();
    EXPECT_EQ(top_via_branch(*folded), "z9hG4bKone");
    text = std::string(k_invite);
    text.replace(text.find("To: Bob <sip:bob@biloxi.example.com>"), 36, "To: <sip:x");
    auto bad = parse_message(text);  // parses; its To does not (no '>')
    ASSERT_TRUE(bad.ok()) << bad.error().to_string();
    EXPECT_EQ(top_via_branch(*bad), "");
}

TEST(MakeRequest, BuildsAValidRequestFromParts) {
    RequestParts p;
    p.method = "REGISTER";
    p.request_uri = "sip:atlanta.example.com";
    p.via_transport = "TLS";
    p.via_sent_by = "[2001:db8::5]:49152";
    p.branch = "z9hG4bK74bf9";
    p.from = "<sip:alice@atlanta.example.com>";
    p.from_tag = "9fxced76sl";
    p.to = "<sip:alice@atlanta.example.com>";
    p.call_id = "3848276298220188511@atlanta.example.com";
    p.cseq = 2;
    p.contact = "<sip:alice@[2001:db8::5]:49152;transport=tls;ob>;reg-id=1";
    p.extra_headers = {"Supported: outbound, path, gruu"};
    auto m = make_request(p);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->method(), Method::register_);
    EXPECT_EQ(m->cseq_number(), 2u);
    auto key = interpret_key_headers(*m);
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_EQ(key->top_via.branch, "z9hG4bK74bf9");
    EXPECT_TRUE(key->top_via.has_rport);
    EXPECT_EQ(key->from.tag(), "9fxced76sl");
    EXPECT_EQ(key->max_forwards, 70);
    EXPECT_FALSE(validate_message(*m).has_value());
}

TEST(MakeRequest, WritesBodyWithTypeAndLength) {
    RequestParts p;
    p.method = "MESSAGE";
    p.request_uri = "sip:bob@example.com";
    p.via_sent_by = "192.0.2.1";
    p.branch = "z9hG4bK1";
    p.from = "<sip:a@example.com>";
    p.from_tag = "1";
    p.to = "<sip:bob@example.com>";
    p.call_id = "c";
    p.content_type = "text/plain";
    p.body = "hi";
    auto m = make_request(p);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->body(), "hi");
    EXPECT_EQ(m->header(HeaderId::content_type), "text/plain");
}

}  // namespace
}  // namespace happysip::sip
