#include "happysip/stun/keepalive_responder.hpp"

#include <variant>

#include "happysip/stun/binding_request.hpp"
#include "happysip/stun/binding_response.hpp"

namespace happysip::stun {

Reply answer_keepalive(std::string_view datagram, const TransportAddress& source) {
    auto parsed = parse_binding_request(datagram);
    if (const auto* request = std::get_if<BindingRequest>(&parsed)) {
        // Mirror the request: a client that uses FINGERPRINT gets one back, a bare
        // RFC 5626 keep-alive gets the smallest answer.
        const auto fingerprint =
            request->has_fingerprint ? WithFingerprint::yes : WithFingerprint::no;
        return {ReplyKind::binding_success,
                binding_success(request->transaction_id, source, fingerprint)};
    }
    const auto& error = std::get<StunError>(parsed);
    switch (error.code) {
        case StunErrc::malformed_attribute:
            return {ReplyKind::bad_request, binding_error(error.transaction_id, 400)};
        case StunErrc::unknown_attributes:
            return {ReplyKind::unknown_attribute,
                    binding_error(error.transaction_id, 420, error.unknown_attributes)};
        default:
            return {};
    }
}

}  // namespace happysip::stun
