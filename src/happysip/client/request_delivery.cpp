#include "happysip/client/request_delivery.hpp"

#include <algorithm>
#include <utility>

#include "happysip/eyeballs/overloaded.hpp"
#include "happysip/txn/transaction_key.hpp"

namespace happysip::client {

using eyeballs::Family;
using eyeballs::Transport;

namespace {

bool is_stream(Transport t) noexcept {
    return t != Transport::udp;
}

std::string describe(const Candidate& c) {
    std::string out(eyeballs::via_name(c.transport));
    out += ' ';
    out += c.family == Family::ipv6 ? "[" + c.address + "]" : c.address;
    out += ':' + std::to_string(c.port);
    if (!c.target.empty() && c.target != c.address) out += " (" + c.target + ")";
    return out;
}

std::string status_line(const sip::Message& m) {
    return std::to_string(m.status_code()) + " " + std::string(m.reason_phrase());
}

template <class Record, class Format>
std::string answer_text(DnsType type, std::string_view name, const std::vector<Record>& records,
                        std::string_view failure, Format format) {
    std::string out(to_string(type));
    out += ' ';
    out += name;
    out += ": ";
    if (!failure.empty()) return out + std::string(failure);
    if (records.empty()) return out + "no records";
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (i) out += ", ";
        out += format(records[i]) + " ttl " + std::to_string(records[i].ttl_seconds);
    }
    return out;
}

}  // namespace

std::string_view to_string(Outcome outcome) noexcept {
    switch (outcome) {
        case Outcome::pending:
            return "pending";
        case Outcome::response:
            return "response";
        case Outcome::timeout:
            return "timeout";
        case Outcome::unresolvable:
            return "unresolvable";
        case Outcome::transport_error:
            return "transport_error";
    }
    return "?";
}

std::string_view to_string(AttemptResult result) noexcept {
    switch (result) {
        case AttemptResult::in_flight:
            return "unanswered";
        case AttemptResult::won:
            return "won";
        case AttemptResult::failed:
            return "failed";
        case AttemptResult::cancelled:
            return "cancelled";
    }
    return "?";
}

// The live part of an attempt: its client transaction once the request is sent.
struct RequestDelivery::Attempt {
    std::optional<txn::NonInviteClientTransaction> transaction;
    std::size_t sends = 0;
};

RequestDelivery::RequestDelivery(sip::RequestParts request, resolve::TransportPlan plan,
                                 DeliveryConfig config, LocalSentBy local,
                                 eyeballs::ReachabilityCache* cache, std::string cache_key)
    : request_(std::move(request)),
      config_(config),
      local_(std::move(local)),
      cache_(cache),
      cache_key_(std::move(cache_key)),
      plan_(std::move(plan)) {}

RequestDelivery::~RequestDelivery() = default;

void RequestDelivery::start(Instant now) {
    if (started_) return;
    started_ = true;
    deadline_ = now + config_.race.timeout;
    // The family the resolution gate waits for: the configured one, unless recent races
    // to this destination found it broken (or only the other one working).
    eyeballs::ResolutionGateConfig gate = config_.gate;
    gate.preferred = config_.race.preferred;
    if (cache_ != nullptr) {
        if (auto f = cache_->preferred_family(cache_key_, now)) gate.preferred = *f;
    }
    lookup_.emplace(
        plan_, TargetLookupConfig{config_.supported, config_.only_family, gate, config_.srv_seed});
    lookup_->start(now);
    pump(now);
}

// ---- inputs ----

void RequestDelivery::on_naptr(std::uint32_t id, std::vector<resolve::NaptrRecord> records,
                               std::string_view failure, Instant now) {
    if (!lookup_) return;
    timeline_.add(now, EventKind::dns_answer,
                  answer_text(DnsType::naptr, request_.request_uri, records, failure,
                              [](const resolve::NaptrRecord& r) {
                                  return std::to_string(r.order) + " " +
                                         std::to_string(r.preference) + " " + r.service + " " +
                                         r.replacement;
                              }));
    lookup_->on_naptr(id, std::move(records), now);
    pump(now);
}

