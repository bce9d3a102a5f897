#include "happysip/stun/message.hpp"

#include <algorithm>

#include "happysip/stun/attribute_reader.hpp"

namespace happysip::stun {

TransportAddress TransportAddress::v4(const std::array<std::uint8_t, 4>& ip, std::uint16_t port) {
    TransportAddress a;
    std::copy(ip.begin(), ip.end(), a.ip.begin());
    a.ip_size = 4;
    a.port = port;
    return a;
}

TransportAddress TransportAddress::v6(const std::array<std::uint8_t, 16>& ip, std::uint16_t port) {
    TransportAddress a;
    a.ip = ip;
    a.ip_size = 16;
    a.port = port;
    return a;
}

std::string_view to_string(StunErrc code) noexcept {
    switch (code) {
        case StunErrc::not_stun:
            return "not a STUN message";
        case StunErrc::bad_length:
            return "bad STUN message length";
        case StunErrc::not_a_request:
            return "not a STUN request";
        case StunErrc::not_a_response:
            return "not a STUN response";
        case StunErrc::unsupported_method:
            return "unsupported STUN method";
        case StunErrc::bad_fingerprint:
            return "bad FINGERPRINT";
        case StunErrc::malformed_attribute:
            return "malformed STUN attribute";
        case StunErrc::unknown_attributes:
            return "unknown comprehension-required attribute";
        case StunErrc::missing_attribute:
            return "missing STUN attribute";
    }
    return "STUN error";
}

std::optional<Header> read_header(std::string_view b, StunErrc& error) noexcept {
    if (!looks_like_stun(b)) {
        error = StunErrc::not_stun;
        return std::nullopt;
    }
    Header h;
    h.length = read_u16(b, 2);
    // RFC 5389 §6: attributes are padded, so the length is a multiple of 4; over UDP a
    // message is exactly one datagram.
    if (h.length % 4 != 0 || b.size() != k_header_size + h.length) {
        error = StunErrc::bad_length;
        return std::nullopt;
    }
    const std::uint16_t type = read_u16(b, 0);
    h.message_class =
        static_cast<MessageClass>(((type >> 7) & 0x2) | ((type >> 4) & 0x1));  // C1, C0
    h.method = static_cast<std::uint16_t>((type & 0x000F) | ((type >> 1) & 0x0070) |
                                          ((type >> 2) & 0x0F80));
    for (std::size_t i = 0; i < h.transaction_id.size(); ++i)
        h.transaction_id[i] = static_cast<std::uint8_t>(b[8 + i]);
    return h;
}

std::uint16_t message_type(MessageClass c, std::uint16_t method) noexcept {
    const auto cls = static_cast<std::uint16_t>(c);
    return static_cast<std::uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                                      ((method & 0x0F80) << 2) | ((cls & 0x1) << 4) |
                                      ((cls & 0x2) << 7));
}

}  // namespace happysip::stun
