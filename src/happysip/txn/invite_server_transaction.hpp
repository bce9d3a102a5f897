// RFC 3261 §17.2.1 INVITE server transaction, with RFC 6026's Accepted state.
//
//   Proceeding --300-699 from TU--> Completed --ACK--> Confirmed --Timer I--> Terminated
//       |                             +--Timer H / transport error--> Terminated
//       +--2xx from TU--> Accepted --Timer L--> Terminated
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

class InviteServerTransaction {
  public:
    enum class State : std::uint8_t { proceeding, completed, confirmed, accepted, terminated };
    // §17.2.1: the transaction answers 100 Trying itself unless the TU will respond within
    // 200 ms; a caller that knows it will passes `no`.
    enum class Send100 : bool { no = false, yes = true };

    // Queues PassToTu{invite}, then Send{100 Trying} when asked.
    InviteServerTransaction(sip::Message invite, Transport transport, const TimerConfig& config,
                            Instant now, Send100 send_100 = Send100::yes);

    // A retransmitted INVITE or the ACK matched to this transaction (server_key).
    void on_request(const sip::Message& request, Instant now);
    // A response from the TU. Returns false if the state does not allow it (dropped).
    bool send_response(sip::Message response, Instant now);
    void on_timer(Instant now);
    void on_transport_error(Instant now);

    State state() const noexcept { return state_; }
    std::optional<Instant> next_deadline() const noexcept { return timers_.next_deadline(); }
    std::vector<Action> take_actions() noexcept { return actions_.take(); }
    const sip::Message& request() const noexcept { return invite_; }

  private:
    enum class TimerId : std::uint8_t { g, h, i, l, count_ };

    void fire(TimerId id, Instant now);
    void terminate();

    sip::Message invite_;
    std::optional<sip::Message> last_response_;  // most recent provisional, then the final
    Transport transport_;
    TimerConfig config_;
    State state_ = State::proceeding;
    TimerSet<TimerId> timers_;
    ActionQueue actions_;
};

std::string_view to_string(InviteServerTransaction::State s) noexcept;

}  // namespace happysip::txn
