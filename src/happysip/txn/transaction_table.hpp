// The transactions of one kind, found by key (RFC 3261 §17.1.3 / §17.2.3). The runtime
// keeps one table per kind: a response is matched with client_key() in the client
// tables, a request with server_key() in the server tables; a request that matches
// nothing creates a server transaction. Sans-I/O like the transactions it holds.
//
// Deadlines live in a min-heap, so a server holding hundreds of thousands of transactions
// (a UDP non-INVITE lingers 32 s in Completed, Timer J) finds its next timer and fires the
// due ones in O(log n), never by scanning them all. Heap entries are checked lazily: an
// entry whose transaction is gone or has moved its deadline is skipped when it surfaces.
// The price is one rule: after giving a transaction any input (on_request, send_response,
// on_response...) and carrying out its actions, call settle(key).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "happysip/base/incremental_hash_map.hpp"
#include "happysip/txn/time.hpp"
#include "happysip/txn/transaction_key.hpp"

namespace happysip::txn {

// What a table keeps beside each transaction when the caller asks for nothing.
struct NoExtra {};

// Txn is one of the four transaction classes: it has state(), next_deadline() and a
// State::terminated. Extra is the caller's own per-transaction data (the runtime keeps
// where to send the responses there), stored in the transaction's entry and gone with it:
// a second map keyed by the same key held a second copy of every key and a node of its own
// for each of the hundreds of thousands of transactions a UDP server lingers on.
template <class Txn, class Extra = NoExtra>
class TransactionTable {
  public:
    // Adds a transaction; false (and nothing stored) if the key is already taken, which
    // for a server table means the request is a retransmission of a known one.
    bool insert(TransactionKey key, Txn txn, Extra extra = {}) {
        return add(std::move(key), std::move(txn), std::move(extra)) != nullptr;
    }

    // Forgets a transaction without letting it finish (a request the TU drops unanswered).
    bool erase(const TransactionKey& key) {
        auto* it = map_.find(key);
        if (it == nullptr) return false;
        by_id_.erase(it->second.id);
        map_.erase(key);
        return true;
    }

    Txn* find(const TransactionKey& key) {
        auto* it = map_.find(key);
        return it == nullptr ? nullptr : &it->second.txn;
    }

    // A transaction's entry: its key, the transaction and the caller's extra (all null
    // when there is none), and its id. Ids are never reused, so a holder of an id (a
    // responder kept across a group commit) that outlives the transaction finds nothing,
    // where a key could name a later transaction of a retransmitted request.
    struct Stored {
        const TransactionKey* key = nullptr;
        Txn* txn = nullptr;
        Extra* extra = nullptr;
        std::uint64_t id = 0;
        explicit operator bool() const noexcept { return txn != nullptr; }
    };
    Stored find_entry(const TransactionKey& key) { return stored(map_.find(key)); }
    Stored find_id(std::uint64_t id) {
        const auto* by_id = by_id_.find(id);
        return by_id == nullptr ? Stored{} : stored(map_.find(*by_id->second));
    }
    // find_id() for a transaction about to get input (see touch()).
    Stored touch_id(std::uint64_t id) {
        Stored s = find_id(id);
        if (s) touched_.push_back(id);
        return s;
    }
    bool erase_id(std::uint64_t id) {
        const auto* by_id = by_id_.find(id);
        if (by_id == nullptr) return false;
        const TransactionKey* key = by_id->second;
        by_id_.erase(id);
        map_.erase(*key);  // erase() reads the key before freeing it
        return true;
    }

    // f(key, txn, extra) for every transaction; f must not insert or erase.
    template <class F>
    void for_each(F&& f) {
        map_.for_each([&](auto& entry) { f(entry.first, entry.second.txn, entry.second.extra); });
    }

    // The other way to keep the rule: find_entry() for a transaction about to get input,
    // or insert() for a new one, noting it for settle_touched() instead of the caller
    // keeping a copy of its key (a note is its entry's number).
    Stored touch(const TransactionKey& key) {
        Stored s = find_entry(key);
        if (s) touched_.push_back(s.id);
        return s;
    }
    // The stored entry (empty when the key was taken): a caller may use the table's own
    // key until it settles, rather than keeping a copy.
    // The transaction and Extra by rvalue reference, as add() takes them: a server
    // transaction (its request) and the runtime's Route move once, into the entry (issue
    // 4: each move was ~100 instructions).
    Stored insert_touched(TransactionKey key, Txn&& txn, Extra&& extra = {}) {
        auto* it = add(std::move(key), std::move(txn), std::move(extra));
        if (it == nullptr) return {};
        touched_.push_back(it->second.id);
        return stored(it);
    }
    // settle() for every transaction noted since the last call; one erased meanwhile is
    // skipped, one noted twice settled twice (the second time changes nothing).
    void settle_touched() {
        for (std::size_t i = 0; i < touched_.size(); ++i) {  // settle() never notes
            if (const auto* key = by_id_.find(touched_[i])) settle(*key->second);
        }
        touched_.clear();
    }

