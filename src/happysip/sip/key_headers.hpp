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

// Everything interpret_key_headers checks, plus every Via value and every Contact
// (RFC 3261 §20.10, Outbound/GRUU parameters). What `happysip parse` and a server's
// front door use to decide between processing and 400.
std::optional<ParseError> validate_message(const Message& m);

// RFC 3261 §25.1: callid = word [ "@" word ].
bool is_valid_call_id(std::string_view id) noexcept;

}  // namespace happysip::sip
