#include "happysip/runtime/connection_table.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace happysip::runtime {

ConnectionTable::Key ConnectionTable::key_of(const StreamConnection& c) {
    return {c.is_tls() ? eyeballs::Transport::tls : eyeballs::Transport::tcp, c.remote_endpoint()};
}

void ConnectionTable::add(std::shared_ptr<StreamConnection> connection) {
    // Pruning on every add made filling the table quadratic (100,000 flows).
    if (map_.size() >= prune_at_) {
        prune();
        prune_at_ = std::max<std::size_t>(64, 2 * map_.size());
    }
    if (track_idle_ && connection->is_server_side()) untracked_.push_back(connection);
    Key key = key_of(*connection);
    map_.emplace(std::move(key), std::move(connection));
}

void ConnectionTable::add_alias(eyeballs::Transport transport, const asio::ip::tcp::endpoint& alias,
                                std::shared_ptr<StreamConnection> connection) {
    if (!connection->is_open()) return;
    Key key{transport, alias};
    auto [first, last] = aliases_.equal_range(key);
    for (auto it = first; it != last; ++it)
        if (it->second == connection) return;
    aliases_.emplace(std::move(key), std::move(connection));
}

namespace {

std::shared_ptr<StreamConnection> first_open(
    std::multimap<ConnectionTable::Key, std::shared_ptr<StreamConnection>>& map,
    const ConnectionTable::Key& key) {
    auto [first, last] = map.equal_range(key);
    for (auto it = first; it != last;) {
        if (it->second->is_open()) return it->second;
        it = map.erase(it);
    }
    return nullptr;
}

}  // namespace

std::shared_ptr<StreamConnection> ConnectionTable::find(eyeballs::Transport transport,
                                                        const asio::ip::tcp::endpoint& remote) {
    Key key{transport, remote};
    if (auto c = first_open(map_, key)) return c;
    return first_open(aliases_, key);
}

bool ConnectionTable::remove(const std::shared_ptr<StreamConnection>& connection) {
    std::erase_if(aliases_, [&](const auto& entry) { return entry.second == connection; });
    auto [first, last] = map_.equal_range(key_of(*connection));
    for (auto it = first; it != last; ++it) {
        if (it->second == connection) {
            map_.erase(it);
            return true;
        }
    }
    return false;
}

std::size_t ConnectionTable::size() {
    prune();
    return map_.size();
}

void ConnectionTable::close_all() {
    untracked_.clear();
    deadlines_ = {};
    auto aliased = std::exchange(aliases_, {});
    auto all = std::exchange(map_, {});
    for (auto& [key, connection] : aliased)
        connection->close();  // idempotent: most are in `all` too
    for (auto& [key, connection] : all)
        connection->close();
}

ConnectionTable::Check ConnectionTable::check(const StreamConnection& c, TimePoint now,
                                              const IdleLimits& limits) {
    const StreamConnection::Activity& a = c.activity();
    const auto first = limits.first_message;
    const auto flow = limits.flow_idle;
    if (!a.message_seen) {
        if (first.count() > 0) {
            if (now - a.opened >= first) return {std::nullopt, IdleReason::no_message};
            return {a.opened + first, std::nullopt};
        }
        if (flow.count() > 0) return {now + flow, std::nullopt};  // may become a flow
        return {};
    }
    if (flow.count() <= 0) return {};
    TimePoint due = a.last_received + flow;
    if (now < due) return {due, std::nullopt};
    // RFC 5626 §4.4.1: only a connection that pinged, or over which an Outbound
    // registration was accepted, is a keep-alive flow; another one may start pinging later.
    if (a.ping_seen || a.flow) return {std::nullopt, IdleReason::flow_silent};
    return {now + flow, std::nullopt};
}

std::size_t ConnectionTable::close_idle(TimePoint now, const IdleLimits& limits,
                                        const IdleHandler& closed) {
    for (auto& weak : std::exchange(untracked_, {}))
        deadlines_.push({TimePoint::min(), std::move(weak)});  // checked below at once
    std::vector<std::pair<std::shared_ptr<StreamConnection>, IdleReason>> expired;
    while (!deadlines_.empty() && deadlines_.top().at <= now) {
        std::weak_ptr<StreamConnection> weak = deadlines_.top().connection;
        deadlines_.pop();
        auto c = weak.lock();
        if (!c) continue;
        if (!c->is_open()) {
            remove(c);  // closed by the peer meanwhile: it need not wait for a lookup
            continue;
        }
        Check verdict = check(*c, now, limits);
        if (verdict.expired)
            expired.emplace_back(std::move(c), *verdict.expired);
        else if (verdict.next)
            deadlines_.push({*verdict.next, std::move(weak)});
    }
    // Closed after the walk: a handler may touch the table.
    for (const auto& [c, reason] : expired) {
        const StreamConnection::Activity& a = c->activity();
        Duration silent = now - (reason == IdleReason::no_message ? a.opened : a.last_received);
        c->close(asio::error::timed_out, reason == IdleReason::no_message
                                             ? "no SIP message since the connection opened"
                                             : "keep-alive flow silent");
        remove(c);
        if (closed) closed(c, reason, silent);
    }
    return expired.size();
}

void ConnectionTable::prune() {
    std::erase_if(map_, [](const auto& entry) { return !entry.second->is_open(); });
    std::erase_if(aliases_, [](const auto& entry) { return !entry.second->is_open(); });
}

}  // namespace happysip::runtime
