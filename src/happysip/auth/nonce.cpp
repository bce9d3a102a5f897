#include "happysip/auth/nonce.hpp"

#include "happysip/auth/digest_hash.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::auth {
namespace {

constexpr std::size_t k_stamp_digits = 16;
constexpr std::size_t k_mac_digits = NonceFactory::k_nonce_length - k_stamp_digits;

std::string stamp_hex(Instant t) {
    return sip::text::hex_digits(static_cast<std::uint64_t>(t.time_since_epoch().count()),
                                 k_stamp_digits);
}

// Lowercase hex only: the nonce is ours, and we only ever write lowercase.
bool parse_stamp(std::string_view hex, std::uint64_t& out) noexcept {
    std::uint64_t v = 0;
    for (char c : hex) {
        unsigned d = 0;
        if (c >= '0' && c <= '9')
            d = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = static_cast<unsigned>(c - 'a' + 10);
        else
            return false;
        v = (v << 4) | d;
    }
    out = v;
    return true;
}

}  // namespace

std::string_view to_string(NonceStatus status) noexcept {
    switch (status) {
        case NonceStatus::ok:
            return "ok";
        case NonceStatus::stale:
            return "stale";
        case NonceStatus::invalid:
            return "invalid";
    }
    return "invalid";
}

std::string NonceFactory::mac_hex(std::string_view stamp, std::string_view realm) const {
    std::string input;
    input.reserve(stamp.size() + 1 + realm.size());
    input.append(stamp).append(":").append(realm);
    return to_hex(key_.mac(input)).substr(0, k_mac_digits);
}

std::string NonceFactory::issue(std::string_view realm, Instant now) const {
    std::string nonce = stamp_hex(now);
    nonce += mac_hex(nonce, realm);
    return nonce;
}

NonceCheck NonceFactory::check(std::string_view nonce, std::string_view realm, Instant now) const {
    NonceCheck out;
    if (!valid() || nonce.size() != k_nonce_length) return out;
    const auto stamp = nonce.substr(0, k_stamp_digits);
    std::uint64_t raw = 0;
    if (!parse_stamp(stamp, raw)) return out;
    if (!constant_time_equal(mac_hex(stamp, realm), nonce.substr(k_stamp_digits))) return out;
    const Instant issued{Duration(static_cast<Duration::rep>(raw))};
    if (issued > now + k_max_future) return out;
    out.issued_at = issued;
    out.status = now - issued > lifetime_ ? NonceStatus::stale : NonceStatus::ok;
    return out;
}

}  // namespace happysip::auth
