// UdpFlowTable with a virtual clock: RFC 5626 flows over UDP fail after the idle limit of
// silence (§4.4.2 keep-alives are their only sign of life), come back only when marked
// again (a new registration, §4.2.1), and are forgotten once no binding can use them.
#include "happysip/runtime/udp_flow_table.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace happysip::runtime {
namespace {

using namespace std::chrono_literals;
using State = UdpFlowTable::State;

const UdpFlowTable::Limits k_limits{130s, 24h};
const UdpFlowTable::TimePoint k_t0{1000h};

UdpFlowTable::Key key(std::uint8_t last_byte, std::uint16_t port = 5060, std::uint8_t socket = 0) {
    UdpFlowTable::Key k;
    k.address = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, last_byte};
    k.port = port;
    k.socket = socket;
    k.family = 4;
    return k;
}

struct Failures {
    std::vector<std::pair<UdpFlowTable::Key, UdpFlowTable::Duration>> seen;
    UdpFlowTable::FailedHandler handler() {
        return [this](const UdpFlowTable::Key& k, UdpFlowTable::Duration d) {
            seen.emplace_back(k, d);
        };
    }
};

TEST(UdpFlowTable, UnmarkedFlowIsUntrackedAndTrafficDoesNotTrackIt) {
    UdpFlowTable table;
    table.heard(key(1), k_t0);
    EXPECT_EQ(table.state(key(1)), State::untracked);
    EXPECT_TRUE(table.empty());
    EXPECT_EQ(table.expire(k_t0 + 24h, k_limits), 0u);
}

// A wildcard socket's flow keeps the address the REGISTER was sent to; a new registration
// (to another of our addresses) replaces it; an untracked flow has none.
TEST(UdpFlowTable, AFlowKeepsItsLocalAddressUntilMarkedAgain) {
    UdpFlowTable table;
    UdpFlowTable::LocalAddress first;
    first.address = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 1};
    first.family = 4;
    UdpFlowTable::LocalAddress second = first;
    second.address[15] = 2;
    UdpFlowTable::LocalAddress local;
    EXPECT_EQ(table.state(key(1), local), State::untracked);
    EXPECT_EQ(local.family, 0);

    table.mark(key(1), k_t0, k_limits, first);
    EXPECT_EQ(table.state(key(1), local), State::alive);
    EXPECT_EQ(local, first);
    table.heard(key(1), k_t0 + 10s);
    EXPECT_EQ(table.state(key(1), local), State::alive);
    EXPECT_EQ(local, first);
    table.mark(key(1), k_t0 + 20s, k_limits, second);
    EXPECT_EQ(table.state(key(1), local), State::alive);
    EXPECT_EQ(local, second);
    table.mark(key(1), k_t0 + 30s, k_limits);  // a listener bound to one address: none
    EXPECT_EQ(table.state(key(1), local), State::alive);
    EXPECT_EQ(local.family, 0);
}

TEST(UdpFlowTable, MarkedFlowFailsAfterTheIdleLimitOfSilenceOnce) {
    UdpFlowTable table;
    Failures f;
    table.mark(key(1), k_t0, k_limits);
    EXPECT_EQ(table.state(key(1)), State::alive);
    EXPECT_EQ(table.expire(k_t0 + 129s, k_limits, f.handler()), 0u);
    EXPECT_EQ(table.state(key(1)), State::alive);
    EXPECT_EQ(table.expire(k_t0 + 130s, k_limits, f.handler()), 1u);
    EXPECT_EQ(table.state(key(1)), State::failed);
    ASSERT_EQ(f.seen.size(), 1u);
    EXPECT_EQ(f.seen[0].first, key(1));
    EXPECT_EQ(f.seen[0].second, 130s);
    // Later sweeps report it no more.
    EXPECT_EQ(table.expire(k_t0 + 400s, k_limits, f.handler()), 0u);
    EXPECT_EQ(f.seen.size(), 1u);
}

TEST(UdpFlowTable, AnyDatagramMovesTheDeadline) {
    UdpFlowTable table;
    table.mark(key(1), k_t0, k_limits);
    table.heard(key(1), k_t0 + 100s);  // a STUN keep-alive
    EXPECT_EQ(table.expire(k_t0 + 130s, k_limits), 0u);
    EXPECT_EQ(table.state(key(1)), State::alive);
    EXPECT_EQ(table.expire(k_t0 + 229s, k_limits), 0u);
    EXPECT_EQ(table.expire(k_t0 + 230s, k_limits), 1u);
}

