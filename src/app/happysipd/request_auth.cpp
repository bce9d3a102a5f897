#include "request_auth.hpp"

#include <algorithm>
#include <chrono>

#include "happysip/auth/scanner_filter.hpp"

namespace happysip::daemon {

namespace {

auth::DigestServerConfig digest_config(const AuthSettings& s, std::string realm, bool proxy) {
    auth::DigestServerConfig c;
    c.realm = std::move(realm);
    c.proxy = proxy;
    c.allow_md5 = s.allow_md5;
    c.md5_first = s.md5_first;
    c.md5_only = s.md5_only;
    c.nonce_lifetime = std::chrono::seconds(s.nonce_lifetime_s);
    return c;
}

auth::FailureLimiterConfig limiter_config(const AuthSettings& s) {
    auth::FailureLimiterConfig c;
    c.max_failures = s.max_failures;
    c.first_block = std::chrono::seconds(s.block_s);
    c.max_block = std::max<Duration>(c.max_block, c.first_block);
    c.rate_per_second = s.request_rate;  // 0: off (a load test from one address)
    c.burst = s.request_burst;
    return c;
}

}  // namespace

Instant wall_instant() {
    return Instant(
        std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch()));
}

std::string limiter_key(const runtime::RequestSource& source) {
    asio::ip::address a = source.remote_address;
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    if (a.is_v4()) return a.to_string();
    auto bytes = a.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes).to_string() + "/64";
}

RequestAuth::RequestAuth(const AuthSettings& settings, std::string realm, std::string secret,
                         auth::UserStore& users, Logger& log)
    : drop_scanners_(settings.drop_scanners),
      digest_(digest_config(settings, realm, false), secret),
      proxy_digest_(digest_config(settings, std::move(realm), true), std::move(secret)),
      limiter_(limiter_config(settings)),
      users_(users),
      log_(log) {}

std::string RequestAuth::algorithms() const {
    if (!digest_.config().allow_md5) return "SHA-256";
    if (digest_.config().md5_only) return "MD5";
    return digest_.config().md5_first ? "MD5,SHA-256" : "SHA-256,MD5";
}

bool RequestAuth::over_rate(const runtime::RequestSource& source) {
    return limiter_.admit(limiter_key(source), wall_instant()) == auth::Admission::rate_limited;
}

bool RequestAuth::drop_as_scanner(const sip::Message& request) const {
    return drop_scanners_ && auth::classify_scanner(request) == auth::ScannerVerdict::drop_silently;
}

AuthDecision RequestAuth::challenge(const auth::DigestServer& digest, int status,
                                    std::string reason, bool stale, Instant now) const {
    AuthDecision d;
    d.status = status;
    d.reason = std::move(reason);
    // RFC 8760 §2.4: one header per algorithm, SHA-256 first.
    std::string name(digest.config().proxy ? "Proxy-Authenticate: " : "WWW-Authenticate: ");
    for (auto& value : digest.challenges(now, stale))
        d.headers.push_back(name + value);
    return d;
}

void RequestAuth::count_failure(const std::string& key, const runtime::RequestSource& source,
                                std::string_view user, std::string_view call_id, Instant now) {
    auth::FailureOutcome outcome = limiter_.record_failure(key, now);
    std::string failures = std::to_string(outcome.failures_in_window);
    log_.warning(
        "auth_failed",
        {{"call_id", call_id}, {"user", user}, {"failures", failures}, {"source", source.text()}});
    if (outcome.blocked) {
        std::string seconds = std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(outcome.block_for).count());
        log_.warning("auth_blocked", {{"source_key", key},
                                      {"block_s", seconds},
                                      {"failures", failures},
                                      {"source", source.text()}});
    }
}

AuthDecision RequestAuth::check_register(const sip::Message& request,
                                         const runtime::RequestSource& source) {
    return check(digest_, request, source);
}

AuthDecision RequestAuth::check_proxy(const sip::Message& request,
                                      const runtime::RequestSource& source) {
    return check(proxy_digest_, request, source);
}

AuthDecision RequestAuth::check(auth::DigestServer& digest, const sip::Message& request,
                                const runtime::RequestSource& source) {
    const Instant now = wall_instant();
    const std::string key = limiter_key(source);
    std::string_view call_id = request.header(sip::HeaderId::call_id).value_or("");
    // Blocked sources are not verified at all: no hashing for a password guesser. A 403
    // rather than silence: it ends the transaction at once (a dropped request would hold a
    // server transaction until the runtime can discard one), and it tells a misconfigured
    // phone why it is refused instead of making it retransmit.
    if (limiter_.blocked_until(key, now)) {
        log_.log(LogLevel::debug, "auth_refused_blocked",
                 {{"call_id", call_id}, {"source", source.text()}});
        AuthDecision d;
        d.status = 403;
        d.reason = "Too many failed authentications";
        d.blocked = true;
        return d;
    }
    auth::AuthResult result = digest.verify(request, users_, now);
    if (result.authenticated()) {
        limiter_.record_success(key, now);
        AuthDecision d;
        d.action = AuthDecision::Action::proceed;
        d.user = std::move(result.user);
        return d;
    }
    if (result.counts_as_failure()) count_failure(key, source, result.user, call_id, now);
    if (result.rechallenge())
        return challenge(digest, result.status, result.reason, result.stale, now);
    AuthDecision d;  // 400 (malformed) or 403 (refused by policy): the reason says which
    d.status = result.status;
    d.reason = std::move(result.reason);
    return d;
}

}  // namespace happysip::daemon
