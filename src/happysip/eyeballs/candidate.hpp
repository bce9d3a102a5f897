// One address to try for a destination: family, address, port, transport and the name it
// came from (RFC 3263 SRV target or host). A plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace happysip::eyeballs {

enum class Family : std::uint8_t { ipv6, ipv4 };

enum class Transport : std::uint8_t { udp, tcp, tls, ws, wss };

constexpr Family other_family(Family f) noexcept {
    return f == Family::ipv6 ? Family::ipv4 : Family::ipv6;
}

constexpr std::string_view to_string(Family f) noexcept {
    return f == Family::ipv6 ? "ipv6" : "ipv4";
}

// "udp", "tcp", "tls", "ws", "wss": as in a transport= URI parameter or a --listen spec.
constexpr std::string_view to_string(Transport t) noexcept {
    switch (t) {
        case Transport::udp:
            return "udp";
        case Transport::tcp:
            return "tcp";
        case Transport::tls:
            return "tls";
        case Transport::ws:
            return "ws";
        case Transport::wss:
            return "wss";
    }
    return "unknown";
}

// "UDP", "TCP", "TLS", "WS", "WSS": as in a Via header's sent-protocol (RFC 3261 §20.42).
constexpr std::string_view via_name(Transport t) noexcept {
    switch (t) {
        case Transport::udp:
            return "UDP";
        case Transport::tcp:
            return "TCP";
        case Transport::tls:
            return "TLS";
        case Transport::ws:
            return "WS";
        case Transport::wss:
            return "WSS";
    }
    return "UDP";
}

struct Candidate {
    Family family = Family::ipv6;
    std::string address;  // literal, without brackets: "2001:db8::1", "192.0.2.1"
    std::uint16_t port = 0;
    Transport transport = Transport::udp;
    std::string target;  // SRV target or host name the address was resolved from

    friend bool operator==(const Candidate&, const Candidate&) = default;
};

}  // namespace happysip::eyeballs
