// STUN on the SIP UDP port (stun/): the demultiplexing test, the Binding request parser,
// the keep-alive responder and the response parser, on one input.
// Invariants checked: looks_like_stun agrees with the parser's not_stun, an UNKNOWN-
// ATTRIBUTES list is short, distinct and comprehension-required, only requests are ever
// answered, every answer is small, parses back and carries the request's transaction id,
// a success maps the source exactly, and a parsed response re-encodes to the same address.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "happysip/stun/binding_request.hpp"
#include "happysip/stun/binding_response.hpp"
#include "happysip/stun/keepalive_responder.hpp"

namespace {

using namespace happysip::stun;

// Header + ERROR-CODE with the longest reason + a full UNKNOWN-ATTRIBUTES + FINGERPRINT.
constexpr std::size_t k_max_answer = 20 + 28 + 4 + 2 * k_max_unknown_listed + 8;

// A source address taken from the input, so both families get exercised.
TransportAddress source_from(std::string_view in) {
    std::array<std::uint8_t, 16> ip{};
    for (std::size_t i = 0; i < ip.size() && i < in.size(); ++i)
        ip[i] = static_cast<std::uint8_t>(in[in.size() - 1 - i]);
    const auto port = static_cast<std::uint16_t>(in.size() * 2654435761U);
    if (in.size() % 2 == 0) return TransportAddress::v4({ip[0], ip[1], ip[2], ip[3]}, port);
    return TransportAddress::v6(ip, port);
}

void check_request(std::string_view in) {
    auto parsed = parse_binding_request(in);
    const auto* error = std::get_if<StunError>(&parsed);
    if ((error && error->code == StunErrc::not_stun) == looks_like_stun(in)) std::abort();
    if (error) {
        const auto& unknown = error->unknown_attributes;
        if (unknown.size() > k_max_unknown_listed) std::abort();
        if ((error->code == StunErrc::unknown_attributes) == unknown.empty()) std::abort();
        for (std::size_t i = 0; i < unknown.size(); ++i) {
            if (unknown[i] >= 0x8000) std::abort();
            if (std::count(unknown.begin(), unknown.end(), unknown[i]) != 1) std::abort();
        }
    }

    const TransportAddress source = source_from(in);
    const Reply reply = answer_keepalive(in, source);
    if ((reply.kind == ReplyKind::ignored) != reply.bytes.empty()) std::abort();
    if (reply.kind == ReplyKind::binding_success && error) std::abort();
    if (reply.bytes.size() > k_max_answer) std::abort();
    if (reply.kind == ReplyKind::ignored) return;
    // Only a request gets an answer: byte 0 bit 0 is C1, byte 1 bit 4 is C0.
    if ((in[0] & 0x01) != 0 || (in[1] & 0x10) != 0) std::abort();
    auto answer = parse_binding_response(reply.bytes);
    const auto* r = std::get_if<BindingResponse>(&answer);
    if (!r) std::abort();
    const TransactionId id =
        error ? error->transaction_id : std::get<BindingRequest>(parsed).transaction_id;
    if (r->transaction_id != id) std::abort();
    if (reply.kind == ReplyKind::binding_success) {
        if (r->message_class != MessageClass::success || r->mapped != source) std::abort();
    } else {
        if (r->error_code != (reply.kind == ReplyKind::bad_request ? 400 : 420)) std::abort();
        if (error && r->unknown_attributes != error->unknown_attributes) std::abort();
    }
}

void check_response(std::string_view in) {
    auto parsed = parse_binding_response(in);
    const auto* r = std::get_if<BindingResponse>(&parsed);
    if (!r) return;
    if (r->message_class == MessageClass::success) {
        if (!r->mapped) std::abort();
        auto again = parse_binding_response(binding_success(r->transaction_id, *r->mapped));
        const auto* back = std::get_if<BindingResponse>(&again);
        if (!back || back->mapped != r->mapped || !back->has_fingerprint) std::abort();
    } else if (r->error_code < 300 || r->error_code > 699) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A copy of exactly `size` bytes, so ASan sees any read past the datagram.
    const std::string input(reinterpret_cast<const char*>(data), size);
    check_request(input);
    check_response(input);
    return 0;
}
