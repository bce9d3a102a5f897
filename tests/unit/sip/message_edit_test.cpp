#include <gtest/gtest.h>

#include "happysip/sip/message.hpp"

namespace happysip::sip {
namespace {

constexpr std::string_view k_request =
    "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP [2001:db8::2]:5060;branch=z9hG4bKhjhs8ass877, "
    "SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKold\r\n"
    "Route: <sip:[2001:db8::9:1];lr>, <sip:p2.example.com;lr>\r\n"
    "max-forwards:   70\r\n"
    "To: <sip:carol@chicago.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 63104 OPTIONS\r\n"
    "X-Odd-Spacing :  kept   as is\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

// find() answers the parser-tracked headers from an index built while parsing; every edit
// that adds or removes a field must leave it answering as a walk over the fields would.
TEST(MessageEdit, FindFollowsEditsOfTrackedHeaders) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    ASSERT_NE(m->find(HeaderId::call_id), nullptr);
    EXPECT_EQ(m->value(*m->find(HeaderId::call_id)), "a84b4c76e66710");
    m->prepend(HeaderId::via, "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKnew");
    EXPECT_EQ(m->value(*m->find(HeaderId::via)), "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKnew");
    EXPECT_EQ(m->value(*m->find(HeaderId::call_id)), "a84b4c76e66710");  // shifted by one
    m->remove(static_cast<std::size_t>(m->find(HeaderId::via) - m->fields().data()));
    EXPECT_EQ(m->value(*m->find(HeaderId::via)).substr(0, 15), "SIP/2.0/TCP [20");
    EXPECT_EQ(m->remove_all(HeaderId::max_forwards), 1u);
    EXPECT_EQ(m->find(HeaderId::max_forwards), nullptr);
    m->append(HeaderId::max_forwards, "69");
    EXPECT_EQ(m->header(HeaderId::max_forwards), "69");
    m->set(HeaderId::content_length, "0");
    EXPECT_EQ(m->count(HeaderId::content_length), 1u);
    // A copy keeps answering from its own fields.
    Message copy = *m;
    EXPECT_EQ(
        copy.find(HeaderId::call_id),
        &copy.fields()[static_cast<std::size_t>(m->find(HeaderId::call_id) - m->fields().data())]);
}

TEST(MessageEdit, UntouchedMessageSerialisesByteForByte) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->serialize(), k_request);
}

TEST(MessageEdit, PrependedViaIsWrittenCanonicallyAndTheRestVerbatim) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    m->prepend(HeaderId::via, "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKnew");
    std::string out = m->serialize();
    EXPECT_TRUE(
        out.starts_with("OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
                        "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKnew\r\n"
                        "Via: SIP/2.0/TCP [2001:db8::2]:5060"));
    EXPECT_NE(out.find("X-Odd-Spacing :  kept   as is\r\n"), std::string::npos);
    auto again = parse_message(out);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->values(HeaderId::via).size(), 3u);
}

TEST(MessageEdit, RemoveFirstValueDropsOnlyTheTopmostOfACommaList) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(m->remove_first_value(HeaderId::route));
    EXPECT_EQ(m->values(HeaderId::route), std::vector<std::string_view>{"<sip:p2.example.com;lr>"});
    ASSERT_TRUE(m->remove_first_value(HeaderId::route));
    EXPECT_EQ(m->find(HeaderId::route), nullptr);
    EXPECT_FALSE(m->remove_first_value(HeaderId::route));
    EXPECT_EQ(m->serialize().find("Route:"), std::string::npos);
}

// first_value is values().front() without the vector, through edits too.
TEST(MessageEdit, FirstValueIsTheFrontOfValues) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    for (HeaderId id :
         {HeaderId::via, HeaderId::route, HeaderId::to, HeaderId::call_id, HeaderId::contact}) {
        auto all = m->values(id);
        auto first = m->first_value(id);
        ASSERT_EQ(first.has_value(), !all.empty());
        if (first) {
            EXPECT_EQ(*first, all.front());
        }
    }
    EXPECT_EQ(m->first_value(HeaderId::via),
              "SIP/2.0/TCP [2001:db8::2]:5060;branch=z9hG4bKhjhs8ass877");
    ASSERT_TRUE(m->remove_first_value(HeaderId::via));
    EXPECT_EQ(m->first_value(HeaderId::via), "SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKold");
    m->prepend(HeaderId::via, "SIP/2.0/UDP [::1]:5070;branch=z9hG4bKnew");
    EXPECT_EQ(m->first_value(HeaderId::via), "SIP/2.0/UDP [::1]:5070;branch=z9hG4bKnew");
    ASSERT_TRUE(m->remove_first_value(HeaderId::route));
    ASSERT_TRUE(m->remove_first_value(HeaderId::route));
    EXPECT_EQ(m->first_value(HeaderId::route), std::nullopt);
}

TEST(MessageEdit, SetReplacesValueAndKeepsPosition) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    m->set(HeaderId::max_forwards, "69");
    std::string out = m->serialize();
    EXPECT_NE(out.find("p2.example.com;lr>\r\nmax-forwards: 69\r\nTo:"), std::string::npos);
}

TEST(MessageEdit, SetBodyRewritesContentLength) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    m->set_body("hello");
    std::string out = m->serialize();
    EXPECT_NE(out.find("Content-Length: 5\r\n\r\nhello"), std::string::npos);
    auto again = parse_message(out);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->body(), "hello");
}

TEST(MessageEdit, SerialiseAddsContentLengthWhenAbsent) {
    std::string text(k_request);
    text.erase(text.find("Content-Length: 0\r\n"), 19);
    auto m = parse_message(text);
    ASSERT_TRUE(m.ok());
    EXPECT_NE(m->serialize().find("Content-Length: 0\r\n\r\n"), std::string::npos);
}

TEST(MessageEdit, InsertsUnknownHeaderByName) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    m->insert(m->fields().size(), "P-Debug", "x");
    ASSERT_NE(m->find("p-debug"), nullptr);
    EXPECT_NE(m->serialize().find("P-Debug: x\r\n"), std::string::npos);
}

TEST(MessageEdit, RequestUriAndStatusEditsRewriteTheStartLine) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    m->set_request_uri("sip:carol@[2001:db8::77]:5070");
    EXPECT_TRUE(m->serialize().starts_with("OPTIONS sip:carol@[2001:db8::77]:5070 SIP/2.0\r\n"));
}

TEST(MessageEdit, RemoveAllDropsEveryLine) {
    auto m = parse_message(k_request);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->remove_all(HeaderId::via), 1u);
    EXPECT_EQ(m->count(HeaderId::via), 0u);
    EXPECT_EQ(m->serialize().find("Via:"), std::string::npos);
}

TEST(MessageEdit, FoldedHeaderIsCopiedVerbatimWhenUntouched) {
    std::string text(k_request);
    text.insert(text.find("CSeq:"), "Subject: one\r\n two\r\n");
    auto m = parse_message(text);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->header(HeaderId::subject), "one two");
    EXPECT_EQ(m->serialize(), text);
}

}  // namespace
}  // namespace happysip::sip
