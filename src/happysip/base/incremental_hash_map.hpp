// A hash map that grows without stopping the event loop. std::unordered_map doubles its
// bucket array in one go when it fills: it allocates and zeroes the new array, then
// relinks every node. With the 200,000 transactions a proxy holds ten seconds into 3,000
// calls/s (a UDP non-INVITE lingers 32 s, Timer J), one such rehash stalled happysipd's
// single I/O thread for milliseconds, several times per ramp-up, and the server's three
// maps of the same size did it on the same request. That was its p99 at 2,000-4,000
// calls/s (issue 4, docs/benchmarks.md).
//
// This map uses linear hashing (W. Litwin, 1980): it grows one bucket per insert that
// finds it full, by splitting the next bucket in a fixed order, so no insert ever moves
// more than one chain. Buckets live in segments of k_segment pointers: growing allocates
// at most one small segment, never a large array. Nodes are allocated one by one and
// never move, so pointers to keys and values stay valid until their entry is erased,
// which callers rely on.
//
// The interface is the subset the stack needs, with pointers instead of iterators.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

namespace happysip::base {

template <class Key, class Value, class Hash = std::hash<Key>, class Equal = std::equal_to<Key>>
class IncrementalHashMap {
  public:
    using value_type = std::pair<const Key, Value>;

    // Bucket pointers per segment (8 KiB): the most one insert allocates besides its node.
    static constexpr std::size_t k_segment = 1024;

    IncrementalHashMap() = default;
    IncrementalHashMap(const IncrementalHashMap&) = delete;
    IncrementalHashMap& operator=(const IncrementalHashMap&) = delete;
    ~IncrementalHashMap() { clear(); }

    template <class K>
    value_type* find(const K& key) {
        Node* node = find_node(key, mixed_hash(key));
        return node ? &node->value : nullptr;
    }
    template <class K>
    const value_type* find(const K& key) const {
        const Node* node = find_node(key, mixed_hash(key));
        return node ? &node->value : nullptr;
    }
    template <class K>
    bool contains(const K& key) const {
        return find(key) != nullptr;
    }

    // Like std::unordered_map::try_emplace: the stored entry, and whether it is new.
    template <class... Args>
    std::pair<value_type*, bool> try_emplace(Key key, Args&&... args) {
        const std::size_t hash = mixed_hash(key);
        if (Node* node = find_node(key, hash)) return {&node->value, false};
        if (size_ + 1 > bucket_count_) grow();  // one split: load factor stays at most 1
        auto* node =
            new Node{nullptr, hash,
                     value_type(std::piecewise_construct, std::forward_as_tuple(std::move(key)),
                                std::forward_as_tuple(std::forward<Args>(args)...))};
        Node*& head = bucket(index_of(hash));
        node->next = head;
        head = node;
        ++size_;
        return {&node->value, true};
    }

    // Stores `value` under `key`, over any value already there.
    template <class V>
    value_type* insert_or_assign(Key key, V&& value) {
        auto [entry, inserted] = try_emplace(std::move(key), std::forward<V>(value));
        if (!inserted) entry->second = std::forward<V>(value);
        return entry;
    }

    // `key` may be the stored key itself: it is not read once the entry is gone.
    template <class K>
    bool erase(const K& key) {
        if (size_ == 0) return false;
        const std::size_t hash = mixed_hash(key);
        for (Node** link = &bucket(index_of(hash)); *link; link = &(*link)->next) {
            if ((*link)->hash != hash || !equal_(key_of(**link), key)) continue;
            Node* node = *link;
            *link = node->next;
            delete node;
            --size_;
            return true;
        }
        return false;
    }

    // Removes every entry for which pred(const value_type&) is true; returns how many.
    template <class Pred>
    std::size_t erase_if(Pred pred) {
        std::size_t removed = 0;
        for (std::size_t i = 0; i < bucket_count_; ++i) {
            for (Node** link = &bucket(i); *link;) {
                if (pred(std::as_const((*link)->value))) {
                    Node* node = *link;
                    *link = node->next;
                    delete node;
                    --size_;  // here, not after the loop: a throwing pred leaves it right
                    ++removed;
                } else {
                    link = &(*link)->next;
                }
            }
        }
        return removed;
    }

    // f(value_type&) on every entry, in no particular order. f must not insert or erase.
    template <class F>
    void for_each(F f) {
        for (std::size_t i = 0; i < bucket_count_; ++i)
            for (Node* node = bucket(i); node; node = node->next)
                f(node->value);
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    // Buckets in use: grows by one per insert at most, never shrinks (like std's maps).
    std::size_t bucket_count() const noexcept { return bucket_count_; }

    void clear() {
        erase_if([](const value_type&) { return true; });
    }

  private:
    struct Node {
        Node* next;
        std::size_t hash;  // mixed: splitting a bucket reads it instead of hashing again
        value_type value;
    };

    static const Key& key_of(const Node& node) { return node.value.first; }

    // Linear hashing takes the low bits of the hash; std::hash of an integer is the integer
    // itself and others may be weak there, so the bits are mixed first (the splitmix64
    // finalizer).
    template <class K>
    std::size_t mixed_hash(const K& key) const {
        std::uint64_t h = hash_(key);
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebULL;
        h ^= h >> 31;
        return static_cast<std::size_t>(h);
    }

    // The bucket of a hash: its low `level_` bits, or one more bit when that bucket has
    // already been split this round.
    std::size_t index_of(std::size_t hash) const noexcept {
        const std::size_t low = hash & (round_size_ - 1);
        return low < split_ ? hash & (2 * round_size_ - 1) : low;
    }

    // const: the segments are fixed arrays of pointers owned through unique_ptr.
    Node*& bucket(std::size_t i) const { return segments_[i / k_segment][i % k_segment]; }

    template <class K>
    Node* find_node(const K& key, std::size_t hash) const {
        if (size_ == 0) return nullptr;
        for (Node* node = bucket(index_of(hash)); node; node = node->next)
            if (node->hash == hash && equal_(key_of(*node), key)) return node;
        return nullptr;
    }

    // Adds bucket `split_ + round_size_` and moves into it the nodes of bucket `split_`
    // whose next hash bit is set.
    void grow() {
        const std::size_t added = bucket_count_;
        if (added % k_segment == 0) segments_.push_back(std::make_unique<Node*[]>(k_segment));
        bucket(added) = nullptr;
        ++bucket_count_;
        Node* node = std::exchange(bucket(split_), nullptr);
        while (node) {
            Node* next = node->next;
            Node*& head = bucket(node->hash & (2 * round_size_ - 1));
            node->next = head;
            head = node;
            node = next;
        }
        if (++split_ == round_size_) {  // every bucket of the round split: the next round
            round_size_ *= 2;
            split_ = 0;
        }
    }

    std::vector<std::unique_ptr<Node*[]>> segments_ = [] {
        std::vector<std::unique_ptr<Node*[]>> first;
        first.push_back(std::make_unique<Node*[]>(k_segment));  // zeroed
        return first;
    }();
    std::size_t round_size_ = 1;  // buckets at the start of the round (a power of two)
    std::size_t split_ = 0;       // the next bucket to split
    std::size_t bucket_count_ = 1;
    std::size_t size_ = 0;
    [[no_unique_address]] Hash hash_;
    [[no_unique_address]] Equal equal_;
};

}  // namespace happysip::base
