// The STUN message header and the values shared by requests and responses (RFC 5389 §6,
// §15, §18). A STUN message on a SIP UDP port is a keep-alive of RFC 5626 §4.4.2/§8.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace happysip::stun {

inline constexpr std::uint32_t k_magic_cookie = 0x2112A442;  // RFC 5389 §6
inline constexpr std::size_t k_header_size = 20;
inline constexpr std::uint16_t k_method_binding = 0x001;

// Attribute types of RFC 5389 §18.2 that this module reads or writes.
inline constexpr std::uint16_t k_attr_mapped_address = 0x0001;
inline constexpr std::uint16_t k_attr_username = 0x0006;
inline constexpr std::uint16_t k_attr_message_integrity = 0x0008;
inline constexpr std::uint16_t k_attr_error_code = 0x0009;
inline constexpr std::uint16_t k_attr_unknown_attributes = 0x000A;
inline constexpr std::uint16_t k_attr_realm = 0x0014;
inline constexpr std::uint16_t k_attr_nonce = 0x0015;
inline constexpr std::uint16_t k_attr_xor_mapped_address = 0x0020;
inline constexpr std::uint16_t k_attr_software = 0x8022;
inline constexpr std::uint16_t k_attr_fingerprint = 0x8028;

// RFC 5389 §6: the two class bits C1 C0, spread over the message type.
enum class MessageClass : std::uint8_t { request = 0, indication = 1, success = 2, error = 3 };

using TransactionId = std::array<std::uint8_t, 12>;

// An IP address as network-order bytes (4 or 16 of them) and a port: what
// XOR-MAPPED-ADDRESS carries, without the socket headers of any platform.
struct TransportAddress {
    std::array<std::uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
    std::uint8_t ip_size = 4;           // 4 or 16
    std::uint16_t port = 0;

    static TransportAddress v4(const std::array<std::uint8_t, 4>& ip, std::uint16_t port);
    static TransportAddress v6(const std::array<std::uint8_t, 16>& ip, std::uint16_t port);
    bool is_v6() const noexcept { return ip_size == 16; }
    friend bool operator==(const TransportAddress&, const TransportAddress&) = default;
};

enum class StunErrc : std::uint8_t {
    not_stun,             // no STUN header: too short, top bits set, or no magic cookie
    bad_length,           // length field not a multiple of 4 or not the datagram's size
    not_a_request,        // a response or an indication where a request was expected
    not_a_response,       // a request or an indication where a response was expected
    unsupported_method,   // a method other than Binding
    bad_fingerprint,      // FINGERPRINT present but wrong, misplaced or mis-sized
    malformed_attribute,  // an attribute runs past the end, or a value has a bad shape
    unknown_attributes,   // comprehension-required attributes we do not understand
    missing_attribute,    // a response without the attribute its class requires
};

std::string_view to_string(StunErrc code) noexcept;

struct StunError {
    StunErrc code{};
    // Zero unless the header was sound enough to read one.
    TransactionId transaction_id{};
    // For unknown_attributes: the types to list in UNKNOWN-ATTRIBUTES (RFC 5389 §7.3.1).
    std::vector<std::uint16_t> unknown_attributes;
};

inline StunError stun_error(StunErrc code, const TransactionId& id = {}) {
    return StunError{code, id, {}};
}

// The demultiplexing test (RFC 5389 §6, RFC 7983 §7: a first byte of 0-3 is STUN): at
// least a header, a first byte below 4 and the magic cookie. A SIP message starts with a
// token character or CR/LF, so for SIP this fails on its first byte. Inline: every UDP
// datagram pays for it.
inline bool looks_like_stun(std::string_view b) noexcept {
    const auto byte = [&b](std::size_t i) { return static_cast<unsigned char>(b[i]); };
    return b.size() >= k_header_size && byte(0) < 4 && byte(4) == (k_magic_cookie >> 24) &&
           byte(5) == ((k_magic_cookie >> 16) & 0xFF) &&
           byte(6) == ((k_magic_cookie >> 8) & 0xFF) && byte(7) == (k_magic_cookie & 0xFF);
}

struct Header {
    MessageClass message_class{};
    std::uint16_t method = 0;
    std::uint16_t length = 0;  // of the attributes, without the 20-byte header
    TransactionId transaction_id{};
};

// The header of a datagram that looks like STUN and whose length field agrees with its
// size (RFC 5389 §7.3: otherwise the message is discarded). The error is not_stun or
// bad_length.
std::optional<Header> read_header(std::string_view bytes, StunErrc& error) noexcept;

// RFC 5389 §6: M11..M0 and C1 C0 interleaved into the 14-bit message type.
std::uint16_t message_type(MessageClass c, std::uint16_t method) noexcept;

}  // namespace happysip::stun
