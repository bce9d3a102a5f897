// The requests SipServer sent down a TCP/TLS connection for a client transaction that still
// waits for its final response (RFC 3261 §17.1), filed by the connection that carries them.
//
// RFC 3261 §18.4 / §17.1.1.2 / §17.1.2.2: when that connection closes (the peer's FIN or
// RST, a write error, the idle sweep closing a flow whose keep-alives stopped), no response
// can come back over it: the transaction must hear of a transport error at once, not at
// Timer B/F (64*T1, 32 s by default). A proxy then fails the branch as a 503 (§16.9) and,
// for an Outbound instance, may try its next flow (RFC 5626 §5.3).
//
// Each entry is named by the caller (a proxy: its Via branch) and ends in one of three
// ways: released (the final response came, or the transaction ended otherwise), taken with
// every other entry of its connection when that connection ends, or cleared at shutdown.
// A connection is keyed by its control block (std::owner_less), so a new connection at the
// address of a dead one is never mistaken for it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace happysip::runtime {

class StreamConnection;

class PendingRequests {
  public:
    using OnError = std::function<void(std::string detail)>;

    // Files `name` under `connection`. A name filed again replaces its earlier entry (the
    // earlier error handler is dropped unreported).
    void add(std::string name, const std::weak_ptr<StreamConnection>& connection, OnError on_error);
    // Forgets `name`; unknown names are ignored.
    void release(std::string_view name);
    // Removes every entry of `connection` and returns their handlers, for the caller to
    // run (outside this table: a handler may add or release entries).
    std::vector<OnError> take(const std::weak_ptr<StreamConnection>& connection);
    // Forgets everything without running any handler (shutdown).
    void clear();

    std::size_t size() const noexcept { return by_name_.size(); }
    bool empty() const noexcept { return by_name_.empty(); }

  private:
    struct Entry {
        std::weak_ptr<StreamConnection> connection;
        OnError on_error;
    };
    using Names = std::unordered_set<std::string>;
    std::unordered_map<std::string, Entry> by_name_;
    std::map<std::weak_ptr<StreamConnection>, Names, std::owner_less<>> by_connection_;
};

}  // namespace happysip::runtime
