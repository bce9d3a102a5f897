// A hash map that grows without stopping the event loop. std::unordered_map doubles its
// bucket array in one go when it fills, relinking every node: with the 200,000 transactions
// a proxy holds after ten seconds at 3,000 calls/s (a UDP non-INVITE lingers 32 s, Timer J),
// one such rehash walks nodes scattered over the heap and stalled happysipd's single I/O
// thread for milliseconds, several times per ramp-up. That was its p99 at 2,000-4,000
// calls/s (issue 4, docs/benchmarks.md). Here the full map is set aside as `draining_`, a
// new one twice its size takes the inserts, and every insert also moves a few nodes across
// (node handles: no allocation, and addresses of keys and values stay valid, which callers
// rely on). Lookups try the new map, then the old one while it has nodes. The only bulk
// work left is zeroing the new bucket array.
//
// The interface is the subset the stack needs, with pointers instead of iterators, because
// an iterator could not step from one map into the other.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <unordered_map>
#include <utility>

namespace happysip::base {

template <class Key, class Value, class Hash = std::hash<Key>, class Equal = std::equal_to<Key>>
class IncrementalHashMap {
  public:
    using Map = std::unordered_map<Key, Value, Hash, Equal>;
    using value_type = typename Map::value_type;

    // Below this size a map grows the ordinary way: relinking a few thousand nodes costs
    // microseconds, less than keeping two maps.
    static constexpr std::size_t k_incremental_from = 4096;
    // Nodes moved per insert while growing. With the new map sized for twice the old one's
    // n nodes, the old one is empty after n/4 inserts, when the new one holds at most
    // 1.25 n: it never fills (and rehashes in one go) before the move is over.
    static constexpr std::size_t k_moves_per_insert = 4;

    template <class K>
    value_type* find(const K& key) {
        return find_in(*this, key);
    }
    template <class K>
    const value_type* find(const K& key) const {
        return find_in(*this, key);
    }
    template <class K>
    bool contains(const K& key) const {
        return find(key) != nullptr;
    }

    // Like std::unordered_map::try_emplace: the stored entry, and whether it is new.
    template <class... Args>
    std::pair<value_type*, bool> try_emplace(Key key, Args&&... args) {
        if (value_type* found = find(key)) return {found, false};
        make_room();
        auto [it, inserted] = current_.try_emplace(std::move(key), std::forward<Args>(args)...);
        return {&*it, inserted};
    }

    // Stores `value` under `key`, over any value already there.
    template <class V>
    value_type* insert_or_assign(Key key, V&& value) {
        auto [entry, inserted] = try_emplace(std::move(key), std::forward<V>(value));
        if (!inserted) entry->second = std::forward<V>(value);
        return entry;
    }

    template <class K>
    bool erase(const K& key) {
        if (auto it = current_.find(key); it != current_.end()) {
            current_.erase(it);
            return true;
        }
        if (draining_.empty()) return false;
        auto it = draining_.find(key);
        if (it == draining_.end()) return false;
        draining_.erase(it);
        release_drained();
        return true;
    }

    // Removes every entry for which pred(const value_type&) is true; returns how many.
    template <class Pred>
    std::size_t erase_if(Pred pred) {
        const std::size_t removed = std::erase_if(current_, pred) + std::erase_if(draining_, pred);
        release_drained();
        return removed;
    }

    // f(value_type&) on every entry, in no particular order. f must not insert or erase.
    template <class F>
    void for_each(F f) {
        for (auto& entry : current_)
            f(entry);
        for (auto& entry : draining_)
            f(entry);
    }

    std::size_t size() const noexcept { return current_.size() + draining_.size(); }
    bool empty() const noexcept { return size() == 0; }
    void clear() {
        current_.clear();
        draining_ = empty_like(current_);
    }

    // For tests: whether nodes are still moving from the old map to the new one, and the
    // bucket count of the map taking inserts.
    bool growing() const noexcept { return !draining_.empty(); }
    std::size_t bucket_count() const noexcept { return current_.bucket_count(); }

  private:
    template <class Self, class K>
    static auto find_in(Self& self, const K& key) -> decltype(&*self.current_.begin()) {
        if (auto it = self.current_.find(key); it != self.current_.end()) return &*it;
        if (self.draining_.empty()) return nullptr;
        auto it = self.draining_.find(key);
        return it == self.draining_.end() ? nullptr : &*it;
    }

    // Before an insert into current_: keeps it from rehashing in one go.
    void make_room() {
        if (!draining_.empty()) {
            move_some();
            return;
        }
        const auto capacity = static_cast<std::size_t>(
            static_cast<double>(current_.bucket_count()) * current_.max_load_factor());
        if (current_.size() + 1 <= capacity || current_.size() < k_incremental_from) return;
        draining_.swap(current_);
        current_.max_load_factor(draining_.max_load_factor());
        current_.reserve(2 * draining_.size());
        move_some();
    }

    void move_some() {
        for (std::size_t i = 0; i < k_moves_per_insert && !draining_.empty(); ++i)
            current_.insert(draining_.extract(draining_.begin()));
        release_drained();
    }

    // An emptied old map still holds its bucket array: give the memory back.
    void release_drained() {
        if (draining_.empty() && draining_.bucket_count() > 1) draining_ = empty_like(current_);
    }

    static Map empty_like(const Map& map) { return Map(0, map.hash_function(), map.key_eq()); }

    Map current_;
    Map draining_;
};

}  // namespace happysip::base
