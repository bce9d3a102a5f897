#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/resolve/srv_order.hpp"

namespace happysip::resolve {
namespace {

// A deterministic "random" source returning the given values in turn; fails past the end.
RandomSource sequence(std::vector<std::uint32_t> values) {
    return [values = std::move(values), i = std::size_t{0}]() mutable -> std::uint32_t {
        EXPECT_LT(i, values.size()) << "more draws than expected";
        return i < values.size() ? values[i++] : 0;
    };
}

SrvRecord srv(std::uint16_t priority, std::uint16_t weight, std::string target) {
    return {priority, weight, 5060, std::move(target), 60};
}

std::vector<std::string> targets(const std::vector<SrvRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records)
        out.push_back(r.target);
    return out;
}

TEST(SrvOrder, LowerPriorityFirst) {
    // RFC 2782: a client MUST attempt the lowest-numbered priority it can reach first.
    const std::vector<SrvRecord> records = {srv(20, 0, "c"), srv(10, 0, "a"), srv(15, 0, "b")};
    EXPECT_EQ(targets(order_srv(records, sequence({}))), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SrvOrder, WeightedSelectionFollowsRfc2782) {
    // Same priority: weight-0 "z" first, then "a" (10) and "b" (20): running sums 0, 10, 30.
    // Draw 15 % 31 = 15 -> "b" (30 >= 15). Left "z", "a": sums 0, 10; draw 7 % 11 = 7 ->
    // "a". "z" is last, without a draw.
    const std::vector<SrvRecord> records = {srv(1, 10, "a"), srv(1, 20, "b"), srv(1, 0, "z")};
    EXPECT_EQ(targets(order_srv(records, sequence({15, 7}))),
              (std::vector<std::string>{"b", "a", "z"}));
}

TEST(SrvOrder, RandomNumberIsReducedIntoZeroToSumInclusive) {
    // Sum 30: 61 % 31 = 30 picks "b", the record whose running sum equals the sum.
    const std::vector<SrvRecord> records = {srv(1, 10, "a"), srv(1, 20, "b")};
    EXPECT_EQ(targets(order_srv(records, sequence({61}))), (std::vector<std::string>{"b", "a"}));
}

TEST(SrvOrder, ZeroWeightRecordsCanStillBeChosen) {
    // RFC 2782: weight-0 records go first in the list, so a draw of 0 selects one.
    const std::vector<SrvRecord> records = {srv(1, 50, "heavy"), srv(1, 0, "zero")};
    EXPECT_EQ(targets(order_srv(records, sequence({0}))),
              (std::vector<std::string>{"zero", "heavy"}));
}

TEST(SrvOrder, WeightsApplyOnlyWithinAPriority) {
    const std::vector<SrvRecord> records = {srv(2, 100, "p2"), srv(1, 0, "p1a"), srv(1, 10, "p1b")};
    // Priority 1: sums 0, 10; draw 10 -> "p1b". Priority 2 alone: no draw.
    EXPECT_EQ(targets(order_srv(records, sequence({10}))),
              (std::vector<std::string>{"p1b", "p1a", "p2"}));
}

TEST(SrvOrder, DotTargetMeansUnavailable) {
    // RFC 2782: a Target of "." means the service is decidedly not available.
    const std::vector<SrvRecord> records = {srv(0, 0, ".")};
    EXPECT_TRUE(order_srv(records, sequence({})).empty());
}

TEST(SrvOrder, LargeWeightsDoNotOverflow) {
    std::vector<SrvRecord> records;
    for (int i = 0; i < 3; ++i)
        records.push_back(srv(1, 65535, "t" + std::to_string(i)));
    // Sum 196605; 0xFFFFFFFF % 196606 = 109225: running sums 65535, 131070 -> "t1".
    EXPECT_EQ(targets(order_srv(records, sequence({0xFFFFFFFFu, 0}))),
              (std::vector<std::string>{"t1", "t0", "t2"}));
}

}  // namespace
}  // namespace happysip::resolve
