#include "happysip/proxy/response_context.hpp"

#include <string>
#include <utility>

#include "happysip/proxy/best_response.hpp"
#include "happysip/proxy/branch_transaction.hpp"
#include "happysip/proxy/cancel_request.hpp"
#include "happysip/sip/header_id.hpp"
#include "happysip/sip/via.hpp"
#include "happysip/txn/non_invite_client_transaction.hpp"

namespace happysip::proxy {
namespace {

// A branch's final status when no response stands behind it: §16.8 (timeout) says to act
// as if this response had arrived (§16.9's transport error: the config's).
constexpr int k_timeout_status = 408;
constexpr int k_cancelled_status = 487;  // a silent branch that was cancelled

bool earlier(const std::optional<Instant>& a, const std::optional<Instant>& b) {
    return a && (!b || *a < *b);
}

bool due(const std::optional<Instant>& deadline, Instant now) {
    return deadline && *deadline <= now;
}

}  // namespace

struct ResponseContext::Impl {
    struct Branch {
        std::optional<BranchTransaction> txn;  // reset once Terminated (or given up, §9.1)
        std::string via_branch;
        txn::Transport transport = txn::Transport::unreliable;
        BranchState state = BranchState::calling;
        int final_status = 0;               // once completed
        std::optional<sip::Message> final;  // the received non-2xx final, if one was
        bool cancel_wanted = false;         // CANCEL as soon as the branch is proceeding
        std::optional<txn::NonInviteClientTransaction> cancel;  // our CANCEL's transaction
        bool cancel_sent = false;
        std::optional<Instant> timer_c;
        std::optional<Instant> cancel_guard;  // §9.1: give up 64*T1 after the CANCEL
        bool abandoned = false;               // a lost Happy Eyeballs attempt
    };

    Impl(sip::Message req, ResponseContextConfig cfg)
        : request(std::move(req)),
          config(std::move(cfg)),
          is_invite(request.method() == sip::Method::invite) {}

    sip::Message request;
    ResponseContextConfig config;
    bool is_invite;
    std::vector<Branch> branches;
    std::vector<ContextAction> actions;
    bool closed = false;           // close_branches() was called
    bool no_new_branches = false;  // a 2xx or 6xx arrived, or cancel() was called
    bool final_sent = false;
    bool finished = false;

    // ---- branch transactions ----
    void drain(std::size_t b, Instant now);
    void drain_cancel(std::size_t b);
    void on_branch_response(std::size_t b, const sip::Message& response, Instant now);
    void on_provisional(std::size_t b, const sip::Message& response, Instant now);
    void on_2xx(std::size_t b, const sip::Message& response, Instant now);
    void complete(std::size_t b, int status, std::optional<sip::Message> response, Instant now);
    void fire_branch_timers(std::size_t b, Instant now);

    // ---- CANCEL (§16.10, §9.1) ----
    void cancel_branch(std::size_t b, Instant now);
    void cancel_pending(Instant now);
    void send_cancel(std::size_t b, Instant now);

