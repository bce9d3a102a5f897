// What happened while a request was delivered, in order, with times: DNS queries and
// answers, each attempt, the winner, retransmissions, responses, absorbed late answers.
// The CLI prints it; the lab asserts on it; operators read it in debug logs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "happysip/time/virtual_time.hpp"

namespace happysip::client {

enum class EventKind : std::uint8_t {
    dns_query,
    dns_answer,
    race_start,
    candidates_added,
    attempt_start,
    attempt_failed,
    attempt_cancelled,
    winner,
    send,
    retransmit,
    response,
    absorbed,  // a late response on a cancelled branch, or a repeat: not passed on
    failover,  // RFC 3263 §4.3: next candidate after 503, timeout or transport error
    done,
};
std::string_view to_string(EventKind kind) noexcept;

struct TimelineEvent {
    Instant at;
    EventKind kind;
    std::string text;
};

class Timeline {
  public:
    void add(Instant at, EventKind kind, std::string text) {
        events_.push_back({at, kind, std::move(text)});
    }
    const std::vector<TimelineEvent>& events() const noexcept { return events_; }

  private:
    std::vector<TimelineEvent> events_;
};

}  // namespace happysip::client
