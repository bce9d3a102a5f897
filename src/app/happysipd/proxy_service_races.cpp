// ProxyService's races for next hops that are host names (RFC 3263 + Happy Eyeballs,
// proxy/next_hop_race.hpp): DNS through the daemon's DnsClient, each attempt one more
// branch of the request's response context. The rest of the service: proxy_service.cpp.
#include <string>

#include "happysip/runtime/delivery_runner.hpp"
#include "happysip/runtime/dns_result.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "proxy_context.hpp"
#include "proxy_service.hpp"

namespace happysip::daemon {

void ProxyService::start_race(Context& c, const sip::Message& request,
                              const runtime::RequestSource& source, const std::string& target,
                              const std::vector<std::string>& path, const std::string& hash,
                              const sip::Uri& next_hop, Instant now) {
    c.remember(request, source, hash);  // later attempts are built after DNS has answered
    proxy::NextHopConfig config;
    // RFC 3263 §4.3 fail-over happens within one transaction's lifetime (64*T1).
    config.race.timeout = settings_.timers.timer_b();
    if (settings_.tls_only) config.lookup.supported = {false, false, true};
    auto race = std::make_unique<TargetRace>(
        TargetRace{proxy::NextHopRace(next_hop, config, &reachability_),
                   target,
                   path,
                   {},
                   false,
                   std::string(next_hop.host.text)});
    race->race.start(now);
    c.races.push_back(std::move(race));
    if (log_.enabled(LogLevel::debug))
        log_.log(LogLevel::debug, "proxy_resolving",
                 {{"call_id", c.call_id}, {"next_hop", next_hop.text}});
}

// Carries out what the races ask: DNS queries, new attempts (branches), cancelled
// attempts, settlements. True when any race had something to say.
bool ProxyService::run_races(std::uint64_t id, Context& c) {
    bool moved = false;
    const Instant now = runtime::steady_now();
    for (std::size_t ri = 0; ri < c.races.size(); ++ri) {
        TargetRace& t = *c.races[ri];
        for (auto& action : t.race.take_actions()) {
            moved = true;
            if (auto* q = std::get_if<proxy::next_hop::QueryDns>(&action)) {
                query_dns(id, ri, q->query);
            } else if (auto* start = std::get_if<proxy::next_hop::StartAttempt>(&action)) {
                std::string error;
                std::error_code bad;
                runtime::Destination d;
                d.transport = start->candidate.transport;
                d.address = runtime::to_asio_address(start->candidate.address, bad);
                d.port = start->candidate.port;
                d.server_name = t.tls_identity;
                std::optional<std::size_t> branch;
                if (!bad)
                    branch = add_branch_to(id, c, *c.base, c.source, t.target, t.path, c.hash, d,
                                           now, error);
                else
                    error = "bad address " + start->candidate.address;
                if (t.branch_of_attempt.size() <= start->attempt)
                    t.branch_of_attempt.resize(start->attempt + 1);
                if (log_.enabled(LogLevel::debug))
                    log_.log(LogLevel::debug, "proxy_attempt",
                             {{"call_id", c.call_id},
                              {"attempt", std::to_string(start->attempt)},
                              {"to", d.text()},
                              {"detail", error}});
                if (branch) {
                    t.branch_of_attempt[start->attempt] = *branch;
                    c.attempt_of_branch[*branch] = {ri, start->attempt};
                } else {
                    t.race.on_attempt_failed(start->attempt, error, now);
                }
            } else if (auto* cancel = std::get_if<proxy::next_hop::CancelAttempt>(&action)) {
                if (cancel->attempt < t.branch_of_attempt.size())
                    if (auto b = t.branch_of_attempt[cancel->attempt])
                        c.core.abandon_branch(*b, now);
            } else if (auto* settled = std::get_if<proxy::next_hop::Settled>(&action)) {
                t.settled = true;
                if (!settled->winner)
                    log_.info("proxy_next_hop_failed", {{"call_id", c.call_id},
                                                        {"next_hop", t.race.cache_key()},
                                                        {"detail", settled->reason}});
                if (c.all_settled()) c.core.close_branches(now);
            }
        }
    }
    return moved;
}

void ProxyService::query_dns(std::uint64_t id, std::size_t ri, const client::DnsQuery& q) {
    // The answer finds its race again by context and index: the context may be gone.
    auto deliver = [this, id, ri](auto apply) {
        auto* it = contexts_.find(id);
        if (!it || ri >= it->second->races.size()) return;
        apply(it->second->races[ri]->race, runtime::steady_now());
        drain(id);
    };
    switch (q.type) {
        case client::DnsType::naptr:
            dns_->query_naptr(q.name, [deliver, qid = q.id](auto r) {
                deliver([&](proxy::NextHopRace& race, Instant now) {
                    std::string failure = runtime::failure_text(r);
                    race.on_naptr(qid, std::move(r.records), failure, now);
                });
            });
            break;
        case client::DnsType::srv:
            dns_->query_srv(q.name, [deliver, qid = q.id](auto r) {
                deliver([&](proxy::NextHopRace& race, Instant now) {
                    std::string failure = runtime::failure_text(r);
                    race.on_srv(qid, std::move(r.records), failure, now);
                });
            });
            break;
        case client::DnsType::aaaa:
        case client::DnsType::a:
            dns_->query_address(
                q.name,
                q.type == client::DnsType::aaaa ? eyeballs::Family::ipv6 : eyeballs::Family::ipv4,
                [deliver, qid = q.id](auto r) {
                    deliver([&](proxy::NextHopRace& race, Instant now) {
                        std::string failure = runtime::failure_text(r);
                        race.on_address(qid, std::move(r.records), failure, now);
                    });
                });
            break;
    }
}

}  // namespace happysip::daemon
