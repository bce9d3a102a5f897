// RFC 3261 §16.5: where a validated, Route-preprocessed request goes. A request that still
// carries a Route goes to its top Route (a dialog's route set or a preloaded route); one
// for a user of a domain we serve goes to every binding of that AOR (parallel forking,
// RFC 3327 Path in front, RFC 5626 flows for Outbound instances); anything else leaves the
// domain to its Request-URI. RFC 6140 trunk numbers need nothing here but the "sg" of a
// GRUU request (§7.1, `registrar::copy_gin_sg`): happysipd passes a
// registrar::GinLocationView as the store, whose bindings for a number already carry the
// §6 Request-URI (the trunk's bnc Contact with the number as user part).
// Whether a request may leave the domain at all is the caller's question (no open relay:
// issue 4); this only says that it would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "happysip/proxy/gruu.hpp"
#include "happysip/proxy/local_identity.hpp"
#include "happysip/proxy/route_processing.hpp"
#include "happysip/registrar/location_store.hpp"
#include "happysip/sip/message.hpp"

namespace happysip::proxy {

// RFC 5626 §5.3: another registration of the same instance, tried only when the branch
// before it failed with 430 (Flow Failed), 408 or a transport error.
struct Alternate {
    std::string uri;
    std::vector<std::string> path;
    // One of the instance's own flows (a Target's `flows` entry): the branch goes down it,
    // not to `uri`. Empty for a registration through an edge (reached over `path`).
    std::string flow;
};

struct Target {
    std::string uri;                // the new Request-URI; empty: keep the request's
    std::vector<std::string> path;  // Route values to put in front (the binding's Path)
    std::uint16_t q = 1000;         // the binding's q-value x1000
    // RFC 5626 §5.3: an Outbound instance registered here directly is reached over one of
    // the flows it registered ("udp:[2001:db8::2]:5060", as RegisterContext::source),
    // never by its Contact URI: the first flow that is still up, most recent first; one
    // branch per instance, not one per flow. When that branch times out or its transport
    // fails, the next live flow replaces it (the proxy makes each an Alternate with its
    // `flow`). Empty for every other target.
    std::vector<std::string> flows;
    std::string instance;  // the +sip.instance of those flows (or of `alternates`)
    // RFC 5626 §5.3: an Outbound instance registered through an edge proxy (its bindings
    // have a Path) gets one branch at a time: this target is its most recent registration,
    // `alternates` the others in order, for when the edge answers 430 or the branch times
    // out. Never two flows of one instance at once.
    std::vector<Alternate> alternates;
};

struct TargetSet {
    enum class Kind : std::uint8_t {
        forward,      // to `targets`
        no_bindings,  // a user of ours with no current binding (480, or 404 if unknown)
        not_found,    // a URI of ours that names nobody (404)
    };
    Kind kind = Kind::forward;
    std::vector<Target> targets;
    std::string aor;             // the canonical AOR looked up, when one was
    bool leaves_domain = false;  // the next hop is not a binding of ours
    bool in_dialog = false;      // the request has a To tag (RFC 3261 §12.2)
    // A request inside a dialog we record-routed: it has a To tag and came with our own
    // Route on top (RFC 3261 §16.4 removed it).
    bool in_our_dialog = false;
};

// `now`: wall-clock seconds, for binding expiry. `gruu`: how to read RFC 5627 GRUUs in
// the Request-URI (a GRUU targets only the bindings of its instance; an unknown temp GRUU
// is not_found); null when GRUUs are not in use.
// `request_uri`, when given, is the parse of request.request_uri() (the caller's).
TargetSet find_targets(const sip::Message& request, const RoutePreprocessing& preprocessing,
                       const LocalIdentity& self, registrar::LocationStore& store, std::int64_t now,
                       const GruuCodec* gruu = nullptr, const sip::Uri* request_uri = nullptr);

}  // namespace happysip::proxy
