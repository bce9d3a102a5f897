#include "happysip/proxy/edge_role.hpp"

#include <algorithm>
#include <cctype>

#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/token_list.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {
namespace {

std::string lower(std::string text) {
    for (char& ch : text)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
}

std::optional<std::string_view> from_host(const sip::Message& request, std::string& storage) {
    auto from = request.header(sip::HeaderId::from);
    if (!from) return std::nullopt;
    auto na = sip::parse_name_addr(*from);
    if (!na || !na.value().uri.is_sip_or_sips()) return std::nullopt;
    storage = std::string(na.value().uri.host.text);
    return storage;
}

}  // namespace

EdgeRole::EdgeRole(std::vector<std::string> domains, std::string registrar) {
    for (auto& domain : domains)
        domains_.push_back(lower(std::move(domain)));
    if (!registrar.empty()) {
        auto uri = sip::parse_uri(registrar);
        // A Route value, so a name-addr: bare, ";lr" would be a header parameter.
        registrar_route_ = "<" + registrar;
        if (!uri || !uri.value().has_lr()) registrar_route_ += ";lr";
        registrar_route_ += ">";
    }
}

bool EdgeRole::serves(std::string_view host) const noexcept {
    return std::any_of(domains_.begin(), domains_.end(),
                       [&](const std::string& d) { return sip::text::iequals(d, host); });
}

bool EdgeRole::relays_register(const sip::Message& request) const {
    if (!enabled() || request.method() != sip::Method::register_) return false;
    auto uri = sip::parse_uri(request.request_uri());
    return uri && uri.value().is_sip_or_sips() && serves(uri.value().host.text);
}

std::optional<std::string> EdgeRole::home_route(const sip::Message& request, bool in_dialog) const {
    if (!enabled() || request.header(sip::HeaderId::route)) return std::nullopt;
    auto uri = sip::parse_uri(request.request_uri());
    bool home = uri && uri.value().is_sip_or_sips() && serves(uri.value().host.text);
    // A UA's call to anywhere starts at its home proxy, which authenticates it and
    // applies its policy; inside a dialog the route set decides instead.
    std::string storage;
    if (!home && !in_dialog) {
        auto host = from_host(request, storage);
        home = host && serves(*host);
    }
    if (!home) return std::nullopt;
    return registrar_route_;
}

PathDecision path_for_register(const sip::Message& request) {
    PathDecision decision;
    const bool outbound = sip::message_supports(request, "outbound");
    // RFC 3327 §5.3 lets a proxy add Path only for a UA that supports it; RFC 5626 §5.1
    // (which updates RFC 3327) lets the edge add it for an Outbound UA as well.
    decision.insert = outbound || sip::message_supports(request, "path");
    if (!decision.insert || !outbound) return decision;
    // "ob" marks the flow as an Outbound one: only for the first hop (one Via: the UA's
    // own) and a Contact with an instance and a reg-id.
    if (request.values(sip::HeaderId::via).size() != 1) return decision;
    auto contacts = request.values(sip::HeaderId::contact);
    if (contacts.size() != 1) return decision;  // RFC 5626 §6: one flow per REGISTER
    auto contact = sip::parse_contact(contacts.front());
    decision.ob = contact && !contact.value().is_star && sip::contact_instance(contact.value()) &&
                  sip::contact_reg_id(contact.value());
    return decision;
}

}  // namespace happysip::proxy
