#include "happysip/txn/ack.hpp"

#include <string>
#include <string_view>

#include "happysip/sip/header_id.hpp"

namespace happysip::txn {
namespace {

void line(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

sip::Result<sip::Message> make_ack_for_non_2xx(const sip::Message& invite,
                                               const sip::Message& response) {
    using sip::HeaderId;
    const auto vias = invite.values(HeaderId::via);
    const auto from = invite.header(HeaderId::from);
    const auto to = response.header(HeaderId::to);
    const auto call_id = invite.header(HeaderId::call_id);
    if (vias.empty() || !from || !to || !call_id) {
        return sip::make_error(sip::ParseErrc::missing_header, "", 0,
                               "INVITE or response lacks Via, From, To or Call-ID");
    }
    std::string out;
    out.reserve(invite.raw().size());
    out.append("ACK ").append(invite.request_uri()).append(" SIP/2.0\r\n");
    line(out, "Via", vias.front());
    for (std::string_view route : invite.values(HeaderId::route))
        line(out, "Route", route);
    line(out, "Max-Forwards", "70");
    line(out, "From", *from);
    line(out, "To", *to);
    line(out, "Call-ID", *call_id);
    line(out, "CSeq", std::to_string(invite.cseq_number()) + " ACK");
    line(out, "Content-Length", "0");
    out.append("\r\n");
    return sip::parse_message(std::move(out));
}

}  // namespace happysip::txn
