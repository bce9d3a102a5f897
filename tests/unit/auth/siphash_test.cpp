#include "happysip/auth/siphash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace happysip::auth {
namespace {

// Key 00 01 .. 0f and messages 00 01 .. (n-1), as in the SipHash paper's appendix; the
// expected values were computed with OpenSSL 3's SIPHASH MAC (`openssl mac -macopt
// hexkey:000102030405060708090a0b0c0d0e0f -macopt size:8 SIPHASH`), whose output bytes
// are the little-endian form of these numbers.
SipHashKey counting_key() {
    SipHashKey k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<std::uint8_t>(i);
    return k;
}

std::string counting_message(std::size_t n) {
    std::string m;
    for (std::size_t i = 0; i < n; ++i)
        m.push_back(static_cast<char>(i));
    return m;
}

TEST(SipHash24, MatchesTheReferenceVectors) {
    const SipHashKey key = counting_key();
    EXPECT_EQ(siphash24(key, counting_message(0)), 0x726fdb47dd0e0e31ULL);
    EXPECT_EQ(siphash24(key, counting_message(8)), 0x93f5f5799a932462ULL);   // one whole word
    EXPECT_EQ(siphash24(key, counting_message(15)), 0xa129ca6149be45e5ULL);  // the paper's
    EXPECT_EQ(siphash24(key, counting_message(63)), 0x958a324ceb064572ULL);  // 7 words + 7
}

TEST(SipHash24, DependsOnEveryKeyByteAndTheLength) {
    const SipHashKey key = counting_key();
    const std::uint64_t base = siphash24(key, "c1@example.com");
    for (std::size_t i = 0; i < key.size(); ++i) {
        SipHashKey other = key;
        other[i] ^= 1;
        EXPECT_NE(siphash24(other, "c1@example.com"), base) << "key byte " << i;
    }
    // A trailing zero byte is not the same message (the length is mixed in).
    EXPECT_NE(siphash24(key, std::string("c1@example.com") + '\0'), base);
}

}  // namespace
}  // namespace happysip::auth
