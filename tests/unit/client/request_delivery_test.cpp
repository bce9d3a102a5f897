// RequestDelivery on the virtual clock against a scripted network: DNS answers arrive after
// a delay, each address either answers after an RTT, refuses, or is black-holed.
#include "happysip/client/request_delivery.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "happysip/sip/uri.hpp"

namespace happysip::client {
namespace {

using eyeballs::Family;
using eyeballs::Transport;
using std::chrono::milliseconds;

const Instant t0 = Instant{} + std::chrono::seconds(1000);

long long ms_since_t0(Instant t) {
    return std::chrono::duration_cast<milliseconds>(t - t0).count();
}

struct Host {
    enum Kind { answers, refuses, blackhole } kind = answers;
    int rtt_ms = 20;
    int status = 200;
};

// The scripted world: DNS data and how each address behaves.
struct Network {
    std::map<std::string, std::vector<resolve::NaptrRecord>> naptr;
    std::map<std::string, std::vector<resolve::SrvRecord>> srv;
    std::map<std::string, std::vector<resolve::AddressRecord>> addresses;  // "AAAA name"/"A name"
    std::map<std::string, int> dns_delay_ms;  // per "TYPE name", default 5
    std::map<std::string, Host> hosts;        // by address; absent = black hole
    int requests_seen = 0;                    // requests that reached a live host
};

struct Trial {
    RequestDelivery delivery;
    std::vector<std::string> transmitted_to;  // address of every Transmit
    std::vector<std::size_t> closed;
    std::vector<int> delivered;  // status of each DeliverResponse
    bool finished_action = false;
};

// Drives `delivery` until it finishes or 200 s of virtual time pass.
void drive(Trial& run, Network& net) {
    std::multimap<Instant, std::function<void(Instant)>> events;
    RequestDelivery& d = run.delivery;
    auto handle = [&](Instant now) {
        for (auto& action : d.take_actions()) {
            if (auto* q = std::get_if<QueryDns>(&action)) {
                const std::string key = std::string(to_string(q->query.type)) + " " + q->query.name;
                const int delay = net.dns_delay_ms.count(key) ? net.dns_delay_ms[key] : 5;
                const auto id = q->query.id;
                const auto type = q->query.type;
                const std::string name = q->query.name;
                events.emplace(now + milliseconds(delay), [&, id, type, name, key](Instant at) {
                    if (type == DnsType::naptr) {
                        auto it = net.naptr.find(name);
                        d.on_naptr(id,
                                   it == net.naptr.end() ? std::vector<resolve::NaptrRecord>{}
                                                         : it->second,
                                   it == net.naptr.end() ? "NXDOMAIN" : "", at);
                    } else if (type == DnsType::srv) {
                        auto it = net.srv.find(name);
                        d.on_srv(
                            id,
                            it == net.srv.end() ? std::vector<resolve::SrvRecord>{} : it->second,
                            it == net.srv.end() ? "NXDOMAIN" : "", at);
                    } else {
                        auto it = net.addresses.find(key);
                        d.on_address(id,
                                     it == net.addresses.end()
                                         ? std::vector<resolve::AddressRecord>{}
                                         : it->second,
                                     it == net.addresses.end() ? "NODATA" : "", at);
                    }
                });
            } else if (auto* o = std::get_if<OpenConnection>(&action)) {
                auto it = net.hosts.find(o->candidate.address);
                if (it == net.hosts.end() || it->second.kind == Host::blackhole) continue;
                const auto attempt = o->attempt;
                const Host host = it->second;
                const bool v6 = o->candidate.family == Family::ipv6;
                events.emplace(now + milliseconds(host.rtt_ms), [&, attempt, host, v6](Instant at) {
                    if (host.kind == Host::refuses)
                        return d.on_connect_failed(attempt, "refused", at);
                    d.on_connected(attempt, v6 ? "[2001:db8::2]:40000" : "192.0.2.2:40000", at);
                });
            } else if (auto* t = std::get_if<Transmit>(&action)) {
                run.transmitted_to.push_back(t->candidate.address);
                auto it = net.hosts.find(t->candidate.address);
                if (it == net.hosts.end() || it->second.kind != Host::answers) continue;
                ++net.requests_seen;
                auto request = sip::parse_message(t->bytes);
                ASSERT_TRUE(request) << request.error().to_string();
                auto response = sip::make_response(request.value(), it->second.status, {}, "srv");
                ASSERT_TRUE(response);
                events.emplace(now + milliseconds(it->second.rtt_ms),
                               [&, r = std::move(response).value()](Instant at) {
                                   EXPECT_TRUE(d.on_response(r, at));
                               });
            } else if (auto* c = std::get_if<CloseConnection>(&action)) {
                run.closed.push_back(c->attempt);
            } else if (auto* r = std::get_if<DeliverResponse>(&action)) {
                run.delivered.push_back(r->response.status_code());
            } else if (std::holds_alternative<Finished>(action)) {
                run.finished_action = true;
            }
        }
    };
    d.start(t0);
    handle(t0);
    const Instant end = t0 + std::chrono::seconds(200);
    for (int step = 0; step < 10000; ++step) {
        auto deadline = d.next_deadline();
        Instant next = end;
        if (!events.empty()) next = events.begin()->first;
        if (deadline && *deadline < next) next = *deadline;
        if (next >= end || (events.empty() && !deadline)) break;
        if (!events.empty() && events.begin()->first == next) {
            auto fn = std::move(events.begin()->second);
            events.erase(events.begin());
            fn(next);
        } else {
            d.on_timer(next);
        }
        handle(next);
    }
}

resolve::TransportPlan plan_for(const std::string& uri,
                                const resolve::TransportSet& supported = {}) {
    auto parsed = sip::parse_uri(uri);
    EXPECT_TRUE(parsed);
    return resolve::plan_transport(parsed.value(), supported);
}

sip::RequestParts options_to(const std::string& uri) {
    sip::RequestParts p;
    p.method = "OPTIONS";
    p.request_uri = uri;
    p.branch = "z9hG4bKtest";
    p.from = "<sip:probe@example.net>";
    p.from_tag = "f1";
    p.to = "<" + uri + ">";
    p.call_id = "call-1@example.net";
    return p;
}

LocalSentBy both_local() {
    return [](const Candidate& c) {
        return std::string(c.family == Family::ipv6 ? "[2001:db8::2]:5060" : "192.0.2.2:5060");
    };
}

// example.com: NAPTR -> _sip._udp / _sip._tcp -> sip.example.com with AAAA and A.
Network dual_stack_domain() {
    Network net;
    net.naptr["example.com"] = {{10, 10, "s", "SIP+D2U", "", "_sip._udp.example.com", 300},
                                {20, 10, "s", "SIP+D2T", "", "_sip._tcp.example.com", 300}};
    net.srv["_sip._udp.example.com"] = {{10, 10, 5060, "sip.example.com", 300}};
    net.srv["_sip._tcp.example.com"] = {{10, 10, 5060, "sip.example.com", 300}};
    net.addresses["AAAA sip.example.com"] = {{Family::ipv6, "2001:db8::10", 300}};
    net.addresses["A sip.example.com"] = {{Family::ipv4, "192.0.2.10", 300}};
    net.hosts["2001:db8::10"] = {};
    net.hosts["192.0.2.10"] = {};
    return net;
}

Trial make_run(const std::string& uri, DeliveryConfig config = {},
               eyeballs::ReachabilityCache* cache = nullptr) {
    return Trial{RequestDelivery(options_to(uri), plan_for(uri, config.supported), config,
                                 both_local(), cache, "udp:example.com"),
                 {},
                 {},
                 {},
                 false};
}

std::vector<EventKind> kinds_of(const Timeline& t) {
    std::vector<EventKind> out;
    for (const auto& e : t.events())
        out.push_back(e.kind);
    return out;
}

TEST(RequestDelivery, NumericUdpTargetIsSentAtOnceWithoutDns) {
    Network net;
    net.hosts["192.0.2.10"] = {};
    Trial run = make_run("sip:192.0.2.10:5060");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(run.delivered, std::vector<int>{200});
    EXPECT_TRUE(run.finished_action);
    EXPECT_EQ(ms_since_t0(*run.delivery.first_response_at()), 20);
    EXPECT_EQ(kinds_of(run.delivery.timeline()).front(), EventKind::race_start);
}

TEST(RequestDelivery, BothFamiliesWorkingSendsOnceOverIpv6) {
    Network net = dual_stack_domain();
    Trial run = make_run("sip:example.com");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(run.transmitted_to, std::vector<std::string>{"2001:db8::10"});
    EXPECT_EQ(net.requests_seen, 1);  // no duplicate reached a server
    ASSERT_TRUE(run.delivery.winner());
    EXPECT_EQ(run.delivery.attempts()[*run.delivery.winner()].candidate.family, Family::ipv6);
    // NAPTR 5 ms + SRV 5 ms + AAAA 5 ms, then one RTT.
    EXPECT_EQ(ms_since_t0(*run.delivery.first_response_at()), 35);
}

TEST(RequestDelivery, Ipv6BlackHoledUdpWinsOnIpv4OneAttemptDelayLater) {
    Network net = dual_stack_domain();
    net.hosts.erase("2001:db8::10");
    Trial run = make_run("sip:example.com");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    // Race starts at 15 ms, IPv4 attempt at 265 ms, answered at 285 ms.
    EXPECT_EQ(ms_since_t0(*run.delivery.first_response_at()), 285);
    const auto& attempts = run.delivery.attempts();
    ASSERT_EQ(attempts.size(), 2u);
    EXPECT_EQ(attempts[0].result, AttemptResult::cancelled);
    EXPECT_EQ(attempts[1].result, AttemptResult::won);
    EXPECT_NE(attempts[0].branch, attempts[1].branch);
}

TEST(RequestDelivery, LaterRequestGoesStraightToTheWorkingFamily) {
    Network net = dual_stack_domain();
    net.hosts.erase("2001:db8::10");
    eyeballs::ReachabilityCache cache;
    Trial first = make_run("sip:example.com", {}, &cache);
    drive(first, net);
    ASSERT_EQ(first.delivery.outcome(), Outcome::response);

    // The cache learnt at t0+285 ms; the next request starts at t0 again on the virtual
    // clock, which is inside both records' lifetimes.
    Trial second = make_run("sip:example.com", {}, &cache);
    drive(second, net);
    EXPECT_EQ(second.delivery.outcome(), Outcome::response);
    EXPECT_EQ(second.transmitted_to, std::vector<std::string>{"192.0.2.10"});
    EXPECT_EQ(ms_since_t0(*second.delivery.first_response_at()), 35);
}

TEST(RequestDelivery, LateResponseOnCancelledBranchIsAbsorbed) {
    Network net = dual_stack_domain();
    net.hosts["2001:db8::10"] = {Host::answers, 400, 200};  // slow, not dead
    Trial run = make_run("sip:example.com");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(run.delivered, std::vector<int>{200});  // one response reaches the TU
    const auto kinds = kinds_of(run.delivery.timeline());
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), EventKind::absorbed), kinds.end());
}

