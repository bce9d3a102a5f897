// RFC 3261 §16.2 "response context": what a stateful proxy keeps for one request it
// forwards. It owns one client transaction per branch (§16.6 item 10, §17.1), aggregates
// the branches' responses (§16.7), cancels pending branches (§16.10, §9.1) and runs
// Timer C (§16.6 item 11). Sans-I/O: the caller decides where a branch goes, builds the
// forwarded copy (proxy/forward.hpp), passes the current time, carries out the actions
// and sends the upstream responses through the server transaction.
//
// Responses (§16.7):
// - 100 is absorbed; every other 1xx is forwarded at once (item 5).
// - a 2xx is forwarded at once, every 2xx to an INVITE included (forking may give
//   several), and the other pending branches are cancelled (item 10).
// - a 6xx cancels every pending branch and forbids new ones; it is forwarded once every
//   branch has finished, in preference to any other final response (items 5-6).
// - otherwise, once every branch has a final response, the best one goes upstream: the
//   lowest class, preferring 401/407/415/420/484 within 4xx; a 503 goes up as 500
//   (§16.7 item 6); 401/407 carry the WWW-/Proxy-Authenticate values of every 401/407
//   collected (item 7). No final response at all: 408.
// - a branch that times out counts as 408, a transport error as 503 (§16.7, §16.9).
// The top Via (ours) is removed from every forwarded response (item 3).
//
// CANCEL (§16.10, §9.1): cancel() cancels every pending INVITE branch. A branch that has
// not yet seen a provisional response is cancelled as soon as one arrives (a CANCEL must
// not overtake the INVITE), but counts at once as answered 487, so the caller who hung
// up (or the 2xx/6xx that ended the search) does not wait for Timer B on a phone that
// never spoke; its transaction lives on to absorb what it may still send (a late 2xx is
// still forwarded, §16.7 item 5). Each CANCEL is its own non-INVITE client
// transaction with the INVITE branch's Via (so its responses arrive with that branch and
// are told apart by their CSeq method); they are absorbed here. A branch with no final
// response 64*T1 after its CANCEL is given up as 408 (§9.1). cancel() also closes the
// branch set: the final response is chosen once the cancelled branches have answered.
//
// Timer C (§16.6 item 11, INVITE only, > 3 min, reset by every provisional): when it fires
// a branch with a provisional response is cancelled, a silent one ends as 408 (and is
// cancelled should it answer later).
//
// Among equal candidates the earliest received response wins, and a received response
// wins over a 408/503 stand-in (best_response.hpp has the order).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "happysip/sip/message.hpp"
#include "happysip/txn/time.hpp"
#include "happysip/txn/timers.hpp"

namespace happysip::proxy {

using txn::Duration;
using txn::Instant;

// Send this request on that branch, to the destination the caller chose when it added the
// branch: the forwarded request, its retransmissions, a CANCEL, the ACK of a non-2xx.
struct SendOnBranch {
    std::size_t branch;
    sip::Message request;
};
// Forward this response upstream through the server transaction (our Via already removed).
struct ForwardResponse {
    sip::Message response;
};
// Answer upstream with a response of our own (408 when nothing answered, 480 when there
// was no branch at all), made from the server transaction's request.
struct RespondUpstream {
    int status;
    std::string reason;  // empty: the standard phrase
};
// The branch ended without a response of its own: its transaction timed out (408) or its
// transport failed (503). A Happy Eyeballs race over the next hop's addresses
// (next_hop_race.hpp) treats it as a failed attempt.
struct BranchFailed {
    std::size_t branch;
    int status;
};
// Every branch and every CANCEL is over: the caller may drop the context.
struct ContextFinished {};
using ContextAction =
    std::variant<SendOnBranch, ForwardResponse, RespondUpstream, BranchFailed, ContextFinished>;

struct ResponseContextConfig {
    txn::TimerConfig timers;
    Duration timer_c = std::chrono::minutes(3) + std::chrono::seconds(1);  // "> 3 minutes"
    int no_branch_status = 480;  // close_branches() with no branch added
    // A branch's stand-in when its transport fails (§16.9: as if a 503 had arrived, which
    // goes upstream as 500, §16.7 item 6). A request pinned to one Outbound flow by its
    // flow token has no other way to its UA: 430 Flow Failed (RFC 5626 §5.3) tells the
    // caller to stop using that route.
    int transport_error_status = 503;
};

enum class BranchState : std::uint8_t {
    calling,     // sent, nothing heard
    proceeding,  // a provisional response arrived
    completed,   // a final response (or its synthesised stand-in) is in
};
std::string_view to_string(BranchState state) noexcept;

class ResponseContext {
  public:
    // `request`: the request as received (the server transaction's): its method decides
    // INVITE behaviour (CANCEL, Timer C, ACK). Nothing is sent until a branch is added.
    ResponseContext(sip::Message request, ResponseContextConfig config = {});
    ~ResponseContext();
    ResponseContext(ResponseContext&&) noexcept;
    ResponseContext& operator=(ResponseContext&&) noexcept;

    // Starts a client transaction for `forwarded` (built by forward_copy: our Via on top).
    // `reliable`: TCP/TLS (no retransmissions). Returns the branch index, or nullopt when
    // no new branch may be created (a 6xx or 2xx arrived, cancel() was called, or
    // close_branches() was), or when `forwarded` has no top Via with a branch parameter.
    // Queues SendOnBranch for the request.
    std::optional<std::size_t> add_branch(sip::Message forwarded, bool reliable, Instant now);
    // No more branches will be added (the target set is exhausted, §16.5). With none added,
    // queues RespondUpstream{no_branch_status}. A final response is chosen only after this.
    void close_branches(Instant now);

    // Our branch whose Via branch parameter is `via_branch`, or nullopt.
    std::optional<std::size_t> branch_of(std::string_view via_branch) const;
    // A response whose top Via branch is the branch's (to the request or to our CANCEL).
    void on_response(std::size_t branch, const sip::Message& response, Instant now);
    // The branch's destination could not be reached (connect failed, send failed).
    void on_transport_error(std::size_t branch, Instant now);
    void on_timer(Instant now);
    // A Happy Eyeballs attempt that lost the race: the branch takes no further part in
    // choosing the final response, its provisional responses are not forwarded, an INVITE
    // branch is cancelled (§9.1: after a provisional); a 2xx to an INVITE still goes up
    // (the UAS made a dialog), one to a non-INVITE is absorbed.
    void abandon_branch(std::size_t branch, Instant now);
    // The upstream CANCEL (§16.10): cancel every pending branch, create no new ones. The
    // caller answers the CANCEL itself (200); the 487s come back through the branches.
    void cancel(Instant now);

    std::vector<ContextAction> take_actions();
    std::optional<Instant> next_deadline() const;

    bool final_sent() const noexcept;  // a final response went upstream
    bool finished() const noexcept;    // ContextFinished was queued
    std::size_t branch_count() const noexcept;
    BranchState branch_state(std::size_t branch) const;
    const sip::Message& request() const noexcept;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace happysip::proxy
