// What a transaction asks its caller to do. Each input may append actions to the
// transaction's queue; the caller drains them with take_actions() and carries them out
// in order.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "happysip/sip/message.hpp"

namespace happysip::txn {

// Hand the message to the transport (serialise and send to the transaction's peer).
struct Send {
    sip::Message message;
};
// Deliver a response (client) or request (server) to the transaction user.
struct PassToTu {
    sip::Message message;
};
// Timer B, F or H fired: the request went unanswered or the final response unacknowledged.
struct Timeout {};
// The transport reported a failure: tell the TU (RFC 3261 §17.1.4, §17.2.4).
struct TransportError {};
// The transaction is over; the caller removes it from its table.
struct Terminated {};

using Action = std::variant<Send, PassToTu, Timeout, TransportError, Terminated>;

// "send INVITE", "send 180", "tu 200", "tu ACK", "timeout", "transport error", "terminated".
std::string describe(const Action& action);

class ActionQueue {
  public:
    void push(Action a) { actions_.push_back(std::move(a)); }
    std::vector<Action> take() noexcept { return std::exchange(actions_, {}); }
    bool empty() const noexcept { return actions_.empty(); }

  private:
    std::vector<Action> actions_;
};

}  // namespace happysip::txn