void RequestDelivery::on_srv(std::uint32_t id, std::vector<resolve::SrvRecord> records,
                             std::string_view failure, Instant now) {
    if (!lookup_) return;
    timeline_.add(now, EventKind::dns_answer,
                  answer_text(DnsType::srv, "#" + std::to_string(id), records, failure,
                              [](const resolve::SrvRecord& r) {
                                  return std::to_string(r.priority) + " " +
                                         std::to_string(r.weight) + " " + std::to_string(r.port) +
                                         " " + r.target;
                              }));
    lookup_->on_srv(id, std::move(records), now);
    pump(now);
}

void RequestDelivery::on_address(std::uint32_t id, std::vector<resolve::AddressRecord> records,
                                 std::string_view failure, Instant now) {
    if (!lookup_) return;
    const bool v6 = !records.empty() && records.front().family == Family::ipv6;
    timeline_.add(now, EventKind::dns_answer,
                  answer_text(v6 ? DnsType::aaaa : DnsType::a, "#" + std::to_string(id), records,
                              failure, [](const resolve::AddressRecord& r) { return r.address; }));
    lookup_->on_address(id, std::move(records), now);
    pump(now);
}

void RequestDelivery::on_connected(std::size_t attempt, std::string local_sent_by, Instant now) {
    if (attempt >= attempts_.size() || finished()) return;
    auto index = race_index_of(attempt);
    if (race_ && index && attempts_[attempt].result == AttemptResult::in_flight) {
        attempts_[attempt].detail = "connected from " + local_sent_by;
        race_->on_attempt_succeeded(*index, now);
        pump(now);
        if (winner_ == attempt) send_request(attempt, local_sent_by, now);
    }
    pump(now);
}

void RequestDelivery::on_connect_failed(std::size_t attempt, std::string detail, Instant now) {
    if (attempt >= attempts_.size()) return;
    attempt_failed(attempt, "connect failed: " + detail, now);
    pump(now);
}

void RequestDelivery::on_transport_error(std::size_t attempt, std::string detail, Instant now) {
    if (attempt >= attempts_.size()) return;
    if (auto& live = live_[attempt]; live && live->transaction) {
        live->transaction->on_transport_error(now);
    } else {
        attempt_failed(attempt, "transport error: " + detail, now);
    }
    if (attempts_[attempt].detail.empty()) attempts_[attempt].detail = detail;
    pump(now);
}

bool RequestDelivery::on_response(const sip::Message& response, Instant now) {
    auto key = txn::client_key(response);
    if (!key) return false;
    auto it = std::find_if(attempts_.begin(), attempts_.end(),
                           [&](const AttemptRecord& a) { return a.branch == key.value().branch; });
    if (it == attempts_.end()) return false;
    const auto attempt = static_cast<std::size_t>(it - attempts_.begin());
    auto& live = live_[attempt];
    if (finished() || !live || !live->transaction) {
        timeline_.add(now, EventKind::absorbed,
                      status_line(response) + " on attempt " + std::to_string(attempt) + " " +
                          describe(it->candidate));
        return true;
    }
    live->transaction->on_response(response, now);
    pump(now);
    return true;
}

void RequestDelivery::on_timer(Instant now) {
    if (!started_ || finished()) return;
    if (now >= deadline_) {
        any_timeout_ = true;
        timeline_.add(now, EventKind::attempt_failed, "overall timeout");
        return finish(last_503_ ? Outcome::response : Outcome::timeout, now);
    }
    lookup_->on_timer(now);
    // A connection still pending after Timer F (64*T1) is dead: TCP would keep retrying
    // SYNs for minutes. Matters for sequential mode, where nothing else moves on.
    for (std::size_t a = 0; a < attempts_.size(); ++a) {
        if (auto due = connect_deadline(a); due && *due <= now) {
            attempt_failed(a, "connect timed out", now);
        }
    }
    if (race_) race_->on_timer(now);
    for (auto& live : live_) {
        if (!live || !live->transaction) continue;
        auto due = live->transaction->next_deadline();
        if (due && *due <= now) live->transaction->on_timer(now);
    }
    pump(now);
}

std::vector<DeliveryAction> RequestDelivery::take_actions() {
    return std::exchange(actions_, {});
}

