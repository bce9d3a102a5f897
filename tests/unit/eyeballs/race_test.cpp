#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "happysip/eyeballs/race.hpp"

namespace happysip::eyeballs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant t0 = Instant{} + seconds(100);
Instant at_ms(int ms) {
    return t0 + milliseconds(ms);
}

Candidate v6(std::string address) {
    return {Family::ipv6, std::move(address), 5060, Transport::udp, "sip.example.com"};
}
Candidate v4(std::string address) {
    return {Family::ipv4, std::move(address), 5060, Transport::udp, "sip.example.com"};
}

// An action and when it was emitted, in milliseconds since t0.
struct Timed {
    long long ms;
    Action action;
    friend bool operator==(const Timed&, const Timed&) = default;
};
[[maybe_unused]] void PrintTo(const Timed& t, std::ostream* os) {
    *os << "{" << t.ms << " ms, " << to_string(t.action) << "}";
}

// How the network treats an attempt to one address.
struct Outcome {
    enum Kind { answers, fails, silent } kind = silent;
    milliseconds after{0};
};
Outcome answers_after(int ms) {
    return {Outcome::answers, milliseconds(ms)};
}
Outcome fails_after(int ms) {
    return {Outcome::fails, milliseconds(ms)};
}

// Drives a race on the virtual clock against a scripted network: every StartAttempt
// schedules that address's outcome, every CancelAttempt withdraws it, and on_timer is
// called exactly at next_deadline(). Returns every action with the time it was emitted.
std::vector<Timed> run(Race& race, const std::map<std::string, Outcome>& network,
                       Instant start = t0) {
    std::vector<Timed> log;
    std::map<std::pair<Instant, std::size_t>, Outcome::Kind> events;
    auto drain = [&](Instant now) {
        for (Action& a : race.take_actions()) {
            if (auto* s = std::get_if<StartAttempt>(&a)) {
                auto it = network.find(race.candidates()[s->index].address);
                if (it != network.end() && it->second.kind != Outcome::silent) {
                    events[{now + it->second.after, s->index}] = it->second.kind;
                }
            } else if (auto* c = std::get_if<CancelAttempt>(&a)) {
                std::erase_if(events, [&](const auto& e) { return e.first.second == c->index; });
            }
            const auto ms = std::chrono::duration_cast<milliseconds>(now - start).count();
            log.push_back({static_cast<long long>(ms), std::move(a)});
        }
    };
    race.start(start);
    drain(start);
    for (int step = 0; step < 1000; ++step) {
        const auto deadline = race.next_deadline();
        if (events.empty() && !deadline) break;
        if (!events.empty() && (!deadline || events.begin()->first.first <= *deadline)) {
            auto [key, kind] = *events.begin();
            events.erase(events.begin());
            if (kind == Outcome::answers) {
                race.on_attempt_succeeded(key.second, key.first);
            } else {
                race.on_attempt_failed(key.second, key.first);
            }
            drain(key.first);
        } else {
            race.on_timer(*deadline);
            drain(*deadline);
        }
    }
    return log;
}

const std::vector<Candidate> k_dual_stack = {v6("2001:db8::1"), v4("192.0.2.1")};

TEST(Race, StartsFirstCandidateAtOnce) {
    Race race({}, k_dual_stack);
    race.start(t0);
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{0}}));
}

TEST(Race, StartsSecondFamilyAfterAttemptDelay) {
    // RFC 8305 §5: the next attempt starts one Connection Attempt Delay (250 ms) later.
    Race race({}, k_dual_stack);
    race.start(t0);
    race.take_actions();
    EXPECT_EQ(race.next_deadline(), at_ms(250));
    race.on_timer(at_ms(249));
    EXPECT_TRUE(race.take_actions().empty());
    race.on_timer(at_ms(250));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{1}}));
    EXPECT_EQ(race.next_deadline(), at_ms(32000));  // only the overall timeout is left
}

