#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "happysip/resolve/dns_cache.hpp"

namespace happysip::resolve {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const Instant t0 = Instant{} + seconds(1000);

std::vector<SrvRecord> srv_set(std::uint32_t ttl_a, std::uint32_t ttl_b) {
    return {{10, 60, 5060, "sip1.example.com", ttl_a}, {10, 40, 5060, "sip2.example.com", ttl_b}};
}

std::vector<AddressRecord> aaaa(std::uint32_t ttl) {
    return {{eyeballs::Family::ipv6, "2001:db8::1", ttl}};
}

TEST(DnsCache, MissWhenNothingStored) {
    DnsCache cache;
    EXPECT_FALSE(cache.find<SrvRecord>("_sip._udp.example.com", DnsRecordType::srv, t0));
}

TEST(DnsCache, PositiveAnswerLivesForTheSmallestRecordTtl) {
    DnsCache cache;
    cache.store("_sip._udp.example.com", DnsRecordType::srv, srv_set(300, 120), t0);

    auto hit =
        cache.find<SrvRecord>("_sip._udp.example.com", DnsRecordType::srv, t0 + seconds(119));
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->kind, CachedKind::records);
    EXPECT_EQ(hit->records.size(), 2u);
    EXPECT_EQ(hit->ttl_seconds, 1u);
    EXPECT_FALSE(
        cache.find<SrvRecord>("_sip._udp.example.com", DnsRecordType::srv, t0 + seconds(120)));
}

TEST(DnsCache, HandsOutTheRemainingTtl) {
    DnsCache cache;
    cache.store("_sip._udp.example.com", DnsRecordType::srv, srv_set(300, 120), t0);
    auto hit = cache.find<SrvRecord>("_sip._udp.example.com", DnsRecordType::srv,
                                     t0 + seconds(100) + milliseconds(500));
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->records[0].ttl_seconds, 200u);
    EXPECT_EQ(hit->records[1].ttl_seconds, 20u);
    EXPECT_EQ(hit->ttl_seconds, 19u);
    EXPECT_EQ(hit->records[0].target, "sip1.example.com");
}

TEST(DnsCache, NamesCompareCaseInsensitivelyAndIgnoreTheTrailingDot) {
    DnsCache cache;
    cache.store("Example.COM.", DnsRecordType::aaaa, aaaa(60), t0);
    EXPECT_TRUE(cache.find<AddressRecord>("example.com", DnsRecordType::aaaa, t0));
    EXPECT_TRUE(cache.find<AddressRecord>("EXAMPLE.com.", DnsRecordType::aaaa, t0));
    EXPECT_FALSE(cache.find<AddressRecord>("example.org", DnsRecordType::aaaa, t0));
}

TEST(DnsCache, TypesAreKeptApart) {
    DnsCache cache;
    cache.store("example.com", DnsRecordType::aaaa, aaaa(60), t0);
    EXPECT_FALSE(cache.find<AddressRecord>("example.com", DnsRecordType::a, t0));
    // Asking with the wrong record type for the slot is a miss, not a crash.
    EXPECT_FALSE(cache.find<SrvRecord>("example.com", DnsRecordType::aaaa, t0));
}

TEST(DnsCache, LongTtlIsCapped) {
    DnsCache cache(DnsCacheConfig{.max_ttl = minutes(10)});
    cache.store("example.com", DnsRecordType::aaaa, aaaa(86400), t0);
    auto hit = cache.find<AddressRecord>("example.com", DnsRecordType::aaaa, t0);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->records[0].ttl_seconds, 600u);
    EXPECT_FALSE(cache.find<AddressRecord>("example.com", DnsRecordType::aaaa, t0 + minutes(10)));
}

TEST(DnsCache, ZeroTtlIsNotCachedAndDropsTheOldAnswer) {
    DnsCache cache;
    cache.store("example.com", DnsRecordType::aaaa, aaaa(60), t0);
    cache.store("example.com", DnsRecordType::aaaa, aaaa(0), t0 + seconds(1));
    EXPECT_FALSE(cache.find<AddressRecord>("example.com", DnsRecordType::aaaa, t0 + seconds(1)));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(DnsCache, NodataUsesTheSoaTtl) {
    DnsCache cache;
    const Duration ttl = cache.store_negative("v4only.example.com", DnsRecordType::aaaa,
                                              CachedKind::nodata, 120, t0);
    EXPECT_EQ(ttl, seconds(120));
    auto hit =
        cache.find<AddressRecord>("v4only.example.com", DnsRecordType::aaaa, t0 + seconds(119));
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->kind, CachedKind::nodata);
    EXPECT_TRUE(hit->records.empty());
    // NODATA says nothing about other types of the name (RFC 2308 §5).
    EXPECT_FALSE(cache.find<AddressRecord>("v4only.example.com", DnsRecordType::a, t0));
    EXPECT_FALSE(
        cache.find<AddressRecord>("v4only.example.com", DnsRecordType::aaaa, t0 + seconds(120)));
}

