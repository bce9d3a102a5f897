// RFC 3261 §16.6: one forwarded copy of a request for one target. Items 1-8 in order:
// copy, Request-URI, Max-Forwards, Record-Route (one value, or two per RFC 5658 when the
// request leaves on another interface or address family than it came in; Path instead, for
// a REGISTER, RFC 3327), strict-route
// fix-up, next hop, and this proxy's Via with a branch that carries the loop hash.
#pragma once

#include <string>
#include <vector>

#include "happysip/sip/message.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::proxy {

struct ForwardPlan {
    std::string target;  // the new Request-URI (§16.5 target); empty keeps the current one
    // Route values put in front of any the request has, in order: the target binding's
    // Path (RFC 3327 §5.3), so the request retraces the registration's way.
    std::vector<std::string> routes_before;
    // Our Record-Route URIs, top first: {outgoing side, incoming side} for RFC 5658
    // double Record-Route, one for a plain Record-Route, none to stay out of the dialog.
    std::vector<std::string> record_route;
    // Our Path URI for a REGISTER we relay to its registrar (RFC 3327 §5.3; RFC 5626 §5.1
    // puts the flow token and "ob" in it), put on top of any Path; empty: none.
    std::string path;
    std::string via_transport = "UDP";  // UDP, TCP, TLS, WS, WSS
    std::string via_sent_by;            // "[2001:db8::1]:5060"
    std::string branch_token;           // unique per client transaction (caller's randomness)
    std::string loop_hash;              // loop_hash() of the request as received
};

struct Forwarded {
    sip::Message request;
    std::string next_hop;  // URI to resolve with RFC 3263: top Route, else Request-URI
    std::string branch;    // of the Via added
};

// The branch this proxy writes: "z9hG4bK-hs" + token + "." + loop hash.
std::string proxy_branch(std::string_view token, std::string_view loop_hash);

sip::Result<Forwarded> forward_copy(const sip::Message& received, const ForwardPlan& plan);

}  // namespace happysip::proxy
