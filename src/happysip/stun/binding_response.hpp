// Binding responses (RFC 5389 §7.3.1, §15.2, §15.6, §15.9): the success a server returns
// to a keep-alive, with the source it saw in XOR-MAPPED-ADDRESS (RFC 5626 §8: the UA
// compares it between keep-alives to notice a NAT rebinding, §4.4.2), and the 400/420
// error responses. The parser is for the client side and for tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "happysip/stun/binding_request.hpp"
#include "happysip/stun/message.hpp"

namespace happysip::stun {

// Binding success response: XOR-MAPPED-ADDRESS of `source`, then FINGERPRINT unless told
// otherwise. 40 bytes for IPv4, 52 for IPv6 (32 / 44 without FINGERPRINT).
std::string binding_success(const TransactionId& id, const TransportAddress& source,
                            WithFingerprint fingerprint = WithFingerprint::yes);

// Binding error response with ERROR-CODE `code` (300-699) and its RFC 5389 §15.6 reason,
// UNKNOWN-ATTRIBUTES when `unknown` is not empty (a 420), then FINGERPRINT.
std::string binding_error(const TransactionId& id, int code,
                          std::span<const std::uint16_t> unknown = {},
                          WithFingerprint fingerprint = WithFingerprint::yes);

struct BindingResponse {
    TransactionId transaction_id{};
    MessageClass message_class = MessageClass::success;  // success or error
    std::optional<TransportAddress> mapped;  // XOR-MAPPED-ADDRESS (required in a success)
    int error_code = 0;                      // ERROR-CODE (required in an error)
    std::string reason;
    std::vector<std::uint16_t> unknown_attributes;
    bool has_fingerprint = false;
};

// A Binding success or error response; FINGERPRINT verified when present.
std::variant<BindingResponse, StunError> parse_binding_response(std::string_view bytes);

}  // namespace happysip::stun
