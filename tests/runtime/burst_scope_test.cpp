#include "happysip/runtime/burst_scope.hpp"

#include <gtest/gtest.h>

#include <string>

namespace happysip::runtime {
namespace {

TEST(BurstScope, DeferFailsWithoutAnOpenBurst) {
    EXPECT_FALSE(BurstScope::open());
    bool ran = false;
    EXPECT_FALSE(BurstScope::defer([&] { ran = true; }));
    EXPECT_FALSE(ran);
}

// What is deferred runs when the burst ends, in order, and so does what that defers (the
// group commit queues a response, whose send flush is deferred in turn).
TEST(BurstScope, RunsDeferredWorkInOrderWhenTheBurstEnds) {
    std::string trace;
    {
        BurstScope scope;
        EXPECT_TRUE(BurstScope::open());
        EXPECT_TRUE(BurstScope::defer([&] {
            trace += "commit;";
            EXPECT_TRUE(BurstScope::defer([&] { trace += "flush;"; }));
        }));
        EXPECT_TRUE(BurstScope::defer([&] { trace += "second;"; }));
        trace += "delivered;";
    }
    EXPECT_EQ(trace, "delivered;commit;second;flush;");
    EXPECT_FALSE(BurstScope::open());
}

TEST(BurstScope, AnInnerScopeRunsItsOwnWorkAndReopensTheOuter) {
    std::string trace;
    {
        BurstScope outer;
        {
            BurstScope inner;
            BurstScope::defer([&] { trace += "inner;"; });
        }
        EXPECT_EQ(trace, "inner;");
        EXPECT_TRUE(BurstScope::defer([&] { trace += "outer;"; }));
    }
    EXPECT_EQ(trace, "inner;outer;");
}

}  // namespace
}  // namespace happysip::runtime
