// RFC 5626 flows over UDP: the 5-tuples (our socket, the UA's address and port) over which
// a registrar accepted an Outbound registration (§5.2), each with the time it was last
// heard from. Over UDP nothing closes when a flow dies, so the keep-alives (STUN Binding
// requests, §4.4.2) and messages are the only sign of life: a flow silent for the idle
// limit has failed (§5.3), and a proxy must not use it (430 Flow Failed, or another flow
// of the instance).
//
// Sans-I/O although it sits in runtime/: keys are plain bytes and `now` is passed in (no
// Asio, no clock), so tests drive it with a virtual clock. It lives here rather than in a
// core layer because its only user is SipServer and "a local socket" is a runtime notion.
//
// One sweep (expire), never a timer per flow: a heap holds each flow exactly once, at a
// coarse deadline; a due flow is expired or filed again at its new deadline, so a flow
// that keeps sending is looked at about once per idle limit, not once per datagram.
//
// A failed flow is remembered (a tombstone, for flow_alive) until the registration made
// over it must have ended, then forgotten. Only mark() makes it alive again; see mark().
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace happysip::runtime {

class UdpFlowTable {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    using Duration = std::chrono::steady_clock::duration;

    // 20 bytes: an IPv4 address is stored v4-mapped (::ffff:a.b.c.d) with family 4, so it
    // can never equal an IPv6 key (our IPv6 sockets are IPv6-only and see no mapped peers).
    struct Key {
        std::array<std::uint8_t, 16> address{};
        std::uint16_t port = 0;
        std::uint8_t socket = 0;  // the owner's number for the local socket
        std::uint8_t family = 6;  // 4 or 6
        friend bool operator==(const Key&, const Key&) = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept;
    };

    // Our end of the flow when the socket is a wildcard one (its bytes as in Key: IPv4
    // v4-mapped, family 4); family 0 when the socket's own address is the end.
    struct LocalAddress {
        std::array<std::uint8_t, 16> address{};
        std::uint8_t family = 0;
        friend bool operator==(const LocalAddress&, const LocalAddress&) = default;
    };

    enum class State : std::uint8_t {
        untracked,  // never marked (a UA without Outbound), or forgotten
        alive,
        failed,  // silent for the idle limit
    };

    struct Limits {
        Duration idle{};           // silent this long: failed (RFC 5626: Flow-Timer + 10 s)
        Duration failed_memory{};  // a failed flow is forgotten this long after it failed
    };

    // RFC 5626 §5.2: a registration was accepted over the flow: tracked and alive as of
    // `now`, whether it was new, alive or failed. This is the only way back from failed:
    // a UA that got no answer to its keep-alives for the same time considers the flow
    // failed too and must register again (§4.4.1, §4.2.1), and that REGISTER is what
    // vouches for the flow. A keep-alive that resumes on a failed flow without a new
    // registration proves the path but not that the UA still uses it for this binding.
    // `local` is our end as the REGISTER found it (RFC 5626 §5.3: the UA's NAT passes only
    // what comes from there); a later mark replaces it.
    void mark(const Key& key, TimePoint now, const Limits& limits, const LocalAddress& local);
    void mark(const Key& key, TimePoint now, const Limits& limits);  // local end unknown
    // A datagram from the flow (a SIP message, a STUN keep-alive, anything): an alive
    // flow is heard now; a failed or untracked one is left as it is. One hash probe.
    void heard(const Key& key, TimePoint now) {
        if (flows_.empty()) return;
        auto it = flows_.find(key);
        if (it != flows_.end() && !it->second.failed) it->second.last = now;
    }
    State state(const Key& key) const;
    // The flow's state and its local end in one probe (untracked: family 0).
    State state(const Key& key, LocalAddress& local) const;

    // Fails each alive flow silent for limits.idle at `now` (calls `failed` with its key
    // and how long it was silent), forgets failed flows older than limits.failed_memory;
    // returns how many failed. Looks only at flows whose deadline has come.
    using FailedHandler = std::function<void(const Key&, Duration silent)>;
    std::size_t expire(TimePoint now, const Limits& limits, const FailedHandler& failed = {});

    bool empty() const noexcept { return flows_.empty(); }
    std::size_t size() const noexcept { return flows_.size(); }

    // What a flow costs: its map node and its one heap entry (the heap vector may hold up to
    // twice that after growth). Well under 200 bytes with the allocator's overhead.
    struct Flow {
        TimePoint last;  // heard from (alive) or failed at (failed)
        LocalAddress local;
        bool failed = false;
    };
    struct Deadline {
        TimePoint at;
        Key key;
        friend bool operator>(const Deadline& a, const Deadline& b) { return a.at > b.at; }
    };

  private:
    std::unordered_map<Key, Flow, KeyHash> flows_;
    // Every flow is filed exactly once; an entry leaves only when its flow is forgotten.
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace happysip::runtime
