// RFC 3261 §8.2 / §16.3: a request that does not even parse still deserves a 400 with the
// reason, when it can be answered at all. This salvages what a response needs from the
// raw bytes (Via lines, From, To, Call-ID, CSeq) and writes the 400 stateless. Nothing is
// answered when the bytes are a response, an ACK, or lack a Via with a branch or a CSeq:
// answering garbage would make the server a reflector. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace happysip::runtime {

std::optional<std::string> bad_request_reply(std::string_view bytes, std::string_view reason);

}  // namespace happysip::runtime
