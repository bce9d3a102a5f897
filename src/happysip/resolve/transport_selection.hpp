// RFC 3263 §4.1 and the first half of §4.2: from a SIP or SIPS URI, decide which
// transport to use and what to look up in DNS (nothing, A/AAAA, SRV or NAPTR).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::resolve {

using eyeballs::Family;
using eyeballs::Transport;

// The transports this client can use. WS/WSS only via an explicit transport= parameter:
// RFC 7118 NAPTR/SRV services are not handled yet.
struct TransportSet {
    bool udp = true;
    bool tcp = true;
    bool tls = true;
    bool ws = false;
    bool wss = false;

    bool has(Transport t) const noexcept;
};

// RFC 3261 §19.1.2: 5060 for UDP and TCP, 5061 for TLS; RFC 7118: 80 for WS, 443 for WSS.
std::uint16_t default_port(Transport t) noexcept;

// RFC 3263 §4.1 default when nothing is explicit: UDP for a SIP URI (TCP, then TLS, when
// UDP is not supported) and TLS over TCP for a SIPS URI; nullopt if none is supported.
std::optional<Transport> default_transport(bool secure, const TransportSet& supported);

// One SRV query to make and the transport its records are contacted over.
struct SrvQuery {
    std::string name;  // "_sips._tcp.example.com"
    Transport transport = Transport::udp;

    friend bool operator==(const SrvQuery&, const SrvQuery&) = default;
};

// The SRV owner name for `transport` at `domain` (RFC 3263 §4.2): "_sip._udp.", "_sip._tcp."
// or "_sips._tcp." (TLS, for SIP and SIPS URIs alike) followed by the domain. nullopt for
// transports without a SIP SRV service (WS, WSS).
std::optional<std::string> srv_name(Transport transport, std::string_view domain);

enum class PlanKind : std::uint8_t {
    numeric,         // TARGET is an IP address: contact it directly
    address_lookup,  // hostname with an explicit port (or WS/WSS): A/AAAA of the host
    srv_lookup,      // explicit transport, no port: SRV for that transport, else A/AAAA
    naptr_lookup,    // nothing explicit: NAPTR of the host (naptr_selection.hpp)
    unusable,        // no transport this client supports fits the URI
};

struct TransportPlan {
    PlanKind kind = PlanKind::unusable;
    // RFC 3263 §4: TARGET is maddr if present, else the host; without IPv6 brackets.
    std::string target;
    bool secure = false;                 // a SIPS URI: only TLS may be used
    std::optional<Transport> transport;  // numeric, address_lookup, srv_lookup
    std::optional<std::uint16_t> port;   // numeric, address_lookup (explicit or default)
    std::optional<Family> family;        // numeric only
    std::vector<SrvQuery> srv_queries;   // srv_lookup only: one query
    std::string_view reason;             // unusable only; static text
};

// RFC 3263 §4.1: an explicit transport= parameter wins; else a numeric TARGET or an
// explicit port means UDP for SIP and TLS (over TCP) for SIPS; else NAPTR. A SIPS URI is
// always TLS ("transport=tcp" on a SIPS URI is TLS over TCP). When UDP is not supported, a
// SIP URI falls back to TCP, then TLS. Non-SIP URIs (tel:) are unusable.
TransportPlan plan_transport(const sip::Uri& uri, const TransportSet& supported);

}  // namespace happysip::resolve
