// What a SIP server answers to a STUN datagram on its UDP port (RFC 5626 §8: "a limited
// version of a STUN server", RFC 5389 §7.3): the sans-I/O decision, given the datagram and
// the source it came from. The caller sends `bytes` back to that source only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "happysip/stun/message.hpp"

namespace happysip::stun {

enum class ReplyKind : std::uint8_t {
    ignored,            // not a request, not Binding, bad length or FINGERPRINT: no answer
    binding_success,    // XOR-MAPPED-ADDRESS of the source
    bad_request,        // 400: a sound header but attributes that do not parse
    unknown_attribute,  // 420 with UNKNOWN-ATTRIBUTES (RFC 5389 §7.3.1)
};

struct Reply {
    ReplyKind kind = ReplyKind::ignored;
    std::string bytes;  // empty when ignored
};

// RFC 5389 §7.3: a message failing the basic checks (class, method, length, FINGERPRINT)
// is discarded silently: it may well not be STUN, and answering it would make us a
// reflector for any datagram with a cookie in it. Only requests are ever answered, and the
// answer is at most a few dozen bytes (FINGERPRINT only if the request had one), so it
// never amplifies much.
Reply answer_keepalive(std::string_view datagram, const TransportAddress& source);

}  // namespace happysip::stun
