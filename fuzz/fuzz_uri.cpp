// URIs (RFC 3261 §19.1, RFC 3966, RFC 5118) and the host / IP literal parsers, on one input.
// Invariants checked: every view a successful parse returns lies inside the input, error
// offsets do not pass its end, parameter and header iteration ends and agrees with find(),
// uri_equal is reflexive, and an IPv6 host's address parses on its own.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "happysip/sip/uri.hpp"

namespace {

using namespace happysip::sip;

void check_inside(std::string_view input, std::string_view part) {
    if (part.empty()) return;
    if (part.data() < input.data() || part.data() + part.size() > input.data() + input.size())
        std::abort();
}

void check_host(std::string_view input, const Host& h) {
    check_inside(input, h.text);
    check_inside(input, h.address());
    if (h.kind == HostKind::ipv6 && !parse_ipv6_address(h.address())) std::abort();
    if (h.kind == HostKind::ipv4 && !parse_ipv4_address(h.text)) std::abort();
    if (!host_equal(h, h)) std::abort();
}

void check_params(std::string_view input, const UriParams& params) {
    check_inside(input, params.raw);
    std::size_t pos = 0;
    std::size_t count = 0;
    while (auto p = params.next(pos)) {
        if (p->name.empty() || ++count > input.size()) std::abort();
        check_inside(input, p->name);
        check_inside(input, p->value);
        if (!params.has(p->name)) std::abort();
        if (percent_decode(p->value).size() > p->value.size()) std::abort();
    }
    if ((count == 0) != params.empty()) std::abort();
}

void check_headers(std::string_view input, std::string_view headers) {
    check_inside(input, headers);
    std::size_t pos = 0;
    std::size_t count = 0;
    while (auto h = next_uri_header(headers, pos)) {
        if (h->name.empty() || !h->has_value || ++count > input.size()) std::abort();
        check_inside(input, h->value);
        if (!find_uri_header(headers, h->name)) std::abort();
    }
}

void check_uri(std::string_view input, const Uri& u) {
    if (u.text != input) std::abort();
    check_inside(input, u.scheme_text);
    check_inside(input, u.user);
    check_inside(input, u.password);
    check_inside(input, u.number);
    check_params(input, u.params);
    check_headers(input, u.headers);
    if (u.is_sip_or_sips()) {
        check_host(input, u.host);
        if (u.has_user && u.user.empty()) std::abort();
    } else if (!u.host.text.empty() || u.port) {
        std::abort();
    }
    if (u.scheme == UriScheme::tel && u.number.empty()) std::abort();
    (void)u.transport_is("tcp");
    (void)u.has_lr();
    (void)u.maddr();
    (void)u.ttl();
    (void)u.gr();
    (void)u.phone_context();
    if (!uri_equal(u, u)) std::abort();
    // The same bytes in another buffer parse the same and compare equal.
    const std::string copy(input);
    auto again = parse_uri(copy);
    if (!again || !uri_equal(u, *again)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    auto u = parse_uri(input);
    if (u)
        check_uri(input, *u);
    else if (u.error().offset > size || u.error().code != ParseErrc::bad_uri)
        std::abort();

    if (auto h = parse_host(input)) {
        if (h->text != input) std::abort();
        check_host(input, *h);
    }
    if (auto ip = parse_ip_literal(input)) {
        if (ip->kind == HostKind::hostname) std::abort();
        check_host(input, *ip);
    }
    if (percent_decode(input).size() > size || !percent_decoded_equal(input, input, false))
        std::abort();
    return 0;
}
