#include <gtest/gtest.h>

#include "happysip/sip/stream_framer.hpp"

namespace happysip::sip {
namespace {

constexpr std::string_view k_msg =
    "MESSAGE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
    "Call-ID: c1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 5\r\n\r\nhello";

using Kind = StreamFramer::Kind;

TEST(StreamFramer, FramesBackToBackMessages) {
    StreamFramer f;
    f.feed(std::string(k_msg) + std::string(k_msg));
    auto a = f.next();
    ASSERT_EQ(a.kind, Kind::message);
    EXPECT_EQ(a.frame, k_msg);
    auto b = f.next();
    ASSERT_EQ(b.kind, Kind::message);
    EXPECT_EQ(b.frame, k_msg);
    EXPECT_EQ(f.next().kind, Kind::need_more);
    EXPECT_EQ(f.buffered(), 0u);
}

TEST(StreamFramer, AssemblesAMessageFedOneByteAtATime) {
    StreamFramer f;
    int messages = 0;
    for (char c : k_msg) {
        f.feed(std::string_view(&c, 1));
        auto e = f.next();
        if (e.kind == Kind::message) {
            ++messages;
            EXPECT_EQ(e.frame, k_msg);
            ASSERT_TRUE(parse_message(e.frame).ok());
        } else {
            EXPECT_EQ(e.kind, Kind::need_more);
        }
    }
    EXPECT_EQ(messages, 1);
}

TEST(StreamFramer, ReportsDoubleCrlfAsPingAndSingleCrlfAsPong) {
    // RFC 5626 §4.4.1: the client pings with CRLF CRLF, the server pongs with CRLF.
    StreamFramer f;
    f.feed("\r\n\r\n");
    EXPECT_EQ(f.next().kind, Kind::ping);
    f.feed("\r\n");
    EXPECT_EQ(f.next().kind, Kind::need_more);  // could still become a ping
    f.feed(k_msg);
    EXPECT_EQ(f.next().kind, Kind::pong);
    EXPECT_EQ(f.next().kind, Kind::message);
}

TEST(StreamFramer, RequiresContentLength) {
    std::string text(k_msg);
    text.erase(text.find("Content-Length: 5\r\n"), 19);
    StreamFramer f;
    f.feed(text);
    auto e = f.next();
    ASSERT_EQ(e.kind, Kind::error);
    EXPECT_EQ(e.error.code, ParseErrc::bad_content_length);
    EXPECT_EQ(f.next().kind, Kind::error);  // the stream stays failed
}

TEST(StreamFramer, AcceptsCompactContentLength) {
    std::string text(k_msg);
    text.replace(text.find("Content-Length:"), 15, "l:");
    StreamFramer f;
    f.feed(text);
    auto e = f.next();
    ASSERT_EQ(e.kind, Kind::message);
    EXPECT_EQ(e.frame, text);
}

TEST(StreamFramer, RejectsOversizedHeadWithoutWaitingForever) {
    ParseLimits limits;
    limits.max_message_size = 64;
    StreamFramer f(limits);
    f.feed(std::string(100, 'A'));
    auto e = f.next();
    ASSERT_EQ(e.kind, Kind::error);
    EXPECT_EQ(e.error.code, ParseErrc::too_large);
}

TEST(StreamFramer, RejectsDeclaredBodyBeyondLimit) {
    std::string text(k_msg);
    text.replace(text.find("Content-Length: 5"), 17, "Content-Length: 99999999");
    StreamFramer f;
    f.feed(text);
    EXPECT_EQ(f.next().error.code, ParseErrc::too_large);
}

}  // namespace
}  // namespace happysip::sip
