// Stateless server nonces (RFC 7616 §3.3 and §5.4: "a nonce might, for example, be
// constructed as the base 64 encoding of time-stamp H(time-stamp ":" ETag ":" secret)").
// Here: 16 hex digits of the issue time (microseconds of the caller's Instant) followed by
// 32 hex digits of HMAC-SHA256(secret, time ":" realm), truncated to 128 bits. The server
// keeps no state per nonce: it recomputes the MAC to know the nonce is its own and reads
// the age from the time stamp, so any number of challenges costs no memory and a nonce
// issued by one process verifies in another that shares the secret.
//
// The secret and the time are given: nothing here reads a clock or draws random numbers.
// The caller should derive `now` from the wall clock if nonces are to survive a restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "happysip/auth/hmac_key.hpp"
#include "happysip/time/virtual_time.hpp"

namespace happysip::auth {

enum class NonceStatus : std::uint8_t {
    ok,       // ours, and younger than the lifetime
    stale,    // ours, but older than the lifetime: re-challenge with stale=true (RFC 7616 §3.3)
    invalid,  // not ours (bad MAC, other realm, other secret, malformed, from the future)
};

std::string_view to_string(NonceStatus status) noexcept;

struct NonceCheck {
    NonceStatus status = NonceStatus::invalid;
    Instant issued_at{};  // meaningful unless invalid
};

class NonceFactory {
  public:
    static constexpr std::size_t k_nonce_length = 48;
    static constexpr std::size_t k_min_secret_length = 16;
    // A nonce stamped up to this far ahead of `now` is still accepted: processes sharing a
    // secret may read slightly different clocks.
    static constexpr Duration k_max_future = std::chrono::seconds(2);

    // `secret` should be at least k_min_secret_length random bytes (see valid()).
    NonceFactory(std::string secret, Duration lifetime)
        : secret_(std::move(secret)), key_(secret_), lifetime_(lifetime) {}

    bool valid() const noexcept { return secret_.size() >= k_min_secret_length; }
    Duration lifetime() const noexcept { return lifetime_; }

    std::string issue(std::string_view realm, Instant now) const;
    NonceCheck check(std::string_view nonce, std::string_view realm, Instant now) const;

  private:
    std::string mac_hex(std::string_view stamp_hex, std::string_view realm) const;

    std::string secret_;
    HmacSha256Key key_;  // keyed once with secret_: every challenge and check uses it
    Duration lifetime_;
};

}  // namespace happysip::auth
