// Proof that a Route naming this proxy came from its own Record-Route (issue 4, "no open
// relay"). A request with a To tag and our Route on top looks like part of a dialog we
// record-routed, and such a request may leave the domain without credentials; without a
// proof anyone could write that Route and a To tag by hand and relay calls through us.
// So every Record-Route URI we insert carries `;hsd=<token>`, a MAC of the Call-ID (the
// one dialog identifier both directions share) under a secret only this proxy knows, and
// an in-dialog request is ours only when a Route we removed carries the right token.
// Sans-I/O: the secret is given.
//
// A call checks the token of its Call-ID several times (the INVITE's Record-Route, then
// the ACK's and the BYE's Route checks); the MAC is SipHash-2-4 (auth/siphash.hpp), a
// few hundred instructions, under a 128-bit key derived from the secret. (HMAC-SHA256
// through OpenSSL was ~6,000 per token, 2 % of a proxied call, issue 4.) Tokens written
// by a happysipd that used HMAC do not verify with this one: dialogs that span the
// upgrade need credentials for requests that leave the domain.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "happysip/auth/siphash.hpp"

namespace happysip::proxy {

class DialogToken {
  public:
    static constexpr std::string_view k_param = "hsd";

    explicit DialogToken(std::string_view secret);

    // 16 hex digits: SipHash-2-4 of the Call-ID under the key derived from the secret.
    std::string token(std::string_view call_id) const;
    // `;hsd=<token>`, to append to a Record-Route URI's parameters.
    std::string uri_param(std::string_view call_id) const;
    // True when one of `routes` (Route values or URIs, as removed by preprocess_routes)
    // carries the token of `call_id`.
    bool carried_by(const std::vector<std::string>& routes, std::string_view call_id) const;

  private:
    auth::SipHashKey key_;
};

}  // namespace happysip::proxy
