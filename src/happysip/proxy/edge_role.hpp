// The RFC 5626 edge proxy role: happysipd in front of a registrar it is not, for the
// domains named in [edge] domains. The registrar (the "home proxy") authenticates and
// stores the bindings; the edge keeps the UAs' connections and is on every path to them:
// - a REGISTER for an edge domain is relayed there with our Path on top, carrying the
//   flow it came over (a flow token) and "ob" for an Outbound registration (§5.1);
// - the requests the home proxy sends back through that Path go down the flow, or get
//   430 Flow Failed (§5.3; ProxyService does that part with proxy::FlowToken);
// - the UAs' own requests for or from an edge domain go to the home proxy, which
//   authenticates them: the edge relays nowhere else, so it is no open relay.
// Sans-I/O: decisions on a message; nothing here sends.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/sip/message.hpp"

namespace happysip::proxy {

class EdgeRole {
  public:
    EdgeRole() = default;
    // `registrar`: a SIP URI ("sip:192.0.2.7:5060;transport=tcp") the requests for the edge
    // domains go to; empty: RFC 3263 on the domain itself.
    EdgeRole(std::vector<std::string> domains, std::string registrar);

    bool enabled() const noexcept { return !domains_.empty(); }
    bool serves(std::string_view host) const noexcept;  // case-insensitive, exact

    // A REGISTER the edge relays rather than the local registrar answering it: its
    // Request-URI names an edge domain.
    bool relays_register(const sip::Message& request) const;

    // Where a request with no Route left goes when it is the home proxy's business:
    // its Request-URI names an edge domain, or (outside a dialog) its From does and it
    // leaves our own domains. The value is the Route value to put in front (the configured
    // registrar in <>, "lr" added), "" to resolve the Request-URI itself; nullopt when the
    // request is not the home proxy's.
    std::optional<std::string> home_route(const sip::Message& request, bool in_dialog) const;

  private:
    std::vector<std::string> domains_;  // lower case
    std::string registrar_route_;       // "<registrar URI;lr>"
};

// RFC 3327 §5.3 and RFC 5626 §5.1: whether a relayed REGISTER gets our Path, and with "ob".
struct PathDecision {
    bool insert = false;  // the UA supports path or outbound
    bool ob = false;      // an Outbound registration (reg-id + instance) and we are its first hop
};
PathDecision path_for_register(const sip::Message& request);

}  // namespace happysip::proxy
