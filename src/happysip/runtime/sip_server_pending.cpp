#include "happysip/runtime/sip_server_pending.hpp"

#include <utility>

#include "happysip/runtime/stream_connection.hpp"

namespace happysip::runtime {

void PendingRequests::add(std::string name, const std::weak_ptr<StreamConnection>& connection,
                          OnError on_error) {
    release(name);
    by_connection_[connection].insert(name);
    by_name_.emplace(std::move(name), Entry{connection, std::move(on_error)});
}

void PendingRequests::release(std::string_view name) {
    if (by_name_.empty()) return;
    auto it = by_name_.find(std::string(name));
    if (it == by_name_.end()) return;
    if (auto names = by_connection_.find(it->second.connection); names != by_connection_.end()) {
        names->second.erase(it->first);
        if (names->second.empty()) by_connection_.erase(names);
    }
    by_name_.erase(it);
}

std::vector<PendingRequests::OnError> PendingRequests::take(
    const std::weak_ptr<StreamConnection>& connection) {
    std::vector<OnError> handlers;
    auto names = by_connection_.find(connection);
    if (names == by_connection_.end()) return handlers;
    for (const std::string& name : names->second) {
        auto it = by_name_.find(name);
        if (it == by_name_.end()) continue;
        if (it->second.on_error) handlers.push_back(std::move(it->second.on_error));
        by_name_.erase(it);
    }
    by_connection_.erase(names);
    return handlers;
}

void PendingRequests::clear() {
    by_name_.clear();
    by_connection_.clear();
}

}  // namespace happysip::runtime
