// A TTL cache of DNS answers for the RFC 3263 lookups (NAPTR, SRV, A, AAAA), sans-I/O:
// the caller passes `now` on every call. Positive answers live for the smallest TTL of
// their records (RFC 2181 §5.2: an RRset has one TTL; the lowest is the safe reading),
// negative answers (NXDOMAIN, NODATA) for the SOA-derived TTL of RFC 2308 §5, capped.
// NXDOMAIN covers every type of the name (RFC 2308 §5: "the name does not exist").
// Keys are names compared case-insensitively with the trailing dot ignored (RFC 4343).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "happysip/resolve/dns_records.hpp"
#include "happysip/time/virtual_time.hpp"

namespace happysip::resolve {

enum class DnsRecordType : std::uint8_t { naptr, srv, a, aaaa };

std::string_view to_string(DnsRecordType type) noexcept;

// A for ipv4, AAAA for ipv6.
constexpr DnsRecordType address_record_type(eyeballs::Family family) noexcept {
    return family == eyeballs::Family::ipv4 ? DnsRecordType::a : DnsRecordType::aaaa;
}

enum class CachedKind : std::uint8_t { records, nxdomain, nodata };

struct DnsCacheConfig {
    std::size_t max_entries = 4096;
    // Longer TTLs are shortened to this (a day: a common resolver ceiling).
    Duration max_ttl = std::chrono::hours(24);
    // RFC 2308 §5 recommends capping negative TTLs; ours is short because a SIP server
    // being provisioned should become reachable soon.
    Duration negative_cap = std::chrono::minutes(5);
    // Negative TTL when the answer carried no SOA (RFC 2308 §5: then do not cache for
    // long; a small default keeps retry storms away without hiding new records).
    Duration negative_default = std::chrono::seconds(30);
};

template <class Record>
struct CachedAnswer {
    CachedKind kind = CachedKind::records;
    std::vector<Record> records;    // kind == records; TTLs lowered by the time spent cached
    std::uint32_t ttl_seconds = 0;  // what is left of the entry's lifetime, whole seconds
};

// The negative-caching TTL for an answer whose SOA gave `soa_ttl` (the minimum of the SOA
// record's TTL and its MINIMUM field, RFC 2308 §5), or none: capped, defaulted.
Duration negative_ttl(std::optional<std::uint32_t> soa_ttl, const DnsCacheConfig& config) noexcept;

class DnsCache {
  public:
    explicit DnsCache(DnsCacheConfig config = {}) : config_(config) {}

    // Record must match type: NaptrRecord for naptr, SrvRecord for srv, AddressRecord for
    // a/aaaa. An empty list is stored as NODATA with the default negative TTL. Records
    // with TTL 0 are not cached (RFC 1035 §3.2.1: use only for the transaction).
    template <class Record>
    void store(std::string_view name, DnsRecordType type, std::vector<Record> records, Instant now);

    // Caches NXDOMAIN (for every type of `name`) or NODATA (for `type` only); returns the
    // lifetime given to the entry.
    Duration store_negative(std::string_view name, DnsRecordType type, CachedKind kind,
                            std::optional<std::uint32_t> soa_ttl, Instant now);

    // The live answer for (name, type), if any. A cached NXDOMAIN answers every type.
    template <class Record>
    std::optional<CachedAnswer<Record>> find(std::string_view name, DnsRecordType type,
                                             Instant now) const;

    // Drops expired entries (find ignores them anyway; this bounds memory).
    void expire(Instant now);
    void clear() noexcept { entries_.clear(); }
    std::size_t size() const noexcept { return entries_.size(); }
    const DnsCacheConfig& config() const noexcept { return config_; }

  private:
    // The type slot k_any_type holds a name's NXDOMAIN.
    static constexpr std::uint8_t k_any_type = 0xff;
    using Key = std::pair<std::string, std::uint8_t>;
    using Records =
        std::variant<std::vector<NaptrRecord>, std::vector<SrvRecord>, std::vector<AddressRecord>>;
    struct Entry {
        CachedKind kind = CachedKind::records;
        Records records;
        Instant stored{};
        Instant expires{};
    };

    void insert(Key key, Entry entry, Instant now);
    void erase_name(const std::string& name);
    const Entry* live_entry(const Key& key, Instant now) const;

    DnsCacheConfig config_;
    std::map<Key, Entry> entries_;
};

}  // namespace happysip::resolve
