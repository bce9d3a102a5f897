// Which IP families an SDP offer or answer can use for media (RFC 4566 §5.7 connection
// lines, RFC 8839 ICE candidates), so that a proxy bridging IPv6 and IPv4 signalling
// (RFC 5658, RFC 6157) can tell its operator when the media cannot follow: happysipd
// relays no media, and an IPv6-only offer sent to an IPv4-only callee has no path unless
// ICE offers a candidate of the callee's family.
#pragma once

#include <string_view>

#include "happysip/sip/message.hpp"

namespace happysip::proxy {

struct MediaFamilies {
    bool ip4 = false;
    bool ip6 = false;

    bool any() const { return ip4 || ip6; }
    bool has(bool v6) const { return v6 ? ip6 : ip4; }
};

// The families named by every "c=" line and "a=candidate" attribute of an SDP body.
// Text that is not SDP yields no family at all.
MediaFamilies sdp_media_families(std::string_view sdp);

// The same for a request's body when its Content-Type is SDP or multipart (a multipart
// body is scanned whole: SDP lines start at a line start in any part); {} otherwise.
MediaFamilies media_families_of(const sip::Message& message);

}  // namespace happysip::proxy