std::optional<Instant> RequestDelivery::next_deadline() const {
    if (!started_ || finished()) return std::nullopt;
    Instant next = deadline_;
    auto consider = [&](std::optional<Instant> t) {
        if (t && *t < next) next = *t;
    };
    consider(lookup_->next_deadline());
    if (race_) consider(race_->next_deadline());
    for (std::size_t a = 0; a < attempts_.size(); ++a)
        consider(connect_deadline(a));
    for (const auto& live : live_) {
        if (live && live->transaction) consider(live->transaction->next_deadline());
    }
    return next;
}

// ---- the engine ----

void RequestDelivery::pump(Instant now) {
    // Each step may feed the others (a response wins the race, the race starts an attempt,
    // the attempt's transaction sends): run until nothing moves. Bounded: every round
    // consumes queued actions, and none is produced without new input.
    for (int round = 0; round < 64 && !finished(); ++round) {
        bool moved = drain_lookup(now);
        moved |= drain_race(now);
        moved |= drain_transactions(now);
        if (!moved) break;
    }
}

bool RequestDelivery::drain_lookup(Instant now) {
    if (!lookup_) return false;
    bool moved = false;
    for (auto& q : lookup_->take_queries()) {
        timeline_.add(now, EventKind::dns_query,
                      std::string(to_string(q.type)) + " " + q.name + " #" + std::to_string(q.id));
        actions_.push_back(QueryDns{std::move(q)});
        moved = true;
    }
    for (auto& action : lookup_->take_gate_actions()) {
        moved = true;
        std::visit(Overloaded{
                       [&](eyeballs::StartRace& s) { start_race(std::move(s.candidates), now); },
                       [&](eyeballs::AddCandidates& a) {
                           std::string text;
                           for (const auto& c : a.candidates)
                               text += (text.empty() ? "" : ", ") + describe(c);
                           timeline_.add(now, EventKind::candidates_added, text);
                           for (const auto& c : a.candidates)
                               known_.push_back(c);
                           if (race_) race_->add_candidates(std::move(a.candidates), now);
                       },
                       [&](eyeballs::Unresolvable&) {
                           timeline_.add(now, EventKind::done, "no address to contact");
                           finish(Outcome::unresolvable, now);
                       },
                   },
                   action);
        if (finished()) return true;
    }
    if (race_ && lookup_->complete()) race_->expect_more_candidates(false, now);
    return moved;
}

void RequestDelivery::start_race(std::vector<Candidate> candidates, Instant now) {
    std::string text;
    for (const auto& c : candidates)
        text += (text.empty() ? "" : ", ") + describe(c);
    timeline_.add(now, EventKind::race_start, text);
    for (const auto& c : candidates)
        known_.push_back(c);
    eyeballs::RaceConfig race_config = config_.race;
    race_config.timeout = deadline_ - now;
    race_ =
        std::make_unique<eyeballs::Race>(race_config, std::move(candidates), cache_, cache_key_);
    race_attempt_.clear();
    race_->expect_more_candidates(!lookup_->complete(), now);
    race_->start(now);
}

bool RequestDelivery::drain_race(Instant now) {
    if (!race_) return false;
    auto actions = race_->take_actions();
    for (auto& action : actions) {
        std::visit(Overloaded{
                       [&](eyeballs::StartAttempt& s) { start_attempt(s.index, now); },
                       [&](eyeballs::CancelAttempt& c) {
                           race_attempt_.resize(race_->candidates().size());
                           if (auto a = race_attempt_[c.index]) {
                               timeline_.add(now, EventKind::attempt_cancelled,
                                             "attempt " + std::to_string(*a) + " " +
                                                 describe(attempts_[*a].candidate));
                               stop_attempt(*a, AttemptResult::cancelled);
                           }
                       },
                       [&](eyeballs::Winner& w) {
                           race_attempt_.resize(race_->candidates().size());
                           if (auto a = race_attempt_[w.index]) {
                               winner_ = *a;
                               attempts_[*a].result = AttemptResult::won;
                               timeline_.add(now, EventKind::winner,
                                             "attempt " + std::to_string(*a) + " " +
                                                 describe(attempts_[*a].candidate));
                           }
                       },
                       [&](eyeballs::Exhausted&) { race_exhausted(now); },
                   },
                   action);
        if (finished()) break;
    }
    return !actions.empty();
}

