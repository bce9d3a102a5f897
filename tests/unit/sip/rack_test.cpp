#include <gtest/gtest.h>

#include "happysip/sip/rack.hpp"

namespace happysip::sip {
namespace {

TEST(Rack, ParsesRseqOfRfc3262) {
    auto r = parse_rseq("988789");  // RFC 3262 §7.1
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, 988789u);
}

TEST(Rack, RseqCountsUpTo2Pow32Minus1) {
    // RFC 3262 §3: the first RSeq is below 2^31, later ones count up to at most 2^32-1.
    auto top = parse_rseq("4294967295");
    ASSERT_TRUE(top.ok());
    EXPECT_EQ(*top, 4294967295u);
    auto over = parse_rseq("4294967296");
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().header, "RSeq");
    EXPECT_EQ(over.error().detail, "RSeq must be 1 to 4294967295");
}

TEST(Rack, RseqRejectsZero) {
    auto r = parse_rseq("0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().detail, "RSeq must be 1 to 4294967295");
}

TEST(Rack, RseqRejectsSignsLettersAndEmptiness) {
    for (std::string_view v : {"+5", "-5", "5a", "5 6", "0x10", ""}) {
        auto r = parse_rseq(v);
        EXPECT_FALSE(r.ok()) << v;
    }
    auto r = parse_rseq("12a");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().detail, "expected digits only");
    EXPECT_EQ(r.error().offset, 2u);
}

TEST(Rack, RseqAllowsSurroundingWhiteSpaceAndLeadingZeros) {
    auto r = parse_rseq(" 000000000042\t");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, 42u);
}

TEST(Rack, ParsesRackOfRfc3262) {
    auto r = parse_rack("776656 1 INVITE");  // RFC 3262 §7.2
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->response_num, 776656u);
    EXPECT_EQ(r->cseq_num, 1u);
    EXPECT_EQ(r->method_text, "INVITE");
    EXPECT_EQ(r->method, Method::invite);
}

TEST(Rack, ToleratesRunsOfSpacesAndTabs) {
    auto r = parse_rack("  776656 \t 314159\tUPDATE  ");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->cseq_num, 314159u);
    EXPECT_EQ(r->method, Method::update);
}

TEST(Rack, MethodIsCaseSensitive) {
    // RFC 3261 §7.1: "invite" is an extension method, not INVITE.
    auto r = parse_rack("1 1 invite");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->method, Method::other);
    EXPECT_EQ(r->method_text, "invite");
}

TEST(Rack, RequiresWhiteSpaceBetweenParts) {
    auto r = parse_rack("1 1INVITE");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().header, "RAck");
    EXPECT_EQ(r.error().detail, "expected white space after CSeq-num");
    EXPECT_EQ(r.error().offset, 3u);
}

TEST(Rack, RejectsMissingMethod) {
    auto r = parse_rack("776656 1");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().detail, "expected white space after CSeq-num");
    auto trailing_space = parse_rack("776656 1 ");
    ASSERT_FALSE(trailing_space.ok());
    EXPECT_EQ(trailing_space.error().detail, "expected method");
}

TEST(Rack, RejectsTextAfterMethod) {
    auto r = parse_rack("1 2 INVITE extra");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().detail, "unexpected text after method");
    EXPECT_EQ(r.error().offset, 11u);
}

TEST(Rack, RejectsZeroOrOversizedNumbers) {
    auto zero = parse_rack("0 1 INVITE");
    ASSERT_FALSE(zero.ok());
    EXPECT_EQ(zero.error().detail, "response-num must be 1 to 4294967295");
    auto cseq = parse_rack("1 4294967296 INVITE");
    ASSERT_FALSE(cseq.ok());
    EXPECT_EQ(cseq.error().detail, "CSeq-num exceeds 4294967295");
    EXPECT_EQ(cseq.error().offset, 2u);
    auto letters = parse_rack("x 1 INVITE");
    ASSERT_FALSE(letters.ok());
    EXPECT_EQ(letters.error().detail, "expected response-num");
}

TEST(DeltaSeconds, ParsesExpiresValue) {
    auto s = parse_delta_seconds("3600");
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    EXPECT_EQ(*s, 3600u);
    auto zero = parse_delta_seconds(" 0 ");
    ASSERT_TRUE(zero.ok());
    EXPECT_EQ(*zero, 0u);
}

TEST(DeltaSeconds, ClampsValuesAbove2Pow32Minus1) {
    // RFC 3261 §10.2: values larger than 2**32-1 MAY be treated as 2**32-1.
    auto max = parse_delta_seconds("4294967295");
    ASSERT_TRUE(max.ok());
    EXPECT_EQ(*max, 4294967295u);
    auto over = parse_delta_seconds("4294967296");
    ASSERT_TRUE(over.ok());
    EXPECT_EQ(*over, 4294967295u);
    auto huge = parse_delta_seconds("99999999999999999999999999999");
    ASSERT_TRUE(huge.ok());
    EXPECT_EQ(*huge, 4294967295u);
}

TEST(DeltaSeconds, LeadingZerosDoNotOverflow) {
    auto s = parse_delta_seconds("0000000000000060");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, 60u);
}

TEST(DeltaSeconds, RejectsNegativeFractionalAndDateValues) {
    for (std::string_view v : {"-1", "1.5", "Thu, 01 Dec 1994 16:00:00 GMT", "60s", "", "  "}) {
        auto s = parse_delta_seconds(v);
        EXPECT_FALSE(s.ok()) << v;
    }
}

TEST(DeltaSeconds, ErrorsNameTheHeaderAndOffset) {
    auto s = parse_delta_seconds(" 12x", "Min-Expires");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ParseErrc::bad_header);
    EXPECT_EQ(s.error().header, "Min-Expires");
    EXPECT_EQ(s.error().detail, "expected digits only");
    EXPECT_EQ(s.error().offset, 3u);
    auto empty = parse_delta_seconds("", "Flow-Timer");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().header, "Flow-Timer");
    EXPECT_EQ(empty.error().detail, "empty value");
}

}  // namespace
}  // namespace happysip::sip
