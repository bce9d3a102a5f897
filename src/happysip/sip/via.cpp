#include "happysip/sip/via.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

ParseError via_error(std::size_t offset, std::string_view detail) {
    return make_error(ParseErrc::bad_header, "Via", offset, detail);
}

struct Cursor {
    std::string_view s;
    std::size_t i = 0;
    void skip_wsp() {
        while (i < s.size() && chars::is_wsp(s[i]))
            ++i;
    }
    std::string_view token() {
        std::size_t b = i;
        while (i < s.size() && chars::is_token(s[i]))
            ++i;
        return s.substr(b, i - b);
    }
    bool eat(char c) {
        skip_wsp();
        if (i < s.size() && s[i] == c) {
            ++i;
            skip_wsp();
            return true;
        }
        return false;
    }
};

// parse_ip_literal(text).ok() without building a Result: what a Via's received needs.
bool is_ip_literal(std::string_view text) noexcept {
    if (text.empty()) return false;
    if (text.front() == '[')
        return text.size() >= 2 && text.back() == ']' &&
               is_ipv6_address(text.substr(1, text.size() - 2));
    // An IPv4 address has no ':' and every IPv6 address has one: one check, not both.
    return text::find_char(text, ':') != std::string_view::npos
               ? is_ipv6_address(text)
               : parse_ipv4_address(text).has_value();
}

// Picks out the parameters a transport and transaction layer act on, during the one
// validating scan of the parameter list. Names are tokens (checked by the scan), so a
// switch on the length and a folded compare identify them.
std::optional<ParseError> read_known_param(Via& via, const HeaderParam& p, std::size_t at) {
    using text::token_iequals;
    switch (p.name.size()) {
        case 6:
            if (token_iequals(p.name, "branch")) {
                if (!p.value_is_token) return via_error(at, "bad branch");
                via.branch = p.value;
            }
            break;
        case 8:
            if (token_iequals(p.name, "received")) {
                // RFC 3261: IPv4address / IPv6address. RFC 5118 §4.5: accept the bracketed
                // form too, which deployed stacks send.
                if (!p.has_value || !is_ip_literal(p.value))
                    return via_error(at, "received is not an IP address");
                via.received = p.value;
            }
            break;
        case 5:
            if (token_iequals(p.name, "rport")) {
                via.has_rport = true;
                if (p.has_value) {
                    auto port = text::parse_uint(p.value, 65535);
                    if (!port || *port == 0) return via_error(at, "rport is not a port number");
                    via.rport = static_cast<std::uint16_t>(*port);
                }
            } else if (token_iequals(p.name, "maddr")) {
                if (!p.has_value || !parse_host(p.value)) return via_error(at, "bad maddr");
                via.maddr = p.value;
            } else if (token_iequals(p.name, "alias")) {
                via.alias = true;
            }
            break;
        case 3:
            if (token_iequals(p.name, "ttl")) {
                auto ttl = p.has_value ? text::parse_uint(p.value, 255) : std::nullopt;
                if (!ttl) return via_error(at, "ttl must be 0 to 255");
                via.ttl = static_cast<std::uint8_t>(*ttl);
            }
            break;
        default:
            break;
    }
    return std::nullopt;
}

// `via = Via{}` member by member: assigning a whole value-initialised Via compiles to a
// `rep stos` whose start-up cost showed as 8% of parse_via_into.
void reset(Via& via) noexcept {
    // Separate stores: a chained `a = b = {}` reloads b as a whole while its two halves are
    // still being stored (a store-forwarding stall).
    via.protocol_name = {};
    via.protocol_version = {};
    via.transport = {};
    via.branch = {};
    via.host = Host{};
    via.port.reset();
    via.params = HeaderParams{};
    via.received.reset();
    via.maddr.reset();
    via.ttl.reset();
    via.has_rport = false;
    via.rport.reset();
    via.alias = false;
}

}  // namespace

bool Via::transport_is(std::string_view t) const noexcept {
    return text::iequals(transport, t);
}

Result<Via> parse_via(std::string_view value) {
    Via via;
    if (auto e = parse_via_into(value, via)) return std::move(*e);
    return via;
}

std::optional<ParseError> parse_via_into(std::string_view value, Via& via) {
    reset(via);
    Cursor c{value};
    c.skip_wsp();
    // sent-protocol = protocol-name SLASH protocol-version SLASH transport (SLASH = SWS "/" SWS)
    // (Views built from pointers here and below where the bounds are known: substr's own
    // check and throw path kept it from being inlined.)
    const std::string_view rest{value.data() + c.i, value.size() - c.i};
    if (rest.size() > 8 && (rest[0] | 0x20) == 's' && (rest[1] | 0x20) == 'i' &&
        (rest[2] | 0x20) == 'p' && rest[3] == '/' && rest[4] == '2' && rest[5] == '.' &&
        rest[6] == '0' && rest[7] == '/') {
        // What every Via carries, without white space around the slashes.
        via.protocol_name = {rest.data(), 3};
        via.protocol_version = {rest.data() + 4, 3};
        c.i += 8;
    } else {
        via.protocol_name = c.token();
        if (via.protocol_name.empty() || !c.eat('/')) return via_error(c.i, "bad sent-protocol");
        via.protocol_version = c.token();
        if (via.protocol_version.empty() || !c.eat('/')) return via_error(c.i, "bad sent-protocol");
    }
    via.transport = c.token();
    if (via.transport.empty()) return via_error(c.i, "missing transport");
    std::size_t before_lws = c.i;
    c.skip_wsp();
    if (c.i == before_lws) return via_error(c.i, "expected white space before sent-by");

    // sent-by = host [ COLON port ]
    std::size_t host_begin = c.i;
    if (c.i < value.size() && value[c.i] == '[') {
        std::size_t close = text::find_char(value, ']', c.i);
        if (close == std::string_view::npos) return via_error(c.i, "unterminated IPv6 reference");
        c.i = close + 1;
    } else {
        while (c.i < value.size() && chars::is(value[c.i], chars::k_host))
            ++c.i;
    }
    if (parse_host_into({value.data() + host_begin, c.i - host_begin}, via.host))
        return via_error(host_begin, "bad sent-by host");
    if (c.eat(':')) {
        // port = 1*DIGIT, read as it is scanned: at most 65535 in at most 10 digits (leading
        // zeros allowed), as text::parse_uint would take it.
        const std::size_t port_begin = c.i;
        std::uint32_t port = 0;
        while (c.i < value.size() && chars::is_digit(value[c.i]) && port <= 65535)
            port = port * 10 + static_cast<std::uint32_t>(value[c.i++] - '0');
        if (c.i == port_begin || port > 65535 || c.i - port_begin > 10)
            return via_error(port_begin, "bad sent-by port");
        via.port = static_cast<std::uint16_t>(port);
    }
    c.skip_wsp();
    auto e = HeaderParams::parse_into(
        {value.data() + c.i, value.size() - c.i}, c.i, via.params,
        [&via](const HeaderParam& p, std::size_t at) { return read_known_param(via, p, at); });
    if (e) e->header = "Via";
    return e;
}

}  // namespace happysip::sip
