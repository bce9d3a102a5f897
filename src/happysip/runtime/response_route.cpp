#include "happysip/runtime/response_route.hpp"

#include "happysip/runtime/endpoint.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/via.hpp"

namespace happysip::runtime {
namespace {

constexpr std::uint16_t k_default_sip_port = 5060;  // RFC 3261 §18.2.2: "5060" for UDP

std::optional<std::string_view> top_via_value(const sip::Message& m) {
    return m.first_value(sip::HeaderId::via);
}

sip::ParseError missing_via() {
    return sip::make_error(sip::ParseErrc::missing_header, "Via", 0, "no Via");
}

}  // namespace

std::optional<sip::ParseError> stamp_received(sip::Message& request,
                                              const asio::ip::address& source,
                                              std::uint16_t source_port) {
    auto value = top_via_value(request);
    if (!value) return missing_via();
    auto via = sip::parse_via(*value);
    if (!via) return via.error();

    std::error_code ec;
    asio::ip::address sent_by = to_asio_address(via->host.address(), ec);
    bool same_address = !ec && sent_by == source;
    if (same_address && !via->has_rport) return std::nullopt;  // nothing to add

    std::string out;
    out.append(via->protocol_name).append("/").append(via->protocol_version).append("/");
    out.append(via->transport).append(" ").append(via->host.text);
    if (via->port) out.append(":").append(std::to_string(*via->port));
    std::size_t pos = 0;
    while (auto p = via->params.next(pos)) {
        if (sip::text::iequals(p->name, "received") || sip::text::iequals(p->name, "rport"))
            continue;
        out.append(";").append(p->name);
        if (p->has_value) out.append("=").append(p->value);
    }
    // received = IPv4address / IPv6address (RFC 3261 §20.42): no brackets.
    out.append(";received=");
    append_address(out, source);
    if (via->has_rport) out.append(";rport=").append(std::to_string(source_port));

    request.remove_first_value(sip::HeaderId::via);
    request.prepend(sip::HeaderId::via, out);
    return std::nullopt;
}

std::optional<asio::ip::udp::endpoint> udp_response_destination(const sip::Message& request) {
    auto value = top_via_value(request);
    if (!value) return std::nullopt;
    auto via = sip::parse_via(*value);
    if (!via) return std::nullopt;
    return udp_response_destination(*via);
}

std::optional<asio::ip::udp::endpoint> udp_response_destination(const sip::Via& via) {
    std::error_code ec;
    std::uint16_t sent_by_port = via.port.value_or(k_default_sip_port);
    if (via.maddr) {
        asio::ip::address maddr = to_asio_address(*via.maddr, ec);
        if (ec) return std::nullopt;
        return asio::ip::udp::endpoint(maddr, sent_by_port);
    }
    asio::ip::address address =
        to_asio_address(via.received ? *via.received : via.host.address(), ec);
    if (ec) return std::nullopt;
    return asio::ip::udp::endpoint(address, via.rport.value_or(sent_by_port));
}

}  // namespace happysip::runtime
