// DnsClientConfig::servers ("127.0.0.1:5353", "[::1]:53", "192.0.2.53", "::1") checked
// strictly and written as the comma-separated list ares_set_servers_ports_csv reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace happysip::runtime {

inline constexpr int k_dns_default_port = 53;

// "host:port,[v6]:port" with every port spelled out; nullopt and `error` naming the bad
// entry when one is not an IPv4 literal, an IPv6 literal (bracketed when a port follows)
// or has a port outside 1-65535.
std::optional<std::string> dns_servers_csv(const std::vector<std::string>& servers,
                                           std::string& error);

}  // namespace happysip::runtime