    // ---- the upstream answer (§16.7 items 5-7) ----
    void forward(const sip::Message& response);
    void choose_final_if_ready();
    void finish_if_done();
    bool branch_over(const Branch& br) const {
        return !br.txn && (!br.cancel || br.cancel->state() ==
                                             txn::NonInviteClientTransaction::State::terminated);
    }
};

void ResponseContext::Impl::drain(std::size_t b, Instant now) {
    Branch& br = branches[b];
    if (!br.txn) return;
    auto pending = br.txn->take_actions();
    for (txn::Action& a : pending) {
        if (auto* send = std::get_if<txn::Send>(&a)) {
            // The request, its retransmissions and the ACK of a non-2xx (§17.1.1.3).
            actions.push_back(SendOnBranch{b, std::move(send->message)});
        } else if (auto* up = std::get_if<txn::PassToTu>(&a)) {
            on_branch_response(b, up->message, now);
        } else if (std::holds_alternative<txn::Timeout>(a)) {
            if (branches[b].state != BranchState::completed)
                actions.push_back(BranchFailed{b, k_timeout_status});
            complete(b, k_timeout_status, std::nullopt, now);
        } else if (std::holds_alternative<txn::TransportError>(a)) {
            if (branches[b].state != BranchState::completed)
                actions.push_back(BranchFailed{b, config.transport_error_status});
            complete(b, config.transport_error_status, std::nullopt, now);
        } else if (std::holds_alternative<txn::Terminated>(a)) {
            // Terminated is the transaction's last action: nothing follows it in `pending`.
            branches[b].txn.reset();
            branches[b].timer_c.reset();
            branches[b].cancel_guard.reset();
        }
    }
}

void ResponseContext::Impl::drain_cancel(std::size_t b) {
    Branch& br = branches[b];
    if (!br.cancel) return;
    for (txn::Action& a : br.cancel->take_actions()) {
        // Responses to our CANCEL (and its timeout) are absorbed: the INVITE branch's own
        // final response (487) or §9.1's guard decides how the branch ends.
        if (auto* send = std::get_if<txn::Send>(&a)) {
            actions.push_back(SendOnBranch{b, std::move(send->message)});
        }
    }
}

void ResponseContext::Impl::on_branch_response(std::size_t b, const sip::Message& response,
                                               Instant now) {
    const int code = response.status_code();
    if (code < 200) {
        on_provisional(b, response, now);
    } else if (code < 300) {
        on_2xx(b, response, now);
    } else {
        complete(b, code, response, now);
    }
}

void ResponseContext::Impl::on_provisional(std::size_t b, const sip::Message& response,
                                           Instant now) {
    Branch& br = branches[b];
    if (br.state == BranchState::completed) {
        // Given up on (Timer C on a silent branch) and now alive: stop it ringing.
        if (br.cancel_wanted && !br.cancel_sent) send_cancel(b, now);
        return;
    }
    br.state = BranchState::proceeding;
    // §16.7 item 2: every provisional to an INVITE restarts Timer C, unless we are
    // already cancelling the branch.
    if (is_invite && !br.cancel_sent) br.timer_c = now + config.timer_c;
    // §9.1: a CANCEL may only follow a provisional response, never overtake the INVITE.
    if (br.cancel_wanted && !br.cancel_sent) send_cancel(b, now);
    // §16.7 item 5: 100 is hop-by-hop; any other provisional goes up at once.
    if (response.status_code() != 100 && !final_sent && !br.abandoned) forward(response);
}

void ResponseContext::Impl::on_2xx(std::size_t b, const sip::Message& response, Instant now) {
    Branch& br = branches[b];
    br.state = BranchState::completed;
    if (br.final_status == 0) br.final_status = response.status_code();
    br.timer_c.reset();
    br.cancel_guard.reset();
    // §16.7 item 5: after a final went up only 2xx to an INVITE may follow (forked 2xx
    // each establish a dialog, and RFC 6026 retransmissions are the UAS's to send). A lost
    // attempt's 2xx to a non-INVITE is absorbed; to an INVITE it made a dialog: it goes up.
    if ((final_sent || br.abandoned) && !is_invite) return;
    forward(response);
    if (!final_sent) {
        final_sent = true;
        no_new_branches = true;
        // §16.7 item 10: a final went up, so every pending branch is cancelled.
        cancel_pending(now);
    }
}

void ResponseContext::Impl::complete(std::size_t b, int status,
                                     std::optional<sip::Message> response, Instant now) {
    Branch& br = branches[b];
    // A late Timeout after Timer C already ended the branch as 408, or a final after the
    // §9.1 guard: the branch keeps its first outcome.
    if (br.state == BranchState::completed) return;
    br.state = BranchState::completed;
    br.final_status = status;
    br.final = std::move(response);
    br.timer_c.reset();
    br.cancel_guard.reset();
    if (status >= 600 && !final_sent) {
        // §16.7 item 5: a 6xx ends the search; pending branches are cancelled and no new
        // ones are created, and the 6xx wins once every branch has finished.
        no_new_branches = true;
        cancel_pending(now);
    }
}

void ResponseContext::Impl::fire_branch_timers(std::size_t b, Instant now) {
    Branch& br = branches[b];
    if (br.txn) {
        br.txn->on_timer(now);
        drain(b, now);
    }
    if (br.cancel) {
        br.cancel->on_timer(now);
        drain_cancel(b);
    }
    if (due(br.timer_c, now)) {
        br.timer_c.reset();
        // §16.8: Timer C fired. A branch that answered is cancelled; a silent one ends as
        // if it had answered 408 (and is cancelled should it speak up later).
        if (br.state == BranchState::proceeding) {
            cancel_branch(b, now);
        } else if (br.state == BranchState::calling) {
            br.cancel_wanted = true;
            complete(b, k_timeout_status, std::nullopt, now);
        }
    }
    if (due(br.cancel_guard, now)) {
        // §9.1: no final response 64*T1 after our CANCEL: the branch is considered
        // cancelled and its transaction destroyed.
        br.cancel_guard.reset();
        complete(b, k_timeout_status, std::nullopt, now);
        br.txn.reset();
    }
}

void ResponseContext::Impl::cancel_branch(std::size_t b, Instant now) {
    Branch& br = branches[b];
    // §9.1: only INVITE is cancelled; a non-INVITE runs to its own end.
    if (!is_invite || br.state == BranchState::completed || br.cancel_wanted) return;
    br.cancel_wanted = true;
    if (br.state == BranchState::proceeding) {
        send_cancel(b, now);
    } else {
        // Silent: §9.1 forbids a CANCEL before a provisional, so the CANCEL waits for one
        // (on_provisional) while the branch counts as answered 487 at once. Otherwise a
        // caller who hung up would wait for Timer B (32 s) on a phone that never spoke.
        complete(b, k_cancelled_status, std::nullopt, now);
    }
}

void ResponseContext::Impl::cancel_pending(Instant now) {
    for (std::size_t b = 0; b < branches.size(); ++b)
        cancel_branch(b, now);
}

void ResponseContext::Impl::send_cancel(std::size_t b, Instant now) {
    Branch& br = branches[b];
    if (!br.txn) return;  // the INVITE transaction is gone: nothing left to cancel
    auto cancel = make_cancel(br.txn->request());
    if (!cancel) return;  // the forwarded INVITE lacked a mandatory header: never sent
    br.cancel_sent = true;
    br.timer_c.reset();
    br.cancel_guard = now + config.timers.timer_b();
    br.cancel.emplace(std::move(cancel).value(), br.transport, config.timers, now);
    drain_cancel(b);
}

void ResponseContext::Impl::forward(const sip::Message& response) {
    sip::Message up = response;
    up.remove_first_value(sip::HeaderId::via);  // §16.7 item 3: our Via
    actions.push_back(ForwardResponse{std::move(up)});
}

void ResponseContext::Impl::choose_final_if_ready() {
    if (final_sent || !(closed || no_new_branches) || branches.empty()) return;
    for (const Branch& br : branches)
        if (!br.abandoned && br.state != BranchState::completed) return;
    std::vector<int> statuses;
    std::vector<const sip::Message*> collected;
    // Received responses first, the 408/503 stand-ins after them: among equals the
    // earliest wins, and a real response tells the client more than our own. Lost
    // attempts take no part.
    for (const bool received : {true, false}) {
        for (const Branch& br : branches) {
            if (br.abandoned || br.final.has_value() != received) continue;
            statuses.push_back(br.final_status);
            collected.push_back(br.final ? &*br.final : nullptr);
        }
    }
    const auto best = choose_best_response(statuses);
    if (!best) return;
    final_sent = true;
    const int status = statuses[*best];
    const sip::Message* chosen = collected[*best];
    if (chosen == nullptr || upstream_status(status) != status) {
        // A synthesised outcome (408, 503) or a 503 (§16.7 item 6): our own answer.
        actions.push_back(RespondUpstream{upstream_status(status), {}});
        return;
    }
    sip::Message up = *chosen;
    up.remove_first_value(sip::HeaderId::via);
    merge_challenges(up, collected);
    actions.push_back(ForwardResponse{std::move(up)});
}

void ResponseContext::Impl::finish_if_done() {
    if (finished || !final_sent) return;
    for (const Branch& br : branches)
        if (!branch_over(br)) return;
    finished = true;
    actions.push_back(ContextFinished{});
}

// ---------------------------------------------------------------------------------------

ResponseContext::ResponseContext(sip::Message request, ResponseContextConfig config)
    : impl_(std::make_unique<Impl>(std::move(request), std::move(config))) {}
ResponseContext::~ResponseContext() = default;
ResponseContext::ResponseContext(ResponseContext&&) noexcept = default;
ResponseContext& ResponseContext::operator=(ResponseContext&&) noexcept = default;

std::optional<std::size_t> ResponseContext::add_branch(sip::Message forwarded, bool reliable,
                                                       Instant now) {
    Impl& s = *impl_;
    if (s.closed || s.no_new_branches) return std::nullopt;
    const auto top_via = forwarded.first_value(sip::HeaderId::via);
    if (!top_via) return std::nullopt;
    auto via = sip::parse_via(*top_via);
    if (!via || via.value().branch.empty()) return std::nullopt;

    Impl::Branch br;
    br.via_branch = std::string(via.value().branch);
    br.transport = reliable ? txn::Transport::reliable : txn::Transport::unreliable;
    br.txn.emplace(std::move(forwarded), br.transport, s.config.timers, now);
    if (s.is_invite) br.timer_c = now + s.config.timer_c;  // §16.6 item 11
    s.branches.push_back(std::move(br));
    const std::size_t b = s.branches.size() - 1;
    s.drain(b, now);
    return b;
}

void ResponseContext::close_branches(Instant /*now*/) {
    Impl& s = *impl_;
    if (s.closed) return;
    s.closed = true;
    if (s.branches.empty() && !s.final_sent) {
        // §16.5/§16.6: no target at all.
        s.final_sent = true;
        s.actions.push_back(RespondUpstream{s.config.no_branch_status, {}});
    }
    s.choose_final_if_ready();
    s.finish_if_done();
}

std::optional<std::size_t> ResponseContext::branch_of(std::string_view via_branch) const {
    for (std::size_t b = 0; b < impl_->branches.size(); ++b)
        if (impl_->branches[b].via_branch == via_branch) return b;
    return std::nullopt;
}

void ResponseContext::on_response(std::size_t branch, const sip::Message& response, Instant now) {
    Impl& s = *impl_;
    if (branch >= s.branches.size() || !response.is_response()) return;
    Impl::Branch& br = s.branches[branch];
    if (response.cseq_method() == sip::Method::cancel) {
        // Our CANCEL shares the branch's Via; its CSeq method tells its responses apart.
        if (!br.cancel) return;
        br.cancel->on_response(response, now);
        s.drain_cancel(branch);
    } else {
        if (!br.txn) return;
        br.txn->on_response(response, now);
        s.drain(branch, now);
    }
    s.choose_final_if_ready();
    s.finish_if_done();
}

void ResponseContext::on_transport_error(std::size_t branch, Instant now) {
    Impl& s = *impl_;
    if (branch >= s.branches.size()) return;
    Impl::Branch& br = s.branches[branch];
    // One destination carries both the branch's request and its CANCEL.
    if (br.txn) {
        br.txn->on_transport_error(now);
        s.drain(branch, now);
    }
    if (br.cancel) {
        br.cancel->on_transport_error(now);
        s.drain_cancel(branch);
    }
    s.choose_final_if_ready();
    s.finish_if_done();
}

void ResponseContext::on_timer(Instant now) {
    Impl& s = *impl_;
    for (std::size_t b = 0; b < s.branches.size(); ++b)
        s.fire_branch_timers(b, now);
    s.choose_final_if_ready();
    s.finish_if_done();
}

void ResponseContext::abandon_branch(std::size_t branch, Instant now) {
    Impl& s = *impl_;
    if (branch >= s.branches.size() || s.branches[branch].abandoned) return;
    s.branches[branch].abandoned = true;
    s.cancel_branch(branch, now);  // an INVITE stops ringing there (after a provisional)
    s.choose_final_if_ready();
    s.finish_if_done();
}

void ResponseContext::cancel(Instant now) {
    Impl& s = *impl_;
    // §16.10: no new branches, and every pending one is cancelled.
    s.no_new_branches = true;
    s.cancel_pending(now);
    s.choose_final_if_ready();
    s.finish_if_done();
}

std::vector<ContextAction> ResponseContext::take_actions() {
    return std::exchange(impl_->actions, {});
}

std::optional<Instant> ResponseContext::next_deadline() const {
    std::optional<Instant> next;
    for (const Impl::Branch& br : impl_->branches) {
        if (br.txn) {
            const auto d = br.txn->next_deadline();
            if (earlier(d, next)) next = d;
        }
        if (br.cancel && earlier(br.cancel->next_deadline(), next))
            next = br.cancel->next_deadline();
        if (earlier(br.timer_c, next)) next = br.timer_c;
        if (earlier(br.cancel_guard, next)) next = br.cancel_guard;
    }
    return next;
}

bool ResponseContext::final_sent() const noexcept {
    return impl_->final_sent;
}
bool ResponseContext::finished() const noexcept {
    return impl_->finished;
}
std::size_t ResponseContext::branch_count() const noexcept {
    return impl_->branches.size();
}
BranchState ResponseContext::branch_state(std::size_t branch) const {
    return impl_->branches.at(branch).state;
}
const sip::Message& ResponseContext::request() const noexcept {
    return impl_->request;
}

std::string_view to_string(BranchState state) noexcept {
    switch (state) {
        case BranchState::calling:
            return "calling";
        case BranchState::proceeding:
            return "proceeding";
        case BranchState::completed:
            return "completed";
    }
    return "?";
}

}  // namespace happysip::proxy
