#include "happysip/stun/attribute_reader.hpp"

#include "happysip/stun/fingerprint.hpp"
#include "happysip/stun/message.hpp"

namespace happysip::stun {

AttributeReader::AttributeReader(std::string_view message) noexcept
    : message_(message), pos_(k_header_size) {}

std::optional<Attribute> AttributeReader::next() noexcept {
    if (malformed_ || pos_ >= message_.size()) return std::nullopt;
    // The header made the message length a multiple of 4, so a header of 4 bytes fits
    // whenever pos_ is inside; the value (with its padding) must fit too.
    if (message_.size() - pos_ < 4) {
        malformed_ = true;
        return std::nullopt;
    }
    const std::uint16_t type = read_u16(message_, pos_);
    const std::size_t length = read_u16(message_, pos_ + 2);
    if (padded(length) > message_.size() - pos_ - 4) {
        malformed_ = true;
        return std::nullopt;
    }
    Attribute attr{type, message_.substr(pos_ + 4, length), pos_};
    pos_ += 4 + padded(length);
    return attr;
}

bool fingerprint_matches(std::string_view message, const Attribute& attr) noexcept {
    return attr.value.size() == 4 && attr.offset + 8 == message.size() &&
           read_u32(attr.value, 0) == fingerprint(message.substr(0, attr.offset));
}

}  // namespace happysip::stun
