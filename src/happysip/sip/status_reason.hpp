// Default reason phrases (RFC 3261 §21 and the extensions happysip answers with).
#pragma once

#include <string_view>

namespace happysip::sip {

// "Not Found" for 404, ... ; a class default ("Client Error") for codes not listed.
std::string_view default_reason(int status) noexcept;

}  // namespace happysip::sip
