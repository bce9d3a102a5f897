#include "happysip/auth/digest_server.hpp"

#include <utility>

#include "happysip/sip/digest.hpp"
#include "happysip/sip/header_params.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::auth {
namespace {

using sip::DigestAlgorithm;

// RFC 2617 §3.2.2.5 asks that digest-uri and Request-URI name the same resource: equal
// text, or equal under RFC 3261 §19.1.4 (a UA may spell the same URI differently).
bool same_resource(std::string_view digest_uri, std::string_view request_uri) {
    if (digest_uri == request_uri) return true;
    auto a = sip::parse_uri(digest_uri);
    auto b = sip::parse_uri(request_uri);
    return a && b && sip::uri_equal(*a, *b);
}

std::string plain(std::string_view v) {
    return sip::has_quoted_pair(v) ? sip::unescape(v) : std::string(v);
}

// A quoted-string value: the realm and opaque are ours, but escape anyway.
std::string quoted(std::string_view v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace

std::string_view to_string(AuthVerdict verdict) noexcept {
    switch (verdict) {
        case AuthVerdict::authenticated:
            return "authenticated";
        case AuthVerdict::challenge:
            return "challenge";
        case AuthVerdict::stale:
            return "stale";
        case AuthVerdict::failed:
            return "failed";
        case AuthVerdict::forbidden:
            return "forbidden";
        case AuthVerdict::bad_request:
            return "bad_request";
    }
    return "failed";
}

std::string expected_response(DigestHash hash, std::string_view ha1, std::string_view nonce,
                              std::string_view nc, std::string_view cnonce, std::string_view qop,
                              std::string_view method, std::string_view digest_uri) {
    std::string a2;
    a2.append(method).append(":").append(digest_uri);
    std::string kd;
    kd.append(ha1).append(":").append(nonce).append(":").append(nc).append(":");
    kd.append(cnonce).append(":").append(qop).append(":").append(digest_hex(hash, a2));
    return digest_hex(hash, kd);
}

DigestServer::DigestServer(DigestServerConfig config, std::string secret)
    : config_(std::move(config)),
      nonces_(std::move(secret), config_.nonce_lifetime),
      replays_(config_.nonce_lifetime, config_.replay_capacity) {}

sip::HeaderId DigestServer::challenge_header() const noexcept {
    return config_.proxy ? sip::HeaderId::proxy_authenticate : sip::HeaderId::www_authenticate;
}

sip::HeaderId DigestServer::credentials_header() const noexcept {
    return config_.proxy ? sip::HeaderId::proxy_authorization : sip::HeaderId::authorization;
}

bool DigestServer::algorithm_allowed(DigestAlgorithm a) const noexcept {
    // With md5_only SHA-256 is not offered but still accepted: stronger is never refused.
    return a == DigestAlgorithm::sha256 ||
           (a == DigestAlgorithm::sha512_256 && config_.allow_sha512_256) ||
           (a == DigestAlgorithm::md5 && config_.allow_md5);
}

std::string DigestServer::offered_algorithms() const {
    if (config_.allow_md5 && config_.md5_only) return "MD5";
    std::string out = "SHA-256";
    if (config_.allow_sha512_256) out += ", SHA-512-256";
    if (config_.allow_md5) out = config_.md5_first ? "MD5, " + out : out + ", MD5";
    return out;
}

std::vector<std::string> DigestServer::challenges(Instant now, bool stale) const {
    const std::string nonce = nonces_.issue(config_.realm, now);
    std::vector<DigestAlgorithm> order{DigestAlgorithm::sha256};
    if (config_.allow_sha512_256) order.push_back(DigestAlgorithm::sha512_256);
    if (config_.allow_md5 && config_.md5_only) {
        order = {DigestAlgorithm::md5};
    } else if (config_.allow_md5) {
        auto at = config_.md5_first ? order.begin() : order.end();
        order.insert(at, DigestAlgorithm::md5);
    }
    std::vector<std::string> out;
    for (auto a : order) {
        std::string v = "Digest realm=" + quoted(config_.realm) + ", nonce=\"" + nonce + "\"";
        v += ", algorithm=";
        v += sip::digest_algorithm_name(a);
        v += ", qop=\"auth\"";
        if (config_.opaque) v += ", opaque=" + quoted(*config_.opaque);
        if (stale) v += ", stale=true";
        out.push_back(std::move(v));
    }
    return out;
}

AuthResult DigestServer::result(AuthVerdict verdict, std::string reason, bool stale) const {
    AuthResult r;
    r.verdict = verdict;
    r.reason = std::move(reason);
    r.stale = stale;
    switch (verdict) {
        case AuthVerdict::authenticated:
            r.status = 0;
            break;
        case AuthVerdict::challenge:
        case AuthVerdict::stale:
        case AuthVerdict::failed:
            r.status = challenge_status();
            break;
        case AuthVerdict::forbidden:
            r.status = 403;
            break;
        case AuthVerdict::bad_request:
            r.status = 400;
            break;
    }
    return r;
}

AuthResult DigestServer::verify(const sip::Message& request, UserStore& users, Instant now) {
    const auto header = sip::canonical_name(credentials_header());
    // RFC 3261 §22.3: pick the credentials for our realm; others are for other hops.
    std::optional<sip::Credentials> found;
    for (std::string_view value : request.values(credentials_header())) {
        auto c = sip::parse_credentials(value, header);
        if (!c) return result(AuthVerdict::bad_request, c.error().to_string());
        if (c->is_digest && plain(c->realm) == config_.realm) {
            found = *c;
            break;
        }
    }
    if (!found)
        return result(AuthVerdict::challenge, "Authentication required for " + config_.realm);
    const sip::Credentials& c = *found;

    if (c.username_ext || c.userhash)
        return result(AuthVerdict::forbidden, "username* and userhash are not supported");
    const std::string user = plain(c.username);
    if (!algorithm_allowed(c.algorithm)) {
        std::string name(c.algorithm_text.empty() ? "MD5" : c.algorithm_text);
        return result(AuthVerdict::forbidden, "Algorithm " + name + " not accepted (offered: " +
                                                  offered_algorithms() + ")");
    }
    // RFC 7616 §3.4: qop is required when the challenge offered it, which ours always do;
    // without it (RFC 2069) there is no nc and no replay protection.
    if (!c.qop || !c.qop_is("auth")) return result(AuthVerdict::forbidden, "qop=auth required");
    const std::string uri = plain(c.uri);
    if (!same_resource(uri, request.request_uri()))
        return result(AuthVerdict::bad_request,
                      "Bad " + std::string(header) + ": digest-uri does not match the Request-URI");
    if (config_.opaque && (!c.opaque || plain(*c.opaque) != *config_.opaque))
        return result(AuthVerdict::challenge, "Opaque value not ours");

    const std::string nonce = plain(c.nonce);
    const NonceCheck nonce_check = nonces_.check(nonce, config_.realm, now);
    if (nonce_check.status == NonceStatus::invalid)
        return result(AuthVerdict::challenge, "Nonce not issued here");

    // Check the response before a stale nonce or a spent nc is reported: only someone who
    // knows the password learns that the nonce merely aged, and a forged request cannot
    // advance the nonce count of a real client.
    // An unknown user costs the same hashing as a known one (a dummy HA1 that no response
    // matches), so the answer time does not tell which user names exist.
    const DigestHash hash = digest_hash_of(c.algorithm).value_or(DigestHash::sha256);
    const auto record = users.find(user, config_.realm);
    const bool known = record && !record->ha1.for_hash(hash).empty();
    const std::string ha1 = known ? record->ha1.for_hash(hash) : std::string(64, 'x');
    const std::string expected = expected_response(hash, ha1, nonce, *c.nc_text, plain(*c.cnonce),
                                                   "auth", request.method_text(), uri);
    if (!constant_time_equal(expected, sip::text::to_lower_copy(c.response)) || !known) {
        auto r = result(AuthVerdict::failed, "Wrong user name or password");
        r.user = user;
        return r;
    }
    if (nonce_check.status == NonceStatus::stale)
        return result(AuthVerdict::stale, "Nonce expired", true);
    switch (replays_.check(nonce, nonce_check.issued_at, c.nc, now)) {
        case ReplayStatus::fresh:
            break;
        case ReplayStatus::replayed:
            return result(AuthVerdict::stale, "Nonce count not increasing", true);
        case ReplayStatus::forgotten:
            return result(AuthVerdict::stale, "Nonce no longer tracked", true);
    }
    auto r = result(AuthVerdict::authenticated, "");
    r.user = user;
    return r;
}

}  // namespace happysip::auth
