#include "happysip/sip/builder.hpp"

#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/status_reason.hpp"

namespace happysip::sip {
namespace {

void line(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

Result<Message> make_response(const Message& request, int status, std::string_view reason,
                              std::string_view to_tag,
                              const std::vector<std::string>& extra_headers) {
    return make_response(request, status, reason, to_tag, extra_headers, {});
}

Result<Message> make_response(const Message& request, int status, std::string_view reason,
                              std::string_view to_tag, std::span<const std::string> extra_headers,
                              std::string_view last_header) {
    std::string out;
    out.reserve(512);
    out.append("SIP/2.0 ").append(std::to_string(status)).append(" ");
    out.append(reason.empty() ? default_reason(status) : reason).append("\r\n");
    for (const HeaderField& f : request.fields()) {
        if (f.removed) continue;
        switch (f.id) {
            case HeaderId::via:
            case HeaderId::from:
            case HeaderId::call_id:
            case HeaderId::cseq:
                line(out, canonical_name(f.id), request.value(f));
                break;
            case HeaderId::to: {
                const std::string_view to = request.value(f);
                // RFC 3261 §8.2.6.2: the UAS adds a tag unless one is present; a 100 need not.
                // A tag is a parameter, so a To without ';' has none: the parse (a few %
                // of answering a REGISTER, issue 4) is needed only for one with ';'.
                bool has_tag = false;
                if (to.find(';') != std::string_view::npos) {
                    auto parsed = parse_name_addr(to, "To");
                    has_tag = parsed && parsed->tag().has_value();
                }
                out.append("To: ").append(to);
                if (!has_tag && !to_tag.empty() && status > 100) out.append(";tag=").append(to_tag);
                out.append("\r\n");
                break;
            }
            case HeaderId::timestamp:
                if (status == 100) line(out, "Timestamp", request.value(f));  // §8.2.6.1
                break;
            default:
                break;
        }
    }
    for (const std::string& h : extra_headers)
        out.append(h).append("\r\n");
    if (!last_header.empty()) out.append(last_header).append("\r\n");
    out.append("Content-Length: 0\r\n\r\n");
    return parse_message(std::move(out));
}

Result<Message> make_request(const RequestParts& p) {
    std::string out;
    out.reserve(512 + p.body.size());
    out.append(p.method).append(" ").append(p.request_uri).append(" SIP/2.0\r\n");
    std::string via = "SIP/2.0/" + p.via_transport + " " + p.via_sent_by + ";branch=" + p.branch;
    if (p.rport) via.append(";rport");
    line(out, "Via", via);
    line(out, "Max-Forwards", std::to_string(p.max_forwards));
    for (const std::string& r : p.routes)
        line(out, "Route", r);
    line(out, "From", p.from_tag.empty() ? p.from : p.from + ";tag=" + p.from_tag);
    line(out, "To", p.to);
    line(out, "Call-ID", p.call_id);
    line(out, "CSeq", std::to_string(p.cseq) + " " + p.method);
    if (!p.contact.empty()) line(out, "Contact", p.contact);
    for (const std::string& h : p.extra_headers)
        out.append(h).append("\r\n");
    if (!p.body.empty()) line(out, "Content-Type", p.content_type);
    line(out, "Content-Length", std::to_string(p.body.size()));
    out.append("\r\n").append(p.body);
    return parse_message(std::move(out));
}

}  // namespace happysip::sip
