// Builds one STUN message: the header, attributes padded to 4 bytes (RFC 5389 §15), the
// length field kept right as they are added, and FINGERPRINT last (§15.5).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "happysip/stun/message.hpp"

namespace happysip::stun {

class MessageWriter {
  public:
    MessageWriter(MessageClass c, std::uint16_t method, const TransactionId& id);

    // Appends type, length and value, padded with zero bytes.
    void add(std::uint16_t type, std::string_view value);
    // Appends FINGERPRINT; nothing may be added after it.
    void add_fingerprint();
    std::string finish() && { return std::move(bytes_); }

  private:
    void set_length(std::size_t attributes_size);
    std::string bytes_;
};

}  // namespace happysip::stun
