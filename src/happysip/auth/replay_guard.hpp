// Nonce-count tracking (RFC 7616 §3.4 and §5.5, RFC 2617 §3.2.2): for each nonce the
// server has seen, the highest nc accepted so far; a request must carry a larger one, so a
// captured request replayed verbatim is refused.
//
// Memory is bounded: at most `capacity` nonces are tracked, and when full the entry with
// the oldest issue time is evicted. Forgetting a nonce must not reopen it to replays, so
// the guard remembers the newest issue time it ever evicted (the floor): a nonce issued
// at or before the floor that is not tracked any more is answered `forgotten`, and the
// server re-challenges with a fresh nonce (stale=true, the client retries without asking
// the user). Entries whose nonce has outlived its lifetime are dropped on the way, since
// the nonce check refuses them anyway.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "happysip/time/virtual_time.hpp"

namespace happysip::auth {

enum class ReplayStatus : std::uint8_t {
    fresh,      // nc larger than any seen for this nonce: accepted and recorded
    replayed,   // nc not larger than the last accepted one
    forgotten,  // no longer tracked (evicted for room): re-challenge with a new nonce
};

std::string_view to_string(ReplayStatus status) noexcept;

class ReplayGuard {
  public:
    static constexpr std::size_t k_default_capacity = 100'000;

    // `lifetime`: the nonce lifetime; tracked entries older than that are purged.
    explicit ReplayGuard(Duration lifetime, std::size_t capacity = k_default_capacity) noexcept
        : lifetime_(lifetime), capacity_(capacity == 0 ? 1 : capacity) {}

    // `issued_at` is the nonce's time stamp (NonceCheck::issued_at); call only for nonces
    // that verified. Records nc when fresh.
    ReplayStatus check(std::string_view nonce, Instant issued_at, std::uint32_t nc, Instant now);

    std::size_t size() const noexcept { return by_nonce_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }

  private:
    using AgeKey = std::pair<Instant, std::string>;
    struct Entry {
        Instant issued_at;
        std::uint32_t last_nc = 0;
    };

    void purge_expired(Instant now);
    void evict_oldest();

    Duration lifetime_;
    std::size_t capacity_;
    std::unordered_map<std::string, Entry> by_nonce_;
    std::set<AgeKey> by_age_;  // ordered by issue time, for eviction and expiry
    bool evicted_any_ = false;
    Instant floor_{};
};

}  // namespace happysip::auth
