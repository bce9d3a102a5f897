#include "happysip/runtime/endpoint.hpp"

#include <array>
#include <charconv>

namespace happysip::runtime {
namespace {

// Dotted-quad IPv4 as inet_pton reads it: four decimal octets of one to three digits, no
// leading zero, none above 255. nullopt for anything else (the caller then asks asio).
// Not sip::parse_ipv4_address: RFC 3261's grammar allows leading zeros ("01.2.3.4"), which
// inet_pton, and so this function's callers until now, refuse.
std::optional<asio::ip::address_v4> parse_dotted_quad(std::string_view s) {
    asio::ip::address_v4::bytes_type bytes{};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i > 0) {
            if (pos >= s.size() || s[pos] != '.') return std::nullopt;
            ++pos;
        }
        unsigned value = 0;
        std::size_t digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && digits < 4) {
            value = value * 10 + static_cast<unsigned>(s[pos] - '0');
            ++pos;
            ++digits;
        }
        if (digits == 0 || digits > 3 || value > 255) return std::nullopt;
        if (digits > 1 && s[pos - digits] == '0') return std::nullopt;
        bytes[i] = static_cast<unsigned char>(value);
    }
    if (pos != s.size()) return std::nullopt;
    return asio::ip::address_v4(bytes);
}

}  // namespace

asio::ip::address to_asio_address(std::string_view literal, std::error_code& ec) {
    if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']')
        literal = literal.substr(1, literal.size() - 2);
    if (auto v4 = parse_dotted_quad(literal)) {
        ec.clear();
        return *v4;
    }
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

void append_address(std::string& out, const asio::ip::address& address) {
    if (!address.is_v4()) {
        out += address.to_string();  // RFC 5952 form from inet_ntop, with a scope if any
        return;
    }
    // Written into a buffer and appended once: a push_back per character was ~440
    // instructions per REGISTER (two calls), most of them the string's capacity checks.
    const auto bytes = address.to_v4().to_bytes();
    char text[15];
    std::size_t n = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i > 0) text[n++] = '.';
        const unsigned v = bytes[i];
        if (v >= 100) text[n++] = static_cast<char>('0' + v / 100);
        if (v >= 10) text[n++] = static_cast<char>('0' + v / 10 % 10);
        text[n++] = static_cast<char>('0' + v % 10);
    }
    out.append(text, n);
}

std::string to_uri_host(const asio::ip::address& address) {
    std::string out;
    if (!address.is_v4()) out += '[';
    append_address(out, address);
    if (!address.is_v4()) out += ']';
    return out;
}

std::string to_hostport(const asio::ip::address& address, std::uint16_t port) {
    std::string out = to_uri_host(address);
    std::array<char, 8> digits{};
    out += ':';
    out.append(digits.data(),
               std::to_chars(digits.data(), digits.data() + digits.size(), port).ptr);
    return out;
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
