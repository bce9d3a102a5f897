#include "happysip/runtime/bad_request_reply.hpp"

#include <gtest/gtest.h>

#include "happysip/sip/message.hpp"

namespace happysip::runtime {
namespace {

const std::string k_bad_cseq =
    "OPTIONS sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [2001:db8::2]:5060;branch=z9hG4bKx1;rport\r\n"
    "v: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx0\r\n"
    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:example.com>\r\nCall-ID: c1\r\n"
    "CSeq: 7 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

TEST(BadRequestReply, AnswersWithTheReasonAndTheHeadersAClientMatches) {
    auto reply = bad_request_reply(k_bad_cseq, "CSeq method differs from the request's");
    ASSERT_TRUE(reply);
    auto parsed = sip::parse_message(*reply);
    ASSERT_TRUE(parsed) << parsed.error().to_string() << "\n" << *reply;
    EXPECT_EQ(parsed.value().status_code(), 400);
    EXPECT_EQ(parsed.value().reason_phrase(),
              "Bad Request: CSeq method differs from the request's");
    EXPECT_EQ(parsed.value().values(sip::HeaderId::via).size(), 2u);  // compact form kept
    EXPECT_EQ(parsed.value().header(sip::HeaderId::call_id), "c1");
    EXPECT_EQ(parsed.value().cseq_number(), 7u);
}

TEST(BadRequestReply, ReasonIsOneCleanLine) {
    auto reply = bad_request_reply(k_bad_cseq, "two\r\nlines");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->substr(0, reply->find("\r\n")), "SIP/2.0 400 Bad Request: two  lines");
}

TEST(BadRequestReply, NeverAnswersResponsesAcksOrBranchlessGarbage) {
    EXPECT_FALSE(
        bad_request_reply("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                          "CSeq: 1 OPTIONS\r\n\r\n",
                          "x"));
    EXPECT_FALSE(
        bad_request_reply("ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                          "CSeq: 1 ACK\r\n\r\n",
                          "x"));
    EXPECT_FALSE(
        bad_request_reply("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                          "CSeq: 1  ACK\r\n\r\n",
                          "x"));
    EXPECT_FALSE(bad_request_reply("not sip at all\r\n\r\n", "x"));
    EXPECT_FALSE(bad_request_reply(
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 OPTIONS\r\n\r\n", "x"));
    EXPECT_FALSE(bad_request_reply("", "x"));
}

}  // namespace
}  // namespace happysip::runtime
