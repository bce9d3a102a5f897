#include "happysip/resolve/dns_cache.hpp"

#include <algorithm>

#include "happysip/sip/text.hpp"

namespace happysip::resolve {
namespace {

using std::chrono::seconds;

// RFC 4343: case-insensitive; "example.com." and "example.com" are one name.
std::string cache_name(std::string_view name) {
    if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
    return sip::text::to_lower_copy(name);
}

std::uint32_t whole_seconds(Duration d) noexcept {
    if (d <= Duration::zero()) return 0;
    return static_cast<std::uint32_t>(std::chrono::duration_cast<seconds>(d).count());
}

}  // namespace

std::string_view to_string(DnsRecordType type) noexcept {
    switch (type) {
        case DnsRecordType::naptr:
            return "NAPTR";
        case DnsRecordType::srv:
            return "SRV";
        case DnsRecordType::a:
            return "A";
        case DnsRecordType::aaaa:
            return "AAAA";
    }
    return "?";
}

Duration negative_ttl(std::optional<std::uint32_t> soa_ttl, const DnsCacheConfig& config) noexcept {
    if (!soa_ttl) return std::min(config.negative_default, config.negative_cap);
    return std::min<Duration>(seconds(*soa_ttl), config.negative_cap);
}

template <class Record>
void DnsCache::store(std::string_view name, DnsRecordType type, std::vector<Record> records,
                     Instant now) {
    if (records.empty()) {
        store_negative(name, type, CachedKind::nodata, std::nullopt, now);
        return;
    }
    std::uint32_t min_ttl = records.front().ttl_seconds;
    for (const auto& r : records)
        min_ttl = std::min(min_ttl, r.ttl_seconds);
    const Duration ttl = std::min<Duration>(seconds(min_ttl), config_.max_ttl);
    std::string key_name = cache_name(name);
    entries_.erase(Key{key_name, k_any_type});
    Key key{std::move(key_name), static_cast<std::uint8_t>(type)};
    if (ttl <= Duration::zero()) {
        entries_.erase(key);
        return;
    }
    insert(std::move(key), Entry{CachedKind::records, std::move(records), now, now + ttl}, now);
}

Duration DnsCache::store_negative(std::string_view name, DnsRecordType type, CachedKind kind,
                                  std::optional<std::uint32_t> soa_ttl, Instant now) {
    const Duration ttl = negative_ttl(soa_ttl, config_);
    std::string key_name = cache_name(name);
    std::uint8_t slot = static_cast<std::uint8_t>(type);
    if (kind == CachedKind::nxdomain) {
        erase_name(key_name);
        slot = k_any_type;
    } else {
        kind = CachedKind::nodata;
        entries_.erase(Key{key_name, k_any_type});
    }
    Key key{std::move(key_name), slot};
    if (ttl <= Duration::zero()) {
        entries_.erase(key);
        return Duration::zero();
    }
    insert(std::move(key), Entry{kind, Records{}, now, now + ttl}, now);
    return ttl;
}

template <class Record>
std::optional<CachedAnswer<Record>> DnsCache::find(std::string_view name, DnsRecordType type,
                                                   Instant now) const {
    std::string key_name = cache_name(name);
    const Entry* entry = live_entry(Key{key_name, static_cast<std::uint8_t>(type)}, now);
    if (!entry) entry = live_entry(Key{std::move(key_name), k_any_type}, now);
    if (!entry) return std::nullopt;

    CachedAnswer<Record> answer;
    answer.kind = entry->kind;
    answer.ttl_seconds = whole_seconds(entry->expires - now);
    if (entry->kind != CachedKind::records) return answer;
    const auto* records = std::get_if<std::vector<Record>>(&entry->records);
    if (!records) return std::nullopt;  // stored under this type as another record type
    // Like a recursive resolver, hand out the TTL that is left (RFC 1035 §3.2.1).
    const std::uint32_t elapsed = whole_seconds(now - entry->stored);
    const std::uint32_t max_ttl = whole_seconds(config_.max_ttl);
    answer.records = *records;
    for (auto& r : answer.records) {
        const std::uint32_t ttl = std::min(r.ttl_seconds, max_ttl);
        r.ttl_seconds = ttl > elapsed ? ttl - elapsed : 0;
    }
    return answer;
}

void DnsCache::expire(Instant now) {
    for (auto it = entries_.begin(); it != entries_.end();)
        it = now < it->second.expires ? std::next(it) : entries_.erase(it);
}

void DnsCache::insert(Key key, Entry entry, Instant now) {
    if (config_.max_entries == 0) return;
    if (!entries_.contains(key) && entries_.size() >= config_.max_entries) {
        expire(now);
        if (entries_.size() >= config_.max_entries) {
            // Still full of live entries: give up the one that would expire first.
            auto soonest = std::min_element(
                entries_.begin(), entries_.end(),
                [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
            entries_.erase(soonest);
        }
    }
    entries_.insert_or_assign(std::move(key), std::move(entry));
}

void DnsCache::erase_name(const std::string& name) {
    auto first = entries_.lower_bound(Key{name, 0});
    auto last = entries_.upper_bound(Key{name, k_any_type});
    entries_.erase(first, last);
}

const DnsCache::Entry* DnsCache::live_entry(const Key& key, Instant now) const {
    auto it = entries_.find(key);
    if (it == entries_.end() || !(now < it->second.expires)) return nullptr;
    return &it->second;
}

template void DnsCache::store(std::string_view, DnsRecordType, std::vector<NaptrRecord>, Instant);
template void DnsCache::store(std::string_view, DnsRecordType, std::vector<SrvRecord>, Instant);
template void DnsCache::store(std::string_view, DnsRecordType, std::vector<AddressRecord>, Instant);
template std::optional<CachedAnswer<NaptrRecord>> DnsCache::find(std::string_view, DnsRecordType,
                                                                 Instant) const;
template std::optional<CachedAnswer<SrvRecord>> DnsCache::find(std::string_view, DnsRecordType,
                                                               Instant) const;
template std::optional<CachedAnswer<AddressRecord>> DnsCache::find(std::string_view, DnsRecordType,
                                                                   Instant) const;

}  // namespace happysip::resolve
