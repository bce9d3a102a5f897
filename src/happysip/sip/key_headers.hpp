// The headers every layer above sip/ acts on, interpreted together: the top Via (the
// transaction key), From and To (dialog identifiers), Call-ID, the Request-URI and
// Max-Forwards. A message whose key headers do not parse gets a 400 with the reason
// from the returned error. Views point into the Message and share its lifetime.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "happysip/sip/message.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/uri.hpp"
#include "happysip/sip/via.hpp"

namespace happysip::sip {

struct KeyHeaders {
    Via top_via;
    NameAddr from;
    NameAddr to;
    std::string_view call_id;
    std::optional<Uri> request_uri;            // requests only
    std::optional<std::uint8_t> max_forwards;  // absent header: nullopt
};

Result<KeyHeaders> interpret_key_headers(const Message& m);
// The same, filling `out` in place (a server reuses one KeyHeaders per worker).
std::optional<ParseError> interpret_key_headers(const Message& m, KeyHeaders& out);

// What a proxy reads before forwarding (RFC 3261 §16.3-16.7, §16.11): the same as
// KeyHeaders except that From and To yield only their tags. RFC 3261 §16.3 has a proxy
// check the components it uses and leave the others, well-formed or not, unchanged; the
// From/To URIs are not among them, so their display names and URIs are located (quotes
// and <> respected) but not interpreted, while their header parameters are validated.
// Via, Call-ID, the Request-URI and Max-Forwards are checked exactly as by
// interpret_key_headers.
struct ProxyKeyHeaders {
    Via top_via;
    std::optional<std::string_view> from_tag;
    std::optional<std::string_view> to_tag;  // absent before the dialog exists
    std::string_view call_id;
    std::optional<Uri> request_uri;            // requests only
    std::optional<std::uint8_t> max_forwards;  // absent header: nullopt
};

std::optional<ParseError> interpret_proxy_key_headers(const Message& m, ProxyKeyHeaders& out);
// The top Via's branch, the transaction's name in logs; empty when the key headers do not
// parse. Read when a log line asks, not for every request.
std::string top_via_branch(const Message& m);

// Everything interpret_key_headers checks, plus every Via value and every Contact
// (RFC 3261 §20.10, Outbound/GRUU parameters). What `happysip parse` and a server's
// front door use to decide between processing and 400.
std::optional<ParseError> validate_message(const Message& m);

// RFC 3261 §25.1: callid = word [ "@" word ].
bool is_valid_call_id(std::string_view id) noexcept;

}  // namespace happysip::sip
