#include "happysip/auth/replay_guard.hpp"

#include <gtest/gtest.h>

namespace happysip::auth {
namespace {

using namespace std::chrono_literals;

const Instant k_t0 = Instant{} + 1000s;

TEST(ReplayGuard, IncreasingNonceCountsAreFresh) {
    ReplayGuard g(5min);
    EXPECT_EQ(g.check("n1", k_t0, 1, k_t0), ReplayStatus::fresh);
    EXPECT_EQ(g.check("n1", k_t0, 2, k_t0 + 1s), ReplayStatus::fresh);
    EXPECT_EQ(g.check("n1", k_t0, 7, k_t0 + 2s), ReplayStatus::fresh);  // gaps are fine
}

TEST(ReplayGuard, RepeatedOrSmallerCountIsAReplay) {
    ReplayGuard g(5min);
    ASSERT_EQ(g.check("n1", k_t0, 3, k_t0), ReplayStatus::fresh);
    EXPECT_EQ(g.check("n1", k_t0, 3, k_t0), ReplayStatus::replayed);
    EXPECT_EQ(g.check("n1", k_t0, 2, k_t0), ReplayStatus::replayed);
    EXPECT_EQ(g.check("n1", k_t0, 4, k_t0), ReplayStatus::fresh);
}

TEST(ReplayGuard, NoncesAreTrackedIndependently) {
    ReplayGuard g(5min);
    ASSERT_EQ(g.check("n1", k_t0, 1, k_t0), ReplayStatus::fresh);
    EXPECT_EQ(g.check("n2", k_t0, 1, k_t0), ReplayStatus::fresh);
    EXPECT_EQ(g.size(), 2u);
}

TEST(ReplayGuard, CountZeroIsNeverFresh) {
    ReplayGuard g(5min);
    EXPECT_EQ(g.check("n1", k_t0, 0, k_t0), ReplayStatus::replayed);
}

TEST(ReplayGuard, MemoryIsBoundedAndEvictedNoncesAreNotReopened) {
    ReplayGuard g(5min, 2);
    ASSERT_EQ(g.check("old", k_t0, 1, k_t0), ReplayStatus::fresh);
    ASSERT_EQ(g.check("mid", k_t0 + 1s, 1, k_t0 + 1s), ReplayStatus::fresh);
    ASSERT_EQ(g.check("new", k_t0 + 2s, 1, k_t0 + 2s), ReplayStatus::fresh);  // evicts "old"
    EXPECT_EQ(g.size(), 2u);
    // "old" could be replayed with nc=1 if it were simply forgotten: it is refused instead.
    EXPECT_EQ(g.check("old", k_t0, 1, k_t0 + 3s), ReplayStatus::forgotten);
    EXPECT_EQ(g.check("old", k_t0, 2, k_t0 + 3s), ReplayStatus::forgotten);
    // Tracked ones go on as before; a nonce issued after the eviction is welcome.
    EXPECT_EQ(g.check("mid", k_t0 + 1s, 2, k_t0 + 3s), ReplayStatus::fresh);
    EXPECT_EQ(g.check("newer", k_t0 + 3s, 1, k_t0 + 3s), ReplayStatus::fresh);
    EXPECT_EQ(g.size(), 2u);
}

TEST(ReplayGuard, EntriesOlderThanTheLifetimeArePurged) {
    ReplayGuard g(5min);
    ASSERT_EQ(g.check("n1", k_t0, 1, k_t0), ReplayStatus::fresh);
    ASSERT_EQ(g.check("n2", k_t0 + 4min, 1, k_t0 + 4min), ReplayStatus::fresh);
    EXPECT_EQ(g.check("n3", k_t0 + 6min, 1, k_t0 + 6min), ReplayStatus::fresh);
    EXPECT_EQ(g.size(), 2u);  // n1 expired: its nonce is stale anyway
}

}  // namespace
}  // namespace happysip::auth
