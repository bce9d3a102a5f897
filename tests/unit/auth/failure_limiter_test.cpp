#include "happysip/auth/failure_limiter.hpp"

#include <gtest/gtest.h>

namespace happysip::auth {
namespace {

using namespace std::chrono_literals;

const Instant k_t0 = Instant{} + 1000s;

FailureLimiterConfig small() {
    FailureLimiterConfig c;
    c.max_failures = 3;
    c.failure_window = 60s;
    c.first_block = 10s;
    c.max_block = 40s;
    c.rate_per_second = 0;
    return c;
}

TEST(FailureLimiter, FailuresUpToTheThresholdDoNotBlock) {
    FailureLimiter l(small());
    for (int i = 0; i < 3; ++i)
        EXPECT_FALSE(l.record_failure("192.0.2.1", k_t0 + 1s * i).blocked);
    EXPECT_EQ(l.admit("192.0.2.1", k_t0 + 3s), Admission::allowed);
}

TEST(FailureLimiter, OneMoreFailureWithinTheWindowBlocks) {
    FailureLimiter l(small());
    for (int i = 0; i < 3; ++i)
        (void)l.record_failure("192.0.2.1", k_t0);
    const auto out = l.record_failure("192.0.2.1", k_t0 + 1s);
    EXPECT_TRUE(out.blocked);
    EXPECT_EQ(out.block_for, 10s);
    EXPECT_EQ(l.admit("192.0.2.1", k_t0 + 2s), Admission::blocked);
    EXPECT_EQ(l.blocked_until("192.0.2.1", k_t0 + 2s), k_t0 + 11s);
    EXPECT_EQ(l.admit("192.0.2.1", k_t0 + 11s), Admission::allowed);
    EXPECT_FALSE(l.blocked_until("192.0.2.1", k_t0 + 11s).has_value());
}

TEST(FailureLimiter, OtherSourcesAreNotAffected) {
    FailureLimiter l(small());
    for (int i = 0; i < 4; ++i)
        (void)l.record_failure("192.0.2.1", k_t0);
    EXPECT_EQ(l.admit("192.0.2.1", k_t0), Admission::blocked);
    EXPECT_EQ(l.admit("2001:db8::/64", k_t0), Admission::allowed);
}

TEST(FailureLimiter, FailuresOutsideTheWindowAreForgotten) {
    FailureLimiter l(small());
    for (int i = 0; i < 3; ++i)
        (void)l.record_failure("192.0.2.1", k_t0);
    EXPECT_FALSE(l.record_failure("192.0.2.1", k_t0 + 61s).blocked);
}

TEST(FailureLimiter, RepeatedBlocksDoubleUpToTheCap) {
    FailureLimiter l(small());
    Instant t = k_t0;
    std::vector<Duration> blocks;
    for (int round = 0; round < 5; ++round) {
        FailureOutcome out;
        for (int i = 0; i < 4; ++i)
            out = l.record_failure("192.0.2.1", t);
        ASSERT_TRUE(out.blocked) << round;
        blocks.push_back(out.block_for);
        t += out.block_for;
    }
    EXPECT_EQ(blocks, (std::vector<Duration>{10s, 20s, 40s, 40s, 40s}));
}

TEST(FailureLimiter, FailuresWhileBlockedDoNotExtendTheBlock) {
    FailureLimiter l(small());
    for (int i = 0; i < 4; ++i)
        (void)l.record_failure("192.0.2.1", k_t0);
    for (int i = 0; i < 10; ++i)
        EXPECT_FALSE(l.record_failure("192.0.2.1", k_t0 + 1s).blocked);
    EXPECT_EQ(l.blocked_until("192.0.2.1", k_t0 + 1s), k_t0 + 10s);
}

TEST(FailureLimiter, SuccessClearsTheFailureCount) {
    FailureLimiter l(small());
    for (int i = 0; i < 3; ++i)
        (void)l.record_failure("192.0.2.1", k_t0);
    l.record_success("192.0.2.1", k_t0 + 1s);
    EXPECT_FALSE(l.record_failure("192.0.2.1", k_t0 + 2s).blocked);
}

TEST(FailureLimiter, BackOffDecaysAfterAQuietStretch) {
    FailureLimiter l(small());
    for (int i = 0; i < 4; ++i)
        (void)l.record_failure("192.0.2.1", k_t0);  // 10 s block
    const Instant later = k_t0 + 10s + 40s;         // quiet for max_block after the block ended
    FailureOutcome out;
    for (int i = 0; i < 4; ++i)
        out = l.record_failure("192.0.2.1", later);
    EXPECT_EQ(out.block_for, 10s);
}

TEST(FailureLimiter, TableIsBoundedLeastRecentlySeenFirst) {
    auto c = small();
    c.capacity = 2;
    FailureLimiter l(c);
    for (int i = 0; i < 4; ++i)
        (void)l.record_failure("a", k_t0);
    (void)l.admit("b", k_t0 + 1s);
    (void)l.admit("a", k_t0 + 2s);  // a is seen again: b is now the oldest
    (void)l.admit("c", k_t0 + 3s);
    EXPECT_EQ(l.size(), 2u);
    EXPECT_EQ(l.admit("a", k_t0 + 4s), Admission::blocked);
}

TEST(FailureLimiter, TokenBucketAllowsABurstThenTheRate) {
    FailureLimiterConfig c;
    c.rate_per_second = 10;
    c.burst = 5;
    FailureLimiter l(c);
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(l.admit("192.0.2.1", k_t0), Admission::allowed) << i;
    EXPECT_EQ(l.admit("192.0.2.1", k_t0), Admission::rate_limited);
    EXPECT_EQ(l.admit("192.0.2.1", k_t0 + 50ms), Admission::rate_limited);  // half a token
    EXPECT_EQ(l.admit("192.0.2.1", k_t0 + 100ms), Admission::allowed);
    EXPECT_EQ(l.admit("192.0.2.1", k_t0 + 100ms), Admission::rate_limited);
    // A long pause refills only up to the burst.
    int allowed = 0;
    for (int i = 0; i < 20; ++i)
        allowed += l.admit("192.0.2.1", k_t0 + 1h) == Admission::allowed;
    EXPECT_EQ(allowed, 5);
}

}  // namespace
}  // namespace happysip::auth
