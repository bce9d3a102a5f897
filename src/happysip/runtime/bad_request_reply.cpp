#include "happysip/runtime/bad_request_reply.hpp"

#include <cstddef>
#include <vector>

#include "happysip/sip/text.hpp"

namespace happysip::runtime {

namespace {

struct Line {
    std::string_view name;
    std::string_view whole;  // the line without its line end
};

// Header lines up to the blank line; continuation lines are dropped (a salvaged 400 only
// copies the few headers it needs, and those are rarely folded).
std::vector<Line> header_lines(std::string_view bytes) {
    std::vector<Line> out;
    std::size_t pos = bytes.find('\n');
    while (pos != std::string_view::npos && pos + 1 < bytes.size() && out.size() < 256) {
        const std::size_t start = pos + 1;
        std::size_t end = bytes.find('\n', start);
        std::string_view line =
            bytes.substr(start, end == std::string_view::npos ? end : end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;
        pos = end;
        if (line.front() == ' ' || line.front() == '\t') continue;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        out.push_back({sip::text::trim(line.substr(0, colon)), line});
    }
    return out;
}

bool is(std::string_view name, std::string_view full, std::string_view compact) {
    return sip::text::iequals(name, full) ||
           (!compact.empty() && sip::text::iequals(name, compact));
}

// A reason phrase is TEXT-UTF8 without CR/LF (RFC 3261 §25.1); keep it short and plain.
std::string clean_reason(std::string_view reason) {
    std::string out = "Bad Request";
    if (!reason.empty()) out += ": ";
    for (char c : reason) {
        if (out.size() >= 160) break;
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
    return out;
}

}  // namespace

std::optional<std::string> bad_request_reply(std::string_view bytes, std::string_view reason) {
    if (bytes.substr(0, 4) == "SIP/") return std::nullopt;  // a response: never answered
    const auto first_end = bytes.find('\n');
    if (first_end == std::string_view::npos) return std::nullopt;
    const std::string_view request_line = bytes.substr(0, first_end);
    if (request_line.substr(0, 4) == "ACK ") return std::nullopt;  // §17.2.3: no reply to ACK

    std::string vias, from, to, call_id, cseq;
    std::string_view cseq_value;
    for (const Line& l : header_lines(bytes)) {
        const std::string line = std::string(l.whole) + "\r\n";
        if (is(l.name, "Via", "v")) {
            vias += line;
        } else if (is(l.name, "From", "f") && from.empty()) {
            from = line;
        } else if (is(l.name, "To", "t") && to.empty()) {
            to = line;
        } else if (is(l.name, "Call-ID", "i") && call_id.empty()) {
            call_id = line;
        } else if (is(l.name, "CSeq", "") && cseq.empty()) {
            cseq = line;
            cseq_value = sip::text::trim(l.whole.substr(l.whole.find(':') + 1));
        }
    }
    // The client matches the answer by its branch and CSeq (§17.1.3): without them, or for
    // an ACK, there is nobody to answer.
    if (vias.find("branch=") == std::string::npos || cseq.empty()) return std::nullopt;
    // "CSeq: 4 ACK": the method is the last word of the value.
    if (cseq_value.ends_with("ACK") &&
        (cseq_value.size() == 3 || cseq_value[cseq_value.size() - 4] == ' ' ||
         cseq_value[cseq_value.size() - 4] == '\t')) {
        return std::nullopt;
    }

    std::string reply = "SIP/2.0 400 " + clean_reason(reason) + "\r\n";
    reply += vias + from + to + call_id + cseq;
    reply += "Content-Length: 0\r\n\r\n";
    return reply;
}

}  // namespace happysip::runtime
