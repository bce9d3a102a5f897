// Where a server sends its responses (RFC 3261 §18.2). On receipt, the top Via of a
// request gets "received" and, when the client asked with a bare "rport", the source
// port (RFC 3581 §4); a response over UDP then goes to the address and port those name
// (§18.2.2). Over TCP/TLS the response goes back on the request's connection, which the
// caller handles: this file only deals with the Via.
#pragma once

#include <asio/ip/address.hpp>
#include <asio/ip/udp.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "happysip/sip/message.hpp"
#include "happysip/sip/result.hpp"
#include "happysip/sip/via.hpp"

namespace happysip::runtime {

// RFC 3261 §18.2.1: adds received=<source address> when the sent-by host differs from it
// (always when the client sent "rport", RFC 3581 §4), and fills rport=<source port>.
// Error if the request has no parseable top Via.
std::optional<sip::ParseError> stamp_received(sip::Message& request,
                                              const asio::ip::address& source,
                                              std::uint16_t source_port);
// The same for a request whose top Via the caller has parsed already into `top_via`
// (interpret_key_headers: the first value of the first Via line), without parsing it
// again; the stamped Via reads exactly as above, edited in place when its line holds no
// other value. Returns what udp_response_destination would read from the stamped Via,
// derived from what was stamped. `top_via` may point into the edited message: its views
// are not to be used afterwards. nullopt (nothing edited) too when there is no Via line.
std::optional<asio::ip::udp::endpoint> stamp_received(sip::Message& request,
                                                      const sip::Via& top_via,
                                                      const asio::ip::address& source,
                                                      std::uint16_t source_port);

// RFC 3261 §18.2.2 for an unreliable transport, after stamp_received: maddr if it is an
// address literal (port from sent-by or 5060); otherwise received (or sent-by when it is
// an address) with the rport value, the sent-by port or 5060. nullopt when no address
// results (a maddr or sent-by host name needs DNS, RFC 3263 §5, not done here).
std::optional<asio::ip::udp::endpoint> udp_response_destination(const sip::Message& request);
// The same from the stamped top Via, already parsed (a server reads it once per request
// and keeps the answer for every response of the transaction).
std::optional<asio::ip::udp::endpoint> udp_response_destination(const sip::Via& top_via);

}  // namespace happysip::runtime
