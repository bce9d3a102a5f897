// RFC 3261 §17.1.1 INVITE client transaction, with RFC 6026's Accepted state.
//
//   Calling --1xx--> Proceeding --300-699 (send ACK)--> Completed --Timer D--> Terminated
//      |  \__________2xx____________ 2xx --> Accepted --Timer M--> Terminated
//      +--Timer B / transport error--> Terminated
//
// Sans-I/O: inputs carry the current time; outputs queue up as actions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "happysip/sip/message.hpp"
#include "happysip/txn/action.hpp"
#include "happysip/txn/time.hpp"
#include "happysip/txn/timers.hpp"

namespace happysip::txn {

class InviteClientTransaction {
  public:
    enum class State : std::uint8_t { calling, proceeding, completed, accepted, terminated };

    // Queues Send{invite}; arms Timer A (unreliable transports only) and Timer B.
    InviteClientTransaction(sip::Message invite, Transport transport, const TimerConfig& config,
                            Instant now);

    // A response matched to this transaction (client_key).
    void on_response(const sip::Message& response, Instant now);
    // Fires every timer due at `now`.
    void on_timer(Instant now);
    void on_transport_error(Instant now);

    State state() const noexcept { return state_; }
    std::optional<Instant> next_deadline() const noexcept { return timers_.next_deadline(); }
    std::vector<Action> take_actions() noexcept { return actions_.take(); }
    const sip::Message& request() const noexcept { return invite_; }

  private:
    enum class TimerId : std::uint8_t { a, b, d, m, count_ };

    void fire(TimerId id, Instant now);
    void on_final_non_2xx(const sip::Message& response, Instant now);
    void terminate();

    sip::Message invite_;
    std::optional<sip::Message>
        ack_;  // built on the first non-2xx final, resent on retransmissions
    Transport transport_;
    TimerConfig config_;
    State state_ = State::calling;
    TimerSet<TimerId> timers_;
    ActionQueue actions_;
};

std::string_view to_string(InviteClientTransaction::State s) noexcept;

}  // namespace happysip::txn
