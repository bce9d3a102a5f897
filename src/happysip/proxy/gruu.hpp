// RFC 5627 GRUUs: the URIs that reach one instance of a user (one phone) rather than all
// of them. happysip keeps no GRUU state: a public GRUU is the AOR plus `gr=` the instance
// ("sip:alice@example.com;gr=urn:uuid:f81d4fae-..."), and a temporary GRUU carries its
// own meaning, sealed:
//   sip:tgruu.<base64url(nonce | ciphertext | mac)>@example.com;gr
// where the plaintext (AOR, instance, and a tag of the registration's Call-ID) is XORed
// with an HMAC-SHA256 keystream (key, nonce, block counter) and the whole is
// authenticated with HMAC (encrypt-then-MAC). RFC 5627 §5.3 asks that a temp GRUU not
// reveal the AOR, that anyone who can see several of them cannot tell they belong to
// one user, and that they stay valid as long as the registration's Call-ID does
// (§3.2: every refresh hands out a new one; all of them keep working). The nonce makes
// every temp GRUU different; the Call-ID tag lets the proxy refuse ones from an earlier
// registration. Sans-I/O: the secret and the nonces are given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "happysip/auth/hmac_key.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

// "sip:alice@example.com;gr=urn:uuid:..." for AOR "sip:alice@example.com" and instance
// "<urn:uuid:...>" (the angle brackets of +sip.instance are not part of the gr value).
std::string public_gruu(std::string_view aor, std::string_view instance);

// Who a GRUU names: the AOR, the instance ("<urn:uuid:...>", as bindings store it), and
// for a temp GRUU the tag the registration's Call-ID must still have.
struct GruuTarget {
    std::string aor;
    std::string instance;
    std::optional<std::string> call_id_tag;
};

class GruuCodec {
  public:
    explicit GruuCodec(std::string_view secret) : key_(secret) {}

    // A temp GRUU in `domain` for that registration; `nonce` must differ per call (a
    // counter is enough: it is never reused under one secret).
    std::string temp_gruu(std::string_view aor, std::string_view instance, std::string_view call_id,
                          std::string_view domain, std::uint64_t nonce) const;
    // The tag a binding's Call-ID has (compare with GruuTarget::call_id_tag).
    std::string call_id_tag(std::string_view call_id) const;
    // What a Request-URI with a `gr` parameter names: nullopt when it has none, or when it
    // is a temp GRUU that is not ours (forged, or made under another secret).
    std::optional<GruuTarget> target_of(const sip::Uri& uri) const;

  private:
    std::string keystream(std::string_view nonce, std::size_t length) const;
    auth::HmacSha256Key key_;
};

}  // namespace happysip::proxy