void RequestDelivery::start_attempt(std::size_t race_index, Instant now) {
    const std::size_t attempt = attempts_.size();
    race_attempt_.resize(race_->candidates().size());
    race_attempt_[race_index] = attempt;
    const Candidate& candidate = race_->candidates()[race_index];
    AttemptRecord record{candidate,
                         now,
                         AttemptResult::in_flight,
                         request_.branch + "." + std::to_string(attempt),
                         {}};
    attempts_.push_back(std::move(record));
    live_.push_back(std::make_unique<Attempt>());
    timeline_.add(now, EventKind::attempt_start,
                  "attempt " + std::to_string(attempt) + " " + describe(candidate));
    if (is_stream(candidate.transport)) {
        actions_.push_back(OpenConnection{attempt, candidate});
        return;
    }
    const std::string sent_by = local_ ? local_(candidate) : std::string();
    if (sent_by.empty()) {
        return attempt_failed(attempt,
                              std::string("no local ") +
                                  std::string(eyeballs::to_string(candidate.family)) +
                                  " UDP socket",
                              now);
    }
    send_request(attempt, sent_by, now);
}

// Builds this attempt's copy of the request (its own Via and branch) and starts its
// client transaction, which queues the first Send.
void RequestDelivery::send_request(std::size_t attempt, std::string_view sent_by, Instant now) {
    const Candidate& candidate = attempts_[attempt].candidate;
    sip::RequestParts parts = request_;
    parts.via_transport = std::string(eyeballs::via_name(candidate.transport));
    parts.via_sent_by = std::string(sent_by);
    parts.branch = attempts_[attempt].branch;
    auto message = sip::make_request(parts);
    if (!message) return attempt_failed(attempt, message.error().to_string(), now);
    const auto reliability =
        is_stream(candidate.transport) ? txn::Transport::reliable : txn::Transport::unreliable;
    live_[attempt]->transaction.emplace(std::move(message).value(), reliability, config_.timers,
                                        now);
}

bool RequestDelivery::drain_transactions(Instant now) {
    bool moved = false;
    for (std::size_t attempt = 0; attempt < live_.size() && !finished(); ++attempt) {
        auto& live = live_[attempt];
        if (!live || !live->transaction) continue;
        for (auto& action : live->transaction->take_actions()) {
            moved = true;
            if (auto* send = std::get_if<txn::Send>(&action)) {
                const bool first = live->sends++ == 0;
                timeline_.add(now, first ? EventKind::send : EventKind::retransmit,
                              std::string(send->message.method_text()) + " to attempt " +
                                  std::to_string(attempt) + " " +
                                  describe(attempts_[attempt].candidate));
                actions_.push_back(
                    Transmit{attempt, attempts_[attempt].candidate, send->message.serialize()});
            } else if (auto* tu = std::get_if<txn::PassToTu>(&action)) {
                handle_response(attempt, std::move(tu->message), now);
            } else if (std::holds_alternative<txn::Timeout>(action)) {
                any_timeout_ = true;
                attempt_failed(attempt, "no final response (Timer F)", now);
            } else if (std::holds_alternative<txn::TransportError>(action)) {
                attempt_failed(attempt, "transport error", now);
            }
            if (finished() || !live || !live->transaction) break;
        }
        if (live && live->transaction &&
            live->transaction->state() == txn::NonInviteClientTransaction::State::terminated) {
            live->transaction.reset();
        }
    }
    return moved;
}

void RequestDelivery::handle_response(std::size_t attempt, sip::Message response, Instant now) {
    const int status = response.status_code();
    timeline_.add(now, EventKind::response,
                  status_line(response) + " on attempt " + std::to_string(attempt) + " " +
                      describe(attempts_[attempt].candidate));
    if (!first_response_at_) first_response_at_ = now;
    const bool unavailable = status == 503;
    auto index = race_index_of(attempt);
    if (race_ && index && !race_->finished()) {
        // RFC 3263 §4.3: a 503 means "try the next one"; any other answer proves the path.
        if (unavailable) {
            last_503_ = response;
            attempts_[attempt].detail = "503";
            race_->on_attempt_failed(*index, now);
            attempts_[attempt].result = AttemptResult::failed;
            live_[attempt]->transaction.reset();
            return;
        }
        race_->on_attempt_succeeded(*index, now);
        drain_race(now);
    }
    if (winner_ != attempt) {
        timeline_.add(now, EventKind::absorbed, "not the winning attempt");
        return;
    }
    if (status >= 200 && unavailable) {
        last_503_ = response;
        live_[attempt]->transaction.reset();
        return fail_over("503 from the winner", now);
    }
    if (status >= 200) final_ = response;
    actions_.push_back(DeliverResponse{std::move(response)});
    if (status >= 200) finish(Outcome::response, now);
}