TEST(Race, InterleavesFamiliesInAttemptOrder) {
    Race race({}, {v6("2001:db8::1"), v6("2001:db8::2"), v4("192.0.2.1")});
    EXPECT_EQ(run(race, {}), (std::vector<Timed>{{0, StartAttempt{0}},
                                                 {250, StartAttempt{2}},
                                                 {500, StartAttempt{1}},
                                                 {32000, CancelAttempt{0}},
                                                 {32000, CancelAttempt{1}},
                                                 {32000, CancelAttempt{2}},
                                                 {32000, Exhausted{}}}));
}

TEST(Race, FailureStartsNextCandidateImmediately) {
    // RFC 8305 §5: on a failure (refused, ICMP unreachable) the next attempt need not wait.
    Race race({}, k_dual_stack);
    EXPECT_EQ(run(race, {{"2001:db8::1", fails_after(30)}, {"192.0.2.1", answers_after(20)}}),
              (std::vector<Timed>{{0, StartAttempt{0}}, {30, StartAttempt{1}}, {50, Winner{1}}}));
}

TEST(Race, FirstSuccessWinsAndCancelsOthers) {
    Race race({}, {v6("2001:db8::1"), v4("192.0.2.1"), v6("2001:db8::2")});
    EXPECT_EQ(run(race, {{"2001:db8::2", answers_after(10)}}),
              (std::vector<Timed>{{0, StartAttempt{0}},
                                  {250, StartAttempt{1}},
                                  {500, StartAttempt{2}},
                                  {510, Winner{2}},
                                  {510, CancelAttempt{0}},
                                  {510, CancelAttempt{1}}}));
    EXPECT_EQ(race.winner(), 2u);
}

TEST(Race, NoStartAfterWinner) {
    Race race({}, {v6("2001:db8::1"), v4("192.0.2.1"), v6("2001:db8::2")});
    race.start(t0);
    race.take_actions();
    race.on_attempt_succeeded(0, at_ms(10));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{Winner{0}}));
    EXPECT_TRUE(race.finished());
    EXPECT_EQ(race.next_deadline(), std::nullopt);
    race.on_timer(at_ms(250));
    race.on_timer(at_ms(40000));
    race.on_attempt_failed(0, at_ms(300));
    race.add_candidates({v4("192.0.2.2")}, at_ms(300));
    EXPECT_TRUE(race.take_actions().empty());
}

TEST(Race, ExactlyOneWinnerEvenWhenTwoAttemptsSucceed) {
    Race race({}, k_dual_stack);
    race.start(t0);
    race.on_timer(at_ms(250));
    race.take_actions();
    race.on_attempt_succeeded(1, at_ms(260));
    race.on_attempt_succeeded(0, at_ms(261));  // late: the caller absorbs it
    race.on_attempt_succeeded(7, at_ms(262));  // unknown index
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{Winner{1}, CancelAttempt{0}}));
}

TEST(Race, ExhaustedWhenAllFail) {
    Race race({}, k_dual_stack);
    EXPECT_EQ(run(race, {{"2001:db8::1", fails_after(5)}, {"192.0.2.1", fails_after(5)}}),
              (std::vector<Timed>{{0, StartAttempt{0}}, {5, StartAttempt{1}}, {10, Exhausted{}}}));
    EXPECT_EQ(race.winner(), std::nullopt);
}

TEST(Race, TimeoutYieldsExhausted) {
    // Nothing answers: at the overall timeout (32 s = 64*T1) the race gives up.
    Race race({}, k_dual_stack);
    EXPECT_EQ(run(race, {}), (std::vector<Timed>{{0, StartAttempt{0}},
                                                 {250, StartAttempt{1}},
                                                 {32000, CancelAttempt{0}},
                                                 {32000, CancelAttempt{1}},
                                                 {32000, Exhausted{}}}));
}

TEST(Race, EmptyCandidateListIsExhaustedAtStart) {
    Race race({}, {});
    race.start(t0);
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{Exhausted{}}));
    EXPECT_EQ(race.next_deadline(), std::nullopt);
}

