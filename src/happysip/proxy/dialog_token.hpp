// Proof that a Route naming this proxy came from its own Record-Route (issue 4, "no open
// relay"). A request with a To tag and our Route on top looks like part of a dialog we
// record-routed, and such a request may leave the domain without credentials; without a
// proof anyone could write that Route and a To tag by hand and relay calls through us.
// So every Record-Route URI we insert carries `;hsd=<token>`, a MAC of the Call-ID (the
// one dialog identifier both directions share) under a secret only this proxy knows, and
// an in-dialog request is ours only when a Route we removed carries the right token.
// Sans-I/O: the secret is given.
//
// A call computes the token of its Call-ID several times (the INVITE's Record-Route, then
// the ACK's and the BYE's Route checks), and each HMAC was ~2 % of a proxied call's
// instructions (issue 4), so the last tokens are kept in a small direct-mapped cache. Not
// thread-safe: one DialogToken per proxy thread.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/auth/hmac_key.hpp"

namespace happysip::proxy {

class DialogToken {
  public:
    static constexpr std::string_view k_param = "hsd";

    explicit DialogToken(std::string_view secret) : key_(secret) {}

    // 16 hex digits: HMAC-SHA256(secret, Call-ID), truncated to 64 bits.
    std::string token(std::string_view call_id) const;
    // `;hsd=<token>`, to append to a Record-Route URI's parameters.
    std::string uri_param(std::string_view call_id) const;
    // True when one of `routes` (Route values or URIs, as removed by preprocess_routes)
    // carries the token of `call_id`.
    bool carried_by(const std::vector<std::string>& routes, std::string_view call_id) const;

  private:
    struct Cached {
        std::string call_id;
        std::string token;
    };
    static constexpr std::size_t k_cache_slots = 256;

    auth::HmacSha256Key key_;
    mutable std::array<Cached, k_cache_slots> cache_;  // slot: hash of the Call-ID
};

}  // namespace happysip::proxy
