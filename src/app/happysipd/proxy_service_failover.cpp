// ProxyService's flow fail-over for Outbound instances (RFC 5626 §5.3). Such an instance
// gets one branch at a time: over its most recent registration's Path when it registered
// through an edge proxy, down its first live flow when it registered with us directly.
// When that branch fails with 430 (Flow Failed: the edge lost the flow), 408 (it timed
// out: a NAT that dropped the mapping, a frozen peer) or a transport error (a send that
// failed, or the flow's connection closing while the branch waited on it, which the
// runtime reports at once instead of leaving it to Timer B/F), the instance's next
// registration or flow replaces it. Any other final response ends the instance's search:
// the RFC forbids trying another flow then. A dialog pinned to one flow never fails over,
// nor does a request the caller cancelled. The rest of the service: proxy_service.cpp.
#include <string>
#include <utility>
#include <vector>

#include "proxy_context.hpp"
#include "proxy_service.hpp"

namespace happysip::daemon {

void ProxyService::add_branch_with_alternates(std::uint64_t id, Context& c,
                                              const sip::Message& request,
                                              const runtime::RequestSource& source,
                                              const proxy::Target& target, const std::string& hash,
                                              Instant now) {
    std::vector<proxy::Alternate> all;
    all.push_back({target.uri, target.path, {}});
    all.insert(all.end(), target.alternates.begin(), target.alternates.end());
    try_alternates(id, c, request, source, hash, std::move(all), now);
}

void ProxyService::add_branch_over_flows(std::uint64_t id, Context& c, const sip::Message& request,
                                         const runtime::RequestSource& source,
                                         const proxy::Target& target, std::size_t first,
                                         const std::string& hash, Instant now) {
    // The flow a dialog named is the only one its request may take (RFC 5626 §5.3).
    const std::size_t end = target.instance == "dialog" ? first + 1 : target.flows.size();
    std::vector<proxy::Alternate> flows;
    for (std::size_t i = first; i < end && i < target.flows.size(); ++i)
        flows.push_back({target.uri, target.path, target.flows[i]});
    try_alternates(id, c, request, source, hash, std::move(flows), now);
}

std::optional<std::size_t> ProxyService::add_flow_branch(std::uint64_t id, Context& c,
                                                         const sip::Message& request,
                                                         const runtime::RequestSource& source,
                                                         const proxy::Alternate& a,
                                                         const std::string& hash, Instant now) {
    auto destination = alive_flow(a.flow);
    if (!destination) {  // closed since the target set was made
        log_.info("flow_failed", {{"call_id", c.call_id}, {"flow", a.flow}});
        return std::nullopt;
    }
    std::string error;
    auto branch =
        add_branch_to(id, c, request, source, a.uri, a.path, hash, *destination, now, error);
    if (!branch)
        log_.warning("proxy_branch_failed",
                     {{"call_id", c.call_id}, {"flow", a.flow}, {"detail", error}});
    return branch;
}

bool ProxyService::try_alternates(std::uint64_t id, Context& c, const sip::Message& request,
                                  const runtime::RequestSource& source, const std::string& hash,
                                  std::vector<proxy::Alternate> rest, Instant now) {
    for (std::size_t i = 0; i < rest.size(); ++i) {
        std::optional<std::size_t> branch;
        if (!rest[i].flow.empty()) {
            branch = add_flow_branch(id, c, request, source, rest[i], hash, now);
            if (!branch) continue;
        } else if (!add_branch(id, c, request, source, rest[i].uri, rest[i].path, hash, now,
                               &branch)) {
            continue;
        }
        // A branch for a host name starts as a DNS race: its alternates cannot follow it
        // (rare: an edge's Path names it by address), so they are given up.
        if (!branch || i + 1 == rest.size()) return true;
        c.remember(request, source, hash);  // the alternates are forwarded later, from these
        c.alternates[*branch] = {std::make_move_iterator(rest.begin() + i + 1),
                                 std::make_move_iterator(rest.end())};
        return true;
    }
    return false;
}

void ProxyService::settle_alternates(std::uint64_t id, Context& c, std::size_t branch, int status,
                                     bool failed, Instant now) {
    auto it = c.alternates.find(branch);
    if (it == c.alternates.end()) return;
    std::vector<proxy::Alternate> rest = std::move(it->second);
    c.alternates.erase(it);
    // Once a final response went upstream (another branch won, a 6xx) or the caller
    // cancelled, no other flow would be heard; a cancelled branch whose connection closed
    // before its 487 (RFC 3261 §18.4: a transport error) is no reason to ring elsewhere.
    if ((failed || status == 430 || status == 408) && !c.core.final_sent() && !c.cancelled) {
        const proxy::Alternate& next = rest.front();
        log_.info("proxy_flow_failover", {{"call_id", c.call_id},
                                          {"status", std::to_string(status)},
                                          {next.flow.empty() ? "next_hop" : "flow",
                                           !next.flow.empty()  ? next.flow
                                           : next.path.empty() ? next.uri
                                                               : next.path.front()}});
        // Another flow answers: the failed one's status takes no part in the final
        // response. When none could be started it stays, and the caller gets it.
        if (try_alternates(id, c, *c.base, c.source, c.hash, std::move(rest), now))
            c.core.abandon_branch(branch, now);
    }
    if (c.all_settled()) c.core.close_branches(now);
}

}  // namespace happysip::daemon
