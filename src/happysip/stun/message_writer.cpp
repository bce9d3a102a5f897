#include "happysip/stun/message_writer.hpp"

#include "happysip/stun/attribute_reader.hpp"
#include "happysip/stun/fingerprint.hpp"

namespace happysip::stun {

MessageWriter::MessageWriter(MessageClass c, std::uint16_t method, const TransactionId& id) {
    bytes_.reserve(64);  // every message this module writes fits
    append_u16(bytes_, message_type(c, method));
    append_u16(bytes_, 0);
    append_u32(bytes_, k_magic_cookie);
    for (std::uint8_t b : id)
        bytes_.push_back(static_cast<char>(b));
}

void MessageWriter::set_length(std::size_t attributes_size) {
    bytes_[2] = static_cast<char>((attributes_size >> 8) & 0xFF);
    bytes_[3] = static_cast<char>(attributes_size & 0xFF);
}

void MessageWriter::add(std::uint16_t type, std::string_view value) {
    append_u16(bytes_, type);
    append_u16(bytes_, static_cast<std::uint16_t>(value.size()));
    bytes_.append(value);
    bytes_.append(padded(value.size()) - value.size(), '\0');
    set_length(bytes_.size() - k_header_size);
}

void MessageWriter::add_fingerprint() {
    // RFC 5389 §15.5: the CRC covers the header with a length that already counts the
    // FINGERPRINT attribute itself (8 bytes).
    set_length(bytes_.size() - k_header_size + 8);
    const std::uint32_t crc = fingerprint(bytes_);
    append_u16(bytes_, k_attr_fingerprint);
    append_u16(bytes_, 4);
    append_u32(bytes_, crc);
}

}  // namespace happysip::stun
