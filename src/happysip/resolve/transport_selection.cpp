#include "happysip/resolve/transport_selection.hpp"

#include "happysip/sip/host.hpp"

namespace happysip::resolve {
namespace {

constexpr std::uint16_t k_sip_port = 5060;
constexpr std::uint16_t k_sips_port = 5061;
constexpr std::uint16_t k_ws_port = 80;
constexpr std::uint16_t k_wss_port = 443;

TransportPlan unusable(std::string_view reason) {
    TransportPlan plan;
    plan.kind = PlanKind::unusable;
    plan.reason = reason;
    return plan;
}

// The transport= value as a Transport; nullopt for one we do not know ("sctp").
std::optional<Transport> parse_transport_param(const sip::Uri& uri) {
    if (uri.transport_is("udp")) return Transport::udp;
    if (uri.transport_is("tcp")) return Transport::tcp;
    if (uri.transport_is("tls")) return Transport::tls;
    if (uri.transport_is("ws")) return Transport::ws;
    if (uri.transport_is("wss")) return Transport::wss;
    return std::nullopt;
}

// An explicit transport, adjusted for SIPS (RFC 3261 §26.2.2: SIPS means TLS on every hop).
std::optional<Transport> secure_transport(Transport t) {
    switch (t) {
        case Transport::tcp:
        case Transport::tls:
            return Transport::tls;
        case Transport::ws:
        case Transport::wss:
            return Transport::wss;
        case Transport::udp:
            return std::nullopt;  // no SIPS over UDP
    }
    return std::nullopt;
}

}  // namespace

bool TransportSet::has(Transport t) const noexcept {
    switch (t) {
        case Transport::udp:
            return udp;
        case Transport::tcp:
            return tcp;
        case Transport::tls:
            return tls;
        case Transport::ws:
            return ws;
        case Transport::wss:
            return wss;
    }
    return false;
}

std::uint16_t default_port(Transport t) noexcept {
    switch (t) {
        case Transport::udp:
        case Transport::tcp:
            return k_sip_port;
        case Transport::tls:
            return k_sips_port;
        case Transport::ws:
            return k_ws_port;
        case Transport::wss:
            return k_wss_port;
    }
    return k_sip_port;
}

std::optional<Transport> default_transport(bool secure, const TransportSet& supported) {
    if (secure) return supported.tls ? std::optional{Transport::tls} : std::nullopt;
    for (Transport t : {Transport::udp, Transport::tcp, Transport::tls}) {
        if (supported.has(t)) return t;
    }
    return std::nullopt;
}

std::optional<std::string> srv_name(Transport transport, std::string_view domain) {
    std::string_view service;
    switch (transport) {
        case Transport::udp:
            service = "_sip._udp.";
            break;
        case Transport::tcp:
            service = "_sip._tcp.";
            break;
        case Transport::tls:
            service = "_sips._tcp.";
            break;
        case Transport::ws:
        case Transport::wss:
            return std::nullopt;
    }
    std::string name(service);
    name += domain;
    return name;
}

TransportPlan plan_transport(const sip::Uri& uri, const TransportSet& supported) {
    if (!uri.is_sip_or_sips()) return unusable("not a sip or sips URI");
    const bool secure = uri.scheme == sip::UriScheme::sips;

    // RFC 3263 §4: TARGET is the maddr parameter if present, else the host.
    sip::Host host = uri.host;
    if (auto maddr = uri.maddr()) {
        auto parsed = sip::parse_host(*maddr);
        if (!parsed) return unusable("maddr is not a host");
        host = *parsed;
    }

    std::optional<Transport> transport;
    const bool explicit_transport = uri.transport().has_value();
    if (explicit_transport) {
        // RFC 3263 §4.1: the transport parameter SHOULD be used.
        transport = parse_transport_param(uri);
        if (!transport) return unusable("unknown transport parameter");
        if (secure) {
            transport = secure_transport(*transport);
            if (!transport) return unusable("sips URI with transport=udp");
        }
        if (!supported.has(*transport)) return unusable("transport not supported");
    }

    TransportPlan plan;
    plan.target = std::string(host.address());
    plan.secure = secure;

    const bool numeric = host.kind != sip::HostKind::hostname;
    if (numeric || uri.port || (transport && !srv_name(*transport, plan.target))) {
        // RFC 3263 §4.1: a numeric TARGET or an explicit port means UDP for SIP, TCP
        // (TLS) for SIPS; §4.2: the URI's port, else the transport's default port.
        if (!transport) transport = default_transport(secure, supported);
        if (!transport) return unusable("no supported transport");
        plan.kind = numeric ? PlanKind::numeric : PlanKind::address_lookup;
        plan.transport = transport;
        plan.port = uri.port.value_or(default_port(*transport));
        if (numeric) {
            plan.family = host.kind == sip::HostKind::ipv6 ? Family::ipv6 : Family::ipv4;
        }
        return plan;
    }

    if (transport) {
        // RFC 3263 §4.2: transport given explicitly, no port: SRV for that transport.
        plan.kind = PlanKind::srv_lookup;
        plan.transport = transport;
        plan.srv_queries.push_back({*srv_name(*transport, plan.target), *transport});
        return plan;
    }

    if (!default_transport(secure, supported)) return unusable("no supported transport");
    plan.kind = PlanKind::naptr_lookup;
    return plan;
}

}  // namespace happysip::resolve
