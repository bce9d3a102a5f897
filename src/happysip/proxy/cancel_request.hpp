// The CANCEL a proxy sends for one of its INVITE branches (RFC 3261 §16.10, §9.1).
#pragma once

#include "happysip/sip/message.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::proxy {

// RFC 3261 §9.1: Request-URI, Call-ID, From and To (no tag added) of the forwarded INVITE,
// its CSeq number with method CANCEL, a single Via equal to its top Via (ours: same branch,
// so the UAS matches the CANCEL to the INVITE, §9.2), its Route headers, Max-Forwards 70
// and no body.
sip::Result<sip::Message> make_cancel(const sip::Message& forwarded_invite);

}  // namespace happysip::proxy
