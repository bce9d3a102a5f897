// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
// 64-bit MAC for short inputs. A proxy marks every Record-Route it writes with a MAC of
// the Call-ID and checks it on every in-dialog request (proxy/dialog_token.hpp); over a
// Call-ID SipHash costs a few hundred instructions where HMAC-SHA256 through OpenSSL cost
// ~6,000, 2 % of a proxied call (issue 4). It is a PRF under a secret 128-bit key, which
// is what an unforgeable 64-bit token needs. Sans-I/O, no OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace happysip::auth {

using SipHashKey = std::array<std::uint8_t, 16>;

// The 64-bit result, as the reference implementation's little-endian output read as a
// number (the paper's test vector, key 00..0f and message 00..0e: 0xa129ca6149be45e5).
std::uint64_t siphash24(const SipHashKey& key, std::string_view data) noexcept;

}  // namespace happysip::auth
