#include "happysip/auth/failure_limiter.hpp"

#include <algorithm>

namespace happysip::auth {

std::string_view to_string(Admission a) noexcept {
    switch (a) {
        case Admission::allowed:
            return "allowed";
        case Admission::blocked:
            return "blocked";
        case Admission::rate_limited:
            return "rate_limited";
    }
    return "blocked";
}

Duration FailureLimiter::block_length(unsigned level) const noexcept {
    Duration d = config_.first_block;
    for (unsigned i = 0; i < level && d < config_.max_block; ++i)
        d *= 2;
    return std::min(d, config_.max_block);
}

FailureLimiter::Entry& FailureLimiter::touch(std::string_view source, Instant now) {
    const std::string key(source);
    if (auto it = entries_.find(key); it != entries_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return *it->second;
    }
    if (entries_.size() >= config_.capacity) {
        entries_.erase(lru_.back().source);
        lru_.pop_back();
    }
    Entry e;
    e.source = key;
    e.tokens = config_.burst;
    e.refilled_at = now;
    lru_.push_front(std::move(e));
    entries_.emplace(key, lru_.begin());
    return lru_.front();
}

Admission FailureLimiter::admit(std::string_view source, Instant now) {
    Entry& e = touch(source, now);
    if (now < e.blocked_until) return Admission::blocked;
    if (config_.rate_per_second <= 0) return Admission::allowed;
    const double elapsed = std::chrono::duration<double>(now - e.refilled_at).count();
    if (elapsed > 0) {
        e.tokens = std::min(config_.burst, e.tokens + elapsed * config_.rate_per_second);
        e.refilled_at = now;
    }
    if (e.tokens < 1) return Admission::rate_limited;
    e.tokens -= 1;
    return Admission::allowed;
}

FailureOutcome FailureLimiter::record_failure(std::string_view source, Instant now) {
    Entry& e = touch(source, now);
    // Back-off forgiven after a quiet stretch as long as the longest block.
    if (e.level > 0 && now >= e.last_block_end + config_.max_block) e.level = 0;
    const auto horizon = now - config_.failure_window;
    e.failures.erase(e.failures.begin(), std::find_if(e.failures.begin(), e.failures.end(),
                                                      [&](Instant t) { return t > horizon; }));
    e.failures.push_back(now);
    FailureOutcome out;
    out.failures_in_window = e.failures.size();
    if (e.failures.size() > config_.max_failures && now >= e.blocked_until) {
        out.blocked = true;
        out.block_for = block_length(e.level);
        e.blocked_until = now + out.block_for;
        e.last_block_end = e.blocked_until;
        ++e.level;
        e.failures.clear();
    }
    // Bound the per-source list even while blocked.
    if (e.failures.size() > config_.max_failures + 1) e.failures.erase(e.failures.begin());
    return out;
}

void FailureLimiter::record_success(std::string_view source, Instant now) {
    touch(source, now).failures.clear();
}

std::optional<Instant> FailureLimiter::blocked_until(std::string_view source, Instant now) const {
    const auto it = entries_.find(std::string(source));
    if (it == entries_.end() || now >= it->second->blocked_until) return std::nullopt;
    return it->second->blocked_until;
}

}  // namespace happysip::auth
