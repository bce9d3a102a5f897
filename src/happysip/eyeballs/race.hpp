// The Happy Eyeballs race for one destination (RFC 8305 §5, adapted to SIP): starts one
// attempt per Connection Attempt Delay in interleaved order, the next one at once when an
// attempt fails, declares the first success the winner and cancels the rest. For TCP/TLS
// an attempt succeeds when the connection is established; for UDP when the first response
// arrives on that branch. Sans-I/O: the caller passes `now`, carries out the actions and
// calls on_timer at next_deadline().
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/eyeballs/reachability_cache.hpp"
#include "happysip/eyeballs/time.hpp"

namespace happysip::eyeballs {

// RFC 8305 §5: recommended 250 ms, MUST NOT be below 10 ms, SHOULD NOT exceed 2 s.
inline constexpr Duration k_min_attempt_delay = std::chrono::milliseconds(10);
inline constexpr Duration k_max_attempt_delay = std::chrono::seconds(2);

constexpr Duration clamp_attempt_delay(Duration d) noexcept {
    return d < k_min_attempt_delay   ? k_min_attempt_delay
           : d > k_max_attempt_delay ? k_max_attempt_delay
                                     : d;
}

struct RaceConfig {
    Duration attempt_delay = std::chrono::milliseconds(250);  // clamped to [10 ms, 2 s]
    Family preferred = Family::ipv6;
    std::size_t first_address_family_count = 1;   // RFC 8305 §4
    Duration timeout = std::chrono::seconds(32);  // whole race; 64*T1 for a UDP transaction
    // The naive behaviour Happy Eyeballs replaces (for comparison: --no-happy-eyeballs):
    // the next attempt starts only when the previous one has failed, never on a timer.
    bool sequential = false;
};

// Start attempt `index` (an index into candidates()).
struct StartAttempt {
    std::size_t index;
    friend bool operator==(const StartAttempt&, const StartAttempt&) = default;
};
// Stop attempt `index`: TCP/TLS close it; UDP stop retransmitting but absorb late responses.
struct CancelAttempt {
    std::size_t index;
    friend bool operator==(const CancelAttempt&, const CancelAttempt&) = default;
};
// Attempt `index` won; emitted exactly once per race.
struct Winner {
    std::size_t index;
    friend bool operator==(const Winner&, const Winner&) = default;
};
// Every candidate failed, or the race timed out.
struct Exhausted {
    friend bool operator==(const Exhausted&, const Exhausted&) = default;
};
using Action = std::variant<StartAttempt, CancelAttempt, Winner, Exhausted>;

std::string to_string(const Action& action);
std::ostream& operator<<(std::ostream& os, const Action& action);

class Race {
  public:
    // `cache` (optional, not owned, must outlive the race) orders families at start and
    // learns the outcome; `cache_key` names the destination in it.
    Race(RaceConfig config, std::vector<Candidate> candidates, ReachabilityCache* cache = nullptr,
         std::string cache_key = {});

    void start(Instant now);
    void on_attempt_succeeded(std::size_t index, Instant now);
    void on_attempt_failed(std::size_t index, Instant now);
    void on_timer(Instant now);
    // Late answers (e.g. AAAA after the Resolution Delay): appended to candidates() and
    // merged into the not-yet-attempted order. Ignored once the race is finished.
    void add_candidates(std::vector<Candidate> late, Instant now);
    // While a DNS query is still outstanding, running out of candidates is not Exhausted:
    // the race waits for add_candidates (the overall timeout still applies). Pass false
    // when resolution is complete.
    void expect_more_candidates(bool more, Instant now);

    std::vector<Action> take_actions();
    std::optional<Instant> next_deadline() const;

    const std::vector<Candidate>& candidates() const noexcept { return candidates_; }
    std::optional<std::size_t> winner() const noexcept { return winner_; }
    bool finished() const noexcept { return finished_; }
    Duration attempt_delay() const noexcept { return config_.attempt_delay; }

  private:
    enum class State : std::uint8_t { not_started, in_flight, failed, cancelled, won };
    struct Attempt {
        State state = State::not_started;
        Instant started_at{};
    };

    void order_pending(Instant now, bool initial);
    void pump(Instant now);
    void start_next(Instant now);
    void win(std::size_t index, Instant now);
    void time_out(Instant now);
    void exhaust(Instant now);
    void record_outcomes(Instant now);
    bool any_in_flight() const;

    RaceConfig config_;
    std::vector<Candidate> candidates_;
    std::vector<Attempt> attempts_;
    std::deque<std::size_t> pending_;  // not yet started, in attempt order
    ReachabilityCache* cache_;
    std::string cache_key_;

    bool started_ = false;
    bool finished_ = false;
    bool more_expected_ = false;
    std::optional<std::size_t> winner_;
    std::optional<Family> last_started_family_;
    Instant next_start_at_{};
    Instant deadline_{};
    std::vector<Action> actions_;
};

}  // namespace happysip::eyeballs
