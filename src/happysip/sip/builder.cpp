#include "happysip/sip/builder.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/message_assembler.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/status_reason.hpp"

namespace happysip::sip {
namespace {

void line(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

// The response's lines in RFC 3261 §8.2.6's order, into a MessageAssembler (a Message
// noted as it is written) or a ResponseText (bytes only): one composition for both.
template <class Out>
void compose_response(Out& out, const Message& request, int status, std::string_view reason,
                      std::string_view to_tag, std::span<const std::string> extra_headers,
                      std::string_view last_header) {
    out.status_line(status, reason.empty() ? default_reason(status) : reason);
    for (const HeaderField& f : request.fields()) {
        if (f.removed) continue;
        switch (f.id) {
            case HeaderId::via:
            case HeaderId::from:
            case HeaderId::call_id:
            case HeaderId::cseq:
                out.copy_header(request, f, canonical_name(f.id));
                break;
            case HeaderId::to: {
                const std::string_view to = request.value(f);
                // RFC 3261 §8.2.6.2: the UAS adds a tag unless one is present; a 100 need not.
                // A tag is a parameter, so a To without ';' has none: the scan (a few %
                // of answering a REGISTER, issue 4) is needed only for one with ';'. Only
                // the tag is looked for: a To whose URI does not parse still has its tag
                // (the server's front door reads From and To for their tags alone).
                const bool has_tag =
                    to.find(';') != std::string_view::npos && name_addr_tag(to).has_value();
                // Unchecked only when it is as received and the tag is a plain token.
                const bool checked = !f.value_in_arena && chars::is_token(to_tag);
                out.begin_header(HeaderId::to, "To");
                out.text().append(to);
                if (!has_tag && !to_tag.empty() && status > 100)
                    out.text().append(";tag=").append(to_tag);
                out.end_header(checked);
                break;
            }
            case HeaderId::timestamp:
                if (status == 100) out.copy_header(request, f, "Timestamp");  // §8.2.6.1
                break;
            default:
                break;
        }
    }
    for (const std::string& h : extra_headers)
        out.header_line(h);
    if (!last_header.empty()) out.header_line(last_header);
}

// A response written as bytes and nothing else, for one that leaves at once and is never
// read as a Message: what the assembler notes for the parser's sake is not needed. A status
// line the parser would not read as written (MessageAssembler::plain_status_line) or a line
// break or NUL in a header line is remembered, and make_response is asked instead.
class ResponseText {
  public:
    explicit ResponseText(std::size_t reserve) { text_.reserve(reserve); }

    void status_line(int status, std::string_view reason) {
        if (!MessageAssembler::plain_status_line(status, reason)) odd_ = true;
        text_.append("SIP/2.0 ").append(std::to_string(status)).push_back(' ');
        text_.append(reason).append("\r\n");
    }
    void begin_header(HeaderId, std::string_view name) { text_.append(name).append(": "); }
    std::string& text() noexcept { return text_; }
    // The values copied are the request's, which parsed (or were edited by the server).
    void end_header(bool = false) { text_.append("\r\n"); }
    void copy_header(const Message& from, const HeaderField& f, std::string_view name) {
        begin_header(f.id, name);
        text_.append(from.value(f));
        end_header();
    }
    void header_line(std::string_view line) {
        if (chars::has_line_break_or_nul(line)) odd_ = true;
        text_.append(line).append("\r\n");
    }

    bool odd() const noexcept { return odd_; }
    std::string finish() && {
        text_.append("Content-Length: 0\r\n\r\n");
        return std::move(text_);
    }

  private:
    std::string text_;
    bool odd_ = false;
};

}  // namespace

Result<Message> make_response(const Message& request, int status, std::string_view reason,
                              std::string_view to_tag,
                              const std::vector<std::string>& extra_headers) {
    return make_response(request, status, reason, to_tag, extra_headers, {});
}

Result<Message> make_response(const Message& request, int status, std::string_view reason,
                              std::string_view to_tag, std::span<const std::string> extra_headers,
                              std::string_view last_header) {
    // Assembled rather than written and parsed: the fields are noted as the text grows
    // (message_assembler.hpp).
    MessageAssembler out(512);
    compose_response(out, request, status, reason, to_tag, extra_headers, last_header);
    return out.finish_without_body();
}

Result<std::string> response_bytes(const Message& request, int status, std::string_view reason,
                                   std::string_view to_tag,
                                   std::span<const std::string> extra_headers,
                                   std::string_view last_header) {
    ResponseText out(512);
    compose_response(out, request, status, reason, to_tag, extra_headers, last_header);
    if (!out.odd()) return std::move(out).finish();
    // What the parser makes of the odd text, or its error, exactly as for a Message.
    auto made = make_response(request, status, reason, to_tag, extra_headers, last_header);
    if (!made) return std::move(made).error();
    return made->serialize();
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
