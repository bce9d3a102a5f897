// The transactions of one kind, found by key (RFC 3261 §17.1.3 / §17.2.3). The runtime
// keeps one table per kind: a response is matched with client_key() in the client
// tables, a request with server_key() in the server tables; a request that matches
// nothing creates a server transaction. Sans-I/O like the transactions it holds: it
// answers the earliest deadline of all of them and drops the terminated ones.
#pragma once

#include <cstddef>
#include <optional>
#include <unordered_map>
#include <utility>

#include "happysip/txn/time.hpp"
#include "happysip/txn/transaction_key.hpp"

namespace happysip::txn {

// Txn is one of the four transaction classes: it has state(), next_deadline() and a
// State::terminated.
template <class Txn>
class TransactionTable {
  public:
    // Adds a transaction; false (and nothing stored) if the key is already taken, which
    // for a server table means the request is a retransmission of a known one.
    bool insert(TransactionKey key, Txn txn) {
        return map_.try_emplace(std::move(key), std::move(txn)).second;
    }

    // Forgets a transaction without letting it finish (a request the TU drops unanswered).
    bool erase(const TransactionKey& key) { return map_.erase(key) > 0; }

    Txn* find(const TransactionKey& key) {
        auto it = map_.find(key);
        return it == map_.end() ? nullptr : &it->second;
    }

    // Earliest deadline over every transaction, for the runtime's single timer.
    std::optional<Instant> next_deadline() const {
        std::optional<Instant> earliest;
        for (const auto& [key, txn] : map_)
            if (auto d = txn.next_deadline(); d && (!earliest || *d < *earliest)) earliest = d;
        return earliest;
    }

    // Calls on_timer(now) on every transaction whose deadline has come, then `drain`
    // (a callable taking the key and the transaction) so the caller can carry out the
    // actions, then removes the terminated ones. Returns how many were removed.
    template <class Drain>
    std::size_t fire_due(Instant now, Drain&& drain) {
        for (auto& [key, txn] : map_) {
            if (auto d = txn.next_deadline(); d && *d <= now) {
                txn.on_timer(now);
                drain(key, txn);
            }
        }
        return erase_terminated();
    }

    std::size_t erase_terminated() {
        return std::erase_if(
            map_, [](const auto& entry) { return entry.second.state() == Txn::State::terminated; });
    }

    std::size_t size() const noexcept { return map_.size(); }

  private:
    std::unordered_map<TransactionKey, Txn, TransactionKeyHash> map_;
};

}  // namespace happysip::txn
