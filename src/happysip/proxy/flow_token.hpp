// RFC 5626 §5.1 flow tokens: how an edge proxy remembers, in a URI it puts in a Record-Route
// (or a Path), the flow a UA's requests must travel back over. The token is the user part
// of our URI: the flow as happysip spells it ("tcp:[2001:db8::2]:40001", a RequestSource's
// text) with ':' '[' ']' escaped, then '~' and a MAC of it under a secret only this proxy
// knows, so that nobody can write a token that sends requests down someone else's flow
// (RFC 5626 §5.2 asks for tokens that cannot be forged). Sans-I/O: the secret is given.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/auth/hmac_key.hpp"

namespace happysip::proxy {

class FlowToken {
  public:
    explicit FlowToken(std::string_view secret) : key_(secret) {}

    // The URI user part for `flow`: "tcp%3A127.0.0.1%3A40001~5f0c1d2e3a4b5c6d".
    std::string encode(std::string_view flow) const;
    // The flow a user part names, when it is one of our tokens with the right MAC.
    std::optional<std::string> decode(std::string_view user) const;
    // The flows named by the tokens in `routes` (Route values as removed by
    // preprocess_routes), in order, forged or foreign ones left out.
    std::vector<std::string> flows_in(const std::vector<std::string>& routes) const;

  private:
    std::string mac(std::string_view flow) const;
    auth::HmacSha256Key key_;
};

// RFC 5626 §5.3: which of a dialog's flows an in-dialog request goes down. A request that
// came over one of them is from that UA and goes to the other; one that came from
// elsewhere goes to the (only) flow. nullopt: none applies (no tokens, or the request came
// over the only flow and goes on by its Request-URI).
std::optional<std::string> flow_for_request(const std::vector<std::string>& flows,
                                            std::string_view source);

}  // namespace happysip::proxy
