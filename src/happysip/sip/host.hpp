// The host of a SIP URI or Via sent-by (RFC 3261 §25.1 host = hostname / IPv4address /
// IPv6reference), with the IPv6 syntax of RFC 3986 §3.2.2 / RFC 4291 §2.2 that RFC 5118
// §4.10 asks for in place of RFC 3261's flawed ABNF. Zone identifiers are not accepted.
//
// Zero-copy: Host::text points into the string given to parse_host / parse_ip_literal.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "happysip/sip/result.hpp"

namespace happysip::sip {

enum class HostKind : std::uint8_t { hostname, ipv4, ipv6 };

struct Host {
    std::string_view text;  // as written; an IPv6 reference keeps its brackets
    HostKind kind = HostKind::hostname;

    // The address without brackets ("2001:db8::1" for "[2001:db8::1]"); text otherwise.
    std::string_view address() const noexcept;
};

// hostname / IPv4address / IPv6reference. Text made only of digits and dots must be a
// valid IPv4 address (a hostname's top label starts with a letter). Errors are bad_uri
// with offsets into `text`.
Result<Host> parse_host(std::string_view text);
// The same, filling `out` in place; returns the error if any.
std::optional<ParseError> parse_host_into(std::string_view text, Host& out);

// RFC 3261 §20.42 received = IPv4address / IPv6address: an IP address, no hostname. The
// bracketed IPv6reference is accepted as well (RFC 5118 §4.5: deployed stacks send it);
// Host::text is then kept with its brackets, as written.
Result<Host> parse_ip_literal(std::string_view text);

// The validators behind parse_host, also giving the address in network byte order.
std::optional<std::array<std::uint8_t, 4>> parse_ipv4_address(std::string_view text) noexcept;
std::optional<std::array<std::uint8_t, 16>> parse_ipv6_address(std::string_view text) noexcept;
// parse_ipv6_address(text).has_value(), without building the address.
bool is_ipv6_address(std::string_view text) noexcept;
// RFC 3261 hostname = *( domainlabel "." ) toplabel [ "." ]
bool is_hostname(std::string_view text) noexcept;

// Same host: IP addresses compare by value ("[2001:DB8:0::1]" == "[2001:db8::1]"),
// hostnames case-insensitively (RFC 3261 §19.1.4). A hostname never equals an address.
bool host_equal(const Host& a, const Host& b) noexcept;

}  // namespace happysip::sip
