#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "happysip/sip/header_id.hpp"

namespace happysip::sip {
namespace {

TEST(HeaderId, EveryKnownNameResolvesInAnyCase) {
    for (int i = 0; i < static_cast<int>(HeaderId::other); ++i) {
        auto id = static_cast<HeaderId>(i);
        std::string name(canonical_name(id));
        std::string lower, upper;
        for (char c : name) {
            lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
            upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        }
        EXPECT_EQ(header_id_from_name(name), id) << name;
        EXPECT_EQ(header_id_from_name(lower), id) << lower;
        EXPECT_EQ(header_id_from_name(upper), id) << upper;
    }
}

TEST(HeaderId, CompactFormsResolve) {
    EXPECT_EQ(header_id_from_name("v"), HeaderId::via);
    EXPECT_EQ(header_id_from_name("I"), HeaderId::call_id);
    EXPECT_EQ(header_id_from_name("m"), HeaderId::contact);
    EXPECT_EQ(header_id_from_name("l"), HeaderId::content_length);
    EXPECT_EQ(header_id_from_name("k"), HeaderId::supported);
    EXPECT_EQ(header_id_from_name("x"), HeaderId::session_expires);
    EXPECT_EQ(header_id_from_name("q"), HeaderId::other);
}

TEST(HeaderId, NamesThatDifferInOneByteAreOther) {
    for (const char* name :
         {"Vib", "Call-IE", "Content-Lengthx", "Content-Lengt", "Xontact", "Max-Forwardz",
          "Proxy-Authorizatioo", "CSeq_", "Routf", "", "-", "P-Asserted-Identitx"})
        EXPECT_EQ(header_id_from_name(name), HeaderId::other) << name;
}

// Folding case by OR-ing 0x20 would also let CR pass for '-' (0x0d | 0x20 == '-'):
// such names are not tokens and must not match a known header.
TEST(HeaderId, OnlyLettersFoldCase) {
    EXPECT_EQ(header_id_from_name("Call\rID"), HeaderId::other);
    EXPECT_EQ(header_id_from_name("Max\rForwards"), HeaderId::other);
    EXPECT_EQ(header_id_from_name("Content\rLength"), HeaderId::other);
    EXPECT_EQ(header_id_from_name("Min\rSE"), HeaderId::other);
    EXPECT_EQ(header_id_from_name("SIP\rETag"), HeaderId::other);
    EXPECT_EQ(header_id_from_name("CALL-id"), HeaderId::call_id);
}

// The parser's lookup reads whole words past the name; only the name's bytes count.
TEST(HeaderId, PaddedLookupIgnoresTheBytesAfterTheName) {
    const std::string line = "Via: SIP/2.0/UDP host;branch=z9hG4bK1\r\n";
    ASSERT_GE(line.size(), k_header_name_lookahead);
    EXPECT_EQ(header_id_from_padded_name(line.data(), 3), HeaderId::via);
    EXPECT_EQ(header_id_from_padded_name(line.data(), 4), HeaderId::other);
    const std::string compact = "v: SIP/2.0/UDP host;branch=z9hG4bK1\r\n";
    EXPECT_EQ(header_id_from_padded_name(compact.data(), 1), HeaderId::via);
    const std::string longest = "P-Preferred-Identity: <sip:a@b>\r\n";
    EXPECT_EQ(header_id_from_padded_name(longest.data(), 20), HeaderId::p_preferred_identity);
}

TEST(HeaderId, ListHeadersAreMarked) {
    EXPECT_TRUE(is_list_header(HeaderId::via));
    EXPECT_TRUE(is_list_header(HeaderId::contact));
    EXPECT_FALSE(is_list_header(HeaderId::www_authenticate));
    EXPECT_FALSE(is_list_header(HeaderId::call_id));
}

}  // namespace
}  // namespace happysip::sip
