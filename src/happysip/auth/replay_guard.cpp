#include "happysip/auth/replay_guard.hpp"

namespace happysip::auth {

std::string_view to_string(ReplayStatus status) noexcept {
    switch (status) {
        case ReplayStatus::fresh:
            return "fresh";
        case ReplayStatus::replayed:
            return "replayed";
        case ReplayStatus::forgotten:
            return "forgotten";
    }
    return "replayed";
}

void ReplayGuard::purge_expired(Instant now) {
    while (!by_age_.empty()) {
        const auto first = by_age_.begin();
        if (now - first->first <= lifetime_) break;
        // Expired nonces are refused as stale before reaching the guard: no floor needed.
        by_nonce_.erase(first->second);
        by_age_.erase(first);
    }
}

void ReplayGuard::evict_oldest() {
    const auto first = by_age_.begin();
    if (!evicted_any_ || first->first > floor_) floor_ = first->first;
    evicted_any_ = true;
    by_nonce_.erase(first->second);
    by_age_.erase(first);
}

ReplayStatus ReplayGuard::check(std::string_view nonce, Instant issued_at, std::uint32_t nc,
                                Instant now) {
    purge_expired(now);
    const std::string key(nonce);
    if (auto it = by_nonce_.find(key); it != by_nonce_.end()) {
        if (nc <= it->second.last_nc) return ReplayStatus::replayed;
        it->second.last_nc = nc;
        return ReplayStatus::fresh;
    }
    if (evicted_any_ && issued_at <= floor_) return ReplayStatus::forgotten;
    // RFC 7616 §3.4: the client's first request with a nonce carries nc=00000001.
    if (nc == 0) return ReplayStatus::replayed;
    if (by_nonce_.size() >= capacity_) evict_oldest();
    by_nonce_.emplace(key, Entry{issued_at, nc});
    by_age_.emplace(issued_at, key);
    return ReplayStatus::fresh;
}

}  // namespace happysip::auth
