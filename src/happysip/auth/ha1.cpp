#include "happysip/auth/ha1.hpp"

#include <openssl/crypto.h>

namespace happysip::auth {

const std::string& Ha1Set::for_hash(DigestHash hash) const noexcept {
    switch (hash) {
        case DigestHash::md5:
            return md5;
        case DigestHash::sha256:
            return sha256;
        case DigestHash::sha512_256:
            return sha512_256;
    }
    return sha256;
}

std::string compute_ha1(DigestHash hash, std::string_view user, std::string_view realm,
                        std::string_view password) {
    std::string a1;
    a1.reserve(user.size() + realm.size() + password.size() + 2);
    a1.append(user).append(":").append(realm).append(":").append(password);
    std::string out = digest_hex(hash, a1);
    // The input holds the password: do not leave it in freed heap memory.
    OPENSSL_cleanse(a1.data(), a1.size());
    return out;
}

Ha1Set compute_ha1_set(std::string_view user, std::string_view realm, std::string_view password) {
    return Ha1Set{compute_ha1(DigestHash::md5, user, realm, password),
                  compute_ha1(DigestHash::sha256, user, realm, password),
                  compute_ha1(DigestHash::sha512_256, user, realm, password)};
}

}  // namespace happysip::auth
