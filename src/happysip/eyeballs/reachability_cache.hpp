// What recent races learnt about each destination's address families, so that the next
// request to a destination whose IPv6 path is black-holed goes straight to IPv4 instead of
// paying the Connection Attempt Delay again (RFC 8305 §5 allows historical data to guide
// the order). Entries expire; the newest record for a (key, family) wins.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/eyeballs/time.hpp"

namespace happysip::eyeballs {

struct ReachabilityCacheConfig {
    Duration success_ttl = std::chrono::minutes(10);
    Duration failure_ttl = std::chrono::seconds(60);
};

enum class Reachability : std::uint8_t { unknown, good, broken };

class ReachabilityCache {
  public:
    explicit ReachabilityCache(ReachabilityCacheConfig config = {}) : config_(config) {}

    // `key` names the destination as the caller sees it, e.g. "udp:example.com:5060".
    void record_success(std::string_view key, Family family, Instant now);
    void record_failure(std::string_view key, Family family, Instant now);

    Reachability state(std::string_view key, Family family, Instant now) const;
    // The family to try first: the one known good while the other is not, else the one
    // not known broken while the other is; nullopt when the cache has no opinion.
    std::optional<Family> preferred_family(std::string_view key, Instant now) const;
    // True when `family` is known broken and the other family is not: attempt it last.
    bool should_skip(std::string_view key, Family family, Instant now) const;

    // Drops expired entries; call now and then to bound memory.
    void expire(Instant now);
    std::size_t size() const noexcept { return entries_.size(); }

  private:
    struct Record {
        bool good = false;
        Instant at{};
    };
    struct Entry {
        std::optional<Record> ipv6;
        std::optional<Record> ipv4;
    };

    void record(std::string_view key, Family family, bool good, Instant now);
    bool live(const Record& r, Instant now) const;

    ReachabilityCacheConfig config_;
    std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace happysip::eyeballs