TEST(UdpFlowTable, TheFiveTupleIsTheFlow) {
    UdpFlowTable table;
    table.mark(key(1, 5060, 0), k_t0, k_limits);
    table.heard(key(1, 5062, 0), k_t0 + 100s);  // another port: another flow (a NAT rebind)
    table.heard(key(1, 5060, 1), k_t0 + 100s);  // another of our sockets
    table.heard(key(2, 5060, 0), k_t0 + 100s);  // another host
    EXPECT_EQ(table.expire(k_t0 + 130s, k_limits), 1u);
    EXPECT_EQ(table.state(key(1, 5060, 0)), State::failed);
    EXPECT_EQ(table.state(key(1, 5062, 0)), State::untracked);
    UdpFlowTable::Key v6 = key(1);
    v6.family = 6;  // the same bytes from an IPv6 socket are another peer
    EXPECT_EQ(table.state(v6), State::untracked);
}

TEST(UdpFlowTable, FailedFlowComesBackOnlyWhenMarkedAgain) {
    UdpFlowTable table;
    table.mark(key(1), k_t0, k_limits);
    ASSERT_EQ(table.expire(k_t0 + 130s, k_limits), 1u);
    table.heard(key(1), k_t0 + 140s);  // keep-alives resume without a registration
    EXPECT_EQ(table.state(key(1)), State::failed);
    table.mark(key(1), k_t0 + 150s, k_limits);  // the UA registers again over it
    EXPECT_EQ(table.state(key(1)), State::alive);
    // Watched from then on, on time: failed 130 s after the new registration.
    EXPECT_EQ(table.expire(k_t0 + 279s, k_limits), 0u);
    EXPECT_EQ(table.state(key(1)), State::alive);
    EXPECT_EQ(table.expire(k_t0 + 280s, k_limits), 1u);
    EXPECT_EQ(table.state(key(1)), State::failed);
}

TEST(UdpFlowTable, FailedFlowIsForgottenAfterTheMemoryLimit) {
    UdpFlowTable table;
    table.mark(key(1), k_t0, k_limits);
    ASSERT_EQ(table.expire(k_t0 + 130s, k_limits), 1u);
    EXPECT_EQ(table.expire(k_t0 + 130s + 23h, k_limits), 0u);
    EXPECT_EQ(table.state(key(1)), State::failed);
    EXPECT_EQ(table.expire(k_t0 + 130s + 24h, k_limits), 0u);
    EXPECT_EQ(table.state(key(1)), State::untracked);
    EXPECT_TRUE(table.empty());
}

TEST(UdpFlowTable, ZeroMemoryForgetsAFailedFlowAtOnce) {
    UdpFlowTable table;
    const UdpFlowTable::Limits no_memory{130s, 0s};
    Failures f;
    table.mark(key(1), k_t0, no_memory);
    EXPECT_EQ(table.expire(k_t0 + 130s, no_memory, f.handler()), 1u);
    EXPECT_EQ(f.seen.size(), 1u);
    EXPECT_TRUE(table.empty());
}

// A refresh of a registration marks an alive flow again: one heap entry still, and the
// flow fails once, at its last sign of life plus the limit.
TEST(UdpFlowTable, MarkingAnAliveFlowAgainRefreshesIt) {
    UdpFlowTable table;
    Failures f;
    for (int i = 0; i < 5; ++i)
        table.mark(key(1), k_t0 + std::chrono::seconds(60 * i), k_limits);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.expire(k_t0 + 369s, k_limits, f.handler()), 0u);
    EXPECT_EQ(table.expire(k_t0 + 370s, k_limits, f.handler()), 1u);
    EXPECT_EQ(f.seen.size(), 1u);
}

TEST(UdpFlowTable, ManyFlowsFailInOneSweepEachOnce) {
    UdpFlowTable table;
    Failures f;
    for (int i = 0; i < 200; ++i)
        table.mark(key(static_cast<std::uint8_t>(i)), k_t0 + std::chrono::milliseconds(i),
                   k_limits);
    for (int i = 0; i < 200; i += 2)  // the even ones keep sending
        table.heard(key(static_cast<std::uint8_t>(i)), k_t0 + 60s);
    EXPECT_EQ(table.expire(k_t0 + 131s, k_limits, f.handler()), 100u);
    EXPECT_EQ(table.expire(k_t0 + 190s, k_limits, f.handler()), 100u);
    EXPECT_EQ(table.expire(k_t0 + 400s, k_limits, f.handler()), 0u);
    EXPECT_EQ(f.seen.size(), 200u);
    EXPECT_EQ(table.size(), 200u);  // remembered as failed
}

}  // namespace
}  // namespace happysip::runtime
