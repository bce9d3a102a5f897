// RFC 3261 §17.2.2 non-INVITE server transaction.
//
//   Trying --1xx from TU--> Proceeding --200-699 from TU--> Completed --Timer J--> Terminated
//     \______________200-699 from TU______________/
//   Transport error in Proceeding or Completed --> Terminated
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

class NonInviteServerTransaction {
  public:
    enum class State : std::uint8_t { trying, proceeding, completed, terminated };

    // Queues PassToTu{request}.
    NonInviteServerTransaction(sip::Message request, Transport transport, const TimerConfig& config,
                               Instant now);

    // A retransmission of the request matched to this transaction (server_key).
    void on_request(const sip::Message& request, Instant now);
    // A response from the TU. Returns false if the state does not allow it (dropped).
    bool send_response(sip::Message response, Instant now);
    // A final response (200-699) the caller sent itself, as bytes: SipServer writes the
    // TU's own answers with sip::response_bytes, never as a Message (issue 4: ~4,000 of a
    // REGISTER refresh's ~35,000 instructions), and answers the retransmissions of
    // Completed from its own store (completed_responses.hpp). The state moves exactly as
    // with send_response(), but no Send is queued, and with no response of its own the
    // transaction resends nothing in Completed. False (nothing changed) when the state does
    // not allow a final response or `status` is not one.
    bool note_final_sent(int status, Instant now);
    void on_timer(Instant now);
    void on_transport_error(Instant now);

    State state() const noexcept { return state_; }
    // Trying or Proceeding: a final response is still owed (and taken).
    bool awaits_final() const noexcept {
        return state_ == State::trying || state_ == State::proceeding;
    }
    std::optional<Instant> next_deadline() const noexcept { return timers_.next_deadline(); }
    std::vector<Action> take_actions() noexcept { return actions_.take(); }
    // Empty once a final response is sent: Completed only resends that response, and a
    // UDP server holds 32 s of these (Timer J), so the request's memory goes at once.
    const sip::Message& request() const noexcept { return request_; }
    // The final response once sent (Completed), for a runtime that keeps only its bytes
    // for the rest of Timer J (completed_responses.hpp); null before and after.
    const sip::Message* final_response() const noexcept {
        return state_ == State::completed && last_response_ ? &*last_response_ : nullptr;
    }

  private:
    enum class TimerId : std::uint8_t { j, count_ };

    void complete(Instant now);
    void terminate();

    sip::Message request_;
    std::optional<sip::Message> last_response_;
    Transport transport_;
    TimerConfig config_;
    State state_ = State::trying;
    TimerSet<TimerId> timers_;
    ActionQueue actions_;
};

std::string_view to_string(NonInviteServerTransaction::State s) noexcept;

}  // namespace happysip::txn
