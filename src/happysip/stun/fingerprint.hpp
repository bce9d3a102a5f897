// FINGERPRINT (RFC 5389 §15.5): the CRC-32 of ISO 3309 / ITU-T V.42 (the one of zlib and
// Ethernet) over the message up to the attribute, XOR 0x5354554e. Lets a peer tell STUN
// from the protocol multiplexed with it even when a header happens to look alike.
#pragma once

#include <cstdint>
#include <string_view>

namespace happysip::stun {

inline constexpr std::uint32_t k_fingerprint_xor = 0x5354554E;

std::uint32_t crc32(std::string_view bytes) noexcept;

// `before`: the message from its first byte up to (not including) the FINGERPRINT
// attribute, with the header's length field already counting that attribute.
inline std::uint32_t fingerprint(std::string_view before) noexcept {
    return crc32(before) ^ k_fingerprint_xor;
}

}  // namespace happysip::stun
