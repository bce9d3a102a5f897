#include "happysip/auth/scanner_filter.hpp"

#include <algorithm>

#include "happysip/sip/header_id.hpp"

namespace happysip::auth {
namespace {

// Lowercase substrings. Not listed on purpose: sipsak and SIPp, which operators and
// happysip's own interop tests use to check a server.
constexpr std::string_view k_signatures[] = {
    "friendly-scanner",
    "friendly-request",
    "sipvicious",
    "sipcli",
    "vaxsipuseragent",
    "vaxipuseragent",
    "sundayddr",
    "sip-scan",
    "sipscan",
    "iwar",
    "sivus",
    "smap",
    "pplsip",
    "siparmyknife",
    "voiper",
};

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool contains_ci(std::string_view text, std::string_view lower_needle) noexcept {
    if (lower_needle.size() > text.size()) return false;
    for (std::size_t i = 0; i + lower_needle.size() <= text.size(); ++i) {
        bool match = true;
        for (std::size_t j = 0; j < lower_needle.size() && match; ++j)
            match = ascii_lower(text[i + j]) == lower_needle[j];
        if (match) return true;
    }
    return false;
}

}  // namespace

std::optional<std::string_view> scanner_signature(std::string_view text) noexcept {
    for (std::string_view sig : k_signatures)
        if (contains_ci(text, sig)) return sig;
    return std::nullopt;
}

ScannerVerdict classify_scanner(const sip::Message& request) noexcept {
    for (auto id : {sip::HeaderId::user_agent, sip::HeaderId::from}) {
        const auto value = request.header(id);
        if (value && scanner_signature(*value)) return ScannerVerdict::drop_silently;
    }
    return ScannerVerdict::pass;
}

}  // namespace happysip::auth
