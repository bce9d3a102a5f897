// The open stream connections, keyed by transport and remote endpoint, so that a request
// to a peer reuses the connection already open to it (RFC 3261 §18.1.1) and a response
// goes back on the connection its request came from (§18.2.2).
//
// Closed connections are dropped lazily: every lookup skips and erases them, so the owner
// need not wire each on_closed to the table. Not done yet: RFC 5923 aliases (a connection
// opened by the peer, reused for requests to the peer's advertised sent-by), which needs
// a second key (the alias) beside the remote endpoint.
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
    // An open connection to that peer over that transport, or nullptr.
    std::shared_ptr<StreamConnection> find(eyeballs::Transport transport,
                                           const asio::ip::tcp::endpoint& remote);
    bool remove(const std::shared_ptr<StreamConnection>& connection);
    // Open connections (closed ones are dropped first).
    std::size_t size();
    // Closes every connection and empties the table (shutdown).
    void close_all();

    static Key key_of(const StreamConnection& connection);

  private:
    void prune();
    std::multimap<Key, std::shared_ptr<StreamConnection>> map_;
};

}  // namespace happysip::runtime
