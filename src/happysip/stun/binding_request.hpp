// A STUN Binding request as RFC 5626 §8 keep-alives send it to a SIP server's UDP port:
// parsed on the server side, built on the client side.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "happysip/stun/message.hpp"

namespace happysip::stun {

struct BindingRequest {
    TransactionId transaction_id{};
    bool has_fingerprint = false;
    bool has_message_integrity = false;
};

using BindingRequestResult = std::variant<BindingRequest, StunError>;

// RFC 5389 §7.3 and §7.3.1 for a Binding request. Errors, in the order checked:
// not_stun / bad_length (header), not_a_request, unsupported_method, then over the
// attributes malformed_attribute, bad_fingerprint, and last unknown_attributes (listing
// at most k_max_unknown_listed distinct types). The transaction id is filled in for all
// but the header errors.
BindingRequestResult parse_binding_request(std::string_view bytes);

// The UNKNOWN-ATTRIBUTES list is capped so that a request full of junk attributes costs a
// bounded amount of work and never earns a large answer.
inline constexpr std::size_t k_max_unknown_listed = 16;

enum class WithFingerprint : bool { no, yes };

// A Binding request without attributes (RFC 5626 §8: keep-alive requests need none),
// optionally with FINGERPRINT. For UAs and tests.
std::string binding_request(const TransactionId& id,
                            WithFingerprint fingerprint = WithFingerprint::no);

}  // namespace happysip::stun
