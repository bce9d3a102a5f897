// Finding and reaching one proxied target's next hop: RFC 3263 §4 lookups (NAPTR, SRV,
// AAAA/A through the RFC 8305 §3 resolution gate) and an RFC 8305 race over the candidates,
// adapted to SIP as in docs/architecture.md "Happy Eyeballs over UDP".
//
// Unlike client::RequestDelivery this owns no transaction: the proxy's ResponseContext owns
// the branches. Each StartAttempt asks the caller to add one branch (its own Via branch) to
// that candidate; the caller reports what happens on it and carries out CancelAttempt. An
// IP-literal next hop needs no DNS and starts its single attempt at once, so the proxy can
// use one NextHopRace for every target.
//
// Settled comes exactly once, when this target's branch set is final: the winner has a
// final response other than 503, or no candidate is left (unresolvable, every attempt
// failed, overall timeout). A winner is not settled at once because RFC 3263 §4.3 still
// fails over to the next candidate when the winner answers 503 or its transaction fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "happysip/client/target_lookup.hpp"
#include "happysip/client/timeline.hpp"
#include "happysip/eyeballs/race.hpp"
#include "happysip/eyeballs/reachability_cache.hpp"
#include "happysip/resolve/transport_selection.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::proxy {

struct NextHopConfig {
    client::TargetLookupConfig lookup;  // transports, --family, resolution gate, SRV seed
    eyeballs::RaceConfig race;          // attempt delay, preferred family, overall timeout
};

namespace next_hop {

// Ask DNS; answer with on_naptr / on_srv / on_address.
struct QueryDns {
    client::DnsQuery query;
};
// Add a branch to `candidate` and remember attempt -> branch.
struct StartAttempt {
    std::size_t attempt;
    eyeballs::Candidate candidate;
};
// Cancel that attempt's branch (UDP: stop retransmitting; a later answer on it is the
// response context's to absorb or CANCEL).
struct CancelAttempt {
    std::size_t attempt;
};
// The target's branch set is final; `winner` is the attempt whose answer counts, if any.
struct Settled {
    std::optional<std::size_t> winner;
    std::string reason;
};
using Action = std::variant<QueryDns, StartAttempt, CancelAttempt, Settled>;

enum class AttemptState : std::uint8_t { in_flight, won, failed, cancelled };
std::string_view to_string(AttemptState state) noexcept;

struct Attempt {
    eyeballs::Candidate candidate;
    Instant started_at;
    AttemptState state = AttemptState::in_flight;
    std::string detail;  // why it failed
};

}  // namespace next_hop

class NextHopRace {
  public:
    // `cache` (optional, not owned, shared by the daemon) is keyed by the next hop's host:
    // what one target learnt about its families guides the next request to that host.
    NextHopRace(resolve::TransportPlan plan, NextHopConfig config,
                eyeballs::ReachabilityCache* cache = nullptr);
    // The plan RFC 3263 §4.1 selects for `next_hop` (sip: or sips:) with the configured
    // transports.
    NextHopRace(const sip::Uri& next_hop, NextHopConfig config,
                eyeballs::ReachabilityCache* cache = nullptr);
    ~NextHopRace();
    NextHopRace(NextHopRace&&) noexcept;
    NextHopRace& operator=(NextHopRace&&) noexcept;

    void start(Instant now);

    // DNS answers for QueryDns; `failure` is empty on success ("NXDOMAIN", "timeout", ...).
    void on_naptr(std::uint32_t id, std::vector<resolve::NaptrRecord> records,
                  std::string_view failure, Instant now);
    void on_srv(std::uint32_t id, std::vector<resolve::SrvRecord> records, std::string_view failure,
                Instant now);
    void on_address(std::uint32_t id, std::vector<resolve::AddressRecord> records,
                    std::string_view failure, Instant now);

    // Any response on the attempt's branch, 100 included (the UDP success signal), or for
    // TCP/TLS the connection being up: the first such attempt wins the race.
    void on_attempt_responded(std::size_t attempt, Instant now);
    // A final response other than 503 on the attempt's branch: it wins if nothing has yet,
    // and no fail-over can follow it, so the target is settled.
    void on_attempt_final(std::size_t attempt, Instant now);
    // Transport error, connect failure, transaction timeout, or a 503 (RFC 3263 §4.3). On a
    // racing attempt the next candidate starts at once; on the winner, the candidates not
    // yet tried get a fresh race.
    void on_attempt_failed(std::size_t attempt, std::string detail, Instant now);
    void on_timer(Instant now);

    std::vector<next_hop::Action> take_actions();
    std::optional<Instant> next_deadline() const;

    bool settled() const noexcept { return settled_; }
    std::optional<std::size_t> winner() const noexcept { return winner_; }
    const std::vector<next_hop::Attempt>& attempts() const noexcept { return attempts_; }
    const std::string& cache_key() const noexcept { return cache_key_; }
    const client::Timeline& timeline() const noexcept { return timeline_; }

  private:
    bool accept_answer(std::string_view type, std::uint32_t id, std::size_t count,
                       std::string_view failure, Instant now);
    void pump(Instant now);
    bool drain_lookup(Instant now);
    bool drain_race(Instant now);
    void start_race(std::vector<eyeballs::Candidate> candidates, Instant now);
    void start_attempt(std::size_t race_index, Instant now);
    void fail_over(const std::string& why, Instant now);
    void race_exhausted(Instant now);
    void settle(std::optional<std::size_t> winner, std::string reason, Instant now);
    void cancel(std::size_t attempt, Instant now);
    std::optional<std::size_t> race_index_of(std::size_t attempt) const;
    std::string name_of(std::size_t attempt) const;

    resolve::TransportPlan plan_;
    NextHopConfig config_;
    eyeballs::ReachabilityCache* cache_;
    std::string cache_key_;

    std::optional<client::TargetLookup> lookup_;  // made at start(), when the cache is read
    std::unique_ptr<eyeballs::Race> race_;
    std::vector<std::optional<std::size_t>> race_attempt_;  // race index -> attempt
    std::vector<eyeballs::Candidate> known_;                // every candidate, for fail-over
    std::vector<next_hop::Attempt> attempts_;

    client::Timeline timeline_;
    std::vector<next_hop::Action> actions_;
    std::optional<std::size_t> winner_;
    Instant deadline_{};
    bool started_ = false;
    bool settled_ = false;
};

}  // namespace happysip::proxy
