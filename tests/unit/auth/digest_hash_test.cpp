#include "happysip/auth/digest_hash.hpp"
#include "happysip/auth/hmac_key.hpp"

#include <gtest/gtest.h>

#include "happysip/auth/ha1.hpp"

namespace happysip::auth {
namespace {

TEST(DigestHash, Md5OfEmptyIsTheRfc1321Value) {
    EXPECT_EQ(digest_hex(DigestHash::md5, ""), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(DigestHash, Sha256OfAbcIsTheFips180Value) {
    EXPECT_EQ(digest_hex(DigestHash::sha256, "abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestHash, Sha512_256OfAbcIsTheFips180Value) {
    EXPECT_EQ(digest_hex(DigestHash::sha512_256, "abc"),
              "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

TEST(DigestHash, HexLengthMatchesWhatTheParserExpects) {
    using sip::DigestAlgorithm;
    for (auto a : {DigestAlgorithm::md5, DigestAlgorithm::sha256, DigestAlgorithm::sha512_256}) {
        const auto h = digest_hash_of(a);
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(digest_hex(*h, "x").size(), sip::digest_hex_length(a));
    }
    EXPECT_FALSE(digest_hash_of(DigestAlgorithm::unknown).has_value());
    EXPECT_EQ(digest_hash_of(DigestAlgorithm::sha256_sess), DigestHash::sha256);
}

TEST(DigestHash, HmacSha256MatchesRfc4231TestCase2) {
    EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(DigestHash, KeyedHmacMatchesRfc4231AndStaysKeyedAcrossCalls) {
    const HmacSha256Key key("Jefe");
    for (int i = 0; i < 3; ++i)  // the key survives every re-initialisation
        EXPECT_EQ(to_hex(key.mac("what do ya want for nothing?")),
                  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(key.mac("other data"), hmac_sha256("Jefe", "other data"));
}

TEST(DigestHash, ConstantTimeEqualComparesContentAndLength) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

// RFC 7616 §3.9.1: HA1 of Mufasa / http-auth@example.org / "Circle of Life".
TEST(Ha1, MatchesTheRfc7616ExampleForMd5AndSha256) {
    const auto set = compute_ha1_set("Mufasa", "http-auth@example.org", "Circle of Life");
    EXPECT_EQ(set.md5, "3d78807defe7de2157e2b0b6573a855f");
    EXPECT_EQ(set.sha256, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
    EXPECT_EQ(set.sha512_256.size(), 64u);
    EXPECT_EQ(&set.for_hash(DigestHash::sha256), &set.sha256);
}

TEST(Ha1, DependsOnRealmAndUser) {
    EXPECT_NE(compute_ha1(DigestHash::sha256, "alice", "a.example", "correct horse"),
              compute_ha1(DigestHash::sha256, "alice", "b.example", "correct horse"));
    EXPECT_NE(compute_ha1(DigestHash::sha256, "alice", "a.example", "correct horse"),
              compute_ha1(DigestHash::sha256, "bob", "a.example", "correct horse"));
}

}  // namespace
}  // namespace happysip::auth
