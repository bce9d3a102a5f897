// Route handling around forwarding (RFC 3261 §16.4 and §16.6 item 6), for loose routers
// (lr) and the strict routers of RFC 2543 alike, and RFC 5658 double Record-Route.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "happysip/proxy/local_identity.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

struct RoutePreprocessing {
    bool request_uri_restored = false;  // the previous hop was a strict router
    int routes_removed = 0;             // our own Route values popped off the top
    // What named us: those Route values, and ("<uri>") a Request-URI a strict router put
    // there. A dialog token (dialog_token.hpp) is looked for in them.
    std::vector<std::string> removed;
};

// §16.4: if the Request-URI is one of ours (a strict router put our Record-Route there),
// the last Route value becomes the Request-URI again; then every leading Route value that
// names this proxy is removed (two with RFC 5658 double Record-Route).
// `request_uri`, when given, is the parse of request.request_uri() (the caller's, to save
// parsing it again).
RoutePreprocessing preprocess_routes(sip::Message& request, const LocalIdentity& self,
                                     const sip::Uri* request_uri = nullptr);

// The parsed Request-URI of `request`: `given` when the caller parsed it already, else
// parsed into `storage`; null when it does not parse.
const sip::Uri* parsed_request_uri(const sip::Message& request, const sip::Uri* given,
                                   std::optional<sip::Uri>& storage);

// §16.6 item 6: if the top Route names a strict router (no lr), the Request-URI goes to
// the end of the Route set and the top Route becomes the Request-URI. Returns whether it
// happened.
bool fix_up_strict_route(sip::Message& request);

// The URI the request is sent to next (§16.6 item 7): the top Route's, else the
// Request-URI. Empty on a Route that does not parse.
std::string next_hop_uri(const sip::Message& request);

// Every Route value in order (comma-separated lines split).
std::vector<std::string> route_values(const sip::Message& request);
// Replaces the Route set with `values` (one line each, where the first Route line was).
void set_routes(sip::Message& request, const std::vector<std::string>& values);

}  // namespace happysip::proxy
