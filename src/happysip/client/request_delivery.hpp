// Delivers one non-INVITE request to a SIP URI the way a dual-stack phone should: RFC 3263
// lookups, an RFC 8305 race over the candidates, one RFC 3261 §17.1.2 client transaction
// per attempt, RFC 3263 §4.3 fail-over, and a timeline of every decision.
//
// UDP (docs/architecture.md, "Happy Eyeballs over UDP"): each attempt is its own client
// transaction with its own branch, sent to one candidate. The next candidate gets the
// request when the previous one has not answered within the attempt delay. The first
// response on any branch wins; the other branches stop retransmitting at once and any
// response they still receive is absorbed here, never passed on, so the TU sees exactly one
// transaction. A server that receives two attempts sees two transactions with the same
// Call-ID/CSeq and different branches: for requests that create state it answers the second
// with 482 (RFC 3261 §8.2.2.2 merged request), which is absorbed too.
// TCP/TLS: attempts are connections; the first established connection wins, the others
// are closed, and the request is sent once over the winner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "happysip/client/target_lookup.hpp"
#include "happysip/client/timeline.hpp"
#include "happysip/eyeballs/race.hpp"
#include "happysip/eyeballs/reachability_cache.hpp"
#include "happysip/sip/builder.hpp"
#include "happysip/txn/non_invite_client_transaction.hpp"

namespace happysip::client {

using eyeballs::Candidate;

struct DeliveryConfig {
    resolve::TransportSet supported;
    std::optional<eyeballs::Family> only_family;
    eyeballs::RaceConfig race;  // attempt delay, preferred family, sequential, overall timeout
    eyeballs::ResolutionGateConfig gate;
    txn::TimerConfig timers;
    std::uint64_t srv_seed = 0x9e3779b97f4a7c15ULL;
};

// Via sent-by for a UDP attempt to this candidate: "[2001:db8::2]:5060", "192.0.2.2:5060"
// (the local address that routes to it, and the port responses are expected on). Empty
// when there is none (no socket of that family).
using LocalSentBy = std::function<std::string(const Candidate&)>;

// ---- actions for the I/O shell ----
struct QueryDns {
    DnsQuery query;
};
// TCP/TLS: connect to the candidate; answer with on_connected or on_connect_failed.
struct OpenConnection {
    std::size_t attempt;
    Candidate candidate;
};
// UDP: one datagram to the candidate. TCP/TLS: write on the attempt's connection.
struct Transmit {
    std::size_t attempt;
    Candidate candidate;
    std::string bytes;
};
struct CloseConnection {
    std::size_t attempt;
};
// A response for the transaction user (1xx and the final one).
struct DeliverResponse {
    sip::Message response;
};
struct Finished {};
using DeliveryAction =
    std::variant<QueryDns, OpenConnection, Transmit, CloseConnection, DeliverResponse, Finished>;

enum class Outcome : std::uint8_t { pending, response, timeout, unresolvable, transport_error };
std::string_view to_string(Outcome outcome) noexcept;

enum class AttemptResult : std::uint8_t { in_flight, won, failed, cancelled };
std::string_view to_string(AttemptResult result) noexcept;

struct AttemptRecord {
    Candidate candidate;
    Instant started_at;
    AttemptResult result = AttemptResult::in_flight;
    std::string branch;
    std::string detail;  // why it failed
};

class RequestDelivery {
  public:
    // `request`: everything but the Via, which each attempt writes; `request.branch` is a
    // unique prefix (z9hG4bK...) extended per attempt. `cache` (optional, not owned) is
    // shared by deliveries to the same destination, named by `cache_key`.
    RequestDelivery(sip::RequestParts request, resolve::TransportPlan plan, DeliveryConfig config,
                    LocalSentBy local, eyeballs::ReachabilityCache* cache = nullptr,
                    std::string cache_key = {});
    ~RequestDelivery();
    RequestDelivery(const RequestDelivery&) = delete;
    RequestDelivery& operator=(const RequestDelivery&) = delete;

    void start(Instant now);

    // DNS answers for QueryDns; `failure` is empty on success ("NXDOMAIN", "timeout", ...).
    void on_naptr(std::uint32_t id, std::vector<resolve::NaptrRecord> records,
                  std::string_view failure, Instant now);
    void on_srv(std::uint32_t id, std::vector<resolve::SrvRecord> records, std::string_view failure,
                Instant now);
    void on_address(std::uint32_t id, std::vector<resolve::AddressRecord> records,
                    std::string_view failure, Instant now);

    void on_connected(std::size_t attempt, std::string local_sent_by, Instant now);
    void on_connect_failed(std::size_t attempt, std::string detail, Instant now);
    // A send failed (EPERM, ENETUNREACH) or the attempt's connection closed.
    void on_transport_error(std::size_t attempt, std::string detail, Instant now);
    // Matches by top Via branch; false when the branch is not one of ours.
    bool on_response(const sip::Message& response, Instant now);
    void on_timer(Instant now);

    std::vector<DeliveryAction> take_actions();
    std::optional<Instant> next_deadline() const;

    bool finished() const noexcept { return outcome_ != Outcome::pending; }
    Outcome outcome() const noexcept { return outcome_; }
    const std::optional<sip::Message>& final_response() const noexcept { return final_; }
    std::optional<Instant> first_response_at() const noexcept { return first_response_at_; }
    std::optional<Instant> finished_at() const noexcept { return finished_at_; }
    std::optional<std::size_t> winner() const noexcept { return winner_; }
    const std::vector<AttemptRecord>& attempts() const noexcept { return attempts_; }
    const Timeline& timeline() const noexcept { return timeline_; }

  private:
    struct Attempt;

    void pump(Instant now);
    bool drain_lookup(Instant now);
    bool drain_race(Instant now);
    bool drain_transactions(Instant now);
    void start_race(std::vector<Candidate> candidates, Instant now);
    void start_attempt(std::size_t race_index, Instant now);
    void send_request(std::size_t attempt, std::string_view sent_by, Instant now);
    void handle_response(std::size_t attempt, sip::Message response, Instant now);
    void attempt_failed(std::size_t attempt, std::string detail, Instant now);
    void fail_over(std::string why, Instant now);
    void race_exhausted(Instant now);
    void finish(Outcome outcome, Instant now);
    void stop_attempt(std::size_t attempt, AttemptResult result);
    std::optional<std::size_t> race_index_of(std::size_t attempt) const;
    std::optional<Instant> connect_deadline(std::size_t attempt) const;

    sip::RequestParts request_;
    DeliveryConfig config_;
    LocalSentBy local_;
    eyeballs::ReachabilityCache* cache_;
    std::string cache_key_;

    resolve::TransportPlan plan_;
    std::optional<TargetLookup> lookup_;  // made at start(), when the cache is consulted
    std::unique_ptr<eyeballs::Race> race_;
    std::vector<std::optional<std::size_t>> race_attempt_;  // race index -> attempt index
    std::vector<Candidate> known_;                          // every candidate seen, for fail-over
    std::vector<AttemptRecord> attempts_;
    std::vector<std::unique_ptr<Attempt>> live_;  // per attempt: its transaction, if any

    Timeline timeline_;
    std::vector<DeliveryAction> actions_;
    Outcome outcome_ = Outcome::pending;
    std::optional<sip::Message> final_;
    std::optional<sip::Message> last_503_;
    std::optional<Instant> first_response_at_;
    std::optional<Instant> finished_at_;
    std::optional<std::size_t> winner_;
    Instant deadline_{};
    bool started_ = false;
    bool any_timeout_ = false;
};

}  // namespace happysip::client
