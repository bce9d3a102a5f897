#include "happysip/eyeballs/race.hpp"

#include <algorithm>
#include <ostream>
#include <utility>

#include "happysip/eyeballs/interleave.hpp"
#include "happysip/eyeballs/overloaded.hpp"

namespace happysip::eyeballs {

std::string to_string(const Action& action) {
    return std::visit(
        Overloaded{
            [](const StartAttempt& a) { return "StartAttempt{" + std::to_string(a.index) + "}"; },
            [](const CancelAttempt& a) { return "CancelAttempt{" + std::to_string(a.index) + "}"; },
            [](const Winner& a) { return "Winner{" + std::to_string(a.index) + "}"; },
            [](const Exhausted&) { return std::string("Exhausted{}"); },
        },
        action);
}

std::ostream& operator<<(std::ostream& os, const Action& action) {
    return os << to_string(action);
}

Race::Race(RaceConfig config, std::vector<Candidate> candidates, ReachabilityCache* cache,
           std::string cache_key)
    : config_(config),
      candidates_(std::move(candidates)),
      attempts_(candidates_.size()),
      cache_(cache),
      cache_key_(std::move(cache_key)) {
    config_.attempt_delay = clamp_attempt_delay(config_.attempt_delay);
}

void Race::start(Instant now) {
    if (started_) return;
    started_ = true;
    deadline_ = now + config_.timeout;
    next_start_at_ = now;
    order_pending(now, true);
    pump(now);
}

void Race::on_attempt_succeeded(std::size_t index, Instant now) {
    // Late successes (after a winner, or on a cancelled branch) are the caller's to absorb.
    if (finished_ || index >= attempts_.size()) return;
    if (attempts_[index].state != State::in_flight) return;
    win(index, now);
}

void Race::on_attempt_failed(std::size_t index, Instant now) {
    if (finished_ || index >= attempts_.size()) return;
    if (attempts_[index].state != State::in_flight) return;
    attempts_[index].state = State::failed;
    // RFC 8305 §5: a failed attempt lets the next one start without waiting the delay.
    next_start_at_ = now;
    pump(now);
}

void Race::on_timer(Instant now) {
    pump(now);
}

void Race::add_candidates(std::vector<Candidate> late, Instant now) {
    if (finished_ || late.empty()) return;
    for (auto& c : late)
        candidates_.push_back(std::move(c));
    attempts_.resize(candidates_.size());
    if (!started_) return;
    order_pending(now, false);
    pump(now);
}

void Race::expect_more_candidates(bool more, Instant now) {
    more_expected_ = more;
    pump(now);
}

std::vector<Action> Race::take_actions() {
    return std::exchange(actions_, {});
}

std::optional<Instant> Race::next_deadline() const {
    if (!started_ || finished_) return std::nullopt;
    if (pending_.empty()) return deadline_;
    return std::min(deadline_, next_start_at_);
}

// Attempt order over the candidates not yet started. RFC 8305 §4 interleaving, with two
// adjustments from the reachability cache: a family known good (or the only one not known
// broken) goes first, and a family known broken goes after every other candidate. After
// the race has started (late candidates), the family not attempted last goes next.
void Race::order_pending(Instant now, bool initial) {
    std::optional<Family> deferred;
    Family preferred = config_.preferred;
    std::size_t head = config_.first_address_family_count;
    if (cache_ != nullptr) {
        if (auto f = cache_->preferred_family(cache_key_, now)) preferred = *f;
        for (Family f : {Family::ipv6, Family::ipv4}) {
            if (cache_->should_skip(cache_key_, f, now)) deferred = f;
        }
    }
    if (!initial && last_started_family_) {
        preferred = other_family(*last_started_family_);
        head = 1;
    }

    std::vector<std::size_t> active;
    std::vector<std::size_t> last;
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        if (attempts_[i].state != State::not_started) continue;
        (deferred && candidates_[i].family == *deferred ? last : active).push_back(i);
    }
    std::vector<Family> families;
    families.reserve(active.size());
    for (std::size_t i : active)
        families.push_back(candidates_[i].family);

    pending_.clear();
    for (std::size_t k : interleave_order(families, {preferred, head})) {
        pending_.push_back(active[k]);
    }
    pending_.insert(pending_.end(), last.begin(), last.end());
}

void Race::pump(Instant now) {
    if (!started_ || finished_) return;
    if (now >= deadline_) return time_out(now);
    // RFC 8305 §5: never two starts closer than the attempt delay unless one failed.
    if (!pending_.empty() && now >= next_start_at_) start_next(now);
    if (pending_.empty() && !any_in_flight() && !more_expected_) exhaust(now);
}

void Race::start_next(Instant now) {
    const std::size_t index = pending_.front();
    pending_.pop_front();
    attempts_[index] = Attempt{State::in_flight, now};
    last_started_family_ = candidates_[index].family;
    next_start_at_ = config_.sequential ? Instant::max() : now + config_.attempt_delay;
    actions_.push_back(StartAttempt{index});
}

void Race::win(std::size_t index, Instant now) {
    attempts_[index].state = State::won;
    winner_ = index;
    finished_ = true;
    actions_.push_back(Winner{index});
    // RFC 8305 §5: cancel the other attempts; addresses not yet attempted are ignored.
    record_outcomes(now);
    for (std::size_t i = 0; i < attempts_.size(); ++i) {
        if (attempts_[i].state == State::in_flight) {
            attempts_[i].state = State::cancelled;
            actions_.push_back(CancelAttempt{i});
        }
    }
    pending_.clear();
}

void Race::time_out(Instant now) {
    // Attempts still in flight at the overall timeout count as failed.
    for (std::size_t i = 0; i < attempts_.size(); ++i) {
        if (attempts_[i].state == State::in_flight) {
            attempts_[i].state = State::failed;
            actions_.push_back(CancelAttempt{i});
        }
    }
    exhaust(now);
}

void Race::exhaust(Instant now) {
    finished_ = true;
    pending_.clear();
    record_outcomes(now);
    actions_.push_back(Exhausted{});
}

// The winner's family is good. A family is recorded broken when it had a failed attempt,
// or an attempt that started before the winner's and still had no answer when the winner
// succeeded (a black hole) -- unless that family won.
void Race::record_outcomes(Instant now) {
    if (cache_ == nullptr) return;
    std::optional<Family> good;
    Instant winner_started{};
    if (winner_) {
        good = candidates_[*winner_].family;
        winner_started = attempts_[*winner_].started_at;
        cache_->record_success(cache_key_, *good, now);
    }
    bool bad[2] = {false, false};
    for (std::size_t i = 0; i < attempts_.size(); ++i) {
        const Attempt& a = attempts_[i];
        const bool lost = a.state == State::failed ||
                          (winner_ && a.state == State::in_flight && a.started_at < winner_started);
        if (lost) bad[candidates_[i].family == Family::ipv6 ? 0 : 1] = true;
    }
    for (Family f : {Family::ipv6, Family::ipv4}) {
        if (bad[f == Family::ipv6 ? 0 : 1] && good != f) {
            cache_->record_failure(cache_key_, f, now);
        }
    }
}

bool Race::any_in_flight() const {
    return std::any_of(attempts_.begin(), attempts_.end(),
                       [](const Attempt& a) { return a.state == State::in_flight; });
}

}  // namespace happysip::eyeballs
