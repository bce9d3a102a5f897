#include "happysip/stun/binding_request.hpp"

#include <algorithm>

#include "happysip/stun/attribute_reader.hpp"
#include "happysip/stun/message_writer.hpp"

namespace happysip::stun {

namespace {

// The comprehension-required attributes (0x0000-0x7FFF, RFC 5389 §15) this server
// understands in a Binding request. Understanding USERNAME, MESSAGE-INTEGRITY, REALM and
// NONCE here means knowing to ignore them: the RFC 5626 §8 keep-alive usage has no
// credentials, RFC 5389 §10 leaves authentication to each usage, so a request that
// carries them is answered like any other, without MESSAGE-INTEGRITY of our own (we
// have no key to compute one with). The rest are known RFC 5389 attributes that carry
// nothing for a request.
bool understood(std::uint16_t type) noexcept {
    switch (type) {
        case k_attr_mapped_address:
        case k_attr_username:
        case k_attr_message_integrity:
        case k_attr_error_code:
        case k_attr_unknown_attributes:
        case k_attr_realm:
        case k_attr_nonce:
        case k_attr_xor_mapped_address:
            return true;
        default:
            return false;
    }
}

}  // namespace

BindingRequestResult parse_binding_request(std::string_view bytes) {
    StunErrc header_error{};
    const auto header = read_header(bytes, header_error);
    if (!header) return stun_error(header_error);
    const TransactionId& id = header->transaction_id;
    // RFC 5389 §7.3: responses and indications get no answer, whatever they hold.
    if (header->message_class != MessageClass::request)
        return stun_error(StunErrc::not_a_request, id);
    if (header->method != k_method_binding) return stun_error(StunErrc::unsupported_method, id);

    BindingRequest request{id, false, false};
    std::vector<std::uint16_t> unknown;
    AttributeReader reader(bytes);
    while (auto attr = reader.next()) {
        if (attr->type == k_attr_fingerprint) {
            if (!fingerprint_matches(bytes, *attr))
                return stun_error(StunErrc::bad_fingerprint, id);
            request.has_fingerprint = true;
            continue;  // it is the last one
        }
        // RFC 5389 §15.4: everything after MESSAGE-INTEGRITY but FINGERPRINT is ignored.
        if (request.has_message_integrity) continue;
        if (attr->type == k_attr_message_integrity) {
            request.has_message_integrity = true;
            continue;
        }
        if (attr->type < 0x8000 && !understood(attr->type) &&
            unknown.size() < k_max_unknown_listed &&
            std::find(unknown.begin(), unknown.end(), attr->type) == unknown.end())
            unknown.push_back(attr->type);
    }
    if (reader.malformed()) return stun_error(StunErrc::malformed_attribute, id);
    if (!unknown.empty()) return StunError{StunErrc::unknown_attributes, id, std::move(unknown)};
    return request;
}

std::string binding_request(const TransactionId& id, WithFingerprint fingerprint) {
    MessageWriter w(MessageClass::request, k_method_binding, id);
    if (fingerprint == WithFingerprint::yes) w.add_fingerprint();
    return std::move(w).finish();
}

}  // namespace happysip::stun
