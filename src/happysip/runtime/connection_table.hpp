// The open stream connections, keyed by transport and remote endpoint, so that a request
// to a peer reuses the connection already open to it (RFC 3261 §18.1.1) and a response
// goes back on the connection its request came from (§18.2.2).
//
// Closed connections are dropped lazily: every lookup skips and erases them, so the owner
// need not wire each on_closed to the table. RFC 5923 aliases are a second key: a
// connection the peer opened is also filed under the sent-by it advertised with `alias`,
// so requests to that peer reuse it instead of opening a connection back.
//
// Idle connections are closed by close_idle, run periodically by the owner, instead of a
// timer per connection (a server may hold 100,000 flows): a heap of coarse deadlines, each
// connection in it once. A due connection is checked against its activity and either
// closed or filed again at its new deadline, so a flow that pings is looked at about once
// per flow_idle, not once per sweep, and a sweep with nothing due costs nothing.
#pragma once

#include <asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <tuple>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/runtime/stream_connection.hpp"

namespace happysip::runtime {

class ConnectionTable {
  public:
    using Duration = std::chrono::steady_clock::duration;

  public:
    struct Key {
        eyeballs::Transport transport = eyeballs::Transport::tcp;
        asio::ip::tcp::endpoint remote;
        friend bool operator<(const Key& a, const Key& b) {
            return std::tie(a.transport, a.remote) < std::tie(b.transport, b.remote);
        }
    };

    // Files the connection under its own transport (tls/tcp) and remote endpoint. A
    // second connection to the same peer is kept too (both directions may open one).
    void add(std::shared_ptr<StreamConnection> connection);
    // RFC 5923 §5: files an open connection under `alias` too (the Via sent-by of a request
    // that came on it with the alias parameter). The caller checks that the peer may claim
    // that address. Repeating an alias is harmless.
    void add_alias(eyeballs::Transport transport, const asio::ip::tcp::endpoint& alias,
                   std::shared_ptr<StreamConnection> connection);
    // An open connection to that peer over that transport, or nullptr: one the peer is
    // connected from first, else one filed under an alias.
    std::shared_ptr<StreamConnection> find(eyeballs::Transport transport,
                                           const asio::ip::tcp::endpoint& remote);
    bool remove(const std::shared_ptr<StreamConnection>& connection);
    // Open connections (closed ones are dropped first), each counted once.
    std::size_t size();
    // Closes every connection and empties the table (shutdown).
    void close_all();

    // Limits on connections peers opened to us; zero turns one off.
    struct IdleLimits {
        // No complete SIP message this long after the connection opened: a scanner or a
        // half-dead peer holding a descriptor.
        std::chrono::milliseconds first_message{0};
        // A keep-alive flow (it sent a CRLFCRLF ping, RFC 5626 §4.4.1) from which nothing
        // arrived this long.
        std::chrono::milliseconds flow_idle{0};
    };
    enum class IdleReason : std::uint8_t { no_message, flow_silent };
    using IdleHandler =
        std::function<void(const std::shared_ptr<StreamConnection>&, IdleReason, Duration)>;
    // Files each server-side connection added from now on for close_idle (off by default:
    // an owner that never sweeps would keep them for ever).
    void track_idle(bool on) { track_idle_ = on; }
    // Closes each server-side connection past a limit at `now` (on_closed reports
    // timed_out, and it leaves the table) and tells `closed` which limit and how long it
    // had been silent; returns how many. Connections we opened are never closed here.
    std::size_t close_idle(std::chrono::steady_clock::time_point now, const IdleLimits& limits,
                           const IdleHandler& closed = {});
    // Whether close_idle has connections to look at.
    bool idle_tracked() const noexcept { return !deadlines_.empty() || !untracked_.empty(); }
    // Nothing filed (closed connections may still be, until a lookup or a sweep).
    bool empty() const noexcept { return map_.empty(); }

    static Key key_of(const StreamConnection& connection);

  private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Deadline {
        TimePoint at;
        std::weak_ptr<StreamConnection> connection;
        friend bool operator>(const Deadline& a, const Deadline& b) { return a.at > b.at; }
    };
    // When `c` must be looked at next, or that it is past a limit; nullopt: never again.
    struct Check {
        std::optional<TimePoint> next;
        std::optional<IdleReason> expired;
    };
    static Check check(const StreamConnection& c, TimePoint now, const IdleLimits& limits);
    void prune();

    std::multimap<Key, std::shared_ptr<StreamConnection>> map_;
    std::multimap<Key, std::shared_ptr<StreamConnection>> aliases_;
    std::size_t prune_at_ = 64;  // add() prunes when map_ reaches it: amortised O(1)
    bool track_idle_ = false;
    std::vector<std::weak_ptr<StreamConnection>> untracked_;  // added since the last sweep
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace happysip::runtime