TEST(RequestDelivery, TcpRacesConnectionsAndSendsOnceOverTheWinner) {
    Network net = dual_stack_domain();
    net.hosts.erase("2001:db8::10");
    DeliveryConfig config;
    config.supported = {false, true, false};
    Trial run = make_run("sip:example.com", config);
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(run.transmitted_to, std::vector<std::string>{"192.0.2.10"});
    // connect at 265 + 20 ms, request answered one RTT later.
    EXPECT_EQ(ms_since_t0(*run.delivery.first_response_at()), 305);
    EXPECT_EQ(run.closed, std::vector<std::size_t>{0});  // the IPv6 connection attempt
}

TEST(RequestDelivery, RefusedConnectionStartsTheNextAttemptAtOnce) {
    Network net = dual_stack_domain();
    net.hosts["2001:db8::10"] = {Host::refuses, 3, 0};
    DeliveryConfig config;
    config.supported = {false, true, false};
    Trial run = make_run("sip:example.com", config);
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(ms_since_t0(*run.delivery.first_response_at()), 15 + 3 + 20 + 20);
    EXPECT_EQ(run.delivery.attempts()[0].result, AttemptResult::failed);
}

TEST(RequestDelivery, ServiceUnavailableFailsOverToTheNextCandidate) {
    // RFC 3263 §4.3: a 503 sends the request to the next element.
    Network net = dual_stack_domain();
    net.hosts["2001:db8::10"] = {Host::answers, 20, 503};
    Trial run = make_run("sip:example.com");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(run.delivered, std::vector<int>{200});
    EXPECT_EQ(run.transmitted_to, (std::vector<std::string>{"2001:db8::10", "192.0.2.10"}));
}