void RequestDelivery::attempt_failed(std::size_t attempt, std::string detail, Instant now) {
    AttemptRecord& record = attempts_[attempt];
    if (record.result == AttemptResult::failed || record.result == AttemptResult::cancelled) return;
    const bool was_winner = winner_ == attempt;
    record.result = AttemptResult::failed;
    record.detail = detail;
    timeline_.add(
        now, EventKind::attempt_failed,
        "attempt " + std::to_string(attempt) + " " + describe(record.candidate) + ": " + detail);
    stop_attempt(attempt, AttemptResult::failed);
    if (was_winner) return fail_over(detail, now);
    if (auto index = race_index_of(attempt); race_ && index) race_->on_attempt_failed(*index, now);
}

// RFC 3263 §4.3: the chosen element failed after it had been chosen: the next candidates
// not yet tried get a fresh race.
void RequestDelivery::fail_over(std::string why, Instant now) {
    winner_.reset();
    std::vector<Candidate> untried;
    for (const auto& c : known_) {
        const bool tried = std::any_of(attempts_.begin(), attempts_.end(),
                                       [&](const AttemptRecord& a) { return a.candidate == c; });
        const bool dup = std::find(untried.begin(), untried.end(), c) != untried.end();
        if (!tried && !dup) untried.push_back(c);
    }
    timeline_.add(now, EventKind::failover,
                  why + "; " + std::to_string(untried.size()) + " candidate(s) left");
    if (untried.empty()) return race_exhausted(now);
    start_race(std::move(untried), now);
}

void RequestDelivery::race_exhausted(Instant now) {
    if (finished()) return;
    if (winner_) return;  // a late Exhausted after a win belongs to an old race
    if (last_503_) {
        final_ = last_503_;
        actions_.push_back(DeliverResponse{*last_503_});
        return finish(Outcome::response, now);
    }
    finish(any_timeout_ || now >= deadline_ ? Outcome::timeout : Outcome::transport_error, now);
}

void RequestDelivery::finish(Outcome outcome, Instant now) {
    if (finished()) return;
    outcome_ = outcome;
    finished_at_ = now;
    for (std::size_t a = 0; a < attempts_.size(); ++a) {
        if (a != winner_ && attempts_[a].result == AttemptResult::in_flight) {
            stop_attempt(a, AttemptResult::cancelled);
        }
    }
    // The winner keeps its connection open for the caller to reuse; UDP needs nothing.
    std::string text(to_string(outcome));
    if (final_) text += " " + status_line(*final_);
    timeline_.add(now, EventKind::done, text);
    actions_.push_back(Finished{});
}

void RequestDelivery::stop_attempt(std::size_t attempt, AttemptResult result) {
    AttemptRecord& record = attempts_[attempt];
    if (record.result == AttemptResult::in_flight || result == AttemptResult::failed) {
        record.result = result;
    }
    // UDP: stop retransmitting; the branch stays known so late answers are absorbed.
    if (live_[attempt]) live_[attempt]->transaction.reset();
    if (is_stream(record.candidate.transport)) actions_.push_back(CloseConnection{attempt});
}

std::optional<Instant> RequestDelivery::connect_deadline(std::size_t attempt) const {
    const AttemptRecord& record = attempts_[attempt];
    const bool connecting = is_stream(record.candidate.transport) &&
                            record.result == AttemptResult::in_flight && live_[attempt] &&
                            !live_[attempt]->transaction;
    if (!connecting) return std::nullopt;
    return record.started_at + config_.timers.timer_f();
}

std::optional<std::size_t> RequestDelivery::race_index_of(std::size_t attempt) const {
    for (std::size_t i = 0; i < race_attempt_.size(); ++i) {
        if (race_attempt_[i] == attempt) return i;
    }
    return std::nullopt;
}

}  // namespace happysip::client
