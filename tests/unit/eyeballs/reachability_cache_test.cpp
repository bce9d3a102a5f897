#include <gtest/gtest.h>

#include <chrono>

#include "happysip/eyeballs/reachability_cache.hpp"

namespace happysip::eyeballs {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const Instant t0 = Instant{} + seconds(1000);
constexpr const char* k_key = "udp:example.com:5060";

TEST(ReachabilityCache, UnknownDestinationHasNoOpinion) {
    ReachabilityCache cache;
    EXPECT_EQ(cache.state(k_key, Family::ipv6, t0), Reachability::unknown);
    EXPECT_EQ(cache.preferred_family(k_key, t0), std::nullopt);
    EXPECT_FALSE(cache.should_skip(k_key, Family::ipv6, t0));
}

TEST(ReachabilityCache, SkipsKnownBrokenFamily) {
    ReachabilityCache cache;
    cache.record_failure(k_key, Family::ipv6, t0);
    cache.record_success(k_key, Family::ipv4, t0);
    EXPECT_TRUE(cache.should_skip(k_key, Family::ipv6, t0));
    EXPECT_FALSE(cache.should_skip(k_key, Family::ipv4, t0));
    EXPECT_EQ(cache.preferred_family(k_key, t0), Family::ipv4);
    // Other destinations are unaffected.
    EXPECT_FALSE(cache.should_skip("udp:other.example:5060", Family::ipv6, t0));
}

TEST(ReachabilityCache, KnownGoodFamilyIsPreferred) {
    ReachabilityCache cache;
    cache.record_success(k_key, Family::ipv4, t0);
    EXPECT_EQ(cache.preferred_family(k_key, t0), Family::ipv4);
    EXPECT_FALSE(cache.should_skip(k_key, Family::ipv6, t0));
}

TEST(ReachabilityCache, BothFamiliesBrokenSkipsNeither) {
    ReachabilityCache cache;
    cache.record_failure(k_key, Family::ipv6, t0);
    cache.record_failure(k_key, Family::ipv4, t0);
    EXPECT_FALSE(cache.should_skip(k_key, Family::ipv6, t0));
    EXPECT_FALSE(cache.should_skip(k_key, Family::ipv4, t0));
    EXPECT_EQ(cache.preferred_family(k_key, t0), std::nullopt);
}

TEST(ReachabilityCache, EntriesExpire) {
    // Defaults: a success is trusted for 10 min, a failure for 60 s.
    ReachabilityCache cache;
    cache.record_failure(k_key, Family::ipv6, t0);
    cache.record_success(k_key, Family::ipv4, t0);
    EXPECT_EQ(cache.state(k_key, Family::ipv6, t0 + seconds(60) - milliseconds(1)),
              Reachability::broken);
    EXPECT_EQ(cache.state(k_key, Family::ipv6, t0 + seconds(60)), Reachability::unknown);
    EXPECT_EQ(cache.state(k_key, Family::ipv4, t0 + minutes(10) - milliseconds(1)),
              Reachability::good);
    EXPECT_EQ(cache.state(k_key, Family::ipv4, t0 + minutes(10)), Reachability::unknown);
    cache.expire(t0 + seconds(60));
    EXPECT_EQ(cache.size(), 1u);
    cache.expire(t0 + minutes(10));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(ReachabilityCache, LifetimesAreConfigurable) {
    ReachabilityCache cache({.success_ttl = seconds(5), .failure_ttl = seconds(2)});
    cache.record_failure(k_key, Family::ipv6, t0);
    cache.record_success(k_key, Family::ipv4, t0);
    EXPECT_EQ(cache.state(k_key, Family::ipv6, t0 + seconds(2)), Reachability::unknown);
    EXPECT_EQ(cache.state(k_key, Family::ipv4, t0 + seconds(4)), Reachability::good);
    EXPECT_EQ(cache.state(k_key, Family::ipv4, t0 + seconds(5)), Reachability::unknown);
}

TEST(ReachabilityCache, NewestRecordWins) {
    ReachabilityCache cache;
    cache.record_failure(k_key, Family::ipv6, t0);
    cache.record_success(k_key, Family::ipv6, t0 + seconds(1));
    EXPECT_EQ(cache.state(k_key, Family::ipv6, t0 + seconds(1)), Reachability::good);
}

}  // namespace
}  // namespace happysip::eyeballs
