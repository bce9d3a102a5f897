// What ProxyService keeps per proxied request (private to proxy_service*.cpp): the
// response context, where each branch goes, and the DNS races of named next hops.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "proxy_service.hpp"

namespace happysip::daemon {

// A target whose next hop is a host name: RFC 3263 + Happy Eyeballs (next_hop_race.hpp),
// each attempt one branch of the response context.
struct ProxyService::TargetRace {
    proxy::NextHopRace race;
    std::string target;
    std::vector<std::string> path;
    std::vector<std::optional<std::size_t>> branch_of_attempt;
    bool settled = false;
    // RFC 5922 §4.1: the identity a TLS next hop must prove is the SIP domain we resolved
    // (the URI's host), not the SRV target DNS named, which DNS spoofing could choose.
    std::string tls_identity;
};

struct ProxyService::Context {
    Context(proxy::ResponseContext c, runtime::Responder r)
        : core(std::move(c)), responder(std::move(r)) {}

    proxy::ResponseContext core;
    runtime::Responder responder;
    std::vector<runtime::Destination> destinations;  // per branch
    std::vector<std::string> branches;               // our Via branch, per branch
    std::optional<txn::TransactionKey> invite_key;   // INVITE: for a CANCEL to find us
    std::string call_id;
    bool record_route = false;         // a dialog-creating request outside a dialog: we stay in it
    bool cancelled = false;            // the caller's CANCEL came (§16.10): no flow fail-over
    std::optional<Instant> scheduled;  // the deadline last pushed on deadlines_
    // Only with races or alternates: what later branches are built from, and (races)
    // branch -> (race, attempt).
    std::vector<std::unique_ptr<TargetRace>> races;
    std::unordered_map<std::size_t, std::pair<std::size_t, std::size_t>> attempt_of_branch;
    // RFC 5626 §5.3: a branch to an Outbound instance, and the instance's other
    // registrations (behind edges) or own flows, for when that branch fails with 430, 408
    // or a transport error.
    std::unordered_map<std::size_t, std::vector<proxy::Alternate>> alternates;
    std::optional<sip::Message> base;  // the request after Route preprocessing
    runtime::RequestSource source;
    std::string hash;

    // Keeps what later branches (a race's next attempts, an instance's next flow) are built
    // from; the first caller's copy stands, as every later one would be the same request.
    void remember(const sip::Message& request, const runtime::RequestSource& from,
                  const std::string& loop_hash) {
        if (base) return;
        base = request;
        source = from;
        hash = loop_hash;
    }

    std::optional<Instant> next_deadline() const {
        auto next = core.next_deadline();
        for (const auto& r : races)
            if (auto d = r->race.next_deadline(); d && (!next || *d < *next)) next = d;
        return next;
    }
    // No branch may still be added: no race is running and no instance waits to try
    // another of its flows.
    bool all_settled() const {
        if (!alternates.empty()) return false;
        for (const auto& r : races)
            if (!r->settled) return false;
        return true;
    }
};

}  // namespace happysip::daemon
