#include "happysip/base/incremental_hash_map.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace {

using happysip::base::IncrementalHashMap;
using Map = IncrementalHashMap<int, std::string>;

// Inserts 0..n-1 (value "v<i>") and returns the address each value was stored at.
std::vector<const std::string*> fill(Map& map, int n) {
    std::vector<const std::string*> stored;
    for (int i = 0; i < n; ++i) {
        auto [entry, inserted] = map.try_emplace(i, "v" + std::to_string(i));
        EXPECT_TRUE(inserted) << i;
        stored.push_back(&entry->second);
    }
    return stored;
}

// Inserts until the map starts growing incrementally; returns the first key not inserted.
int fill_until_growing(Map& map) {
    int next = 0;
    while (!map.growing() && next < 1'000'000)
        map.try_emplace(next, "v" + std::to_string(next)), ++next;
    return next;
}

TEST(IncrementalHashMap, FindsInsertsAndErasesLikeAMap) {
    Map map;
    EXPECT_TRUE(map.empty());
    EXPECT_EQ(map.find(1), nullptr);
    auto [first, inserted] = map.try_emplace(1, "one");
    EXPECT_TRUE(inserted);
    EXPECT_EQ(first->first, 1);
    auto [again, inserted_again] = map.try_emplace(1, "uno");
    EXPECT_FALSE(inserted_again);
    EXPECT_EQ(again, first);
    EXPECT_EQ(again->second, "one");  // try_emplace never overwrites
    EXPECT_TRUE(map.contains(1));
    EXPECT_EQ(map.size(), 1u);
    EXPECT_TRUE(map.erase(1));
    EXPECT_FALSE(map.erase(1));
    EXPECT_EQ(map.find(1), nullptr);
    EXPECT_TRUE(map.empty());
}

// The point of the class: past k_incremental_from the map taking inserts never rehashes in
// place. Its bucket array changes only when a new, larger map takes over (growing() then).
TEST(IncrementalHashMap, NeverRehashesALargeMapInOneGo) {
    Map map;
    std::size_t buckets = map.bucket_count();
    int growths = 0;
    for (int i = 0; i < 200'000; ++i) {
        map.try_emplace(i, "v");
        if (map.bucket_count() == buckets) continue;
        buckets = map.bucket_count();
        if (map.size() <= Map::k_incremental_from) continue;
        ASSERT_TRUE(map.growing()) << "rehashed in place at size " << map.size();
        ++growths;
    }
    EXPECT_GE(growths, 4);  // 4,096 -> 200,000 doubles about six times
    EXPECT_EQ(map.size(), 200'000u);
}

TEST(IncrementalHashMap, EveryEntryStaysFoundAndInPlaceWhileGrowing) {
    Map map;
    const int n = 50'000;
    auto stored = fill(map, n);
    for (int i = 0; i < n; ++i) {
        const auto* entry = map.find(i);
        ASSERT_NE(entry, nullptr) << i;
        EXPECT_EQ(&entry->second, stored[static_cast<std::size_t>(i)]) << i;  // never moved
        EXPECT_EQ(entry->second, "v" + std::to_string(i));
    }
    EXPECT_EQ(map.find(n), nullptr);
}

TEST(IncrementalHashMap, FindsAndErasesEntriesNotYetMoved) {
    Map map;
    const int next = fill_until_growing(map);
    ASSERT_TRUE(map.growing());
    // Every key is found mid-move, wherever it sits.
    for (int i = 0; i < next; ++i)
        ASSERT_TRUE(map.contains(i)) << i;
    // A key already present is not inserted twice, wherever it sits.
    for (int i = 0; i < next; i += 97)
        EXPECT_FALSE(map.try_emplace(i, "x").second) << i;
    ASSERT_TRUE(map.growing());
    std::size_t size = map.size();
    for (int i = 0; i < next; i += 2) {
        ASSERT_TRUE(map.erase(i)) << i;
        --size;
    }
    EXPECT_EQ(map.size(), size);
    for (int i = 0; i < next; ++i)
        EXPECT_EQ(map.contains(i), i % 2 == 1) << i;
}

TEST(IncrementalHashMap, FinishesMovingAfterAQuarterOfItsSizeInInserts) {
    Map map;
    int next = fill_until_growing(map);
    const std::size_t old_size = map.size();
    const std::size_t limit = old_size / Map::k_moves_per_insert + 1;
    std::size_t inserts = 0;
    while (map.growing() && inserts < limit)
        map.try_emplace(next++, "v"), ++inserts;
    EXPECT_FALSE(map.growing()) << "still moving after " << inserts << " inserts";
    for (int i = 0; i < next; ++i)
        ASSERT_TRUE(map.contains(i)) << i;
}

TEST(IncrementalHashMap, VisitsAndErasesAcrossBothMaps) {
    Map map;
    const int next = fill_until_growing(map);
    ASSERT_TRUE(map.growing());
    std::size_t visited = 0;
    long long sum = 0;
    map.for_each([&](auto& entry) {
        ++visited;
        sum += entry.first;
    });
    EXPECT_EQ(visited, map.size());
    EXPECT_EQ(sum, static_cast<long long>(next) * (next - 1) / 2);
    const std::size_t removed =
        map.erase_if([](const auto& entry) { return entry.first % 3 == 0; });
    EXPECT_EQ(removed, static_cast<std::size_t>((next + 2) / 3));
    for (int i = 0; i < next; ++i)
        EXPECT_EQ(map.contains(i), i % 3 != 0) << i;
    map.clear();
    EXPECT_TRUE(map.empty());
    EXPECT_FALSE(map.growing());
    EXPECT_EQ(map.find(1), nullptr);
}

}  // namespace
