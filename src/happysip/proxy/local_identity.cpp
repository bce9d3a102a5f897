#include "happysip/proxy/local_identity.hpp"

#include <algorithm>

#include "happysip/sip/host.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::proxy {

namespace {

std::string_view strip_brackets(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        return host.substr(1, host.size() - 2);
    }
    return host;
}

}  // namespace

bool same_host(std::string_view a, std::string_view b) {
    a = strip_brackets(a);
    b = strip_brackets(b);
    if (auto x = sip::parse_ipv6_address(a)) {
        auto y = sip::parse_ipv6_address(b);
        return y && *x == *y;
    }
    return sip::text::iequals(a, b);
}

LocalIdentity::LocalIdentity(std::vector<std::string> domains, std::vector<Listener> listeners,
                             OwnAddress own_address)
    : domains_(std::move(domains)),
      listeners_(std::move(listeners)),
      own_address_(std::move(own_address)) {}

bool LocalIdentity::serves_domain(std::string_view host) const {
    return std::any_of(domains_.begin(), domains_.end(),
                       [&](const std::string& d) { return same_host(d, host); });
}

bool LocalIdentity::is_local_uri(const sip::Uri& uri) const {
    if (!uri.is_sip_or_sips()) return false;
    const bool tls = uri.scheme == sip::UriScheme::sips || uri.transport_is("tls");
    return is_local_address(uri.host.text, uri.port.value_or(tls ? 5061 : 5060));
}

bool LocalIdentity::is_local_address(std::string_view host, std::uint16_t port) const {
    const bool named = std::any_of(listeners_.begin(), listeners_.end(), [&](const Listener& l) {
        return l.port == port && same_host(l.host, host);
    });
    if (named || !own_address_) return named;
    // A wildcard listener of the literal's family on that port, and the host has it.
    const std::string_view literal = strip_brackets(host);
    const bool v4 = sip::parse_ipv4_address(literal).has_value();
    const bool v6 = !v4 && sip::parse_ipv6_address(literal).has_value();
    if (!v4 && !v6) return false;
    const bool wildcard = std::any_of(listeners_.begin(), listeners_.end(), [&](const Listener& l) {
        return l.port == port && same_host(l.host, v4 ? "0.0.0.0" : "::");
    });
    return wildcard && own_address_(literal);
}

}  // namespace happysip::proxy
