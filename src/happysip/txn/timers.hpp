// RFC 3261 §17 timer values (Table 4) and the small set of armed timers each transaction
// keeps. A timer is data: a deadline and the interval it was armed with.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <optional>

#include "happysip/txn/time.hpp"

namespace happysip::txn {

// Whether the transport delivers reliably (TCP, TLS, WS, SCTP) or not (UDP).
enum class Transport : bool { unreliable = false, reliable = true };

struct TimerConfig {
    // RTT estimate.
    Duration t1 = std::chrono::milliseconds(500);
    // Maximum retransmit interval for non-INVITE requests and INVITE responses.
    Duration t2 = std::chrono::seconds(4);
    // Maximum duration a message remains in the network.
    Duration t4 = std::chrono::seconds(5);
    // RFC 3261 §17.1.1.2: at least 32 s on unreliable transports.
    Duration timer_d = std::chrono::seconds(32);

    // RFC 3261 Table 4 and RFC 6026 §8.4/§8.7.
    Duration timer_b() const noexcept { return 64 * t1; }
    Duration timer_f() const noexcept { return 64 * t1; }
    Duration timer_h() const noexcept { return 64 * t1; }
    Duration timer_l() const noexcept { return 64 * t1; }
    Duration timer_m() const noexcept { return 64 * t1; }
    Duration timer_d_for(Transport t) const noexcept {
        return t == Transport::reliable ? Duration::zero() : timer_d;
    }
    Duration timer_i_for(Transport t) const noexcept {
        return t == Transport::reliable ? Duration::zero() : t4;
    }
    Duration timer_j_for(Transport t) const noexcept {
        return t == Transport::reliable ? Duration::zero() : 64 * t1;
    }
    Duration timer_k_for(Transport t) const noexcept {
        return t == Transport::reliable ? Duration::zero() : t4;
    }
};

struct Timer {
    std::optional<Instant> deadline;  // nullopt: not armed
    Duration interval{};              // the value it was last armed with
};

// The timers of one transaction, indexed by an enum whose last enumerator is `count_`.
template <class Id>
class TimerSet {
  public:
    static constexpr std::size_t k_size = static_cast<std::size_t>(Id::count_);

    void start(Id id, Instant now, Duration interval) noexcept {
        at(id) = Timer{now + interval, interval};
    }
    void stop(Id id) noexcept { at(id).deadline.reset(); }
    void stop_all() noexcept {
        for (Timer& t : timers_)
            t.deadline.reset();
    }
    Duration interval(Id id) const noexcept {
        return timers_[static_cast<std::size_t>(id)].interval;
    }

    // The armed timer with the earliest deadline not after `now` (ties: lowest id).
    std::optional<Id> first_due(Instant now) const noexcept {
        std::optional<Id> best;
        for (std::size_t i = 0; i < k_size; ++i) {
            const auto& d = timers_[i].deadline;
            if (!d || *d > now) continue;
            if (!best || *d < *timers_[static_cast<std::size_t>(*best)].deadline) {
                best = static_cast<Id>(i);
            }
        }
        return best;
    }

    std::optional<Instant> next_deadline() const noexcept {
        std::optional<Instant> best;
        for (const Timer& t : timers_) {
            if (t.deadline && (!best || *t.deadline < *best)) best = t.deadline;
        }
        return best;
    }

  private:
    Timer& at(Id id) noexcept { return timers_[static_cast<std::size_t>(id)]; }
    std::array<Timer, k_size> timers_{};
};

}  // namespace happysip::txn
