#include "happysip/sip/result.hpp"

namespace happysip::sip {

std::string_view to_string(ParseErrc code) noexcept {
    switch (code) {
        case ParseErrc::truncated:
            return "truncated";
        case ParseErrc::too_large:
            return "too large";
        case ParseErrc::bad_start_line:
            return "bad start line";
        case ParseErrc::unsupported_version:
            return "unsupported SIP version";
        case ParseErrc::bad_header:
            return "bad header";
        case ParseErrc::missing_header:
            return "missing header";
        case ParseErrc::bad_content_length:
            return "bad Content-Length";
        case ParseErrc::bad_uri:
            return "bad URI";
        case ParseErrc::cseq_method_mismatch:
            return "CSeq method mismatch";
    }
    return "unknown error";
}

std::string_view code_name(ParseErrc code) noexcept {
    switch (code) {
        case ParseErrc::truncated:
            return "truncated";
        case ParseErrc::too_large:
            return "too_large";
        case ParseErrc::bad_start_line:
            return "bad_start_line";
        case ParseErrc::unsupported_version:
            return "unsupported_version";
        case ParseErrc::bad_header:
            return "bad_header";
        case ParseErrc::missing_header:
            return "missing_header";
        case ParseErrc::bad_content_length:
            return "bad_content_length";
        case ParseErrc::bad_uri:
            return "bad_uri";
        case ParseErrc::cseq_method_mismatch:
            return "cseq_method_mismatch";
    }
    return "unknown";
}

std::string ParseError::to_string() const {
    std::string out;
    if (!header.empty() && (code == ParseErrc::bad_header || code == ParseErrc::bad_uri)) {
        out = "bad " + header + " header";
    } else if (!header.empty() && code == ParseErrc::missing_header) {
        out = "missing " + header + " header";
    } else {
        out = std::string(sip::to_string(code));
        if (!header.empty()) out += " in " + header;
    }
    out += " at byte " + std::to_string(offset);
    if (!detail.empty()) out += ": " + detail;
    return out;
}

}  // namespace happysip::sip