TEST(DnsCache, NxdomainCoversEveryTypeOfTheName) {
    DnsCache cache;
    cache.store("gone.example.com", DnsRecordType::a,
                std::vector<AddressRecord>{{eyeballs::Family::ipv4, "192.0.2.1", 600}}, t0);
    cache.store_negative("gone.example.com", DnsRecordType::aaaa, CachedKind::nxdomain, 60,
                         t0 + seconds(1));
    for (auto type : {DnsRecordType::a, DnsRecordType::aaaa}) {
        auto hit = cache.find<AddressRecord>("gone.example.com", type, t0 + seconds(2));
        ASSERT_TRUE(hit) << to_string(type);
        EXPECT_EQ(hit->kind, CachedKind::nxdomain);
    }
    auto naptr = cache.find<NaptrRecord>("GONE.example.com.", DnsRecordType::naptr, t0);
    ASSERT_TRUE(naptr);
    EXPECT_EQ(naptr->kind, CachedKind::nxdomain);
}

TEST(DnsCache, PositiveAnswerReplacesNxdomain) {
    DnsCache cache;
    cache.store_negative("new.example.com", DnsRecordType::aaaa, CachedKind::nxdomain, 60, t0);
    cache.store("new.example.com", DnsRecordType::aaaa, aaaa(60), t0 + seconds(1));
    auto hit = cache.find<AddressRecord>("new.example.com", DnsRecordType::aaaa, t0 + seconds(1));
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->kind, CachedKind::records);
    EXPECT_FALSE(cache.find<AddressRecord>("new.example.com", DnsRecordType::a, t0 + seconds(1)));
}

TEST(DnsCache, NegativeTtlIsCappedAndDefaulted) {
    const DnsCacheConfig config;
    EXPECT_EQ(negative_ttl(86400, config), minutes(5));
    EXPECT_EQ(negative_ttl(std::nullopt, config), seconds(30));
    EXPECT_EQ(negative_ttl(10, config), seconds(10));

    DnsCache cache;
    cache.store_negative("x.example.com", DnsRecordType::srv, CachedKind::nodata, 86400, t0);
    EXPECT_TRUE(cache.find<SrvRecord>("x.example.com", DnsRecordType::srv, t0 + seconds(299)));
    EXPECT_FALSE(cache.find<SrvRecord>("x.example.com", DnsRecordType::srv, t0 + minutes(5)));
}

TEST(DnsCache, EmptyPositiveAnswerIsNodataWithTheDefaultTtl) {
    DnsCache cache;
    cache.store("x.example.com", DnsRecordType::naptr, std::vector<NaptrRecord>{}, t0);
    auto hit = cache.find<NaptrRecord>("x.example.com", DnsRecordType::naptr, t0 + seconds(29));
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->kind, CachedKind::nodata);
    EXPECT_FALSE(cache.find<NaptrRecord>("x.example.com", DnsRecordType::naptr, t0 + seconds(30)));
}

TEST(DnsCache, SizeIsBoundedByEvictingExpiredThenSoonestToExpire) {
    DnsCache cache(DnsCacheConfig{.max_entries = 2});
    cache.store("a.example.com", DnsRecordType::aaaa, aaaa(10), t0);
    cache.store("b.example.com", DnsRecordType::aaaa, aaaa(100), t0);
    // Full of live entries: the one expiring first (a) goes.
    cache.store("c.example.com", DnsRecordType::aaaa, aaaa(50), t0);
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_FALSE(cache.find<AddressRecord>("a.example.com", DnsRecordType::aaaa, t0));
    EXPECT_TRUE(cache.find<AddressRecord>("b.example.com", DnsRecordType::aaaa, t0));
    EXPECT_TRUE(cache.find<AddressRecord>("c.example.com", DnsRecordType::aaaa, t0));
    // Later c has expired: it is dropped first, b stays.
    cache.store("d.example.com", DnsRecordType::aaaa, aaaa(10), t0 + seconds(60));
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_TRUE(cache.find<AddressRecord>("b.example.com", DnsRecordType::aaaa, t0 + seconds(60)));
    EXPECT_TRUE(cache.find<AddressRecord>("d.example.com", DnsRecordType::aaaa, t0 + seconds(60)));
}

TEST(DnsCache, ReplacingAnEntryDoesNotEvict) {
    DnsCache cache(DnsCacheConfig{.max_entries = 1});
    cache.store("a.example.com", DnsRecordType::aaaa, aaaa(10), t0);
    cache.store("a.example.com", DnsRecordType::aaaa, aaaa(20), t0 + seconds(5));
    auto hit = cache.find<AddressRecord>("a.example.com", DnsRecordType::aaaa, t0 + seconds(24));
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->records[0].ttl_seconds, 1u);
}

TEST(DnsCache, ExpireDropsOnlyDeadEntries) {
    DnsCache cache;
    cache.store("a.example.com", DnsRecordType::aaaa, aaaa(10), t0);
    cache.store_negative("b.example.com", DnsRecordType::srv, CachedKind::nodata, 100, t0);
    cache.expire(t0 + seconds(10));
    EXPECT_EQ(cache.size(), 1u);
    cache.expire(t0 + seconds(100));
    EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace happysip::resolve
