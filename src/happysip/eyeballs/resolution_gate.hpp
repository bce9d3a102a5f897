// RFC 8305 §3: when to start connecting while the AAAA and A queries are outstanding.
// AAAA first (or A after a failed AAAA): start at once. A first: wait up to the Resolution
// Delay for AAAA, then start with what there is. Answers after the start are reported as
// candidates to add to the running race (RFC 8305 §4, last paragraph).
#pragma once

#include <chrono>
#include <optional>
#include <variant>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/eyeballs/time.hpp"

namespace happysip::eyeballs {

struct ResolutionGateConfig {
    Duration resolution_delay = std::chrono::milliseconds(50);  // RFC 8305 §3, §8
    // The family whose answer starts the race at once. RFC 8305 §3 says AAAA; a
    // destination whose IPv6 is known broken (reachability cache) prefers A instead.
    Family preferred = Family::ipv6;
};

// Start the race with these candidates (the preferred family's first; the race interleaves).
struct StartRace {
    std::vector<Candidate> candidates;
    friend bool operator==(const StartRace&, const StartRace&) = default;
};
// Answers that arrived after the race started.
struct AddCandidates {
    std::vector<Candidate> candidates;
    friend bool operator==(const AddCandidates&, const AddCandidates&) = default;
};
// Both queries failed or returned no addresses.
struct Unresolvable {
    friend bool operator==(const Unresolvable&, const Unresolvable&) = default;
};
using GateAction = std::variant<StartRace, AddCandidates, Unresolvable>;

class ResolutionGate {
  public:
    explicit ResolutionGate(ResolutionGateConfig config = {}) : config_(config) {}

    // An empty answer (NODATA) counts as a failed query.
    void on_aaaa(Instant now, std::vector<Candidate> addresses);
    void on_a(Instant now, std::vector<Candidate> addresses);
    void on_aaaa_failed(Instant now);
    void on_a_failed(Instant now);
    void on_timer(Instant now);

    std::vector<GateAction> take_actions();
    // When on_timer must be called; nullopt when no timer is wanted.
    std::optional<Instant> next_deadline() const { return started_ ? std::nullopt : deadline_; }
    bool started() const noexcept { return started_; }

  private:
    enum class Query { pending, answered, failed };

    void on_answer(Family family, Instant now, std::vector<Candidate> addresses);
    void on_failed(Family family);
    Query& query(Family f) noexcept { return f == Family::ipv6 ? aaaa_ : a_; }
    void start();
    void check_unresolvable();

    ResolutionGateConfig config_;
    Query aaaa_ = Query::pending;
    Query a_ = Query::pending;
    std::vector<Candidate> aaaa_addresses_;
    std::vector<Candidate> a_addresses_;
    std::optional<Instant> deadline_;
    bool started_ = false;
    bool unresolvable_ = false;
    std::vector<GateAction> actions_;
};

}  // namespace happysip::eyeballs
