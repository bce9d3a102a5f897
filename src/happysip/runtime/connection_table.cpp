#include "happysip/runtime/connection_table.hpp"

#include <utility>

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

void ConnectionTable::prune() {
    std::erase_if(map_, [](const auto& entry) { return !entry.second->is_open(); });
    std::erase_if(aliases_, [](const auto& entry) { return !entry.second->is_open(); });
}

}  // namespace happysip::runtime
