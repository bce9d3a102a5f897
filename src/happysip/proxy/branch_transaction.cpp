#include "happysip/proxy/branch_transaction.hpp"

#include <utility>

namespace happysip::proxy {
namespace {

using Variant = std::variant<txn::InviteClientTransaction, txn::NonInviteClientTransaction>;

Variant make(sip::Message request, txn::Transport transport, const txn::TimerConfig& config,
             txn::Instant now) {
    if (request.method() == sip::Method::invite) {
        return Variant(std::in_place_type<txn::InviteClientTransaction>, std::move(request),
                       transport, config, now);
    }
    return Variant(std::in_place_type<txn::NonInviteClientTransaction>, std::move(request),
                   transport, config, now);
}

}  // namespace

BranchTransaction::BranchTransaction(sip::Message request, txn::Transport transport,
                                     const txn::TimerConfig& config, txn::Instant now)
    : txn_(make(std::move(request), transport, config, now)) {}

void BranchTransaction::on_response(const sip::Message& response, txn::Instant now) {
    std::visit([&](auto& t) { t.on_response(response, now); }, txn_);
}

void BranchTransaction::on_timer(txn::Instant now) {
    std::visit([now](auto& t) { t.on_timer(now); }, txn_);
}

void BranchTransaction::on_transport_error(txn::Instant now) {
    std::visit([now](auto& t) { t.on_transport_error(now); }, txn_);
}

std::vector<txn::Action> BranchTransaction::take_actions() noexcept {
    return std::visit([](auto& t) { return t.take_actions(); }, txn_);
}

std::optional<txn::Instant> BranchTransaction::next_deadline() const noexcept {
    return std::visit([](const auto& t) { return t.next_deadline(); }, txn_);
}

const sip::Message& BranchTransaction::request() const noexcept {
    return std::visit([](const auto& t) -> const sip::Message& { return t.request(); }, txn_);
}

}  // namespace happysip::proxy
