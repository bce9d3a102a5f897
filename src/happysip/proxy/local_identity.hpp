// What "this proxy" means when RFC 3261 §16.4 asks whether a URI or a Route "indicates
// this proxy" and §16.5 whether a Request-URI is in a domain it is responsible for: the
// served domains, and every address:port (per transport) it listens on. Host names and
// addresses compare case-insensitively; IPv6 addresses compare by value, so
// [2001:DB8::1] and [2001:db8:0::1] are the same listener (RFC 5118 §4.1).
//
// A listener on a wildcard address (0.0.0.0, ::) is every address of its family that the
// host has: an address literal on its port is ours when `own_address` says the host has
// it (runtime/own_addresses.hpp asks the kernel). Without that check a wildcard listener
// would claim no URI at all, and taking any literal on its port for ours would swallow
// the Route of every other proxy that listens on 5060.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

struct Listener {
    std::string transport;  // "udp", "tcp", "tls"
    std::string host;       // address literal (no brackets) or a name this proxy answers to
    std::uint16_t port = 5060;
};

class LocalIdentity {
  public:
    // `own_address(literal)`: the host has this address (no brackets); asked only for a
    // literal of a wildcard listener's family on its port. Empty: no wildcard listener
    // claims anything beyond its own text.
    using OwnAddress = std::function<bool(std::string_view literal)>;
    LocalIdentity(std::vector<std::string> domains, std::vector<Listener> listeners,
                  OwnAddress own_address = {});

    bool serves_domain(std::string_view host) const;
    // The URI names one of our listeners: host equal to a listener host (by value for
    // IP literals), port equal (default 5060, or 5061 for sips / transport=tls).
    bool is_local_uri(const sip::Uri& uri) const;
    // One of our listeners is at host:port (a Via sent-by, a URI host and port).
    bool is_local_address(std::string_view host, std::uint16_t port) const;
    const std::vector<Listener>& listeners() const noexcept { return listeners_; }
    const std::vector<std::string>& domains() const noexcept { return domains_; }

  private:
    std::vector<std::string> domains_;
    std::vector<Listener> listeners_;
    OwnAddress own_address_;
};

// IP literals by value (RFC 5118 §4.1), host names case-insensitively (RFC 3261 §19.1.4).
bool same_host(std::string_view a, std::string_view b);

}  // namespace happysip::proxy
