// HMAC-SHA256 under one fixed key, keyed once. The one-shot hmac_sha256() sets up the
// algorithm and the key on every call, which costs more than hashing a Call-ID; a proxy
// that checks a dialog token on every in-dialog request keeps the keyed state instead.
// The header stays free of OpenSSL. Not thread-safe (one per thread, like the runtime).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace happysip::auth {

class HmacSha256Key {
  public:
    explicit HmacSha256Key(std::string_view key);
    ~HmacSha256Key();
    HmacSha256Key(HmacSha256Key&&) noexcept;
    HmacSha256Key& operator=(HmacSha256Key&&) noexcept;

    // The raw 32 bytes of HMAC-SHA256(key, data), equal to hmac_sha256(key, data).
    std::string mac(std::string_view data) const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace happysip::auth
