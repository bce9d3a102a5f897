// RFC 3261 §17.1.2 non-INVITE client transaction.
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//     |  \___________200-699_____________/
//     +--Timer F / transport error (Trying or Proceeding)--> Terminated
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

class NonInviteClientTransaction {
  public:
    enum class State : std::uint8_t { trying, proceeding, completed, terminated };

    // Queues Send{request}; arms Timer E (unreliable transports only) and Timer F.
    NonInviteClientTransaction(sip::Message request, Transport transport, const TimerConfig& config,
                               Instant now);

    void on_response(const sip::Message& response, Instant now);
    void on_timer(Instant now);
    void on_transport_error(Instant now);

    State state() const noexcept { return state_; }
    std::optional<Instant> next_deadline() const noexcept { return timers_.next_deadline(); }
    std::vector<Action> take_actions() noexcept { return actions_.take(); }
    const sip::Message& request() const noexcept { return request_; }

  private:
    enum class TimerId : std::uint8_t { e, f, k, count_ };

    void fire(TimerId id, Instant now);
    void terminate();

    sip::Message request_;
    Transport transport_;
    TimerConfig config_;
    State state_ = State::trying;
    TimerSet<TimerId> timers_;
    ActionQueue actions_;
};

std::string_view to_string(NonInviteClientTransaction::State s) noexcept;

}  // namespace happysip::txn