TEST(Race, AttemptDelayIsClamped) {
    // RFC 8305 §5: at least 10 ms; at most 2 s.
    EXPECT_EQ(Race({.attempt_delay = milliseconds(1)}, {}).attempt_delay(), milliseconds(10));
    EXPECT_EQ(Race({.attempt_delay = seconds(5)}, {}).attempt_delay(), seconds(2));
    EXPECT_EQ(Race({.attempt_delay = milliseconds(100)}, {}).attempt_delay(), milliseconds(100));
    Race race({.attempt_delay = milliseconds(0)}, k_dual_stack);
    race.start(t0);
    EXPECT_EQ(race.next_deadline(), at_ms(10));
}

TEST(Race, LateAaaaCandidatesJoinTheRace) {
    // The gate started the race with A only (after the Resolution Delay); AAAA arrives later
    // and its address is attempted next, before the remaining IPv4 address.
    Race race({}, {v4("192.0.2.1"), v4("192.0.2.2")});
    race.start(at_ms(50));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{0}}));
    race.add_candidates({v6("2001:db8::1")}, at_ms(80));
    EXPECT_TRUE(race.take_actions().empty());
    ASSERT_EQ(race.candidates().size(), 3u);
    EXPECT_EQ(race.candidates()[2].address, "2001:db8::1");
    EXPECT_EQ(race.next_deadline(), at_ms(300));
    race.on_timer(at_ms(300));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{2}}));
    race.on_timer(at_ms(550));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{1}}));
}

TEST(Race, WaitsForOutstandingAnswersBeforeExhausting) {
    // The only IPv4 address is refused while AAAA is still outstanding: not Exhausted yet;
    // the late IPv6 address starts at once because the previous attempt failed.
    Race race({}, {v4("192.0.2.1")});
    race.expect_more_candidates(true, at_ms(50));
    race.start(at_ms(50));
    race.on_attempt_failed(0, at_ms(55));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{0}}));
    EXPECT_EQ(race.next_deadline(), at_ms(32050));
    race.add_candidates({v6("2001:db8::1")}, at_ms(80));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{1}}));
    race.on_attempt_failed(1, at_ms(90));
    EXPECT_TRUE(race.take_actions().empty());
    race.expect_more_candidates(false, at_ms(95));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{Exhausted{}}));
}

TEST(Race, LateCandidateStartsAtOnceWhenTheDelayHasPassed) {
    Race race({}, {v4("192.0.2.1")});
    race.start(t0);
    race.take_actions();
    race.add_candidates({v6("2001:db8::1")}, at_ms(400));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{1}}));
    EXPECT_EQ(race.next_deadline(), at_ms(32000));
}

TEST(Race, Ipv6BlackholedFirstRequestWinsOnIpv4AfterOneAttemptDelay) {
    // IPv6 packets vanish; IPv4 answers after one RTT (40 ms). The first request pays one
    // Connection Attempt Delay: the winner is known at 250 + 40 ms.
    ReachabilityCache cache;
    Race race({}, k_dual_stack, &cache, "udp:sip.example.com:5060");
    EXPECT_EQ(run(race, {{"192.0.2.1", answers_after(40)}}),
              (std::vector<Timed>{{0, StartAttempt{0}},
                                  {250, StartAttempt{1}},
                                  {290, Winner{1}},
                                  {290, CancelAttempt{0}}}));
    EXPECT_EQ(cache.state("udp:sip.example.com:5060", Family::ipv4, at_ms(290)),
              Reachability::good);
    EXPECT_EQ(cache.state("udp:sip.example.com:5060", Family::ipv6, at_ms(290)),
              Reachability::broken);
}

