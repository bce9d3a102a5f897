// RFC 3261 §16.3 request validation, before a proxy forwards anything: URI scheme (416),
// Max-Forwards (483), loop detection (482, §16.3 item 4 with the branch of §16.6 item 8),
// Proxy-Require (420). Authentication (item 6) is the caller's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/proxy/local_identity.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

struct Rejection {
    int status = 400;
    std::string reason;                // empty: the standard phrase
    std::vector<std::string> headers;  // whole lines, e.g. "Unsupported: foo"
};

// Option tags this proxy supports in Proxy-Require.
// "gin" (RFC 6140): a PBX's bulk REGISTER says Proxy-Require: gin; a proxy that relays it
// (the [edge] role) needs nothing more than to pass it on.
inline constexpr std::string_view k_proxy_option_tags[] = {"path", "outbound", "gruu", "gin"};

// nullopt when the request may be forwarded.
std::optional<Rejection> check_request(const sip::Message& request, const LocalIdentity& self);
// The same for a caller that has parsed the Request-URI already (`request_uri`: the
// parse of request.request_uri()); a proxy reads it several times per request (issue 4).
std::optional<Rejection> check_request(const sip::Message& request,
                                       const sip::Result<sip::Uri>& request_uri,
                                       const LocalIdentity& self);

// RFC 3261 §16.6 item 8: the part of the branch that lets a proxy recognise a request it
// has already forwarded unchanged (a loop) from one that comes back changed (a spiral):
// a hash of the Request-URI as received, From tag, To tag, Call-ID, CSeq number,
// Proxy-Require and Proxy-Authorization. §16.6 also lists the topmost Via, but a looped
// request comes back with another hop's Via on top, so a hash over it never matches and
// the loop would only end at Max-Forwards 0; it is left out. 16 hex digits.
std::string loop_hash(const sip::Message& request);

}  // namespace happysip::proxy
