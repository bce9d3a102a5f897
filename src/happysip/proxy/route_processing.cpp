#include "happysip/proxy/route_processing.hpp"

#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

namespace {

std::optional<std::string> uri_of(std::string_view route_value) {
    auto na = sip::parse_name_addr(route_value, "Route");
    if (!na) return std::nullopt;
    return std::string(na.value().uri_text);
}

bool names_self(std::string_view route_value, const LocalIdentity& self) {
    auto na = sip::parse_name_addr(route_value, "Route");
    return na && self.is_local_uri(na.value().uri);
}

}  // namespace

std::vector<std::string> route_values(const sip::Message& request) {
    std::vector<std::string> out;
    for (auto v : request.values(sip::HeaderId::route))
        out.emplace_back(v);
    return out;
}

void set_routes(sip::Message& request, const std::vector<std::string>& values) {
    std::size_t at = request.fields().size();
    for (std::size_t i = 0; i < request.fields().size(); ++i) {
        const auto& f = request.fields()[i];
        if (!f.removed && f.id == sip::HeaderId::route) {
            at = i;
            break;
        }
    }
    request.remove_all(sip::HeaderId::route);
    for (const auto& v : values)
        request.insert(at++, sip::HeaderId::route, v);
}

const sip::Uri* parsed_request_uri(const sip::Message& request, const sip::Uri* given,
                                   std::optional<sip::Uri>& storage) {
    if (given) return given;
    if (auto parsed = sip::parse_uri(request.request_uri())) storage = std::move(parsed).value();
    return storage ? &*storage : nullptr;
}

RoutePreprocessing preprocess_routes(sip::Message& request, const LocalIdentity& self,
                                     const sip::Uri* request_uri) {
    RoutePreprocessing result;
    auto routes = route_values(request);
    if (routes.empty()) return result;  // nothing to restore or remove
    std::optional<sip::Uri> parsed;
    request_uri = parsed_request_uri(request, request_uri, parsed);
    if (request_uri && self.is_local_uri(*request_uri)) {
        if (auto last = uri_of(routes.back())) {
            result.removed.push_back("<" + std::string(request.request_uri()) + ">");
            request.set_request_uri(*last);
            routes.pop_back();
            result.request_uri_restored = true;
        }
    }
    std::size_t drop = 0;
    while (drop < routes.size() && names_self(routes[drop], self))
        result.removed.push_back(routes[drop++]);
    if (drop > 0 || result.request_uri_restored) {
        routes.erase(routes.begin(), routes.begin() + static_cast<std::ptrdiff_t>(drop));
        set_routes(request, routes);
    }
    result.routes_removed = static_cast<int>(drop);
    return result;
}

bool fix_up_strict_route(sip::Message& request) {
    auto routes = route_values(request);
    if (routes.empty()) return false;
    auto top = sip::parse_name_addr(routes.front(), "Route");
    if (!top || top.value().uri.has_lr()) return false;
    const std::string top_uri(top.value().uri_text);
    routes.erase(routes.begin());
    routes.push_back("<" + std::string(request.request_uri()) + ">");
    set_routes(request, routes);
    request.set_request_uri(top_uri);
    return true;
}

std::string next_hop_uri(const sip::Message& request) {
    auto routes = request.values(sip::HeaderId::route);
    if (routes.empty()) return std::string(request.request_uri());
    return uri_of(routes.front()).value_or("");
}

}  // namespace happysip::proxy
