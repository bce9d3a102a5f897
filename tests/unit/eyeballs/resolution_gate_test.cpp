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

const Candidate kV6{Family::ipv6, "2001:db8::1", 5060, Transport::udp, "sip.example.com"};
const Candidate kV4{Family::ipv4, "192.0.2.1", 5060, Transport::udp, "sip.example.com"};

TEST(ResolutionGate, StartsAtOnceWhenAaaaArrivesFirst) {
    // RFC 8305 §3: a positive AAAA answer starts connection attempts immediately.
    ResolutionGate gate;
    gate.on_aaaa(at_ms(20), {kV6});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{kV6}}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

TEST(ResolutionGate, WaitsResolutionDelayForAaaaAfterA) {
    // RFC 8305 §3: after an A answer, wait up to the Resolution Delay (50 ms) for AAAA.
    ResolutionGate gate;
    gate.on_a(at_ms(20), {kV4});
    EXPECT_TRUE(gate.take_actions().empty());
    EXPECT_EQ(gate.next_deadline(), at_ms(70));
    gate.on_timer(at_ms(69));
    EXPECT_TRUE(gate.take_actions().empty());
    gate.on_timer(at_ms(70));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{kV4}}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

TEST(ResolutionGate, AaaaWithinResolutionDelayStartsWithBothFamilies) {
    ResolutionGate gate;
    gate.on_a(at_ms(20), {kV4});
    gate.on_aaaa(at_ms(40), {kV6});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{kV6, kV4}}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

TEST(ResolutionGate, AaaaFailureAfterAStartsAtOnce) {
    // RFC 8305 §3: a negative AAAA answer ends the wait.
    ResolutionGate gate;
    gate.on_a(at_ms(20), {kV4});
    gate.on_aaaa_failed(at_ms(30));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{kV4}}}));
}

TEST(ResolutionGate, EmptyAaaaAnswerCountsAsFailure) {
    ResolutionGate gate;
    gate.on_aaaa(at_ms(10), {});
    EXPECT_TRUE(gate.take_actions().empty());
    gate.on_a(at_ms(30), {kV4});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{kV4}}}));
}

TEST(ResolutionGate, LateAaaaIsReportedAsNewCandidates) {
    // RFC 8305 §4: addresses arriving after attempts began join the remaining list.
    ResolutionGate gate;
    gate.on_a(at_ms(20), {kV4});
    gate.on_timer(at_ms(70));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{StartRace{{kV4}}}));
    gate.on_aaaa(at_ms(90), {kV6});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{AddCandidates{{kV6}}}));
}

TEST(ResolutionGate, LateAIsReportedAsNewCandidates) {
    ResolutionGate gate;
    gate.on_aaaa(at_ms(20), {kV6});
    gate.take_actions();
    gate.on_a(at_ms(25), {kV4});
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{AddCandidates{{kV4}}}));
}

TEST(ResolutionGate, BothQueriesFailedIsUnresolvable) {
    ResolutionGate gate;
    gate.on_a_failed(at_ms(10));
    EXPECT_TRUE(gate.take_actions().empty());
    gate.on_aaaa_failed(at_ms(15));
    EXPECT_EQ(gate.take_actions(), (std::vector<GateAction>{Unresolvable{}}));
    EXPECT_EQ(gate.next_deadline(), std::nullopt);
}

}  // namespace
}  // namespace happysip::eyeballs
