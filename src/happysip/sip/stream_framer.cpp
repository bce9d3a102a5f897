#include "happysip/sip/stream_framer.hpp"

#include <cstring>

#include "happysip/sip/header_id.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

struct LengthScan {
    bool found = false;
    bool valid = true;
    std::size_t length = 0;
    std::size_t offset = 0;  // of the offending line, relative to the message
    std::string detail;
};

// Finds Content-Length (or its compact form "l") among the header lines of `head`.
LengthScan scan_content_length(std::string_view head) {
    LengthScan out;
    std::size_t pos = head.find('\n');  // skip the start line
    while (pos != std::string_view::npos && pos + 1 < head.size()) {
        std::size_t begin = pos + 1;
        std::size_t end = head.find('\n', begin);
        if (end == std::string_view::npos) end = head.size();
        std::string_view line = head.substr(begin, end - begin);
        pos = end;
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || line.empty() || chars::is_wsp(line[0])) continue;
        if (header_id_from_name(text::trim(line.substr(0, colon))) != HeaderId::content_length)
            continue;
        if (out.found) {
            out.valid = false;
            out.offset = begin;
            out.detail = "duplicate Content-Length header";
            return out;
        }
        std::string_view v = line.substr(colon + 1);
        if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
        auto n = text::parse_uint(text::trim(v));
        out.found = true;
        if (!n) {
            out.valid = false;
            out.offset = begin;
            out.detail = "Content-Length is not a decimal number";
            return out;
        }
        out.length = *n;
    }
    return out;
}

}  // namespace

void StreamFramer::feed(std::string_view bytes) {
    if (failed_) return;
    if (start_ > 0 && start_ >= buf_.size() / 2) {  // compact before growing
        buf_.erase(0, start_);
        start_ = 0;
    }
    buf_.append(bytes);
}

void StreamFramer::consume(std::size_t n) {
    start_ += n;
    stream_offset_ += n;
    scanned_ = 0;
    frame_size_ = 0;
    if (start_ == buf_.size()) {
        buf_.clear();
        start_ = 0;
    }
}

StreamFramer::Event StreamFramer::fail(ParseErrc code, std::size_t offset, std::string detail) {
    failed_ = true;
    error_ = ParseError{code, "", static_cast<std::uint32_t>(stream_offset_ + offset),
                        std::move(detail)};
    Event e;
    e.kind = Kind::error;
    e.error = error_;
    return e;
}

StreamFramer::Event StreamFramer::next() {
    Event e;
    if (failed_) {
        e.kind = Kind::error;
        e.error = error_;
        return e;
    }
    std::string_view data = std::string_view(buf_).substr(start_);
    if (data.empty()) return e;
    // RFC 5626 §4.4.1 keep-alives; RFC 3261 §7.5: CRLFs before a start line are ignored.
    if (data[0] == '\r' || data[0] == '\n') {
        if (data.starts_with("\r\n\r\n")) {
            consume(4);
            e.kind = Kind::ping;
            return e;
        }
        if (data.size() < 4 && std::string_view("\r\n\r\n").starts_with(data)) return e;
        consume(data.starts_with("\r\n") ? 2 : 1);
        e.kind = Kind::pong;
        return e;
    }
    if (frame_size_ == 0) {
        std::size_t from = scanned_ >= 3 ? scanned_ - 3 : 0;
        std::size_t head_end = data.find("\r\n\r\n", from);
        if (head_end == std::string_view::npos) {
            scanned_ = data.size();
            if (data.size() > limits_.max_message_size)
                return fail(ParseErrc::too_large, 0,
                            "no end of headers within " + std::to_string(limits_.max_message_size) +
                                " bytes");
            return e;
        }
        LengthScan cl = scan_content_length(data.substr(0, head_end + 2));
        if (!cl.valid) return fail(ParseErrc::bad_content_length, cl.offset, cl.detail);
        if (!cl.found)
            return fail(ParseErrc::bad_content_length, 0,
                        "Content-Length is mandatory on stream transports");
        frame_size_ = head_end + 4 + cl.length;
        if (frame_size_ > limits_.max_message_size)
            return fail(ParseErrc::too_large, 0,
                        "message exceeds " + std::to_string(limits_.max_message_size) + " bytes");
    }
    if (data.size() < frame_size_) return e;  // the body is still arriving
    e.kind = Kind::message;
    e.frame.assign(data.substr(0, frame_size_));
    consume(frame_size_);
    return e;
}

}  // namespace happysip::sip