TEST(RequestDelivery, AllCandidatesDeadEndsInTimeoutAtTheOverallDeadline) {
    Network net = dual_stack_domain();
    net.hosts.clear();
    DeliveryConfig config;
    config.race.timeout = std::chrono::seconds(5);
    Trial run = make_run("sip:example.com", config);
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::timeout);
    EXPECT_EQ(ms_since_t0(*run.delivery.finished_at()), 5000);
    EXPECT_TRUE(run.delivered.empty());
}

TEST(RequestDelivery, UnknownDomainIsUnresolvable) {
    Network net;
    Trial run = make_run("sip:nowhere.example");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::unresolvable);
    EXPECT_TRUE(run.transmitted_to.empty());
}

TEST(RequestDelivery, SrvAbsentFallsBackToAddressRecordsOfTheDomain) {
    Network net;
    net.addresses["AAAA example.com"] = {{Family::ipv6, "2001:db8::20", 60}};
    net.addresses["A example.com"] = {{Family::ipv4, "192.0.2.20", 60}};
    net.hosts["192.0.2.20"] = {};
    Trial run = make_run("sip:example.com");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    ASSERT_TRUE(run.delivery.winner());
    EXPECT_EQ(run.delivery.attempts()[*run.delivery.winner()].candidate.port, 5060);
    EXPECT_EQ(run.delivery.attempts()[*run.delivery.winner()].candidate.address, "192.0.2.20");
}

