#include "happysip/auth/hmac_key.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>

#include "happysip/auth/digest_hash.hpp"

namespace happysip::auth {

struct HmacSha256Key::State {
    EVP_MAC* mac = nullptr;
    EVP_MAC_CTX* ctx = nullptr;
    std::string key;  // kept for the fallback, should OpenSSL refuse the keyed context
    ~State() {
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(mac);
    }
};

HmacSha256Key::HmacSha256Key(std::string_view key) : state_(std::make_unique<State>()) {
    state_->key = std::string(key);
    state_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (state_->mac) state_->ctx = EVP_MAC_CTX_new(state_->mac);
    if (!state_->ctx) return;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(state_->ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     params) != 1) {
        EVP_MAC_CTX_free(state_->ctx);
        state_->ctx = nullptr;
    }
}

HmacSha256Key::~HmacSha256Key() = default;
HmacSha256Key::HmacSha256Key(HmacSha256Key&&) noexcept = default;
HmacSha256Key& HmacSha256Key::operator=(HmacSha256Key&&) noexcept = default;

std::string HmacSha256Key::mac(std::string_view data) const {
    EVP_MAC_CTX* ctx = state_->ctx;
    std::array<unsigned char, 32> out{};
    std::size_t size = 0;
    // Re-initialising with no key keeps the key already set (OpenSSL 3 EVP_MAC_init).
    if (ctx && EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ==
            1 &&
        EVP_MAC_final(ctx, out.data(), &size, out.size()) == 1)
        return std::string(reinterpret_cast<const char*>(out.data()), size);
    return hmac_sha256(state_->key, data);
}

}  // namespace happysip::auth
