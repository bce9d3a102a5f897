// ProxyService's RFC 5626 flows and family bridging: which flow a target or a dialog goes
// down (first hop and edge roles), our flow-naming Route/Path URIs, the requests an [edge]
// domain's home proxy gets, and the RFC 6157 log line when a call crosses IP families.
// The rest of the service: proxy_service.cpp.
#include <string>

#include "happysip/proxy/flow_token.hpp"
#include "happysip/proxy/media_family.hpp"
#include "proxy_context.hpp"
#include "proxy_service.hpp"

namespace happysip::daemon {
namespace {

using eyeballs::Transport;

bool is_v6(const asio::ip::address& address) {
    return address.is_v6() && !address.to_v6().is_v4_mapped();
}

// "IPv6/TCP": how one side of a bridged call is reached, for the operator.
std::string family_and_transport(const asio::ip::address& address, eyeballs::Transport transport) {
    return std::string(is_v6(address) ? "IPv6/" : "IPv4/") +
           std::string(eyeballs::via_name(transport));
}

}  // namespace

std::string ProxyService::flow_route_uri(Transport transport, const std::string& hostport,
                                         std::string_view flow) const {
    std::string uri = "sip:";
    if (!flow.empty()) uri += flow_tokens_.encode(flow) + "@";
    uri += hostport;
    if (transport != Transport::udp)
        uri += ";transport=" + std::string(eyeballs::to_string(transport));
    return uri + ";lr";
}

bool ProxyService::follow_dialog_flow(proxy::TargetSet& targets,
                                      const proxy::RoutePreprocessing& pre,
                                      const sip::Message& request,
                                      const runtime::RequestSource& source) {
    if (pre.removed.empty() || targets.targets.size() != 1) return false;
    if (request.header(sip::HeaderId::route)) return false;  // another hop comes first
    auto flow = proxy::flow_for_request(flow_tokens_.flows_in(pre.removed), source.text());
    if (!flow) return false;
    proxy::Target& target = targets.targets.front();
    target.flows = {*flow};
    target.instance = "dialog";
    return true;
}

bool ProxyService::towards_home_proxy(proxy::TargetSet& targets, const sip::Message& request) {
    if (!targets.leaves_domain || targets.targets.size() != 1) return false;
    auto route = edge_.home_route(request, targets.in_dialog);
    if (!route) return false;
    if (!route->empty()) targets.targets.front().path = {*route};
    return true;
}

std::optional<runtime::Destination> ProxyService::alive_flow(const std::string& flow) {
    auto destination = runtime::parse_destination(flow);
    if (!destination) return std::nullopt;
    destination->existing_flow_only = true;
    if (!server_.flow_alive(*destination)) return std::nullopt;
    return destination;
}

std::optional<runtime::Destination> ProxyService::live_flow(const proxy::Target& target,
                                                            std::size_t* index) {
    for (std::size_t i = 0; i < target.flows.size(); ++i) {
        if (auto destination = alive_flow(target.flows[i])) {
            if (index) *index = i;
            return destination;
        }
        log_.info("flow_failed", {{"instance", target.instance}, {"flow", target.flows[i]}});
    }
    return std::nullopt;
}

void ProxyService::log_family_bridge(const Context& c, const sip::Message& request,
                                     const runtime::RequestSource& source,
                                     const runtime::Destination& destination) {
    // RFC 6157 §4: signalling crosses families here, media does not (no relay). An offer
    // whose connection addresses and ICE candidates all belong to the caller's family has
    // no path to a callee on the other one: say so, since the call will set up and then
    // be silent.
    if (is_v6(source.remote_address) == is_v6(destination.address)) return;
    const auto method = request.method();
    if (method != sip::Method::invite && method != sip::Method::update) return;
    const bool out_v6 = is_v6(destination.address);
    const std::string from = family_and_transport(source.remote_address, source.transport);
    const std::string to = family_and_transport(destination.address, destination.transport);
    const auto media = proxy::media_families_of(request);
    std::string warning;
    if (media.any() && !media.has(out_v6))
        warning = std::string("the offer has only ") + (media.ip6 ? "IPv6" : "IPv4") +
                  " addresses and the callee is reached over " + (out_v6 ? "IPv6" : "IPv4") +
                  ": media may fail without a relay or ICE";
    log_.log(warning.empty() ? LogLevel::info : LogLevel::warning, "proxy_family_bridge",
             {{"call_id", c.call_id}, {"from", from}, {"to", to}, {"media", warning}});
}

}  // namespace happysip::daemon
