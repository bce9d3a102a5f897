// RFC 3261 §16.7 items 6-7: which final response a forking proxy sends upstream once every
// branch has one, and the challenges it must carry. Pure functions over what the response
// context collected; 2xx never get here (they are forwarded at once, §16.7 item 5).
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "happysip/sip/message.hpp"

namespace happysip::proxy {

// Index of the best of the final statuses (300-699) collected, or nullopt when empty.
// §16.7 item 6: a 6xx wins over everything; otherwise the lowest class; within 4xx the
// responses that let the client retry with more information (401, 407, 415, 420, 484)
// come first; within 5xx a 503 comes last (it cannot go up as itself). Ties go to the
// earliest collected.
std::optional<std::size_t> choose_best_response(std::span<const int> statuses) noexcept;

// §16.7 item 6: a 503 is not forwarded upstream (it would stop the client from trying
// this proxy again); 500 goes instead. Every other status is itself.
int upstream_status(int status) noexcept;

// §16.7 item 7: when the chosen response is a 401 or 407, every WWW-Authenticate and
// Proxy-Authenticate value of every collected 401/407 is added to it (values it already
// carries are not repeated, so `collected` may include the chosen response's source).
// Does nothing when `chosen` is not a 401 or 407.
void merge_challenges(sip::Message& chosen, std::span<const sip::Message* const> collected);

}  // namespace happysip::proxy
