#include "happysip/proxy/forward.hpp"

#include <charconv>

#include "happysip/proxy/route_processing.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::proxy {

std::string proxy_branch(std::string_view token, std::string_view loop_hash) {
    std::string b = "z9hG4bK-hs";
    b += token;
    b += '.';
    b += loop_hash;
    return b;
}

sip::Result<Forwarded> forward_copy(const sip::Message& received, const ForwardPlan& plan) {
    // Item 1: a copy; untouched headers are forwarded byte for byte.
    sip::Message request = received;

    // Item 2.
    if (!plan.target.empty()) request.set_request_uri(plan.target);
    if (!plan.routes_before.empty()) {
        std::vector<std::string> routes = plan.routes_before;
        for (auto& r : route_values(request))
            routes.push_back(std::move(r));
        set_routes(request, routes);
    }

    // Item 3: decrement, or add 70 when absent.
    if (auto mf = request.header(sip::HeaderId::max_forwards)) {
        const auto text = sip::text::trim(*mf);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value == 0) {
            return sip::ParseError{sip::ParseErrc::bad_header, "Max-Forwards", 0,
                                   "not a positive number: the request must not be forwarded"};
        }
        request.set(sip::HeaderId::max_forwards, std::to_string(value - 1));
    } else {
        request.prepend(sip::HeaderId::max_forwards, "70");
    }

    // Item 4: our Record-Route on top; with two, the outgoing-side URI ends up topmost.
    for (auto it = plan.record_route.rbegin(); it != plan.record_route.rend(); ++it) {
        request.prepend(sip::HeaderId::record_route, "<" + *it + ">");
    }

    // RFC 3327 §5.3: a proxy that wants to see the requests for a registered contact puts
    // itself on top of the REGISTER's Path, as Record-Route does for a dialog.
    if (!plan.path.empty()) request.prepend(sip::HeaderId::path, "<" + plan.path + ">");

    // Item 6 (item 5, extra headers, is the caller's).
    const bool strict = fix_up_strict_route(request);

    // Item 7: after a strict-route fix-up the Request-URI is the next hop; else the top
    // Route, else the Request-URI.
    std::string next_hop = strict ? std::string(request.request_uri()) : next_hop_uri(request);
    if (next_hop.empty()) {
        return sip::ParseError{sip::ParseErrc::bad_header, "Route", 0, "top Route does not parse"};
    }

    // Item 8.
    std::string branch = proxy_branch(plan.branch_token, plan.loop_hash);
    request.prepend(sip::HeaderId::via,
                    "SIP/2.0/" + plan.via_transport + " " + plan.via_sent_by + ";branch=" + branch);
    return Forwarded{std::move(request), std::move(next_hop), std::move(branch)};
}

}  // namespace happysip::proxy
