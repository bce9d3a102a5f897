// HTTP authentication headers as SIP uses them: WWW-Authenticate / Proxy-Authenticate
// (challenge) and Authorization / Proxy-Authorization (credentials), RFC 3261 §20.7,
// §20.27, §20.28, §20.44 and §25.1, with the SHA-2 algorithms of RFC 8760 / RFC 7616.
//
// Zero-copy: every string_view in Challenge, Credentials and AuthParam points into the
// value given to the parse function and lives as long as that value. A quoted value is
// given without its quotes. Inside the quotes a backslash always starts a quoted-pair, so
// a view that contains '\' still holds its escapes; unescape() makes the plain string
// (RFC 7616's unq()) and has_quoted_pair() says whether that is needed. Tokens never
// contain '\', so the same two functions are safe on every value.
//
// Quoting is not enforced where a value is a token either way: servers send qop=auth and
// UAs send qop="auth", algorithm="MD5" or an unquoted response, and each is read the same.
// The content is checked instead (qop list, nc, response length, booleans).
//
// One header value holds one challenge or one set of credentials (RFC 3261 §7.3.1: these
// headers are not comma lists; a second challenge comes on a second header line).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "happysip/sip/header_params.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::sip {

enum class DigestAlgorithm : std::uint8_t {
    md5,
    md5_sess,
    sha256,
    sha256_sess,
    sha512_256,
    sha512_256_sess,
    unknown,  // a token this library does not implement; the text is kept beside it
};

// Case-insensitive ("sha-256" == "SHA-256"), RFC 7616 §3.3 spellings.
DigestAlgorithm digest_algorithm_from_name(std::string_view name) noexcept;
// The canonical spelling ("MD5", "SHA-512-256-sess"); empty for unknown.
std::string_view digest_algorithm_name(DigestAlgorithm a) noexcept;
// Hex digits of a response (and of H(A1), H(A2)): 32 for MD5, 64 for the SHA-2 family,
// 0 for unknown (RFC 8760 updates request-digest to as many hex digits as the hash has).
std::size_t digest_hex_length(DigestAlgorithm a) noexcept;
// The "-sess" variants mix the nonce and cnonce into A1 (RFC 7616 §3.4.2).
bool is_session_algorithm(DigestAlgorithm a) noexcept;

// True if `value` (a view from this header) contains a quoted-pair.
constexpr bool has_quoted_pair(std::string_view value) noexcept {
    return value.find('\\') != std::string_view::npos;
}
// unescape() (header_params.hpp) removes the quoted-pair backslashes of such a value.

// One auth-param: name = (token / quoted-string).
struct AuthParam {
    std::string_view name;
    std::string_view value;  // without quotes; quoted-pairs kept (see unescape)
    bool quoted = false;
};

// Every auth-param of a challenge or credentials, known ones included, in wire order.
// Validated when parsed; iteration re-scans the text.
class AuthParams {
  public:
    AuthParams() = default;
    explicit AuthParams(std::string_view raw) noexcept : raw_(raw) {}

    // Iteration: `std::size_t pos = 0; while (auto p = params.next(pos)) ...`
    std::optional<AuthParam> next(std::size_t& pos) const noexcept;
    // Case-insensitive name lookup (RFC 3261 §7.3.1); value without quotes.
    std::optional<std::string_view> find(std::string_view name) const noexcept;
    std::string_view raw() const noexcept { return raw_; }
    bool empty() const noexcept { return raw_.empty(); }

  private:
    std::string_view raw_;
};

struct Challenge {
    std::string_view scheme;   // as written: "Digest", "Bearer", ...
    bool is_digest = false;    // scheme is "Digest" (case-insensitive)
    AuthParams params;         // every auth-param, for any scheme
    std::string_view token68;  // other schemes only: "Bearer abc==" form (RFC 7235 §2.1)

    // Digest fields, filled only when is_digest. realm and nonce are mandatory.
    std::string_view realm;
    std::string_view nonce;
    std::optional<std::string_view> opaque;   // present-but-empty (opaque="") is echoed
    std::optional<std::string_view> domain;   // space-separated URIs
    std::optional<std::string_view> charset;  // RFC 7616 §3.3: "UTF-8"
    std::optional<std::string_view> qop;      // the list inside the quotes: "auth,auth-int"
    std::string_view algorithm_text;          // empty when absent
    DigestAlgorithm algorithm = DigestAlgorithm::md5;  // absent: MD5 (RFC 2617 §3.2.1)
    bool stale = false;
    bool userhash = false;  // RFC 7616 §3.3

    // qop-options (RFC 3261 §20.44, RFC 7616 §3.3); values compared case-insensitively.
    bool offers_qop(std::string_view option) const noexcept;
    bool offers_qop_auth() const noexcept { return offers_qop("auth"); }
    bool offers_qop_auth_int() const noexcept { return offers_qop("auth-int"); }
};

struct Credentials {
    std::string_view scheme;
    bool is_digest = false;
    AuthParams params;
    std::string_view token68;

    // Digest fields, filled only when is_digest. Either username or username_ext is set.
    std::string_view username;
    std::optional<std::string_view> username_ext;  // RFC 7616 §3.4 username*=UTF-8''...
    std::string_view realm;
    std::string_view nonce;
    std::string_view uri;       // digest-uri, as written
    std::string_view response;  // hex, length checked against the algorithm
    std::string_view algorithm_text;
    DigestAlgorithm algorithm = DigestAlgorithm::md5;
    std::optional<std::string_view> cnonce;
    std::optional<std::string_view> opaque;
    std::optional<std::string_view> qop;      // one token: "auth" or "auth-int"
    std::optional<std::string_view> nc_text;  // exactly 8 hex digits
    std::uint32_t nc = 0;                     // nc_text as a number
    bool userhash = false;

    bool qop_is(std::string_view option) const noexcept;
};

// WWW-Authenticate / Proxy-Authenticate. `header` names the header in errors.
Result<Challenge> parse_challenge(std::string_view value,
                                  std::string_view header = "WWW-Authenticate");

// Authorization / Proxy-Authorization. For Digest: username (or username*), realm, nonce,
// uri and response are mandatory, response must have the length its algorithm implies,
// and qop requires nc and cnonce (RFC 7616 §3.4).
Result<Credentials> parse_credentials(std::string_view value,
                                      std::string_view header = "Authorization");

}  // namespace happysip::sip
