// HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2, RFC 2617 §3.2.2.2): what the
// user store keeps instead of the password, once per hash function, so the server can
// verify a response under every algorithm it offers without ever holding the password.
#pragma once

#include <string>
#include <string_view>

#include "happysip/auth/digest_hash.hpp"

namespace happysip::auth {

// One user's HA1 under each hash, lowercase hex. An empty member means "not stored"
// (e.g. a user created before an algorithm was added): that algorithm then fails.
struct Ha1Set {
    std::string md5;
    std::string sha256;
    std::string sha512_256;

    const std::string& for_hash(DigestHash hash) const noexcept;
};

std::string compute_ha1(DigestHash hash, std::string_view user, std::string_view realm,
                        std::string_view password);

// Every hash at once: what `happysip user add` stores.
Ha1Set compute_ha1_set(std::string_view user, std::string_view realm, std::string_view password);

}  // namespace happysip::auth
