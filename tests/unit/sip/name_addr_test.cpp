#include <gtest/gtest.h>

#include "happysip/sip/name_addr.hpp"

namespace happysip::sip {
namespace {

TEST(NameAddr, ParsesQuotedDisplayNameUriAndTag) {
    auto n = parse_name_addr("\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774");
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(n->display_name, "\"Alice Liddell\"");
    EXPECT_EQ(n->uri_text, "sip:alice@atlanta.example.com");
    EXPECT_EQ(n->uri.host.text, "atlanta.example.com");
    EXPECT_TRUE(n->angle_brackets);
    EXPECT_EQ(n->tag(), "1928301774");
}

TEST(NameAddr, ParsesTokenDisplayName) {
    auto n = parse_name_addr("Bob Smith <sip:bob@biloxi.example.com>");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->display_name, "Bob Smith");
    EXPECT_FALSE(n->tag().has_value());
}

TEST(NameAddr, ParametersOfABareAddrSpecBelongToTheHeader) {
    // RFC 3261 §20.10: without <>, ";tag=..." is a header parameter, not a URI parameter.
    auto n = parse_name_addr("sip:alice@atlanta.example.com;tag=88sja8x");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->uri_text, "sip:alice@atlanta.example.com");
    EXPECT_EQ(n->tag(), "88sja8x");
    EXPECT_TRUE(n->uri.params.raw.empty());
}

TEST(NameAddr, KeepsUriParametersInsideBrackets) {
    auto n = parse_name_addr("<sip:[2001:db8::9:1]:5061;transport=tls;lr;ob>");
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(n->uri.host.kind, HostKind::ipv6);
    EXPECT_EQ(n->uri.port, 5061);
    EXPECT_TRUE(n->uri.params.has("lr"));
    EXPECT_TRUE(n->params.empty());
}

TEST(NameAddr, QuotedDisplayNameMayContainCommasAndEscapes) {
    auto n = parse_name_addr(R"("Smith, \"Bob\"" <sip:bob@example.com>)");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(unquote(n->display_name), R"(Smith, "Bob")");
}

TEST(NameAddr, RejectsUnquotedSpecialCharactersInDisplayName) {
    auto n = parse_name_addr("Bob @ Home <sip:bob@example.com>", "From");
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().header, "From");
    EXPECT_NE(n.error().detail.find("quoted"), std::string::npos);
}

TEST(NameAddr, RejectsMissingClosingBracketAndBadUri) {
    EXPECT_FALSE(parse_name_addr("<sip:bob@example.com").ok());
    auto bad = parse_name_addr("<sip:bob@exa mple.com>", "To");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().detail.find("bad URI"), std::string::npos);
}

TEST(Contact, ParsesOutboundAndGruuParameters) {
    auto c = parse_contact(
        "<sip:alice@[2001:db8:10::5]:49352;transport=tcp;ob>;reg-id=1;"
        "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";expires=3600;q=0.7;"
        "pub-gruu=\"sip:alice@atlanta.example.com;gr=urn:uuid:00000000-0000-1000-8000-"
        "AABBCCDDEEFF\"");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(contact_reg_id(*c), 1u);
    EXPECT_EQ(contact_instance(*c), "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
    EXPECT_EQ(contact_expires(*c), 3600u);
    EXPECT_EQ(contact_q(*c), 700);
    EXPECT_TRUE(c->uri.params.has("ob"));
    EXPECT_TRUE(c->params.has("pub-gruu"));
}

TEST(Contact, AcceptsStar) {
    auto c = parse_contact(" * ");
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->is_star);
}

TEST(Contact, RejectsBadExpiresAndQ) {
    EXPECT_FALSE(parse_contact("<sip:a@b.example>;expires=soon").ok());
    EXPECT_FALSE(parse_contact("<sip:a@b.example>;q=1.5").ok());
    EXPECT_FALSE(parse_contact("<sip:a@b.example>;reg-id=x").ok());
}

TEST(QValue, FollowsTheGrammar) {
    EXPECT_EQ(parse_qvalue("0"), 0);
    EXPECT_EQ(parse_qvalue("1"), 1000);
    EXPECT_EQ(parse_qvalue("1.000"), 1000);
    EXPECT_EQ(parse_qvalue("0.125"), 125);
    EXPECT_EQ(parse_qvalue("0."), 0);
    EXPECT_FALSE(parse_qvalue("1.1").has_value());
    EXPECT_FALSE(parse_qvalue("0.1234").has_value());
    EXPECT_FALSE(parse_qvalue(".5").has_value());
}

TEST(NameAddrTag, FindsTheTagWithoutInterpretingTheUri) {
    std::optional<std::string_view> tag;
    EXPECT_FALSE(parse_name_addr_tag("\"A;tag=x>\" <sip:a@b;tag=uri>;tag=1928301774", tag));
    EXPECT_EQ(tag, "1928301774");  // not the quoted one, not the URI parameter
    EXPECT_FALSE(parse_name_addr_tag("sip:alice@atlanta.example.com;tag=88sja8x", tag));
    EXPECT_EQ(tag, "88sja8x");  // RFC 3261 §20.10: without <> the parameter is the header's
    EXPECT_FALSE(parse_name_addr_tag("Bob <sip:bob@biloxi.example.com>", tag));
    EXPECT_FALSE(tag.has_value());
    // A URI the proxy does not interpret may be malformed (RFC 3261 §16.3)...
    EXPECT_FALSE(parse_name_addr_tag("<sip:bad host@x>;TAG=7", tag));
    EXPECT_EQ(tag, "7");
    EXPECT_TRUE(parse_name_addr("<sip:bad host@x>;TAG=7").error().detail.starts_with("bad URI"));
}

TEST(NameAddrTag, RejectsWhatLocatingTheTagDependsOn) {
    std::optional<std::string_view> tag;
    auto e = parse_name_addr_tag("\"unterminated <sip:a@b>;tag=1", tag, "From");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->header, "From");
    EXPECT_TRUE(parse_name_addr_tag("<sip:a@b;tag=1", tag).has_value());     // missing '>'
    EXPECT_TRUE(parse_name_addr_tag("<sip:a@b>;tag=", tag).has_value());     // empty value
    EXPECT_TRUE(parse_name_addr_tag("<sip:a@b>;tag=1 x", tag).has_value());  // junk after
    EXPECT_TRUE(parse_name_addr_tag("a,b <sip:a@b>;tag=1", tag).has_value());
}

// name_addr_tag: the tag when the value parses that far, nothing otherwise, even where
// the scan had met a tag before the fault.
TEST(NameAddrTag, TagOrNothing) {
    EXPECT_EQ(name_addr_tag("<sip:bad host@x>;TAG=7"), "7");
    EXPECT_FALSE(name_addr_tag("Bob <sip:bob@biloxi.example.com>").has_value());
    EXPECT_FALSE(name_addr_tag("<sip:a@b;tag=1").has_value());
    EXPECT_FALSE(name_addr_tag("<sip:a@b>;tag=1;x=\"open").has_value());
}

}  // namespace
}  // namespace happysip::sip
