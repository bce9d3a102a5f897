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

TEST(HeaderId, ListHeadersAreMarked) {
    EXPECT_TRUE(is_list_header(HeaderId::via));
    EXPECT_TRUE(is_list_header(HeaderId::contact));
    EXPECT_FALSE(is_list_header(HeaderId::www_authenticate));
    EXPECT_FALSE(is_list_header(HeaderId::call_id));
}

}  // namespace
}  // namespace happysip::sip
