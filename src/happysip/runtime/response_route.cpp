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

bool is_stamp_param(std::string_view name) {
    return sip::text::iequals(name, "received") || sip::text::iequals(name, "rport");
}

// The Via as written up to the end of its parameters, without received and rport: the
// sent-by and every other parameter copied as they stand, one span each. Rebuilding the
// value field by field (sent-protocol, host, port, each parameter) was ~1,500 instructions
// per request (issue 4). False when the Via's views are not inside `written`.
bool append_verbatim(std::string& out, const sip::Via& via, std::string_view written) {
    const std::string_view raw = via.params.raw();
    const char* begin = via.protocol_name.data();
    if (raw.empty() || begin < written.data() || raw.data() < begin ||
        raw.data() + raw.size() > written.data() + written.size())
        return false;
    out.append(begin, raw.data());
    std::size_t pos = 0;
    std::size_t before = 0;
    while (auto p = via.params.next(pos)) {
        if (!is_stamp_param(p->name)) out.append(raw.substr(before, pos - before));
        before = pos;
    }
    return true;
}

// The stamped top Via (§18.2.1): the one given without its received and rport parameters,
// then received=<source> and, when asked, rport=<source port>. Empty when the Via is to be
// left as it is (sent from its sent-by address, no rport). `written` is the text the Via
// was parsed from (its line, or the line's first value).
std::string stamped_via(const sip::Via& via, std::string_view written,
                        const asio::ip::address& source, std::uint16_t source_port) {
    std::error_code ec;
    asio::ip::address sent_by = to_asio_address(via.host.address(), ec);
    if (!ec && sent_by == source && !via.has_rport) return {};  // nothing to add

    std::string out;
    out.reserve(written.size() + 64);  // the received and rport added: one allocation
    if (!append_verbatim(out, via, written)) {
        // No parameters (an RFC 2543 Via), or views from elsewhere: rebuilt from its parts.
        out.append(via.protocol_name).append("/").append(via.protocol_version).append("/");
        out.append(via.transport).append(" ").append(via.host.text);
        if (via.port) out.append(":").append(std::to_string(*via.port));
        std::size_t pos = 0;
        while (auto p = via.params.next(pos)) {
            if (is_stamp_param(p->name)) continue;
            out.append(";").append(p->name);
            if (p->has_value) out.append("=").append(p->value);
        }
    }
    // received = IPv4address / IPv6address (RFC 3261 §20.42): no brackets.
    out.append(";received=");
    append_address(out, source);
    if (via.has_rport) out.append(";rport=").append(std::to_string(source_port));
    return out;
}

}  // namespace

std::optional<sip::ParseError> stamp_received(sip::Message& request,
                                              const asio::ip::address& source,
                                              std::uint16_t source_port) {
    auto value = top_via_value(request);
    if (!value) return missing_via();
    auto via = sip::parse_via(*value);
    if (!via) return via.error();
    std::string out = stamped_via(*via, *value, source, source_port);
    if (out.empty()) return std::nullopt;
    request.remove_first_value(sip::HeaderId::via);
    request.prepend(sip::HeaderId::via, out);
    return std::nullopt;
}

std::optional<asio::ip::udp::endpoint> stamp_received(sip::Message& request,
                                                      const sip::Via& top_via,
                                                      const asio::ip::address& source,
                                                      std::uint16_t source_port) {
    const sip::HeaderField* field = request.find(sip::HeaderId::via);
    if (field == nullptr) return std::nullopt;
    const std::string_view line = request.value(*field);
    std::string out = stamped_via(top_via, line, source, source_port);
    if (out.empty()) return udp_response_destination(top_via);  // the Via as it was
    // What udp_response_destination reads back from the stamped Via, known without
    // parsing it: maddr untouched, else received (the source) and rport or sent-by port.
    std::optional<asio::ip::udp::endpoint> reply_to;
    if (top_via.maddr) {
        reply_to = udp_response_destination(top_via);
    } else {
        reply_to.emplace(
            source, top_via.has_rport ? source_port : top_via.port.value_or(k_default_sip_port));
    }
    // A line holding only this value is edited where it stands; "Via: a, b" loses its
    // first value and gets the stamped one on a line of its own above, as the overload
    // above does (a quoted comma lands there too, which is merely slower).
    if (line.find(',') == std::string_view::npos) {
        request.set_value(static_cast<std::size_t>(field - request.fields().data()), out);
    } else {
        request.remove_first_value(sip::HeaderId::via);
        request.prepend(sip::HeaderId::via, out);
    }
    return reply_to;
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
