#include "happysip/proxy/next_hop_race.hpp"

#include <algorithm>
#include <utility>

namespace happysip::proxy {

using client::EventKind;
using eyeballs::Candidate;
using eyeballs::Family;
using next_hop::AttemptState;

namespace {

// "udp [2001:db8::10]:5060 (sip.example.net)": for the timeline.
std::string candidate_text(const Candidate& c) {
    std::string out(eyeballs::to_string(c.transport));
    out += c.family == Family::ipv6 ? " [" + c.address + "]:" : " " + c.address + ":";
    out += std::to_string(c.port);
    if (!c.target.empty() && c.target != c.address) out += " (" + c.target + ")";
    return out;
}

std::string candidates_text(const std::vector<Candidate>& candidates) {
    std::string out;
    for (const auto& c : candidates)
        out += (out.empty() ? "" : ", ") + candidate_text(c);
    return out;
}

}  // namespace

namespace next_hop {

std::string_view to_string(AttemptState state) noexcept {
    switch (state) {
        case AttemptState::in_flight:
            return "in_flight";
        case AttemptState::won:
            return "won";
        case AttemptState::failed:
            return "failed";
        case AttemptState::cancelled:
            return "cancelled";
    }
    return "?";
}

}  // namespace next_hop

NextHopRace::NextHopRace(resolve::TransportPlan plan, NextHopConfig config,
                         eyeballs::ReachabilityCache* cache)
    : plan_(std::move(plan)), config_(config), cache_(cache), cache_key_(plan_.target) {}

NextHopRace::NextHopRace(const sip::Uri& next_hop, NextHopConfig config,
                         eyeballs::ReachabilityCache* cache)
    : NextHopRace(resolve::plan_transport(next_hop, config.lookup.supported), config, cache) {}

NextHopRace::~NextHopRace() = default;
NextHopRace::NextHopRace(NextHopRace&&) noexcept = default;
NextHopRace& NextHopRace::operator=(NextHopRace&&) noexcept = default;

void NextHopRace::start(Instant now) {
    if (started_) return;
    started_ = true;
    deadline_ = now + config_.race.timeout;
    // The family the resolution gate waits for: the configured one, unless recent races to
    // this host found it broken (RFC 8305 §5 lets history guide the order).
    client::TargetLookupConfig lookup = config_.lookup;
    lookup.gate.preferred = config_.race.preferred;
    if (cache_ != nullptr) {
        if (auto f = cache_->preferred_family(cache_key_, now)) lookup.gate.preferred = *f;
    }
    if (plan_.kind == resolve::PlanKind::unusable) {
        return settle(std::nullopt,
                      "no usable transport for " + plan_.target + ": " + std::string(plan_.reason),
                      now);
    }
    lookup_.emplace(plan_, lookup);
    lookup_->start(now);
    pump(now);
}

// ---- DNS answers ----

void NextHopRace::on_naptr(std::uint32_t id, std::vector<resolve::NaptrRecord> records,
                           std::string_view failure, Instant now) {
    if (!accept_answer("NAPTR", id, records.size(), failure, now)) return;
    lookup_->on_naptr(id, std::move(records), now);
    pump(now);
}

void NextHopRace::on_srv(std::uint32_t id, std::vector<resolve::SrvRecord> records,
                         std::string_view failure, Instant now) {
    if (!accept_answer("SRV", id, records.size(), failure, now)) return;
    lookup_->on_srv(id, std::move(records), now);
    pump(now);
}

void NextHopRace::on_address(std::uint32_t id, std::vector<resolve::AddressRecord> records,
                             std::string_view failure, Instant now) {
    if (!accept_answer("address", id, records.size(), failure, now)) return;
    lookup_->on_address(id, std::move(records), now);
    pump(now);
}

// Logs an answer ("AAAA #3: 2 record(s)", "SRV #2: NXDOMAIN"); false once it is too late.
bool NextHopRace::accept_answer(std::string_view type, std::uint32_t id, std::size_t count,
                                std::string_view failure, Instant now) {
    if (!lookup_ || settled_) return false;
    std::string text(type);
    text += " #" + std::to_string(id) + ": ";
    text += failure.empty() ? std::to_string(count) + " record(s)" : std::string(failure);
    timeline_.add(now, EventKind::dns_answer, std::move(text));
    return true;
}

// ---- attempt events ----

void NextHopRace::on_attempt_responded(std::size_t attempt, Instant now) {
    if (settled_ || attempt >= attempts_.size()) return;
    if (attempts_[attempt].state != AttemptState::in_flight) return;
    auto index = race_index_of(attempt);
    if (!race_ || !index || race_->finished()) return;
    timeline_.add(now, EventKind::response, "answer on " + name_of(attempt));
    race_->on_attempt_succeeded(*index, now);
    pump(now);
}

void NextHopRace::on_attempt_final(std::size_t attempt, Instant now) {
    if (settled_ || attempt >= attempts_.size()) return;
    on_attempt_responded(attempt, now);
    if (winner_ == attempt) settle(attempt, "final response on " + name_of(attempt), now);
}

void NextHopRace::on_attempt_failed(std::size_t attempt, std::string detail, Instant now) {
    if (settled_ || attempt >= attempts_.size()) return;
    next_hop::Attempt& record = attempts_[attempt];
    if (record.state == AttemptState::failed || record.state == AttemptState::cancelled) return;
    const bool was_winner = winner_ == attempt;
    record.state = AttemptState::failed;
    record.detail = detail;
    timeline_.add(now, EventKind::attempt_failed, name_of(attempt) + ": " + detail);
    if (was_winner) {
        fail_over(detail + " from the winner", now);
    } else if (auto index = race_index_of(attempt); race_ && index) {
        race_->on_attempt_failed(*index, now);
    }
    pump(now);
}

void NextHopRace::on_timer(Instant now) {
    if (!started_ || settled_) return;
    if (lookup_) lookup_->on_timer(now);
    if (race_) race_->on_timer(now);
    pump(now);
    // Still waiting for DNS with no race to time out: give up at the overall deadline.
    if (!settled_ && !race_ && now >= deadline_) {
        settle(std::nullopt, "no DNS answer for " + plan_.target + " in time", now);
    }
}

std::vector<next_hop::Action> NextHopRace::take_actions() {
    return std::exchange(actions_, {});
}

std::optional<Instant> NextHopRace::next_deadline() const {
    if (!started_ || settled_) return std::nullopt;
    std::optional<Instant> next;
    auto consider = [&](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
    };
    if (lookup_) consider(lookup_->next_deadline());
    if (race_) {
        consider(race_->next_deadline());
    } else {
        consider(deadline_);
    }
    return next;
}

// ---- the engine ----

void NextHopRace::pump(Instant now) {
    // The lookup feeds the race and the race's actions may finish it: run until nothing
    // moves. Bounded: every round consumes queued actions, none is made without input.
    for (int round = 0; round < 64 && !settled_; ++round) {
        bool moved = drain_lookup(now);
        moved |= drain_race(now);
        if (!moved) break;
    }
}

bool NextHopRace::drain_lookup(Instant now) {
    if (!lookup_) return false;
    bool moved = false;
    for (auto& q : lookup_->take_queries()) {
        timeline_.add(
            now, EventKind::dns_query,
            std::string(client::to_string(q.type)) + " " + q.name + " #" + std::to_string(q.id));
        actions_.push_back(next_hop::QueryDns{std::move(q)});
        moved = true;
    }
    for (auto& action : lookup_->take_gate_actions()) {
        moved = true;
        if (auto* s = std::get_if<eyeballs::StartRace>(&action)) {
            start_race(std::move(s->candidates), now);
        } else if (auto* a = std::get_if<eyeballs::AddCandidates>(&action)) {
            timeline_.add(now, EventKind::candidates_added, candidates_text(a->candidates));
            known_.insert(known_.end(), a->candidates.begin(), a->candidates.end());
            if (race_) race_->add_candidates(std::move(a->candidates), now);
        } else {
            settle(std::nullopt, "no address for " + plan_.target, now);
            return true;
        }
    }
    if (race_ && lookup_->complete()) race_->expect_more_candidates(false, now);
    return moved;
}

void NextHopRace::start_race(std::vector<Candidate> candidates, Instant now) {
    timeline_.add(now, EventKind::race_start, candidates_text(candidates));
    known_.insert(known_.end(), candidates.begin(), candidates.end());
    eyeballs::RaceConfig race_config = config_.race;
    race_config.timeout = deadline_ > now ? deadline_ - now : Duration::zero();
    race_ =
        std::make_unique<eyeballs::Race>(race_config, std::move(candidates), cache_, cache_key_);
    race_attempt_.clear();
    race_->expect_more_candidates(!lookup_->complete(), now);
    race_->start(now);
}

bool NextHopRace::drain_race(Instant now) {
    if (!race_) return false;
    auto actions = race_->take_actions();
    race_attempt_.resize(race_->candidates().size());
    for (auto& action : actions) {
        if (auto* s = std::get_if<eyeballs::StartAttempt>(&action)) {
            start_attempt(s->index, now);
        } else if (auto* c = std::get_if<eyeballs::CancelAttempt>(&action)) {
            if (auto a = race_attempt_[c->index]) cancel(*a, now);
        } else if (auto* w = std::get_if<eyeballs::Winner>(&action)) {
            if (auto a = race_attempt_[w->index]) {
                winner_ = *a;
                attempts_[*a].state = AttemptState::won;
                timeline_.add(now, EventKind::winner, name_of(*a));
            }
        } else {
            race_exhausted(now);
        }
        if (settled_) break;
    }
    return !actions.empty();
}

void NextHopRace::start_attempt(std::size_t race_index, Instant now) {
    const std::size_t attempt = attempts_.size();
    race_attempt_.resize(race_->candidates().size());
    race_attempt_[race_index] = attempt;
    const Candidate& candidate = race_->candidates()[race_index];
    attempts_.push_back({candidate, now, AttemptState::in_flight, {}});
    timeline_.add(now, EventKind::attempt_start, name_of(attempt));
    actions_.push_back(next_hop::StartAttempt{attempt, candidate});
}

void NextHopRace::cancel(std::size_t attempt, Instant now) {
    if (attempts_[attempt].state != AttemptState::in_flight) return;
    attempts_[attempt].state = AttemptState::cancelled;
    timeline_.add(now, EventKind::attempt_cancelled, name_of(attempt));
    actions_.push_back(next_hop::CancelAttempt{attempt});
}

// RFC 3263 §4.3: the chosen element failed after it had been chosen (503, timeout,
// transport error): the candidates not yet tried get a fresh race, with a fresh overall
// budget since the winner may have been ringing for a long time before it failed.
void NextHopRace::fail_over(const std::string& why, Instant now) {
    winner_.reset();
    std::vector<Candidate> untried;
    for (const auto& c : known_) {
        const bool tried =
            std::any_of(attempts_.begin(), attempts_.end(),
                        [&](const next_hop::Attempt& a) { return a.candidate == c; });
        if (!tried && std::find(untried.begin(), untried.end(), c) == untried.end()) {
            untried.push_back(c);
        }
    }
    timeline_.add(now, EventKind::failover,
                  why + "; " + std::to_string(untried.size()) + " candidate(s) left");
    if (untried.empty()) return settle(std::nullopt, why + "; no candidate left", now);
    deadline_ = now + config_.race.timeout;
    start_race(std::move(untried), now);
}

void NextHopRace::race_exhausted(Instant now) {
    if (settled_ || winner_) return;  // a late Exhausted after a win belongs to an old race
    settle(std::nullopt,
           now >= deadline_ ? "no candidate of " + plan_.target + " answered in time"
                            : "every candidate of " + plan_.target + " failed",
           now);
}

void NextHopRace::settle(std::optional<std::size_t> winner, std::string reason, Instant now) {
    if (settled_) return;
    settled_ = true;
    for (std::size_t a = 0; a < attempts_.size(); ++a) {
        if (a != winner) cancel(a, now);
    }
    timeline_.add(now, EventKind::done, reason);
    actions_.push_back(next_hop::Settled{winner, std::move(reason)});
}

std::optional<std::size_t> NextHopRace::race_index_of(std::size_t attempt) const {
    for (std::size_t i = 0; i < race_attempt_.size(); ++i) {
        if (race_attempt_[i] == attempt) return i;
    }
    return std::nullopt;
}

std::string NextHopRace::name_of(std::size_t attempt) const {
    return "attempt " + std::to_string(attempt) + " " +
           candidate_text(attempts_[attempt].candidate);
}

}  // namespace happysip::proxy
