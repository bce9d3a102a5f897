#include "happysip/proxy/cancel_request.hpp"

#include <string>
#include <string_view>
#include <utility>

#include "happysip/sip/header_id.hpp"

namespace happysip::proxy {

sip::Result<sip::Message> make_cancel(const sip::Message& forwarded_invite) {
    using sip::HeaderId;
    const sip::Message& inv = forwarded_invite;
    const auto vias = inv.values(HeaderId::via);
    const auto from = inv.header(HeaderId::from);
    const auto to = inv.header(HeaderId::to);
    const auto call_id = inv.header(HeaderId::call_id);
    if (vias.empty() || !from || !to || !call_id) {
        return sip::make_error(sip::ParseErrc::missing_header, "", 0,
                               "forwarded INVITE lacks Via, From, To or Call-ID");
    }
    std::string text = "CANCEL " + std::string(inv.request_uri()) + " SIP/2.0\r\n";
    auto add = [&text](std::string_view name, std::string_view value) {
        text += name;
        text += ": ";
        text += value;
        text += "\r\n";
    };
    add("Via", vias.front());
    for (std::string_view route : inv.values(HeaderId::route))
        add("Route", route);
    add("Max-Forwards", "70");
    add("From", *from);
    add("To", *to);
    add("Call-ID", *call_id);
    add("CSeq", std::to_string(inv.cseq_number()) + " CANCEL");
    add("Content-Length", "0");
    text += "\r\n";
    return sip::parse_message(std::move(text));
}

}  // namespace happysip::proxy
