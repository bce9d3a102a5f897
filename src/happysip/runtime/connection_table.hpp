// The open stream connections, keyed by transport and remote endpoint, so that a request
// to a peer reuses the connection already open to it (RFC 3261 §18.1.1) and a response
// goes back on the connection its request came from (§18.2.2).
//
// Closed connections are dropped lazily: every lookup skips and erases them, so the owner
// need not wire each on_closed to the table. RFC 5923 aliases are a second key: a
// connection the peer opened is also filed under the sent-by it advertised with `alias`,
// so requests to that peer reuse it instead of opening a connection back.
#pragma once

#include <asio/ip/tcp.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <tuple>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/runtime/stream_connection.hpp"

namespace happysip::runtime {

class ConnectionTable {
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

    static Key key_of(const StreamConnection& connection);

  private:
    void prune();
    std::multimap<Key, std::shared_ptr<StreamConnection>> map_;
    std::multimap<Key, std::shared_ptr<StreamConnection>> aliases_;
};

}  // namespace happysip::runtime