TEST(Race, LaterRequestGoesStraightToWorkingFamily) {
    // With what the first race learnt, the next request starts IPv4 at t=0 and wins after
    // one RTT: RTT + 0 ms instead of RTT + 250 ms.
    ReachabilityCache cache;
    Race first({}, k_dual_stack, &cache, "udp:sip.example.com:5060");
    run(first, {{"192.0.2.1", answers_after(40)}});

    Race second({}, k_dual_stack, &cache, "udp:sip.example.com:5060");
    EXPECT_EQ(run(second, {{"192.0.2.1", answers_after(40)}}, at_ms(1000)),
              (std::vector<Timed>{{0, StartAttempt{1}}, {40, Winner{1}}}));
}

TEST(Race, KnownBrokenFamilyIsTriedLastNotNever) {
    ReachabilityCache cache;
    cache.record_failure("k", Family::ipv6, t0);
    cache.record_success("k", Family::ipv4, t0);
    Race race({}, {v6("2001:db8::1"), v4("192.0.2.1"), v4("192.0.2.2")}, &cache, "k");
    EXPECT_EQ(
        run(race, {{"192.0.2.1", fails_after(5)},
                   {"192.0.2.2", fails_after(5)},
                   {"2001:db8::1", answers_after(30)}}),
        (std::vector<Timed>{
            {0, StartAttempt{1}}, {5, StartAttempt{2}}, {10, StartAttempt{0}}, {40, Winner{0}}}));
    EXPECT_EQ(cache.state("k", Family::ipv6, at_ms(40)), Reachability::good);
    EXPECT_EQ(cache.state("k", Family::ipv4, at_ms(40)), Reachability::broken);
}

TEST(Race, KnownGoodFamilyGoesFirst) {
    ReachabilityCache cache;
    cache.record_success("k", Family::ipv4, t0);
    Race race({}, {v6("2001:db8::1"), v6("2001:db8::2"), v4("192.0.2.1")}, &cache, "k");
    race.start(t0);
    race.on_timer(at_ms(250));
    EXPECT_EQ(race.take_actions(), (std::vector<Action>{StartAttempt{2}, StartAttempt{0}}));
}

TEST(Race, FamilyThatWonIsNotRecordedBrokenForAnEarlierFailure) {
    ReachabilityCache cache;
    Race race({}, {v6("2001:db8::1"), v6("2001:db8::2")}, &cache, "k");
    run(race, {{"2001:db8::1", fails_after(5)}, {"2001:db8::2", answers_after(20)}});
    EXPECT_EQ(race.winner(), 1u);
    EXPECT_EQ(cache.state("k", Family::ipv6, at_ms(25)), Reachability::good);
}

TEST(Race, AllFailedRecordsBothFamiliesBroken) {
    ReachabilityCache cache;
    Race race({}, k_dual_stack, &cache, "k");
    run(race, {{"2001:db8::1", fails_after(5)}, {"192.0.2.1", fails_after(5)}});
    EXPECT_EQ(cache.state("k", Family::ipv6, at_ms(10)), Reachability::broken);
    EXPECT_EQ(cache.state("k", Family::ipv4, at_ms(10)), Reachability::broken);
}

TEST(Race, SequentialModeWaitsForFailureBeforeTheNextAttempt) {
    // --no-happy-eyeballs: the RFC 3263 behaviour; IPv4 only after IPv6 has failed.
    RaceConfig config;
    config.sequential = true;
    Race race(config, k_dual_stack);
    EXPECT_EQ(
        run(race, {{"2001:db8::1", fails_after(5000)}, {"192.0.2.1", answers_after(20)}}),
        (std::vector<Timed>{{0, StartAttempt{0}}, {5000, StartAttempt{1}}, {5020, Winner{1}}}));
}

TEST(Race, SequentialModeSilentFirstCandidateRunsIntoTheTimeout) {
    RaceConfig config;
    config.sequential = true;
    Race race(config, k_dual_stack);
    EXPECT_EQ(run(race, {{"192.0.2.1", answers_after(20)}}),
              (std::vector<Timed>{
                  {0, StartAttempt{0}}, {32000, CancelAttempt{0}}, {32000, Exhausted{}}}));
}

}  // namespace
}  // namespace happysip::eyeballs
