#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "happysip/sip/message.hpp"
#include "happysip/sip/token_list.hpp"

namespace happysip::sip {
namespace {

std::vector<std::string> tokens(const TokenList& list) {
    std::vector<std::string> out;
    for (std::string_view t : list)
        out.emplace_back(t);
    return out;
}

Message invite_with(std::string_view extra_headers) {
    std::string bytes =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK776asdhds\r\n"
        "Max-Forwards: 70\r\n"
        "To: Bob <sip:bob@biloxi.example.com>\r\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
        "CSeq: 314159 INVITE\r\n";
    bytes += extra_headers;
    bytes += "Content-Length: 0\r\n\r\n";
    auto m = parse_message(std::move(bytes));
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    return m.ok() ? std::move(m).value() : Message{};
}

TEST(TokenList, ParsesOptionTagsWithWhiteSpaceAroundCommas) {
    auto l = parse_token_list("  path, outbound ,\tgruu  ");
    ASSERT_TRUE(l.ok()) << l.error().to_string();
    EXPECT_EQ(tokens(*l), (std::vector<std::string>{"path", "outbound", "gruu"}));
    EXPECT_EQ(l->size(), 3u);
    EXPECT_FALSE(l->empty());
    EXPECT_EQ(l->raw(), "path, outbound ,\tgruu");
}

TEST(TokenList, EmptyValueIsAnEmptyList) {
    // RFC 3261 §20.37: "Supported:" with nothing after it says no extension is supported.
    for (std::string_view v : {"", "   ", "\t"}) {
        auto l = parse_token_list(v, "Supported");
        ASSERT_TRUE(l.ok()) << l.error().to_string();
        EXPECT_TRUE(l->empty());
        EXPECT_EQ(l->size(), 0u);
        EXPECT_EQ(l->begin(), l->end());
        EXPECT_FALSE(l->contains("100rel"));
    }
}

TEST(TokenList, RejectsEmptyElementBetweenCommas) {
    constexpr std::string_view v = "100rel,,timer";
    auto l = parse_token_list(v, "Require");
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.error().header, "Require");
    EXPECT_EQ(l.error().detail, "empty list element");
    EXPECT_EQ(l.error().offset, 7u);
}

TEST(TokenList, RejectsTrailingAndLeadingCommas) {
    auto trailing = parse_token_list("100rel, ");
    ASSERT_FALSE(trailing.ok());
    EXPECT_EQ(trailing.error().detail, "empty list element");
    auto leading = parse_token_list(", 100rel");
    ASSERT_FALSE(leading.ok());
    EXPECT_EQ(leading.error().detail, "empty list element");
    EXPECT_EQ(leading.error().offset, 0u);
}

TEST(TokenList, RejectsCharactersOutsideToken) {
    auto l = parse_token_list("100rel;q=1, timer", "Supported");
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.error().detail, "expected ',' after token");
    EXPECT_EQ(l.error().offset, 6u);

    auto spaced = parse_token_list("path outbound");
    ASSERT_FALSE(spaced.ok());
    EXPECT_EQ(spaced.error().offset, 5u);
}

TEST(TokenList, ErrorOffsetsCountLeadingWhiteSpace) {
    auto l = parse_token_list("  a,\"b\"");
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.error().detail, "expected a token");
    EXPECT_EQ(l.error().offset, 4u);
}

TEST(TokenList, OptionTagsCompareCaseInsensitively) {
    // RFC 3261 §7.3.1: tokens are case-insensitive; §19.2 makes no exception for option-tags.
    auto l = parse_token_list("100REL, Timer");
    ASSERT_TRUE(l.ok());
    EXPECT_TRUE(l->contains("100rel"));
    EXPECT_TRUE(l->contains("timer"));
    EXPECT_FALSE(l->contains("100"));
    EXPECT_FALSE(l->contains("path"));
}

TEST(TokenList, MethodsCompareCaseSensitively) {
    // RFC 3261 §7.1: the method token is case-sensitive.
    auto l = parse_token_list("INVITE, ACK, CANCEL, OPTIONS, BYE, PRACK", "Allow");
    ASSERT_TRUE(l.ok());
    EXPECT_TRUE(l->contains_case_sensitive("PRACK"));
    EXPECT_FALSE(l->contains_case_sensitive("prack"));
    EXPECT_FALSE(l->contains_case_sensitive("UPDATE"));
}

