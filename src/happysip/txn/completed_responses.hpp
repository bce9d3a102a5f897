// RFC 3261 §17.2.2 over an unreliable transport, kept small. Once a non-INVITE server
// transaction has sent its final response it stays in Completed for Timer J (64*T1, 32 s)
// only to answer each retransmission of its request with that same response. A UDP
// registrar at thousands of REGISTERs a second holds tens of thousands of these, and a
// whole NonInviteServerTransaction (its Message, timers, action queue) with its route took
// ~2.3 KB each, most of it never read again: this keeps the key, the response's bytes and
// where they go, ~0.8 KB. The runtime moves a transaction here when it completes.
//
// Every entry lives the same Timer J, so the entries expire in the order they came: a queue,
// not a heap. An entry added with an earlier expiry than the one before it (a clock that
// went back) waits for that one; it lives a little longer, never shorter. Sans-I/O.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "happysip/base/incremental_hash_map.hpp"
#include "happysip/txn/time.hpp"
#include "happysip/txn/transaction_key.hpp"

namespace happysip::txn {

template <class Destination>
class CompletedResponses {
  public:
    struct Reply {
        std::string bytes;  // the final response as sent
        Destination to;
    };

    // Files `reply` under `key` until `until`; false (nothing changed) when the key is
    // already here.
    bool add(TransactionKey key, Reply reply, Instant until) {
        auto [entry, inserted] = map_.try_emplace(std::move(key), Entry{std::move(reply), until});
        if (!inserted) return false;
        order_.push_back(entry);
        return true;
    }

    // The response for a retransmission of the request with this key; null when none.
    const Reply* find(const TransactionKey& key) const {
        const auto* entry = map_.find(key);
        return entry == nullptr ? nullptr : &entry->second.reply;
    }

    // Forgets every entry whose time has come (until <= now); returns how many.
    std::size_t expire(Instant now) {
        std::size_t removed = 0;
        while (!order_.empty() && order_.front()->second.until <= now) {
            map_.erase(order_.front()->first);  // erase() reads the key before freeing it
            order_.pop_front();
            ++removed;
        }
        return removed;
    }

    std::optional<Instant> next_deadline() const {
        if (order_.empty()) return std::nullopt;
        return order_.front()->second.until;
    }

    std::size_t size() const noexcept { return map_.size(); }

  private:
    struct Entry {
        Reply reply;
        Instant until;
    };
    using Map = base::IncrementalHashMap<TransactionKey, Entry, TransactionKeyHash>;

    Map map_;
    // The entries in the order they were added; the map's nodes never move, so these stay
    // valid until expire() pops and erases them together.
    std::deque<typename Map::value_type*> order_;
};

}  // namespace happysip::txn