TEST(RequestDelivery, SlowAaaaWaitsTheResolutionDelayThenJoinsTheRace) {
    // RFC 8305 §3: A first; AAAA 200 ms late. The race starts with IPv4 after 50 ms and the
    // IPv6 candidate joins when it arrives.
    Network net = dual_stack_domain();
    net.dns_delay_ms["AAAA sip.example.com"] = 200;
    net.hosts.erase("192.0.2.10");  // only IPv6 works
    Trial run = make_run("sip:example.com");
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    ASSERT_GE(run.delivery.attempts().size(), 2u);
    EXPECT_EQ(ms_since_t0(run.delivery.attempts()[0].started_at), 15 + 50);
    EXPECT_EQ(run.delivery.attempts()[0].candidate.family, Family::ipv4);
    EXPECT_EQ(run.delivery.attempts()[1].candidate.family, Family::ipv6);
    // Joined at 210 ms, started one attempt delay after the IPv4 attempt (RFC 8305 §5).
    EXPECT_EQ(ms_since_t0(run.delivery.attempts()[1].started_at), 65 + 250);
}

TEST(RequestDelivery, OnlyFamilyNeverAsksForTheOther) {
    Network net = dual_stack_domain();
    DeliveryConfig config;
    config.only_family = Family::ipv4;
    Trial run = make_run("sip:example.com", config);
    drive(run, net);
    EXPECT_EQ(run.transmitted_to, std::vector<std::string>{"192.0.2.10"});
    for (const auto& e : run.delivery.timeline().events()) {
        EXPECT_EQ(e.text.find("AAAA"), std::string::npos) << e.text;
    }
}

TEST(RequestDelivery, SequentialModeWaitsForTimerFBeforeIpv4) {
    // --no-happy-eyeballs: what phones do today; IPv4 only after the IPv6 transaction
    // times out (64*T1 = 32 s).
    Network net = dual_stack_domain();
    net.hosts.erase("2001:db8::10");
    DeliveryConfig config;
    config.race.sequential = true;
    config.race.timeout = std::chrono::seconds(70);
    Trial run = make_run("sip:example.com", config);
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(ms_since_t0(*run.delivery.first_response_at()), 15 + 32000 + 20);
}

TEST(RequestDelivery, SequentialTcpGivesUpAPendingConnectAfterTimerF) {
    // A black-holed SYN never fails by itself for minutes: after 64*T1 the next address.
    Network net = dual_stack_domain();
    net.hosts.erase("2001:db8::10");
    DeliveryConfig config;
    config.supported = {false, true, false};
    config.race.sequential = true;
    config.race.timeout = std::chrono::seconds(70);
    Trial run = make_run("sip:example.com", config);
    drive(run, net);
    EXPECT_EQ(run.delivery.outcome(), Outcome::response);
    EXPECT_EQ(ms_since_t0(*run.delivery.first_response_at()), 15 + 32000 + 20 + 20);
    EXPECT_EQ(run.delivery.attempts()[0].detail, "connect timed out");
}

}  // namespace
}  // namespace happysip::client
