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

std::shared_ptr<StreamConnection> ConnectionTable::find(eyeballs::Transport transport,
                                                        const asio::ip::tcp::endpoint& remote) {
    auto [first, last] = map_.equal_range(Key{transport, remote});
    for (auto it = first; it != last;) {
        if (it->second->is_open()) return it->second;
        it = map_.erase(it);
    }
    return nullptr;
}

bool ConnectionTable::remove(const std::shared_ptr<StreamConnection>& connection) {
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
    auto all = std::exchange(map_, {});
    for (auto& [key, connection] : all)
        connection->close();
}

void ConnectionTable::prune() {
    std::erase_if(map_, [](const auto& entry) { return !entry.second->is_open(); });
}

}  // namespace happysip::runtime
