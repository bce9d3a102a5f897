#include <gtest/gtest.h>

#include <string>

#include "happysip/sip/text.hpp"

namespace happysip::sip::text {
namespace {

// find_char tests eight bytes at a time: it must agree with std::string_view::find at
// every start offset and position, in the word loop and in the byte tail.
TEST(Text, FindCharAgreesWithStringViewFind) {
    const std::string s = "sip:alice@atlanta.example.com;transport=tcp?subject=x@y";
    const std::string_view v = s;
    for (char c : {'@', '?', ';', 'x', 'z', ':', '\0'})
        for (std::size_t pos = 0; pos <= v.size() + 1; ++pos)
            for (std::size_t len = 0; len <= v.size(); len += 7)
                EXPECT_EQ(find_char(v.substr(0, len), c, pos), v.substr(0, len).find(c, pos))
                    << c << " from " << pos << " in " << len;
}

TEST(Text, HexDigitsWriteTheLowDigitsMostSignificantFirst) {
    EXPECT_EQ(hex_digits(0x75bcd15, 16), "00000000075bcd15");
    EXPECT_EQ(hex_digits(0xfedcba9876543210ULL, 16), "fedcba9876543210");
    EXPECT_EQ(hex_digits(0xfedcba9876543210ULL, 12), "ba9876543210");  // high digits dropped
    EXPECT_EQ(hex_digits(0xabc, 0), "");
}

TEST(Text, FindCharFindsHighBytes) {
    const std::string s = "abcdefgh\xc3\xa9z\x80";
    EXPECT_EQ(find_char(s, '\xc3'), 8u);
    EXPECT_EQ(find_char(s, '\x80'), 11u);
    EXPECT_EQ(find_char(s, '\x81'), std::string_view::npos);
}

}  // namespace
}  // namespace happysip::sip::text