    // After an input to the transaction: files its new deadline, or removes it when it has
    // terminated. Returns false when it was removed (or was not there).
    bool settle(const TransactionKey& key) {
        auto* it = map_.find(key);
        return it != nullptr && settle_entry(it);
    }

    // Earliest deadline over every transaction, for the runtime's single timer.
    std::optional<Instant> next_deadline() {
        drop_stale();
        if (heap_.empty()) return std::nullopt;
        return heap_.top().first;
    }

    // Calls on_timer(now) on every transaction whose deadline has come, then `drain`
    // (a callable taking the transaction's Stored entry) so the caller can carry out the
    // actions, then settles it. Returns how many terminated and were removed.
    template <class Drain>
    std::size_t fire_due(Instant now, Drain&& drain) {
        std::size_t removed = 0;
        for (drop_stale(); !heap_.empty() && heap_.top().first <= now; drop_stale()) {
            const std::uint64_t id = heap_.top().second;
            heap_.pop();
            auto* it = map_.find(*by_id_.find(id)->second);  // drop_stale(): it is there
            it->second.scheduled.reset();
            it->second.txn.on_timer(now);
            drain(stored(it));
            if (!settle_entry(it)) ++removed;
        }
        return removed;
    }

    // Removes every terminated transaction (a full scan: for tests and shutdown).
    std::size_t erase_terminated() {
        return map_.erase_if([this](const auto& entry) {
            if (entry.second.txn.state() != Txn::State::terminated) return false;
            by_id_.erase(entry.second.id);
            return true;
        });
    }

    std::size_t size() const noexcept { return map_.size(); }

  private:
    struct Entry {
        Txn txn;
        [[no_unique_address]] Extra extra;
        std::uint64_t id;
        std::optional<Instant> scheduled = {};  // the deadline last pushed for it
    };
    using HeapItem = std::pair<Instant, std::uint64_t>;

    // Both grow a few entries per insert: a table of hundreds of thousands of transactions
    // never pauses the I/O loop to rehash (base/incremental_hash_map.hpp).
    using Map = base::IncrementalHashMap<TransactionKey, Entry, TransactionKeyHash>;

    typename Map::value_type* add(TransactionKey&& key, Txn&& txn, Extra&& extra) {
        // The Entry is built in the map's node from the three, not moved there.
        auto [it, inserted] =
            map_.try_emplace(std::move(key), std::move(txn), std::move(extra), next_id_);
        if (!inserted) return nullptr;
        by_id_.try_emplace(next_id_++, &it->first);  // node-based map: the key's address is stable
        schedule(it->second);
        return it;
    }

    bool settle_entry(typename Map::value_type* it) {
        if (it->second.txn.state() == Txn::State::terminated) {
            by_id_.erase(it->second.id);
            map_.erase(it->first);  // erase() reads the stored key before freeing it
            return false;
        }
        schedule(it->second);
        return true;
    }

    static Stored stored(typename Map::value_type* it) {
        if (it == nullptr) return {};
        return {&it->first, &it->second.txn, &it->second.extra, it->second.id};
    }

    void schedule(Entry& entry) {
        auto deadline = entry.txn.next_deadline();
        if (deadline == entry.scheduled) return;
        entry.scheduled = deadline;
        if (deadline) heap_.emplace(*deadline, entry.id);
    }

    // Pops entries whose transaction is gone or now wants another deadline.
    void drop_stale() {
        while (!heap_.empty()) {
            const auto& [deadline, id] = heap_.top();
            if (const auto* key = by_id_.find(id)) {
                const Entry& entry = map_.find(*key->second)->second;
                if (entry.scheduled == deadline) return;
            }
            heap_.pop();
        }
    }

    Map map_;
    base::IncrementalHashMap<std::uint64_t, const TransactionKey*> by_id_;
    // On a deque: it grows a block at a time, where a vector would copy the whole heap
    // (megabytes at hundreds of thousands of transactions) each time it doubles.
    std::priority_queue<HeapItem, std::deque<HeapItem>, std::greater<>> heap_;
    std::uint64_t next_id_ = 1;
    std::vector<std::uint64_t> touched_;  // entry ids, for settle_touched()
};

}  // namespace happysip::txn
