#include "happysip/runtime/dns_servers.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace happysip::runtime {
namespace {

bool is_address(std::string_view text, int family) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
    unsigned char buffer[sizeof(in6_addr)];
    const std::string copy(text);
    return inet_pton(family, copy.c_str(), buffer) == 1;
}

std::optional<int> parse_port(std::string_view text) {
    int port = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, port);
    if (text.empty() || ec != std::errc() || ptr != end || port < 1 || port > 65535)
        return std::nullopt;
    return port;
}

// One entry as "address:port" (IPv6 bracketed), or nullopt.
std::optional<std::string> normalise(std::string_view entry) {
    std::string_view host = entry;
    std::optional<int> port = k_dns_default_port;
    if (!entry.empty() && entry.front() == '[') {
        const auto close = entry.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = entry.substr(1, close - 1);
        const auto rest = entry.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = parse_port(rest.substr(1));
        }
        if (!port || !is_address(host, AF_INET6)) return std::nullopt;
        return "[" + std::string(host) + "]:" + std::to_string(*port);
    }
    if (is_address(entry, AF_INET6))
        return "[" + std::string(entry) + "]:" + std::to_string(k_dns_default_port);
    const auto colon = entry.find(':');
    if (colon != std::string_view::npos) {
        host = entry.substr(0, colon);
        port = parse_port(entry.substr(colon + 1));
    }
    if (!port || !is_address(host, AF_INET)) return std::nullopt;
    return std::string(host) + ":" + std::to_string(*port);
}

}  // namespace

std::optional<std::string> dns_servers_csv(const std::vector<std::string>& servers,
                                           std::string& error) {
    std::string csv;
    for (const auto& entry : servers) {
        auto server = normalise(entry);
        if (!server) {
            error = "bad DNS server \"" + entry +
                    "\": expected an IP literal with an optional port, e.g. 127.0.0.1:5353 or "
                    "[::1]:53";
            return std::nullopt;
        }
        if (!csv.empty()) csv += ',';
        csv += *server;
    }
    return csv;
}

}  // namespace happysip::runtime
