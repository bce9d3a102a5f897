// Per-source limits (issue 4, "Per-source limits"): failed authentications and request
// rate, keyed by whatever the caller names a source with (an IPv4 address; for IPv6 the
// caller should pass the /64, since one host owns a whole /64).
//
// - Failures: more than `max_failures` failed authentications within `failure_window`
//   block the source for `first_block`; each further block after the source fails again
//   doubles the time, up to `max_block` (exponential back-off). A success clears the count
//   but not the back-off level; the level decays once the source has been quiet for
//   `max_block` after its last block.
// - Rate: a token bucket per source (`rate_per_second`, `burst`) bounds requests of any kind.
// - Memory: at most `capacity` sources are tracked; the least recently seen is forgotten
//   first (an attacker has to stay active to stay tracked, and a blocked one that keeps
//   trying keeps its entry fresh).
//
// Sans-I/O: every call takes `now`.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "happysip/time/virtual_time.hpp"

namespace happysip::auth {

struct FailureLimiterConfig {
    std::size_t max_failures = 5;
    Duration failure_window = std::chrono::minutes(1);
    Duration first_block = std::chrono::minutes(1);
    Duration max_block = std::chrono::hours(1);
    double rate_per_second = 50;  // sustained requests per second per source; 0: no limit
    double burst = 100;           // bucket size
    std::size_t capacity = 65'536;
};

enum class Admission : std::uint8_t {
    allowed,
    blocked,       // too many failed authentications: drop or answer 403, do not verify
    rate_limited,  // over the request rate: drop (or 503 with Retry-After)
};

std::string_view to_string(Admission a) noexcept;

struct FailureOutcome {
    bool blocked = false;  // this failure started a block (log it: the operator wants to know)
    Duration block_for{};  // its length
    std::size_t failures_in_window = 0;
};

class FailureLimiter {
  public:
    explicit FailureLimiter(FailureLimiterConfig config = {}) : config_(config) {
        if (config_.capacity == 0) config_.capacity = 1;
    }

    // Every request from `source`: blocked sources are refused first, then the rate.
    Admission admit(std::string_view source, Instant now);
    // A failed authentication (AuthResult::counts_as_failure()).
    FailureOutcome record_failure(std::string_view source, Instant now);
    // A successful authentication: forgets the failures in the window.
    void record_success(std::string_view source, Instant now);

    // When the block of `source` ends, if it is blocked at `now`.
    std::optional<Instant> blocked_until(std::string_view source, Instant now) const;

    std::size_t size() const noexcept { return entries_.size(); }
    const FailureLimiterConfig& config() const noexcept { return config_; }

  private:
    struct Entry {
        std::string source;
        std::vector<Instant> failures;  // within the window, oldest first; at most max+1
        Instant blocked_until{};
        Instant last_block_end{};
        unsigned level = 0;  // blocks so far: the next lasts first_block * 2^level
        double tokens = 0;
        Instant refilled_at{};
    };
    using Lru = std::list<Entry>;

    Entry& touch(std::string_view source, Instant now);
    Duration block_length(unsigned level) const noexcept;

    FailureLimiterConfig config_;
    Lru lru_;  // most recently seen first
    std::unordered_map<std::string, Lru::iterator> entries_;
};

}  // namespace happysip::auth
