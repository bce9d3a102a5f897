#include "happysip/txn/invite_server_transaction.hpp"

#include <algorithm>
#include <utility>

#include "happysip/sip/builder.hpp"

namespace happysip::txn {

InviteServerTransaction::InviteServerTransaction(sip::Message invite, Transport transport,
                                                 const TimerConfig& config, Instant /*now*/,
                                                 Send100 send_100)
    : invite_(std::move(invite)), transport_(transport), config_(config) {
    // The 100 goes out before the TU sees the INVITE: a TU that answers at once (a proxy
    // with no target) must not have its final response overtaken by our 100.
    if (send_100 == Send100::yes) {
        auto trying = sip::make_response(invite_, 100, "Trying");
        if (trying.ok()) {
            last_response_ = std::move(trying).value();
            actions_.push(Send{*last_response_});
        }
    }
    actions_.push(PassToTu{invite_});
}

void InviteServerTransaction::on_request(const sip::Message& request, Instant now) {
    if (request.method() == sip::Method::ack) {
        if (state_ == State::completed) {
            // §17.2.1: the ACK stops Timer G and H; Timer I absorbs ACK retransmissions.
            timers_.stop_all();
            state_ = State::confirmed;
            const Duration i = config_.timer_i_for(transport_);
            if (i == Duration::zero()) {
                terminate();
            } else {
                timers_.start(TimerId::i, now, i);
            }
        } else if (state_ == State::accepted) {
            // RFC 6026 §8.7: an ACK matched in Accepted (RFC 2543 peers) goes to the TU.
            actions_.push(PassToTu{request});
        }
        return;
    }
    // A retransmitted INVITE: resend the last provisional (Proceeding) or the final
    // (Completed); RFC 6026 §8.7: absorbed in Accepted.
    if ((state_ == State::proceeding || state_ == State::completed) && last_response_) {
        actions_.push(Send{*last_response_});
    }
}

bool InviteServerTransaction::send_response(sip::Message response, Instant now) {
    const int code = response.status_code();
    if (state_ == State::accepted) {
        // RFC 6026 §8.7: 2xx retransmissions from the TU go out; the transaction makes none.
        if (code < 200 || code >= 300) return false;
        actions_.push(Send{std::move(response)});
        return true;
    }
    if (state_ != State::proceeding) return false;
    last_response_ = std::move(response);
    actions_.push(Send{*last_response_});
    if (code < 200) return true;
    if (code < 300) {
        state_ = State::accepted;
        timers_.start(TimerId::l, now, config_.timer_l());
        return true;
    }
    state_ = State::completed;
    if (transport_ == Transport::unreliable) timers_.start(TimerId::g, now, config_.t1);
    timers_.start(TimerId::h, now, config_.timer_h());
    return true;
}

void InviteServerTransaction::on_timer(Instant now) {
    while (state_ != State::terminated) {
        const auto due = timers_.first_due(now);
        if (!due) break;
        fire(*due, now);
    }
}

void InviteServerTransaction::fire(TimerId id, Instant now) {
    switch (id) {
        case TimerId::g:
            // §17.2.1: retransmit the final, doubling the interval up to T2.
            if (last_response_) actions_.push(Send{*last_response_});
            timers_.start(TimerId::g, now, std::min(2 * timers_.interval(TimerId::g), config_.t2));
            break;
        case TimerId::h:
            actions_.push(Timeout{});
            terminate();
            break;
        case TimerId::i:
        case TimerId::l:
            terminate();
            break;
        case TimerId::count_:
            break;
    }
}

void InviteServerTransaction::on_transport_error(Instant /*now*/) {
    if (state_ == State::terminated || state_ == State::confirmed) return;
    actions_.push(TransportError{});
    // In Accepted the TU hears of the failure, but the transaction stays until Timer L so
    // that INVITE retransmissions are still absorbed rather than seen as new (RFC 6026 §1).
    if (state_ != State::accepted) terminate();
}

void InviteServerTransaction::terminate() {
    timers_.stop_all();
    state_ = State::terminated;
    actions_.push(Terminated{});
}

std::string_view to_string(InviteServerTransaction::State s) noexcept {
    using S = InviteServerTransaction::State;
    switch (s) {
        case S::proceeding:
            return "Proceeding";
        case S::completed:
            return "Completed";
        case S::confirmed:
            return "Confirmed";
        case S::accepted:
            return "Accepted";
        case S::terminated:
            return "Terminated";
    }
    return "?";
}

}  // namespace happysip::txn
