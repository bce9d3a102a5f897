// Walks the TLV attributes after a STUN header (RFC 5389 §15): 16-bit type, 16-bit
// length, the value padded to a multiple of 4. Never reads past the message.
// Also the big-endian byte helpers the readers and writers share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace happysip::stun {

struct Attribute {
    std::uint16_t type = 0;
    std::string_view value;  // into the message, without padding
    std::size_t offset = 0;  // of the attribute's type field in the message
};

class AttributeReader {
  public:
    // `message`: a whole message whose header read_header() accepted.
    explicit AttributeReader(std::string_view message) noexcept;

    // The next attribute; nullopt at the end, or when one runs past the end of the
    // message (then malformed() is true).
    std::optional<Attribute> next() noexcept;
    bool malformed() const noexcept { return malformed_; }

  private:
    std::string_view message_;
    std::size_t pos_;
    bool malformed_ = false;
};

// FINGERPRINT rules (RFC 5389 §15.5): four bytes, the last attribute, the right CRC.
bool fingerprint_matches(std::string_view message, const Attribute& attr) noexcept;

inline std::uint16_t read_u16(std::string_view b, std::size_t at) noexcept {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) |
                                      static_cast<unsigned char>(b[at + 1]));
}
inline std::uint32_t read_u32(std::string_view b, std::size_t at) noexcept {
    return (std::uint32_t{read_u16(b, at)} << 16) | read_u16(b, at + 2);
}
inline void append_u16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xFF));
}
inline void append_u32(std::string& out, std::uint32_t v) {
    append_u16(out, static_cast<std::uint16_t>(v >> 16));
    append_u16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}
inline std::size_t padded(std::size_t n) noexcept {
    return (n + 3) & ~std::size_t{3};
}

}  // namespace happysip::stun
