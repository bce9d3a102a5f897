#include "happysip/auth/digest_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <memory>

namespace happysip::auth {
namespace {

const EVP_MD* evp_of(DigestHash hash) noexcept {
    switch (hash) {
        case DigestHash::md5:
            return EVP_md5();
        case DigestHash::sha256:
            return EVP_sha256();
        case DigestHash::sha512_256:
            return EVP_sha512_256();
    }
    return nullptr;
}

struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::optional<DigestHash> digest_hash_of(sip::DigestAlgorithm algorithm) noexcept {
    using sip::DigestAlgorithm;
    switch (algorithm) {
        case DigestAlgorithm::md5:
        case DigestAlgorithm::md5_sess:
            return DigestHash::md5;
        case DigestAlgorithm::sha256:
        case DigestAlgorithm::sha256_sess:
            return DigestHash::sha256;
        case DigestAlgorithm::sha512_256:
        case DigestAlgorithm::sha512_256_sess:
            return DigestHash::sha512_256;
        case DigestAlgorithm::unknown:
            break;
    }
    return std::nullopt;
}

std::string to_hex(std::string_view bytes) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += k_digits[c >> 4];
        out += k_digits[c & 0x0f];
    }
    return out;
}

std::string digest_hex(DigestHash hash, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int size = 0;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    // Failure here means libcrypto is broken (out of memory, FIPS without MD5): an empty
    // string never equals a real digest, so verification fails closed.
    if (!ctx || EVP_DigestInit_ex(ctx.get(), evp_of(hash), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), md.data(), &size) != 1)
        return {};
    return to_hex(std::string_view(reinterpret_cast<const char*>(md.data()), size));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
             &size) == nullptr)
        return {};
    return std::string(reinterpret_cast<const char*>(mac.data()), size);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace happysip::auth
