// Who may REGISTER (RFC 3261 §10.3 steps 3-4) and who may send requests out of the domain
// through the proxy (§22.3, issue 4 "no open relay"): the glue between a request and
// auth/ — scanner filter, per-source failure limiter (shared by both), digest challenge
// (401 or 407) and verification against the user store. It decides; the request handler
// answers. Never logs a password, an HA1 or a digest response (only the user name tried).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "happysip/auth/digest_server.hpp"
#include "happysip/auth/failure_limiter.hpp"
#include "happysip/auth/user_store.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "log.hpp"

namespace happysip::daemon {

struct AuthDecision {
    enum class Action : std::uint8_t {
        proceed,  // authenticated: hand the request to the registrar as `user`
        respond,  // answer `status` `reason` with `headers` (challenges on 401)
    };
    Action action = Action::respond;
    int status = 0;
    std::string reason;
    std::vector<std::string> headers;  // whole lines: "WWW-Authenticate: Digest ..."
    std::string user;                  // proceed: the authenticated user
    bool blocked = false;              // 403 because the source is locked out
};

class RequestAuth {
  public:
    // `secret`: the nonce key (nonce_secret.hpp). The store and the logger outlive this.
    RequestAuth(const AuthSettings& settings, std::string realm, std::string secret,
                auth::UserStore& users, Logger& log);

    bool valid() const noexcept { return digest_.valid(); }
    const std::string& realm() const noexcept { return digest_.config().realm; }
    // "SHA-256" or "SHA-256,MD5": what the challenges offer, for the start log line.
    std::string algorithms() const;

    // Any request, first: true when its source is over [auth] request_rate (the request is
    // dropped). Counts the request.
    bool over_rate(const runtime::RequestSource& source);
    // Any request: true when it comes from a known scanner and must get no answer.
    bool drop_as_scanner(const sip::Message& request) const;
    // A REGISTER: blocked source (403), no or bad credentials (401 with challenges, 400,
    // 403), or proceed with the authenticated user.
    AuthDecision check_register(const sip::Message& request, const runtime::RequestSource& source);
    // A request the proxy would send out of the domain: the same checks with 407 and
    // Proxy-Authenticate / Proxy-Authorization (RFC 3261 §22.3).
    AuthDecision check_proxy(const sip::Message& request, const runtime::RequestSource& source);

  private:
    AuthDecision check(auth::DigestServer& digest, const sip::Message& request,
                       const runtime::RequestSource& source);
    AuthDecision challenge(const auth::DigestServer& digest, int status, std::string reason,
                           bool stale, Instant now) const;
    void count_failure(const std::string& key, const runtime::RequestSource& source,
                       std::string_view user, std::string_view call_id, Instant now);

    bool drop_scanners_;
    auth::DigestServer digest_;        // 401: REGISTER
    auth::DigestServer proxy_digest_;  // 407: requests leaving the domain
    auth::FailureLimiter limiter_;
    auth::UserStore& users_;
    Logger& log_;
};

// The failure limiter's key for a source: the IPv4 address, or the IPv6 /64 (a single host
// owns a whole /64 and could rotate addresses past a per-address limit).
std::string limiter_key(const runtime::RequestSource& source);

// The wall clock as an Instant (microseconds since the Unix epoch): nonces stamped with it
// stay valid across a restart.
Instant wall_instant();

}  // namespace happysip::daemon
