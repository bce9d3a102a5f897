#include "happysip/runtime/endpoint.hpp"

#include <charconv>

namespace happysip::runtime {

asio::ip::address to_asio_address(std::string_view literal, std::error_code& ec) {
    if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']')
        literal = literal.substr(1, literal.size() - 2);
    if (literal.find('%') != std::string_view::npos) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return {};
    }
    asio::error_code aec;
    asio::ip::address a = asio::ip::make_address(std::string(literal), aec);
    ec = aec;
    return a;
}

eyeballs::Family family_of(const asio::ip::address& address) {
    if (address.is_v4()) return eyeballs::Family::ipv4;
    return address.to_v6().is_v4_mapped() ? eyeballs::Family::ipv4 : eyeballs::Family::ipv6;
}

std::string to_uri_host(const asio::ip::address& address) {
    if (address.is_v4()) return address.to_string();
    return "[" + address.to_string() + "]";
}

std::string to_hostport(const asio::ip::address& address, std::uint16_t port) {
    return to_uri_host(address) + ":" + std::to_string(port);
}

std::string to_hostport(const asio::ip::udp::endpoint& endpoint) {
    return to_hostport(endpoint.address(), endpoint.port());
}

std::string to_hostport(const asio::ip::tcp::endpoint& endpoint) {
    return to_hostport(endpoint.address(), endpoint.port());
}

std::optional<HostPort> parse_hostport(std::string_view text, std::uint16_t default_port,
                                       std::error_code& ec) {
    std::string_view host = text;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) {
            ec = std::make_error_code(std::errc::invalid_argument);
            return std::nullopt;
        }
        host = text.substr(0, close + 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                ec = std::make_error_code(std::errc::invalid_argument);
                return std::nullopt;
            }
            port = rest.substr(1);
        }
    } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
        // More than one colon without brackets is an IPv6 address without a port.
        if (text.find(':', colon + 1) == std::string_view::npos) {
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
        }
    }
    HostPort out;
    out.port = default_port;
    if (host.size() > 0 && text.size() != host.size()) {
        unsigned value = 0;
        auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || err != std::errc{} || end != port.data() + port.size() ||
            value > 65535) {
            ec = std::make_error_code(std::errc::invalid_argument);
            return std::nullopt;
        }
        out.port = static_cast<std::uint16_t>(value);
    }
    out.address = to_asio_address(host, ec);
    if (ec) return std::nullopt;
    return out;
}

std::optional<eyeballs::Transport> transport_named(std::string_view name) {
    if (name == "udp") return eyeballs::Transport::udp;
    if (name == "tcp") return eyeballs::Transport::tcp;
    if (name == "tls") return eyeballs::Transport::tls;
    return std::nullopt;
}

}  // namespace happysip::runtime
