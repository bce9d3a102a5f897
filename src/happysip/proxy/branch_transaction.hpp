// The client transaction of one proxy branch (RFC 3261 §16.6 item 10): the INVITE state
// machine (§17.1.1, with RFC 6026's Accepted) for an INVITE, the non-INVITE one (§17.1.2)
// otherwise, behind one interface so the response context treats every branch alike.
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "happysip/sip/message.hpp"
#include "happysip/txn/action.hpp"
#include "happysip/txn/invite_client_transaction.hpp"
#include "happysip/txn/non_invite_client_transaction.hpp"
#include "happysip/txn/time.hpp"
#include "happysip/txn/timers.hpp"

namespace happysip::proxy {

class BranchTransaction {
  public:
    // Queues Send{request}, as the transaction it wraps does.
    BranchTransaction(sip::Message request, txn::Transport transport,
                      const txn::TimerConfig& config, txn::Instant now);

    void on_response(const sip::Message& response, txn::Instant now);
    void on_timer(txn::Instant now);
    void on_transport_error(txn::Instant now);

    std::vector<txn::Action> take_actions() noexcept;
    std::optional<txn::Instant> next_deadline() const noexcept;
    const sip::Message& request() const noexcept;

  private:
    std::variant<txn::InviteClientTransaction, txn::NonInviteClientTransaction> txn_;
};

}  // namespace happysip::proxy