TEST(TokenList, EventTypesWithTemplatesAreTokens) {
    auto l = parse_token_list("presence, presence.winfo, dialog", "Allow-Events");
    ASSERT_TRUE(l.ok()) << l.error().to_string();
    EXPECT_TRUE(l->contains_case_sensitive("presence.winfo"));
    EXPECT_FALSE(l->contains_case_sensitive("Presence"));
}

TEST(TokenList, IteratorsAreForwardIterators) {
    auto l = parse_token_list("a,b");
    ASSERT_TRUE(l.ok());
    auto it = l->begin();
    EXPECT_EQ(*it, "a");
    auto old = it++;
    EXPECT_EQ(*old, "a");
    EXPECT_EQ(*it, "b");
    EXPECT_EQ(it->size(), 1u);
    ++it;
    EXPECT_EQ(it, l->end());
}

TEST(TokenList, ParsesSupportedOfTheBenchRegister) {
    auto m = parse_message(
        std::string("REGISTER sip:atlanta.example.com SIP/2.0\r\n"
                    "Via: SIP/2.0/TCP [2001:db8:10::5]:49352;branch=z9hG4bKnashds7;alias;rport\r\n"
                    "Max-Forwards: 70\r\n"
                    "To: Alice <sip:alice@atlanta.example.com>\r\n"
                    "From: Alice <sip:alice@atlanta.example.com>;tag=456248\r\n"
                    "Call-ID: 843817637684230@998sdasdh09\r\n"
                    "CSeq: 1826 REGISTER\r\n"
                    "Supported: path, outbound, gruu\r\n"
                    "Content-Length: 0\r\n\r\n"));
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    auto value = m->header(HeaderId::supported);
    ASSERT_TRUE(value.has_value());
    auto l = parse_token_list(*value, "Supported");
    ASSERT_TRUE(l.ok());
    EXPECT_TRUE(l->contains("outbound"));
    EXPECT_TRUE(message_supports(*m, "gruu"));
    EXPECT_FALSE(message_supports(*m, "100rel"));
}

TEST(TokenList, MessageSupportsLooksAtEverySupportedLine) {
    auto m = invite_with("Supported: timer\r\nk: 100rel, replaces\r\n");
    EXPECT_TRUE(message_supports(m, "timer"));
    EXPECT_TRUE(message_supports(m, "100REL"));
    EXPECT_TRUE(message_supports(m, "replaces"));
    EXPECT_FALSE(message_supports(m, "path"));
}

TEST(TokenList, MessageWithoutSupportedSupportsNothing) {
    auto m = invite_with("Require: 100rel\r\n");
    EXPECT_FALSE(message_supports(m, "100rel"));
}

TEST(TokenList, UnsupportedRequirementsListsUnknownTagsOnceInOrder) {
    auto m = invite_with("Require: 100rel, foo\r\nRequire: bar, FOO, timer\r\n");
    constexpr std::array<std::string_view, 2> known = {"100rel", "timer"};
    auto missing = unsupported_requirements(m, HeaderId::require, known);
    EXPECT_EQ(missing, (std::vector<std::string_view>{"foo", "bar"}));
}

TEST(TokenList, UnsupportedRequirementsIsEmptyWhenEverythingIsKnown) {
    auto m = invite_with("Require: 100rel\r\nProxy-Require: sec-agree\r\n");
    constexpr std::array<std::string_view, 1> known = {"100REL"};
    EXPECT_TRUE(unsupported_requirements(m, HeaderId::require, known).empty());
    auto proxy = unsupported_requirements(m, HeaderId::proxy_require, known);
    EXPECT_EQ(proxy, (std::vector<std::string_view>{"sec-agree"}));
}

TEST(TokenList, UnsupportedRequirementsViewsPointIntoTheMessage) {
    auto m = invite_with("Proxy-Require: sec-agree\r\n");
    auto proxy = unsupported_requirements(m, HeaderId::proxy_require, {});
    ASSERT_EQ(proxy.size(), 1u);
    const std::string_view raw = m.raw();
    EXPECT_GE(proxy[0].data(), raw.data());
    EXPECT_LT(proxy[0].data(), raw.data() + raw.size());
}

}  // namespace
}  // namespace happysip::sip
