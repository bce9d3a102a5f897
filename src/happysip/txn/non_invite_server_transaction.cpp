#include "happysip/txn/non_invite_server_transaction.hpp"

#include <utility>

namespace happysip::txn {

NonInviteServerTransaction::NonInviteServerTransaction(sip::Message request, Transport transport,
                                                       const TimerConfig& config, Instant /*now*/)
    : request_(std::move(request)), transport_(transport), config_(config) {
    actions_.push(PassToTu{request_});
}

void NonInviteServerTransaction::on_request(const sip::Message& /*request*/, Instant /*now*/) {
    // §17.2.2: absorbed in Trying; the last response is resent in Proceeding and Completed.
    if ((state_ == State::proceeding || state_ == State::completed) && last_response_) {
        actions_.push(Send{*last_response_});
    }
}

bool NonInviteServerTransaction::send_response(sip::Message response, Instant now) {
    if (!awaits_final()) return false;
    const bool final = response.status_code() >= 200;
    last_response_ = std::move(response);
    actions_.push(Send{*last_response_});
    if (!final) {
        state_ = State::proceeding;
        return true;
    }
    complete(now);
    return true;
}

bool NonInviteServerTransaction::note_final_sent(int status, Instant now) {
    if (!awaits_final() || status < 200 || status > 699) return false;
    last_response_.reset();  // a provisional one must not be resent in Completed
    complete(now);
    return true;
}

void NonInviteServerTransaction::complete(Instant now) {
    state_ = State::completed;
    request_ = sip::Message();  // see request(): nothing in Completed reads it
    // §17.2.2: Timer J = 64*T1 absorbs request retransmissions; zero on reliable transports.
    const Duration j = config_.timer_j_for(transport_);
    if (j == Duration::zero()) {
        terminate();
    } else {
        timers_.start(TimerId::j, now, j);
    }
}

void NonInviteServerTransaction::on_timer(Instant now) {
    if (state_ != State::terminated && timers_.first_due(now)) terminate();
}

void NonInviteServerTransaction::on_transport_error(Instant /*now*/) {
    if (state_ != State::proceeding && state_ != State::completed) return;
    actions_.push(TransportError{});
    terminate();
}

void NonInviteServerTransaction::terminate() {
    timers_.stop_all();
    state_ = State::terminated;
    actions_.push(Terminated{});
}

std::string_view to_string(NonInviteServerTransaction::State s) noexcept {
    using S = NonInviteServerTransaction::State;
    switch (s) {
        case S::trying:
            return "Trying";
        case S::proceeding:
            return "Proceeding";
        case S::completed:
            return "Completed";
        case S::terminated:
            return "Terminated";
    }
    return "?";
}

}  // namespace happysip::txn
