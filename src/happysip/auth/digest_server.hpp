// Server side of SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): builds the
// challenges a registrar (401, WWW-Authenticate) or proxy (407, Proxy-Authenticate)
// sends, and verifies the credentials of a request against a UserStore.
//
// Policy (docs/security.md): SHA-256 is always offered, first; SHA-512-256 and MD5 only
// when enabled, in that order (RFC 8760 §2.4: one challenge per algorithm, preferred
// first). qop="auth" only; the "-sess" variants, auth-int, username* and userhash are not
// accepted. Nonces are stateless (nonce.hpp); nonce counts are tracked (replay_guard.hpp).
//
// Sans-I/O: the time is a parameter; the secret is given at construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/auth/nonce.hpp"
#include "happysip/auth/replay_guard.hpp"
#include "happysip/auth/user_store.hpp"
#include "happysip/sip/header_id.hpp"
#include "happysip/sip/message.hpp"

namespace happysip::auth {

struct DigestServerConfig {
    std::string realm = "localhost";
    // true: a proxy (407, Proxy-Authenticate / Proxy-Authorization, RFC 3261 §22.3);
    // false: a registrar or UAS (401, WWW-Authenticate / Authorization).
    bool proxy = false;
    bool allow_sha512_256 = false;
    bool allow_md5 = false;  // RFC 8760 §3: MD5 only for old clients, and only when asked
    // MD5 offered first (with allow_md5): for clients that read only the first challenge
    // and know nothing but MD5 (SIPp). Every client then answers with MD5 (RFC 8760 §2.4:
    // the first challenge it supports), so it is off unless an operator asks.
    bool md5_first = false;
    // MD5 offered alone (with allow_md5): for legacy UAs that give up on any challenge
    // they cannot answer, even when an MD5 one is there too (libre 1.x, baresip 1.0).
    bool md5_only = false;
    std::optional<std::string> opaque;  // sent in every challenge, must come back unchanged
    Duration nonce_lifetime = std::chrono::minutes(5);
    std::size_t replay_capacity = ReplayGuard::k_default_capacity;
};

enum class AuthVerdict : std::uint8_t {
    authenticated,  // `user` proved the password
    challenge,      // no usable credentials for our realm (or a nonce not ours): 401/407
    stale,          // right password but an old or spent nonce: 401/407 with stale=true
    failed,         // unknown user or wrong response: 401/407, and a failure to count
    forbidden,      // credentials we refuse by policy (algorithm, qop): 403
    bad_request,    // malformed credentials or digest-uri mismatch: 400
};

std::string_view to_string(AuthVerdict verdict) noexcept;

struct AuthResult {
    AuthVerdict verdict = AuthVerdict::challenge;
    int status = 0;      // 0 when authenticated, else the status code to answer
    std::string reason;  // a reason phrase naming the fault ("Bad Authorization ...")
    std::string user;    // authenticated: the user name; failed: the name tried
    bool stale = false;  // the re-challenge carries stale=true

    bool authenticated() const noexcept { return verdict == AuthVerdict::authenticated; }
    // True when the answer carries fresh challenges (status 401 or 407).
    bool rechallenge() const noexcept { return status == 401 || status == 407; }
    // True when this should count towards the source's failure limit (failure_limiter.hpp).
    bool counts_as_failure() const noexcept { return verdict == AuthVerdict::failed; }
};

class DigestServer {
  public:
    // `secret`: at least NonceFactory::k_min_secret_length random bytes (see valid()).
    DigestServer(DigestServerConfig config, std::string secret);

    bool valid() const noexcept { return nonces_.valid(); }
    const DigestServerConfig& config() const noexcept { return config_; }

    int challenge_status() const noexcept { return config_.proxy ? 407 : 401; }
    sip::HeaderId challenge_header() const noexcept;
    sip::HeaderId credentials_header() const noexcept;

    // One header value per offered algorithm, preferred first, all with the same nonce:
    // Digest realm="...", nonce="...", algorithm=SHA-256, qop="auth"[, opaque][, stale=true]
    std::vector<std::string> challenges(Instant now, bool stale = false) const;

    // Checks the request's credentials for our realm. Non-const: records nonce counts.
    AuthResult verify(const sip::Message& request, UserStore& users, Instant now);

  private:
    bool algorithm_allowed(sip::DigestAlgorithm a) const noexcept;
    std::string offered_algorithms() const;
    AuthResult result(AuthVerdict verdict, std::string reason, bool stale = false) const;

    DigestServerConfig config_;
    NonceFactory nonces_;
    ReplayGuard replays_;
};

// The request-digest of RFC 7616 §3.4.1 with qop=auth, from a stored HA1:
// H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" digest-uri)).
std::string expected_response(DigestHash hash, std::string_view ha1, std::string_view nonce,
                              std::string_view nc, std::string_view cnonce, std::string_view qop,
                              std::string_view method, std::string_view digest_uri);

}  // namespace happysip::auth
