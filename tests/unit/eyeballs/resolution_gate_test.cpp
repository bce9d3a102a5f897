#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "happysip/eyeballs/resolution_gate.hpp"

namespace happysip::eyeballs {
namespace {

using std::chrono::milliseconds;

Instant at_ms(int ms) {
    return Instant{} + milliseconds(ms);
}

const Candidate k_v6{Family::ipv6, "2001:db8::1", 5060, Transport::udp, "sip.example.com"};
const Candidate k_v4{Family::ipv4, "192.0.2.1", 5060, Transport::udp, "sip.example.com"};

TEST(ResolutionGate, StartsAtOnceWhenAaaaArrivesFirst) {
    // RFC 8305 §3: a positive AAAA answer starts connection attempts immediately.
    ResolutionGate gate;
    gate.on_aaaa(at_ms(20), {k_v6});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{k_v6}}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

TEST(ResolutionGate, WaitsResolutionDelayForAaaaAfterA) {
    // RFC 8305 §3: after an A answer, wait up to the Resolution Delay (50 ms) for AAAA.
    ResolutionGate gate;
    gate.on_a(at_ms(20), {k_v4});
    EXPECT_TRUE(gate.take_actions().empty());
    EXPECT_EQ(gate.next_deadline(), at_ms(70));
    gate.on_timer(at_ms(69));
    EXPECT_TRUE(gate.take_actions().empty());
    gate.on_timer(at_ms(70));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{k_v4}}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

TEST(ResolutionGate, AaaaWithinResolutionDelayStartsWithBothFamilies) {
    ResolutionGate gate;
    gate.on_a(at_ms(20), {k_v4});
    gate.on_aaaa(at_ms(40), {k_v6});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{k_v6, k_v4}}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

TEST(ResolutionGate, AaaaFailureAfterAStartsAtOnce) {
    // RFC 8305 §3: a negative AAAA answer ends the wait.
    ResolutionGate gate;
    gate.on_a(at_ms(20), {k_v4});
    gate.on_aaaa_failed(at_ms(30));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{k_v4}}}));
}

TEST(ResolutionGate, EmptyAaaaAnswerCountsAsFailure) {
    ResolutionGate gate;
    gate.on_aaaa(at_ms(10), {});
    EXPECT_TRUE(gate.take_actions().empty());
    gate.on_a(at_ms(30), {k_v4});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{k_v4}}}));
}

TEST(ResolutionGate, LateAaaaIsReportedAsNewCandidates) {
    // RFC 8305 §4: addresses arriving after attempts began join the remaining list.
    ResolutionGate gate;
    gate.on_a(at_ms(20), {k_v4});
    gate.on_timer(at_ms(70));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{k_v4}}}));
    gate.on_aaaa(at_ms(90), {k_v6});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{AddCandidates{{k_v6}}}));
}

TEST(ResolutionGate, LateAIsReportedAsNewCandidates) {
    ResolutionGate gate;
    gate.on_aaaa(at_ms(20), {k_v6});
    gate.take_actions();
    gate.on_a(at_ms(25), {k_v4});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{AddCandidates{{k_v4}}}));
}

TEST(ResolutionGate, BothQueriesFailedIsUnresolvable) {
    ResolutionGate gate;
    gate.on_a_failed(at_ms(10));
    EXPECT_TRUE(gate.take_actions().empty());
    gate.on_aaaa_failed(at_ms(15));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{Unresolvable{}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

TEST(ResolutionGate, PreferredIpv4StartsOnAAndWaitsForItAfterAaaa) {
    // A destination whose IPv6 is known broken prefers A: the roles of RFC 8305 §3 swap.
    ResolutionGateConfig config;
    config.preferred = Family::ipv4;
    ResolutionGate gate(config);
    gate.on_aaaa(at_ms(5), {k_v6});
    EXPECT_TRUE(gate.take_actions().empty());
    EXPECT_EQ(gate.next_deadline(), at_ms(55));
    gate.on_a(at_ms(6), {k_v4});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{k_v4, k_v6}}}));
}

}  // namespace
}  // namespace happysip::eyeballs
