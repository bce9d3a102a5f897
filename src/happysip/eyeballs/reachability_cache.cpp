#include "happysip/eyeballs/reachability_cache.hpp"

namespace happysip::eyeballs {

void ReachabilityCache::record_success(std::string_view key, Family family, Instant now) {
    record(key, family, true, now);
}

void ReachabilityCache::record_failure(std::string_view key, Family family, Instant now) {
    record(key, family, false, now);
}

void ReachabilityCache::record(std::string_view key, Family family, bool good, Instant now) {
    auto it = entries_.find(key);
    if (it == entries_.end()) it = entries_.emplace(std::string(key), Entry{}).first;
    auto& slot = family == Family::ipv6 ? it->second.ipv6 : it->second.ipv4;
    slot = Record{good, now};
}

bool ReachabilityCache::live(const Record& r, Instant now) const {
    return now < r.at + (r.good ? config_.success_ttl : config_.failure_ttl);
}

Reachability ReachabilityCache::state(std::string_view key, Family family, Instant now) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return Reachability::unknown;
    const auto& slot = family == Family::ipv6 ? it->second.ipv6 : it->second.ipv4;
    if (!slot || !live(*slot, now)) return Reachability::unknown;
    return slot->good ? Reachability::good : Reachability::broken;
}

std::optional<Family> ReachabilityCache::preferred_family(std::string_view key, Instant now) const {
    const Reachability v6 = state(key, Family::ipv6, now);
    const Reachability v4 = state(key, Family::ipv4, now);
    if (v6 == Reachability::good && v4 != Reachability::good) return Family::ipv6;
    if (v4 == Reachability::good && v6 != Reachability::good) return Family::ipv4;
    if (v6 == Reachability::broken && v4 != Reachability::broken) return Family::ipv4;
    if (v4 == Reachability::broken && v6 != Reachability::broken) return Family::ipv6;
    return std::nullopt;
}

bool ReachabilityCache::should_skip(std::string_view key, Family family, Instant now) const {
    return state(key, family, now) == Reachability::broken &&
           state(key, other_family(family), now) != Reachability::broken;
}

void ReachabilityCache::expire(Instant now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        auto& e = it->second;
        if (e.ipv6 && !live(*e.ipv6, now)) e.ipv6.reset();
        if (e.ipv4 && !live(*e.ipv4, now)) e.ipv4.reset();
        it = (!e.ipv6 && !e.ipv4) ? entries_.erase(it) : std::next(it);
    }
}

}  // namespace happysip::eyeballs
