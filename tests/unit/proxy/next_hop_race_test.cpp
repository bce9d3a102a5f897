// NextHopRace on the virtual clock against a scripted network: DNS answers arrive after a
// delay; each next-hop address answers after an RTT (optionally 100 Trying first), refuses,
// or is black-holed. The test plays the proxy: StartAttempt adds a "branch", whose fate the
// script reports back as on_attempt_responded / _final / _failed.
#include "happysip/proxy/next_hop_race.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "happysip/sip/uri.hpp"

namespace happysip::proxy {
namespace {

using client::DnsType;
using eyeballs::Family;
using std::chrono::milliseconds;
namespace nh = next_hop;

const Instant t0 = Instant{} + std::chrono::seconds(1000);

long long ms_since_t0(Instant t) {
    return std::chrono::duration_cast<milliseconds>(t - t0).count();
}

struct Host {
    enum Kind { answers, refuses } kind = answers;
    int rtt_ms = 20;
    int status = 200;
    int trying_ms = -1;  // >= 0: 100 Trying after the RTT, the final `status` this much later
};

struct Network {
    std::map<std::string, std::vector<resolve::NaptrRecord>> naptr;
    std::map<std::string, std::vector<resolve::SrvRecord>> srv;
    std::map<std::string, std::vector<resolve::AddressRecord>> addresses;  // "AAAA name"/"A name"
    std::map<std::string, Host> hosts;  // by address; absent = black hole
};

struct Started {
    std::size_t attempt;
    std::string address;
    long long at_ms;
};

struct Trial {
    NextHopRace race;
    std::vector<client::DnsQuery> queries;
    std::vector<Started> started;
    std::vector<std::size_t> cancelled;
    std::vector<nh::Settled> settled;
    long long settled_at_ms = -1;
};

// Carries out the race's actions on `net` until it settles or 100 s of virtual time pass.
void drive(Trial& run, const Network& net) {
    std::multimap<Instant, std::function<void(Instant)>> events;
    NextHopRace& r = run.race;
    auto later = [&](Instant at, std::function<void(Instant)> fn) {
        events.emplace(at, std::move(fn));
    };
    auto handle = [&](Instant now) {
        for (auto& action : r.take_actions()) {
            if (auto* q = std::get_if<nh::QueryDns>(&action)) {
                run.queries.push_back(q->query);
                const auto id = q->query.id;
                const auto type = q->query.type;
                const std::string key = std::string(client::to_string(type)) + " " + q->query.name;
                const std::string name = q->query.name;
                later(now + milliseconds(5), [&, id, type, key, name](Instant at) {
                    if (type == DnsType::naptr) {
                        auto it = net.naptr.find(name);
                        const bool found = it != net.naptr.end();
                        r.on_naptr(id, found ? it->second : std::vector<resolve::NaptrRecord>{},
                                   found ? "" : "NXDOMAIN", at);
                    } else if (type == DnsType::srv) {
                        auto it = net.srv.find(name);
                        const bool found = it != net.srv.end();
                        r.on_srv(id, found ? it->second : std::vector<resolve::SrvRecord>{},
                                 found ? "" : "NXDOMAIN", at);
                    } else {
                        auto it = net.addresses.find(key);
                        const bool found = it != net.addresses.end();
                        r.on_address(id, found ? it->second : std::vector<resolve::AddressRecord>{},
                                     found ? "" : "NODATA", at);
                    }
                });
            } else if (auto* s = std::get_if<nh::StartAttempt>(&action)) {
                EXPECT_TRUE(run.settled.empty()) << "StartAttempt after Settled";
                run.started.push_back({s->attempt, s->candidate.address, ms_since_t0(now)});
                auto it = net.hosts.find(s->candidate.address);
                if (it == net.hosts.end()) continue;
                const Host host = it->second;
                const auto a = s->attempt;
                auto final_answer = [&, a, host](Instant at) {
                    if (host.status == 503) return r.on_attempt_failed(a, "503", at);
                    r.on_attempt_final(a, at);
                };
                if (host.kind == Host::refuses) {
                    later(now + milliseconds(host.rtt_ms),
                          [&, a](Instant at) { r.on_attempt_failed(a, "refused", at); });
                } else if (host.trying_ms >= 0) {
                    later(now + milliseconds(host.rtt_ms),
                          [&, a](Instant at) { r.on_attempt_responded(a, at); });
                    later(now + milliseconds(host.rtt_ms + host.trying_ms), final_answer);
                } else {
                    later(now + milliseconds(host.rtt_ms), final_answer);
                }
            } else if (auto* c = std::get_if<nh::CancelAttempt>(&action)) {
                run.cancelled.push_back(c->attempt);
            } else if (auto* done = std::get_if<nh::Settled>(&action)) {
                run.settled.push_back(*done);
                run.settled_at_ms = ms_since_t0(now);
            }
        }
    };
    r.start(t0);
    handle(t0);
    const Instant end = t0 + std::chrono::seconds(100);
    for (int step = 0; step < 10000; ++step) {
        auto deadline = r.next_deadline();
        Instant next = end;
        if (!events.empty()) next = events.begin()->first;
        if (deadline && *deadline < next) next = *deadline;
        if (next >= end) break;
        if (!events.empty() && events.begin()->first == next) {
            auto fn = std::move(events.begin()->second);
            events.erase(events.begin());
            fn(next);
        } else {
            r.on_timer(next);
        }
        handle(next);
    }
}

Trial make_run(const std::string& uri, eyeballs::ReachabilityCache* cache = nullptr) {
    auto parsed = sip::parse_uri(uri);
    EXPECT_TRUE(parsed) << uri;
    return Trial{NextHopRace(parsed.value(), NextHopConfig{}, cache), {}, {}, {}, {}, -1};
}

// example.net with an explicit port: AAAA and A of the host, no NAPTR/SRV.
Network dual_stack_host() {
    Network net;
    net.addresses["AAAA example.net"] = {{Family::ipv6, "2001:db8::10", 300}};
    net.addresses["A example.net"] = {{Family::ipv4, "192.0.2.10", 300}};
    net.hosts["2001:db8::10"] = {};
    net.hosts["192.0.2.10"] = {};
    return net;
}

const char* const k_next_hop = "sip:carol@example.net:5060";

TEST(NextHopRace, AaaaAndARacedIpv6FirstThenIpv4AfterAttemptDelay) {
    Network net = dual_stack_host();
    net.hosts.erase("2001:db8::10");  // IPv6 black-holed
    Trial run = make_run(k_next_hop);
    drive(run, net);
    ASSERT_EQ(run.queries.size(), 2u);  // AAAA and A, at once
    ASSERT_EQ(run.started.size(), 2u);
    EXPECT_EQ(run.started[0].address, "2001:db8::10");
    EXPECT_EQ(run.started[0].at_ms, 5);
    EXPECT_EQ(run.started[1].address, "192.0.2.10");
    EXPECT_EQ(run.started[1].at_ms, 255);  // RFC 8305 §5: one Connection Attempt Delay later
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_EQ(run.settled[0].winner, std::optional<std::size_t>(1));
    EXPECT_EQ(run.settled_at_ms, 275);
    EXPECT_EQ(run.cancelled, std::vector<std::size_t>{0});
}

TEST(NextHopRace, FirstRespondingAttemptWinsOthersCancelled) {
    Network net = dual_stack_host();
    net.addresses["AAAA example.net"].push_back({Family::ipv6, "2001:db8::11", 300});
    net.hosts.erase("2001:db8::10");
    net.hosts.erase("192.0.2.10");
    net.hosts["2001:db8::11"] = {Host::answers, 20, 200, 50};  // 100 Trying, 200 50 ms later
    Trial run = make_run(k_next_hop);
    drive(run, net);
    ASSERT_EQ(run.started.size(), 3u);
    EXPECT_EQ(run.started[2].address, "2001:db8::11");
    EXPECT_EQ(run.started[2].at_ms, 505);
    // The 100 Trying at 525 wins; the two silent attempts are cancelled then.
    EXPECT_EQ(run.race.winner(), std::optional<std::size_t>(2));
    EXPECT_EQ(run.cancelled, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(run.race.attempts()[0].state, nh::AttemptState::cancelled);
    // Settled only with the final response: until then a 503 could still fail over.
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_EQ(run.settled[0].winner, std::optional<std::size_t>(2));
    EXPECT_EQ(run.settled_at_ms, 575);
}

TEST(NextHopRace, FailedAttemptStartsNextAtOnce) {
    Network net = dual_stack_host();
    net.hosts["2001:db8::10"] = {Host::refuses, 10};
    Trial run = make_run(k_next_hop);
    drive(run, net);
    ASSERT_EQ(run.started.size(), 2u);
    EXPECT_EQ(run.started[1].address, "192.0.2.10");
    EXPECT_EQ(run.started[1].at_ms, 15);  // at the failure, not 250 ms after the first start
    EXPECT_EQ(run.race.attempts()[0].state, nh::AttemptState::failed);
    EXPECT_EQ(run.race.attempts()[0].detail, "refused");
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_EQ(run.settled[0].winner, std::optional<std::size_t>(1));
    EXPECT_TRUE(run.cancelled.empty());
}

TEST(NextHopRace, SrvTargetsInOrderWithFailover) {
    Network net;
    net.naptr["example.net"] = {{10, 10, "s", "SIP+D2U", "", "_sip._udp.example.net", 300}};
    net.srv["_sip._udp.example.net"] = {{20, 10, 5070, "sip2.example.net", 300},
                                        {10, 10, 5060, "sip1.example.net", 300}};
    net.addresses["A sip1.example.net"] = {{Family::ipv4, "192.0.2.1", 300}};
    net.addresses["A sip2.example.net"] = {{Family::ipv4, "192.0.2.2", 300}};
    net.hosts["192.0.2.1"] = {Host::answers, 20, 503};  // RFC 3263 §4.3: try the next one
    net.hosts["192.0.2.2"] = {};
    Trial run = make_run("sip:carol@example.net");
    drive(run, net);
    ASSERT_GE(run.queries.size(), 4u);
    EXPECT_EQ(run.queries[0].type, DnsType::naptr);
    EXPECT_EQ(run.queries[1].type, DnsType::srv);
    EXPECT_EQ(run.queries[1].name, "_sip._udp.example.net");
    ASSERT_EQ(run.started.size(), 2u);
    EXPECT_EQ(run.started[0].address, "192.0.2.1");  // priority 10 before 20
    EXPECT_EQ(run.started[1].address, "192.0.2.2");
    EXPECT_EQ(run.started[1].at_ms, run.started[0].at_ms + 20);
    EXPECT_EQ(run.race.attempts()[1].candidate.port, 5070);
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_EQ(run.settled[0].winner, std::optional<std::size_t>(1));
}

TEST(NextHopRace, NxdomainIsSettledWithoutWinner) {
    Network net;  // knows nothing
    Trial run = make_run("sip:carol@nowhere.example");
    drive(run, net);
    EXPECT_FALSE(run.queries.empty());
    EXPECT_TRUE(run.started.empty());
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_FALSE(run.settled[0].winner);
    EXPECT_EQ(run.settled[0].reason, "no address for nowhere.example");
    EXPECT_TRUE(run.race.settled());
    EXPECT_FALSE(run.race.next_deadline());
}

TEST(NextHopRace, NumericHostNeedsNoDns) {
    auto parsed = sip::parse_uri("sip:carol@[2001:db8::10]:5062;transport=tcp");
    ASSERT_TRUE(parsed);
    NextHopRace race(parsed.value(), NextHopConfig{});
    race.start(t0);
    auto actions = race.take_actions();
    ASSERT_EQ(actions.size(), 1u);
    auto* start = std::get_if<nh::StartAttempt>(&actions[0]);
    ASSERT_NE(start, nullptr);
    EXPECT_EQ(start->attempt, 0u);
    EXPECT_EQ(start->candidate.address, "2001:db8::10");
    EXPECT_EQ(start->candidate.port, 5062);
    EXPECT_EQ(start->candidate.transport, eyeballs::Transport::tcp);
    // TCP: the connection being up is the success signal; the final response settles.
    race.on_attempt_responded(0, t0 + milliseconds(3));
    EXPECT_EQ(race.winner(), std::optional<std::size_t>(0));
    EXPECT_TRUE(race.take_actions().empty());
    race.on_attempt_final(0, t0 + milliseconds(10));
    actions = race.take_actions();
    ASSERT_EQ(actions.size(), 1u);
    auto* settled = std::get_if<nh::Settled>(&actions[0]);
    ASSERT_NE(settled, nullptr);
    EXPECT_EQ(settled->winner, std::optional<std::size_t>(0));
}

TEST(NextHopRace, ReachabilityCachePrefersTheFamilyThatWorked) {
    Network net = dual_stack_host();
    net.hosts.erase("2001:db8::10");
    eyeballs::ReachabilityCache cache;
    Trial first = make_run(k_next_hop, &cache);
    drive(first, net);
    ASSERT_EQ(first.settled.size(), 1u);
    EXPECT_EQ(first.settled_at_ms, 275);
    EXPECT_EQ(first.race.cache_key(), "example.net");
    EXPECT_EQ(cache.preferred_family("example.net", t0 + milliseconds(300)), Family::ipv4);

    // The virtual clock starts at t0 again: well inside the cache's memory.
    Trial second = make_run(k_next_hop, &cache);
    drive(second, net);
    ASSERT_FALSE(second.started.empty());
    EXPECT_EQ(second.started[0].address, "192.0.2.10");
    EXPECT_EQ(second.started[0].at_ms, 5);
    ASSERT_EQ(second.settled.size(), 1u);
    EXPECT_EQ(second.settled_at_ms, 25);
}

TEST(NextHopRace, WinnerWith503FailsOverToNext) {
    Network net = dual_stack_host();
    net.hosts["2001:db8::10"] = {Host::answers, 20, 503, 100};  // 100 Trying, then 503
    Trial run = make_run(k_next_hop);
    drive(run, net);
    // IPv6 won with its 100 at 25 ms, before IPv4 was due; its 503 at 125 ms fails over.
    ASSERT_EQ(run.started.size(), 2u);
    EXPECT_EQ(run.started[1].address, "192.0.2.10");
    EXPECT_EQ(run.started[1].at_ms, 125);
    EXPECT_EQ(run.race.attempts()[0].state, nh::AttemptState::failed);
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_EQ(run.settled[0].winner, std::optional<std::size_t>(1));
    EXPECT_EQ(run.settled_at_ms, 145);
    bool failover_logged = false;
    for (const auto& e : run.race.timeline().events())
        failover_logged |= e.kind == client::EventKind::failover;
    EXPECT_TRUE(failover_logged);
}

TEST(NextHopRace, WinnerWith503AndNoCandidateLeftSettlesWithoutWinner) {
    Network net;
    net.hosts["192.0.2.10"] = {Host::answers, 20, 503, 10};
    Trial run = make_run("sip:carol@192.0.2.10");
    drive(run, net);
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_FALSE(run.settled[0].winner);
    EXPECT_EQ(run.settled_at_ms, 30);
}

TEST(NextHopRace, SilentCandidatesSettleAtTheOverallTimeout) {
    Network net = dual_stack_host();
    net.hosts.clear();
    Trial run = make_run(k_next_hop);
    drive(run, net);
    ASSERT_EQ(run.started.size(), 2u);
    ASSERT_EQ(run.settled.size(), 1u);
    EXPECT_FALSE(run.settled[0].winner);
    EXPECT_EQ(run.settled_at_ms, 32000);  // RaceConfig::timeout, 64*T1
    EXPECT_EQ(run.cancelled, (std::vector<std::size_t>{0, 1}));
}

}  // namespace
}  // namespace happysip::proxy
