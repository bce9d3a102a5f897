#include "happysip/txn/invite_client_transaction.hpp"

#include <utility>

#include "happysip/txn/ack.hpp"

namespace happysip::txn {

InviteClientTransaction::InviteClientTransaction(sip::Message invite, Transport transport,
                                                 const TimerConfig& config, Instant now)
    : invite_(std::move(invite)), transport_(transport), config_(config) {
    actions_.push(Send{invite_});
    // RFC 3261 §17.1.1.2: Timer A only on unreliable transports; Timer B always.
    if (transport_ == Transport::unreliable) timers_.start(TimerId::a, now, config_.t1);
    timers_.start(TimerId::b, now, config_.timer_b());
}

void InviteClientTransaction::on_response(const sip::Message& response, Instant now) {
    const int code = response.status_code();
    switch (state_) {
        case State::calling:
        case State::proceeding:
            if (code < 200) {
                // §17.1.1.2: a provisional stops retransmissions; Timer B only guards Calling.
                timers_.stop(TimerId::a);
                timers_.stop(TimerId::b);
                state_ = State::proceeding;
                actions_.push(PassToTu{response});
            } else if (code < 300) {
                // RFC 6026 §8.4: 2xx goes to the TU; Accepted absorbs nothing but keeps
                // passing further 2xx (retransmissions or forks) until Timer M.
                timers_.stop_all();
                state_ = State::accepted;
                timers_.start(TimerId::m, now, config_.timer_m());
                actions_.push(PassToTu{response});
            } else {
                on_final_non_2xx(response, now);
            }
            break;
        case State::completed:
            // §17.1.1.2: a retransmitted final is not passed up; the ACK is resent.
            if (code >= 300 && ack_) actions_.push(Send{*ack_});
            break;
        case State::accepted:
            if (code >= 200 && code < 300) actions_.push(PassToTu{response});
            break;
        case State::terminated:
            break;
    }
}

void InviteClientTransaction::on_final_non_2xx(const sip::Message& response, Instant now) {
    timers_.stop_all();
    state_ = State::completed;
    auto ack = make_ack_for_non_2xx(invite_, response);
    if (ack.ok()) {
        ack_ = std::move(ack).value();
        actions_.push(Send{*ack_});
    }
    actions_.push(PassToTu{response});
    const Duration d = config_.timer_d_for(transport_);
    if (d == Duration::zero()) {
        terminate();
    } else {
        timers_.start(TimerId::d, now, d);
    }
}

void InviteClientTransaction::on_timer(Instant now) {
    while (state_ != State::terminated) {
        const auto due = timers_.first_due(now);
        if (!due) break;
        fire(*due, now);
    }
}

void InviteClientTransaction::fire(TimerId id, Instant now) {
    switch (id) {
        case TimerId::a:
            // §17.1.1.2: retransmit and double the interval (no cap for INVITE).
            actions_.push(Send{invite_});
            timers_.start(TimerId::a, now, 2 * timers_.interval(TimerId::a));
            break;
        case TimerId::b:
            actions_.push(Timeout{});
            terminate();
            break;
        case TimerId::d:
        case TimerId::m:
            terminate();
            break;
        case TimerId::count_:
            break;
    }
}

void InviteClientTransaction::on_transport_error(Instant /*now*/) {
    if (state_ == State::terminated || state_ == State::accepted) return;
    actions_.push(TransportError{});
    terminate();
}

void InviteClientTransaction::terminate() {
    timers_.stop_all();
    state_ = State::terminated;
    actions_.push(Terminated{});
}

std::string_view to_string(InviteClientTransaction::State s) noexcept {
    using S = InviteClientTransaction::State;
    switch (s) {
        case S::calling:
            return "Calling";
        case S::proceeding:
            return "Proceeding";
        case S::completed:
            return "Completed";
        case S::accepted:
            return "Accepted";
        case S::terminated:
            return "Terminated";
    }
    return "?";
}

}  // namespace happysip::txn
