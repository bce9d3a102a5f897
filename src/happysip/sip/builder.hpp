// Creating messages. A response is built from its request as RFC 3261 §8.2.6 says;
// a request from its parts. A request is composed as text and parsed; a response is
// assembled with its fields noted as the parser would find them (message_assembler.hpp),
// and parsed only when its text holds something the parser would read otherwise. Either
// way a built message obeys exactly the same invariants as a received one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "happysip/sip/message.hpp"

namespace happysip::sip {

// RFC 3261 §8.2.6.2: Via (all, in order), From, To, Call-ID and CSeq copied; a To tag
// added when the request's To has none and `to_tag` is given (never on 100, §8.2.6.1,
// which copies Timestamp instead). `extra_headers` are whole lines without CRLF.
Result<Message> make_response(const Message& request, int status, std::string_view reason = {},
                              std::string_view to_tag = {},
                              const std::vector<std::string>& extra_headers = {});
// The same with one more line after `extra_headers` (empty: none), so that a server adding
// its Server header need not copy the caller's lines (issue 4: a REGISTER's 200).
Result<Message> make_response(const Message& request, int status, std::string_view reason,
                              std::string_view to_tag, std::span<const std::string> extra_headers,
                              std::string_view last_header);
// The bytes of that response (make_response(...)->serialize()), written straight out for
// one sent at once and never read as a Message: a stateless answer (RFC 3261 §8.2.7),
// which skips noting each field for the parser (issue 4: a quarter of answering an
// OPTIONS). The reason phrase and `extra_headers` are the caller's own and go out as
// written; a status line the parser would not read as written (a status outside 100-699,
// a CTL in the reason, over the line limit) or a line break or NUL in a line gets
// make_response's answer, parsed text or error.
Result<std::string> response_bytes(const Message& request, int status, std::string_view reason,
                                   std::string_view to_tag,
                                   std::span<const std::string> extra_headers,
                                   std::string_view last_header);

struct RequestParts {
    std::string method = "OPTIONS";
    std::string request_uri;
    std::string via_transport = "UDP";  // UDP, TCP, TLS, WS, WSS
    std::string via_sent_by;            // host[:port]; IPv6 in brackets
    std::string branch;                 // must start with z9hG4bK (RFC 3261 §8.1.1.7)
    bool rport = true;                  // RFC 3581
    std::string from;                   // name-addr without tag
    std::string from_tag;
    std::string to;  // name-addr
    std::string call_id;
    std::uint32_t cseq = 1;
    std::uint8_t max_forwards = 70;
    std::string contact;                     // name-addr, optional
    std::vector<std::string> routes;         // Route values, in order
    std::vector<std::string> extra_headers;  // whole header lines without CRLF
    std::string content_type;
    std::string body;
};

Result<Message> make_request(const RequestParts& parts);

}  // namespace happysip::sip
