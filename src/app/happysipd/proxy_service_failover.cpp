// ProxyService's flow fail-over for Outbound instances registered through an edge proxy
// (RFC 5626 §5.3): such an instance gets one branch at a time, over its most recent
// registration's Path; when the edge answers 430 (Flow Failed: that flow is gone) or the
// branch times out, the next registration of the same instance replaces it. Any other
// final response ends the instance's search: the RFC forbids trying another flow then.
// The rest of the service: proxy_service.cpp.
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
    if (!c.base) {  // the alternates are forwarded later, from these
        c.base = request;
        c.source = source;
        c.hash = hash;
    }
    std::vector<proxy::Alternate> all;
    all.push_back({target.uri, target.path});
    all.insert(all.end(), target.alternates.begin(), target.alternates.end());
    try_alternates(id, c, std::move(all), now);
}

void ProxyService::try_alternates(std::uint64_t id, Context& c, std::vector<proxy::Alternate> rest,
                                  Instant now) {
    for (std::size_t i = 0; i < rest.size(); ++i) {
        std::optional<std::size_t> branch;
        if (!add_branch(id, c, *c.base, c.source, rest[i].uri, rest[i].path, c.hash, now, &branch))
            continue;
        // A branch for a host name starts as a DNS race: its alternates cannot follow it
        // (rare: an edge's Path names it by address), so they are given up.
        if (branch && i + 1 < rest.size())
            c.alternates[*branch] = {std::make_move_iterator(rest.begin() + i + 1),
                                     std::make_move_iterator(rest.end())};
        return;
    }
}

void ProxyService::settle_alternates(std::uint64_t id, Context& c, std::size_t branch, int status,
                                     bool failed, Instant now) {
    auto it = c.alternates.find(branch);
    if (it == c.alternates.end()) return;
    std::vector<proxy::Alternate> rest = std::move(it->second);
    c.alternates.erase(it);
    if (failed || status == 430 || status == 408) {
        // That flow's answer takes no part in the final response: another flow answers.
        c.core.abandon_branch(branch, now);
        log_.info("proxy_flow_failover",
                  {{"call_id", c.call_id},
                   {"status", std::to_string(status)},
                   {"next_hop",
                    rest.front().path.empty() ? rest.front().uri : rest.front().path.front()}});
        try_alternates(id, c, std::move(rest), now);
    }
    if (c.all_settled()) c.core.close_branches(now);
}

}  // namespace happysip::daemon
