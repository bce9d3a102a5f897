#include "happysip/runtime/connection_table.hpp"

#include <utility>
#include <vector>

namespace happysip::runtime {

ConnectionTable::Key ConnectionTable::key_of(const StreamConnection& c) {
    return {c.is_tls() ? eyeballs::Transport::tls : eyeballs::Transport::tcp, c.remote_endpoint()};
}

void ConnectionTable::add(std::shared_ptr<StreamConnection> connection) {
    prune();
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
    auto aliased = std::exchange(aliases_, {});
    auto all = std::exchange(map_, {});
    for (auto& [key, connection] : aliased)
        connection->close();  // idempotent: most are in `all` too
    for (auto& [key, connection] : all)
        connection->close();
}

std::size_t ConnectionTable::close_idle(std::chrono::steady_clock::time_point now,
                                        const IdleLimits& limits, const IdleHandler& closed) {
    const bool first = limits.first_message.count() > 0;
    const bool flow = limits.flow_idle.count() > 0;
    std::vector<std::pair<std::shared_ptr<StreamConnection>, IdleReason>> expired;
    bool dropped = false;
    for (auto it = map_.begin(); it != map_.end();) {
        const StreamConnection& c = *it->second;
        if (!c.is_open()) {  // the walk prunes too
            it = map_.erase(it);
            dropped = true;
            continue;
        }
        const StreamConnection::Activity& a = c.activity();
        if (c.is_server_side()) {
            if (!a.message_seen) {
                if (first && now - a.opened >= limits.first_message)
                    expired.emplace_back(it->second, IdleReason::no_message);
            } else if (a.ping_seen && flow && now - a.last_received >= limits.flow_idle) {
                expired.emplace_back(it->second, IdleReason::flow_silent);
            }
        }
        ++it;
    }
    // Closed after the walk: a handler may touch the table.
    for (const auto& [c, reason] : expired) {
        const StreamConnection::Activity& a = c->activity();
        Duration silent = now - (reason == IdleReason::no_message ? a.opened : a.last_received);
        c->close(asio::error::timed_out, reason == IdleReason::no_message
                                             ? "no SIP message since the connection opened"
                                             : "keep-alive flow silent");
        if (closed) closed(c, reason, silent);
    }
    if (dropped || !expired.empty()) prune();
    return expired.size();
}

void ConnectionTable::prune() {
    std::erase_if(map_, [](const auto& entry) { return !entry.second->is_open(); });
    std::erase_if(aliases_, [](const auto& entry) { return !entry.second->is_open(); });
}

}  // namespace happysip::runtime
