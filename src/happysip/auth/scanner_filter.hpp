// Known SIP scanners (SIPVicious and its clones, the "friendly-scanner" botnets, sipcli,
// VaxSIPUserAgent, sundayddr, ...) announce themselves in User-Agent (and SIPVicious in the
// From display name). Answering them only tells them a server is here and lets them
// continue with the next extension; issue 4 asks that they may be answered with nothing.
#pragma once

#include <optional>
#include <string_view>

#include "happysip/sip/message.hpp"

namespace happysip::auth {

enum class ScannerVerdict : std::uint8_t {
    pass,
    drop_silently,  // a known scanner: send nothing, not even a 100 Trying
};

// The matching signature (lowercase, as listed) if `text` contains one, case-insensitively.
std::optional<std::string_view> scanner_signature(std::string_view text) noexcept;

// Looks at User-Agent and at the From header of a request.
ScannerVerdict classify_scanner(const sip::Message& request) noexcept;

}  // namespace happysip::auth
