#include "happysip/txn/non_invite_client_transaction.hpp"

#include <algorithm>
#include <utility>

namespace happysip::txn {

NonInviteClientTransaction::NonInviteClientTransaction(sip::Message request, Transport transport,
                                                       const TimerConfig& config, Instant now)
    : request_(std::move(request)), transport_(transport), config_(config) {
    actions_.push(Send{request_});
    // RFC 3261 §17.1.2.2: Timer E only on unreliable transports; Timer F always.
    if (transport_ == Transport::unreliable) timers_.start(TimerId::e, now, config_.t1);
    timers_.start(TimerId::f, now, config_.timer_f());
}

void NonInviteClientTransaction::on_response(const sip::Message& response, Instant now) {
    if (state_ != State::trying && state_ != State::proceeding) return;  // Completed absorbs
    if (response.status_code() < 200) {
        state_ = State::proceeding;
        actions_.push(PassToTu{response});
        return;
    }
    timers_.stop_all();
    state_ = State::completed;
    actions_.push(PassToTu{response});
    // §17.1.2.2: Timer K = T4 buffers response retransmissions; zero on reliable transports.
    const Duration k = config_.timer_k_for(transport_);
    if (k == Duration::zero()) {
        terminate();
    } else {
        timers_.start(TimerId::k, now, k);
    }
}

void NonInviteClientTransaction::on_timer(Instant now) {
    while (state_ != State::terminated) {
        const auto due = timers_.first_due(now);
        if (!due) break;
        fire(*due, now);
    }
}

void NonInviteClientTransaction::fire(TimerId id, Instant now) {
    switch (id) {
        case TimerId::e: {
            // §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
            actions_.push(Send{request_});
            const Duration next = state_ == State::proceeding
                                      ? config_.t2
                                      : std::min(2 * timers_.interval(TimerId::e), config_.t2);
            timers_.start(TimerId::e, now, next);
            break;
        }
        case TimerId::f:
            actions_.push(Timeout{});
            terminate();
            break;
        case TimerId::k:
            terminate();
            break;
        case TimerId::count_:
            break;
    }
}

void NonInviteClientTransaction::on_transport_error(Instant /*now*/) {
    if (state_ != State::trying && state_ != State::proceeding) return;
    actions_.push(TransportError{});
    terminate();
}

void NonInviteClientTransaction::terminate() {
    timers_.stop_all();
    state_ = State::terminated;
    actions_.push(Terminated{});
}

std::string_view to_string(NonInviteClientTransaction::State s) noexcept {
    using S = NonInviteClientTransaction::State;
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
