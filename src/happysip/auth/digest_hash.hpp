// The hash functions HTTP Digest needs (RFC 7616 §3.3, RFC 8760 §2 for SIP): H() for MD5,
// SHA-256 and SHA-512/256 as lowercase hex, HMAC-SHA256 for the server's nonces, and a
// constant-time comparison for responses. OpenSSL's EVP does the work in the .cpp; this
// header stays free of OpenSSL so every layer may include it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "happysip/sip/digest.hpp"

namespace happysip::auth {

// The hash function behind an algorithm; the "-sess" variants use the same one.
enum class DigestHash : std::uint8_t { md5, sha256, sha512_256 };

// nullopt for DigestAlgorithm::unknown.
std::optional<DigestHash> digest_hash_of(sip::DigestAlgorithm algorithm) noexcept;

// H(data) as lowercase hex: 32 digits for MD5, 64 for SHA-256 and SHA-512/256
// (RFC 7616 §3.2: "H(data) ... a lowercase hex string").
std::string digest_hex(DigestHash hash, std::string_view data);

// HMAC-SHA256(key, data), the raw 32 bytes (RFC 2104 with SHA-256).
std::string hmac_sha256(std::string_view key, std::string_view data);

// Lowercase hex of raw bytes.
std::string to_hex(std::string_view bytes);

// Equality whose running time depends on the lengths only, not on where the first
// difference is: a response or MAC compared byte by byte would leak its prefix.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace happysip::auth
