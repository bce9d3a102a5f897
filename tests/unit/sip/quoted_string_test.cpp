#include <gtest/gtest.h>

#include <string>

#include "happysip/sip/header_params.hpp"

namespace happysip::sip {
namespace {

// The byte loop quoted_string_length replaced for its first sixteen-byte steps.
std::size_t reference_length(std::string_view s) {
    if (s.empty() || s[0] != '"') return 0;
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\')
            ++i;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

// Every length, every position of a closing quote and of a quoted-pair (including a
// backslash as the last byte, an escaped quote and an escaped backslash).
TEST(QuotedString, LengthAgreesWithTheByteLoop) {
    for (std::size_t size = 1; size <= 40; ++size) {
        for (std::size_t q = 1; q <= size; ++q) {
            for (std::size_t b = 1; b <= size; ++b) {
                for (char escaped : {'x', '"', '\\'}) {
                    std::string s(size, 'a');
                    s[0] = '"';
                    if (q < size) s[q] = '"';
                    if (b < size) s[b] = '\\';
                    if (b + 1 < size && b != q) s[b + 1] = escaped;
                    ASSERT_EQ(quoted_string_length(s), reference_length(s))
                        << "size " << size << " quote " << q << " backslash " << b;
                }
            }
        }
    }
}

TEST(QuotedString, Examples) {
    EXPECT_EQ(quoted_string_length("\"Alice Liddell\" <sip:alice@atlanta.example.com>"), 15u);
    EXPECT_EQ(quoted_string_length(R"("a \"quoted\" name, long enough to span" <sip:a@b>)"), 40u);
    EXPECT_EQ(quoted_string_length("\"never closed, and longer than sixteen bytes\\"), 0u);
    EXPECT_EQ(quoted_string_length("no quote"), 0u);
}

}  // namespace
}  // namespace happysip::sip
