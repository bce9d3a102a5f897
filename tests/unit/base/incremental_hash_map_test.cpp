#include "happysip/base/incremental_hash_map.hpp"
#include "happysip/base/text_hash.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
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

// The point of the class: no insert reorganises the table. Each adds at most one bucket
// (one chain split), and the table stays at most one entry per bucket on average.
TEST(IncrementalHashMap, GrowsByAtMostOneBucketPerInsert) {
    Map map;
    std::size_t buckets = map.bucket_count();
    for (int i = 0; i < 200'000; ++i) {
        map.try_emplace(i, "v");
        ASSERT_LE(map.bucket_count(), buckets + 1) << "at size " << map.size();
        buckets = map.bucket_count();
        ASSERT_GE(buckets, map.size());
    }
    EXPECT_EQ(map.size(), 200'000u);
    EXPECT_EQ(buckets, 200'000u);
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

// Erasing leaves the buckets (like std's maps); later inserts reuse them without growing.
TEST(IncrementalHashMap, ErasesAnywhereAndReusesTheBuckets) {
    Map map;
    const int n = 20'000;
    fill(map, n);
    for (int i = 0; i < n; i += 2)
        ASSERT_TRUE(map.erase(i)) << i;
    EXPECT_FALSE(map.erase(0));
    EXPECT_EQ(map.size(), static_cast<std::size_t>(n / 2));
    for (int i = 0; i < n; ++i)
        ASSERT_EQ(map.contains(i), i % 2 == 1) << i;
    const std::size_t buckets = map.bucket_count();
    for (int i = 0; i < n; i += 2)
        EXPECT_TRUE(map.try_emplace(i, "again").second) << i;
    EXPECT_EQ(map.bucket_count(), buckets);
    EXPECT_EQ(map.find(4)->second, "again");
    // A key already present is never inserted twice, nor overwritten.
    for (int i = 1; i < n; i += 97)
        EXPECT_FALSE(map.try_emplace(i, "x").second) << i;
    EXPECT_EQ(map.find(1)->second, "v1");
    EXPECT_EQ(map.insert_or_assign(1, std::string("one"))->second, "one");
    EXPECT_EQ(map.size(), static_cast<std::size_t>(n));
}

// erase() is handed the stored key itself by callers that hold only the entry.
TEST(IncrementalHashMap, ErasesByItsOwnStoredKey) {
    IncrementalHashMap<std::string, int> map;
    for (int i = 0; i < 5'000; ++i)
        map.try_emplace("key-" + std::to_string(i), i);
    const std::string& stored = map.find(std::string("key-1234"))->first;
    EXPECT_TRUE(map.erase(stored));
    EXPECT_FALSE(map.contains(std::string("key-1234")));
    EXPECT_EQ(map.size(), 4'999u);
}

// With a hash and an equality that take views, a std::string_view finds a std::string key
// (no std::string is built to look it up).
TEST(IncrementalHashMap, FindsStringKeysByView) {
    IncrementalHashMap<std::string, int, happysip::base::TextHash, std::equal_to<>> map;
    map.try_emplace("z9hG4bK-branch-1", 1);
    const std::string_view view = "z9hG4bK-branch-1";
    ASSERT_NE(map.find(view), nullptr);
    EXPECT_EQ(map.find(view)->second, 1);
    EXPECT_TRUE(map.erase(view));
    EXPECT_TRUE(map.empty());
}

TEST(IncrementalHashMap, VisitsAndErasesEveryEntry) {
    Map map;
    const int n = 30'000;
    fill(map, n);
    std::size_t visited = 0;
    long long sum = 0;
    map.for_each([&](auto& entry) {
        ++visited;
        sum += entry.first;
    });
    EXPECT_EQ(visited, map.size());
    EXPECT_EQ(sum, static_cast<long long>(n) * (n - 1) / 2);
    const std::size_t removed =
        map.erase_if([](const auto& entry) { return entry.first % 3 == 0; });
    EXPECT_EQ(removed, static_cast<std::size_t>((n + 2) / 3));
    for (int i = 0; i < n; ++i)
        EXPECT_EQ(map.contains(i), i % 3 != 0) << i;
    map.clear();
    EXPECT_TRUE(map.empty());
    EXPECT_EQ(map.find(1), nullptr);
    EXPECT_TRUE(map.try_emplace(1, "back").second);
}

}  // namespace
