// Cuts a byte stream (TCP, TLS) into SIP messages by Content-Length (RFC 3261 §18.3)
// and recognises the CRLF keep-alives of RFC 5626 §4.4.1 between messages: a
// double CRLF is a ping (answer with one CRLF), a single CRLF is a pong.
//
// Sans-I/O: the transport feeds whatever bytes arrived and drains events until it
// gets need_more. After an error the stream cannot be resynchronised: the caller
// answers 400 if it can and closes the connection; next() keeps returning the error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "happysip/sip/message.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::sip {

class StreamFramer {
  public:
    enum class Kind { need_more, message, ping, pong, error };
    struct Event {
        Kind kind = Kind::need_more;
        std::string frame;  // Kind::message: exactly one message's bytes, for parse_message
        ParseError error;   // Kind::error
    };

    explicit StreamFramer(ParseLimits limits = {}) : limits_(limits) {}

    void feed(std::string_view bytes);
    Event next();

    // Bytes received but not yet returned in an event (for connection accounting).
    std::size_t buffered() const noexcept { return buf_.size() - start_; }

  private:
    Event fail(ParseErrc code, std::size_t offset, std::string detail);
    void consume(std::size_t n);

    ParseLimits limits_;
    std::string buf_;
    std::size_t start_ = 0;          // first unconsumed byte
    std::size_t scanned_ = 0;        // bytes after start_ already searched for the header end
    std::size_t frame_size_ = 0;     // size of the message at start_ once its head is complete
    std::size_t stream_offset_ = 0;  // bytes consumed before start_, for error offsets
    bool failed_ = false;
    ParseError error_;
};

}  // namespace happysip::sip
