// Conversions between the core's value types (address literals, eyeballs::Family) and
// Asio endpoints. The only place that spells an address for humans and for Via sent-by.
#pragma once

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "happysip/eyeballs/candidate.hpp"

namespace happysip::runtime {

// "192.0.2.1", "2001:db8::1" or "[2001:db8::1]" (brackets accepted, as in a URI or Via).
// Zone identifiers are refused, like in sip/host.hpp. On failure `ec` is set.
asio::ip::address to_asio_address(std::string_view literal, std::error_code& ec);

// A v4-mapped IPv6 address (::ffff:192.0.2.1) counts as IPv4: it is an IPv4 peer seen
// through a dual-stack socket.
eyeballs::Family family_of(const asio::ip::address& address);

// "[2001:db8::1]:5060" / "192.0.2.1:5060": the form of a Via sent-by or a log line.
std::string to_hostport(const asio::ip::address& address, std::uint16_t port);
std::string to_hostport(const asio::ip::udp::endpoint& endpoint);
std::string to_hostport(const asio::ip::tcp::endpoint& endpoint);

// The address as written in a URI host: IPv6 in brackets.
std::string to_uri_host(const asio::ip::address& address);

// Appends the address as address::to_string() spells it (IPv6 without brackets), without
// its cost for IPv4: asio formats through inet_ntop, whose sprintf per octet was ~5 % of
// the instructions of a REGISTER (issue 4), and every datagram's source is spelled.
void append_address(std::string& out, const asio::ip::address& address);

// "udp", "tcp", "tls": the transports a listener or a flow can name (lower case, as in a
// listen spec, a Destination's text and a binding's source). nullopt for anything else.
std::optional<eyeballs::Transport> transport_named(std::string_view name);

struct HostPort {
    asio::ip::address address;
    std::uint16_t port = 0;
};

// "[::1]:5060", "127.0.0.1:5060"; a bare address takes `default_port`. The IPv6 form
// needs its brackets whenever a port follows. Errors: nullopt with `ec` set
// (invalid_argument for syntax, the address error otherwise).
std::optional<HostPort> parse_hostport(std::string_view text, std::uint16_t default_port,
                                       std::error_code& ec);

}  // namespace happysip::runtime
