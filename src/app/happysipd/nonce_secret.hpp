// The key behind happysipd's nonces (auth/nonce.hpp: HMAC-SHA256 over the issue time): 32
// random bytes drawn once, on first start, and kept in var_dir so that a nonce issued before
// a restart still verifies after it (clients are not re-challenged by every restart). The
// file is created 0600 and never logged; anyone who reads it can mint nonces.
#pragma once

#include <string>

namespace happysip::daemon {

inline constexpr std::size_t k_nonce_secret_length = 32;

struct NonceSecret {
    std::string bytes;        // k_nonce_secret_length bytes; empty on failure
    std::string error;        // why the file could not be read or made
    bool created = false;     // drawn on this start
    bool fixed_mode = false;  // the file was readable by others and is now 0600
};

// Reads `path`, or draws fresh bytes (OpenSSL RAND_bytes) and writes them there with mode
// 0600 when it does not exist. A file of the wrong length is an error, not replaced: it
// may be a path mistake, and silently replacing it would invalidate every nonce.
NonceSecret load_or_create_nonce_secret(const std::string& path);

}  // namespace happysip::daemon
