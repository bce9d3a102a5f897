// The ACK an INVITE client transaction sends for a non-2xx final response.
#pragma once

#include "happysip/sip/message.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::txn {

// RFC 3261 §17.1.1.3: Request-URI, Call-ID, From and the top Via (only) of the INVITE; To
// of the response (it carries the tag); CSeq number of the INVITE with method ACK; the
// INVITE's Route headers. Max-Forwards 70 (§8.1.1.6), no body.
sip::Result<sip::Message> make_ack_for_non_2xx(const sip::Message& invite,
                                               const sip::Message& response);

}  // namespace happysip::txn
