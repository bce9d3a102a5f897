#include "happysip/auth/nonce.hpp"

#include <gtest/gtest.h>

namespace happysip::auth {
namespace {

using namespace std::chrono_literals;

const std::string k_secret = "0123456789abcdef0123456789abcdef";
const Instant k_t0 = Instant{} + 1'700'000'000s;

NonceFactory factory() {
    return NonceFactory(k_secret, 5min);
}

TEST(Nonce, FreshNonceVerifiesWithItsIssueTime) {
    const auto f = factory();
    const auto n = f.issue("example.com", k_t0);
    EXPECT_EQ(n.size(), NonceFactory::k_nonce_length);
    const auto c = f.check(n, "example.com", k_t0 + 10s);
    EXPECT_EQ(c.status, NonceStatus::ok);
    EXPECT_EQ(c.issued_at, k_t0);
}

TEST(Nonce, IsDeterministicForTheSameTimeAndDiffersAcrossTimes) {
    const auto f = factory();
    EXPECT_EQ(f.issue("r", k_t0), f.issue("r", k_t0));
    EXPECT_NE(f.issue("r", k_t0), f.issue("r", k_t0 + 1us));
}

TEST(Nonce, OlderThanTheLifetimeIsStale) {
    const auto f = factory();
    const auto n = f.issue("r", k_t0);
    EXPECT_EQ(f.check(n, "r", k_t0 + 5min).status, NonceStatus::ok);
    EXPECT_EQ(f.check(n, "r", k_t0 + 5min + 1us).status, NonceStatus::stale);
}

TEST(Nonce, OtherRealmOrSecretIsInvalid) {
    const auto n = factory().issue("a.example", k_t0);
    EXPECT_EQ(factory().check(n, "b.example", k_t0).status, NonceStatus::invalid);
    NonceFactory other("another secret of enough length", 5min);
    EXPECT_EQ(other.check(n, "a.example", k_t0).status, NonceStatus::invalid);
}

TEST(Nonce, TamperedTimeStampIsInvalid) {
    const auto f = factory();
    auto n = f.issue("r", k_t0 - 1h);
    // Moving the time stamp forward to dodge staleness breaks the MAC.
    const auto newer = f.issue("r", k_t0);
    n.replace(0, 16, newer.substr(0, 16));
    EXPECT_EQ(f.check(n, "r", k_t0).status, NonceStatus::invalid);
}

TEST(Nonce, MalformedIsInvalid) {
    const auto f = factory();
    auto n = f.issue("r", k_t0);
    EXPECT_EQ(f.check("", "r", k_t0).status, NonceStatus::invalid);
    EXPECT_EQ(f.check(n.substr(1), "r", k_t0).status, NonceStatus::invalid);
    n[3] = 'X';
    EXPECT_EQ(f.check(n, "r", k_t0).status, NonceStatus::invalid);
}

TEST(Nonce, FromTheFutureBeyondTheSkewIsInvalid) {
    const auto f = factory();
    EXPECT_EQ(f.check(f.issue("r", k_t0 + 1s), "r", k_t0).status, NonceStatus::ok);
    EXPECT_EQ(f.check(f.issue("r", k_t0 + 1min), "r", k_t0).status, NonceStatus::invalid);
}

TEST(Nonce, ShortSecretMakesTheFactoryInvalidAndRefusesEverything) {
    NonceFactory weak("short", 5min);
    EXPECT_FALSE(weak.valid());
    EXPECT_EQ(weak.check(weak.issue("r", k_t0), "r", k_t0).status, NonceStatus::invalid);
}

}  // namespace
}  // namespace happysip::auth
