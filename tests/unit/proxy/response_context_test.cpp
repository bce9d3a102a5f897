// ResponseContext on a virtual clock: forwarded requests and responses are written by hand,
// time advances only through Harness::advance.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "happysip/proxy/cancel_request.hpp"
#include "happysip/proxy/response_context.hpp"
#include "happysip/sip/builder.hpp"
#include "happysip/sip/header_id.hpp"

namespace happysip::proxy {
namespace {

using namespace std::chrono_literals;
using sip::HeaderId;

constexpr std::string_view k_ua_via = "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKua1";

sip::Message parse(const std::string& text) {
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

std::string common_headers(const std::string& method) {
    return "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
           "Call-ID: call-1\r\nCSeq: 7 " +
           method + "\r\n";
}

sip::Message received(const std::string& method) {
    return parse(method + " sip:bob@example.com SIP/2.0\r\nVia: " + std::string(k_ua_via) + "\r\n" +
                 common_headers(method) + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
}

std::string our_branch(std::size_t n) {
    return "z9hG4bK-hs" + std::to_string(n) + ".abc";
}

// What forward_copy would give for target n: our Via on top, the UA's below.
sip::Message forwarded(const std::string& method, std::size_t n) {
    return parse(method + " sip:bob@203.0.113." + std::to_string(n + 1) +
                 " SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=" + our_branch(n) +
                 "\r\nVia: " + std::string(k_ua_via) + "\r\nRoute: <sip:edge.example.net;lr>\r\n" +
                 common_headers(method) + "Max-Forwards: 69\r\nContent-Length: 0\r\n\r\n");
}

struct Harness {
    explicit Harness(std::string m = "INVITE", ResponseContextConfig cfg = {})
        : method(std::move(m)), ctx(received(method), cfg) {}

    std::string method;
    ResponseContext ctx;
    Instant now = Instant{} + 1h;
    std::vector<sip::Message> fwd;   // per branch, as added
    std::vector<ContextAction> out;  // every action since the last clear()

    void drain() {
        for (auto& a : ctx.take_actions())
            out.push_back(std::move(a));
    }
    void clear() {
        drain();
        out.clear();
    }

    std::size_t add(bool reliable = false) {
        fwd.push_back(forwarded(method, fwd.size()));
        auto b = ctx.add_branch(fwd.back(), reliable, now);
        EXPECT_TRUE(b);
        drain();
        return b.value_or(0);
    }
    std::vector<std::size_t> add_n(std::size_t n) {
        std::vector<std::size_t> r;
        for (std::size_t i = 0; i < n; ++i)
            r.push_back(add());
        return r;
    }
    void close() {
        ctx.close_branches(now);
        drain();
    }

    sip::Message response_for(const sip::Message& request, int status, std::string_view tag,
                              const std::vector<std::string>& extra = {}) {
        auto r = sip::make_response(request, status, {}, status == 100 ? "" : tag, extra);
        EXPECT_TRUE(r);
        return std::move(r).value();
    }
    void respond(std::size_t b, int status, const std::vector<std::string>& extra = {}) {
        ctx.on_response(b, response_for(fwd[b], status, "uas" + std::to_string(b), extra), now);
        drain();
    }
    // Answers our CANCEL on branch b (the same message make_cancel gave the context).
    void respond_to_cancel(std::size_t b, int status) {
        auto cancel = make_cancel(fwd[b]);
        ASSERT_TRUE(cancel);
        ctx.on_response(b, response_for(cancel.value(), status, "uasc"), now);
        drain();
    }
    // Moves the clock forward by d, firing every deadline on the way (bounded).
    void advance(Duration d) {
        const Instant target = now + d;
        for (int i = 0; i < 10000; ++i) {
            const auto next = ctx.next_deadline();
            if (!next || *next > target) break;
            now = std::max(now, *next);
            ctx.on_timer(now);
            drain();
        }
        now = target;
    }

    // ---- what came out ----
    std::vector<int> forwarded_statuses() const {
        std::vector<int> r;
        for (const auto& a : out)
            if (auto* f = std::get_if<ForwardResponse>(&a)) r.push_back(f->response.status_code());
        return r;
    }
    std::vector<int> final_forwarded() const {
        std::vector<int> r;
        for (int s : forwarded_statuses())
            if (s >= 200) r.push_back(s);
        return r;
    }
    std::vector<int> own_answers() const {
        std::vector<int> r;
        for (const auto& a : out)
            if (auto* u = std::get_if<RespondUpstream>(&a)) r.push_back(u->status);
        return r;
    }
    int sent(std::size_t b, sip::Method m) const {
        int n = 0;
        for (const auto& a : out)
            if (auto* s = std::get_if<SendOnBranch>(&a))
                n += s->branch == b && s->request.method() == m ? 1 : 0;
        return n;
    }
    int finished_actions() const {
        int n = 0;
        for (const auto& a : out)
            n += std::holds_alternative<ContextFinished>(a) ? 1 : 0;
        return n;
    }
    const sip::Message* last_forwarded() const {
        const sip::Message* m = nullptr;
        for (const auto& a : out)
            if (auto* f = std::get_if<ForwardResponse>(&a)) m = &f->response;
        return m;
    }
};

using Statuses = std::vector<int>;

TEST(ResponseContext, SendsTheForwardedRequestOnItsBranch) {
    Harness h;
    const auto b0 = h.add();
    const auto b1 = h.add();
    EXPECT_EQ(h.sent(b0, sip::Method::invite), 1);
    EXPECT_EQ(h.sent(b1, sip::Method::invite), 1);
    EXPECT_EQ(h.ctx.branch_of(our_branch(1)), b1);
    EXPECT_EQ(h.ctx.branch_of("z9hG4bKua1"), std::nullopt);
    EXPECT_EQ(h.ctx.branch_count(), 2u);
    EXPECT_EQ(h.ctx.branch_state(b0), BranchState::calling);
    EXPECT_EQ(h.ctx.request().method(), sip::Method::invite);
}

TEST(ResponseContext, ForwardsProvisionalExceptTrying) {
    Harness h;
    const auto b = h.add();
    h.respond(b, 100);
    EXPECT_TRUE(h.forwarded_statuses().empty());
    EXPECT_EQ(h.ctx.branch_state(b), BranchState::proceeding);
    h.respond(b, 180);
    h.respond(b, 183);
    EXPECT_EQ(h.forwarded_statuses(), (Statuses{180, 183}));
    EXPECT_FALSE(h.ctx.final_sent());
}

TEST(ResponseContext, OurViaRemovedFromForwarded) {
    Harness h;
    const auto b = h.add();
    h.respond(b, 180);
    const sip::Message* up = h.last_forwarded();
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(up->values(HeaderId::via), (std::vector<std::string_view>{k_ua_via}));

    // The same with both Vias on one comma-separated line.
    const std::string text =
        "SIP/2.0 183 Session Progress\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=" + our_branch(0) +
        ", " + std::string(k_ua_via) + "\r\n" +
        "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b9\r\n"
        "Call-ID: call-1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n";
    h.ctx.on_response(b, parse(text), h.now);
    h.drain();
    up = h.last_forwarded();
    ASSERT_EQ(up->status_code(), 183);
    EXPECT_EQ(up->values(HeaderId::via), (std::vector<std::string_view>{k_ua_via}));
    auto wire = sip::parse_message(up->serialize());
    ASSERT_TRUE(wire);
    EXPECT_EQ(wire.value().values(HeaderId::via), (std::vector<std::string_view>{k_ua_via}));
}

TEST(ResponseContext, Forwards2xxAtOnceAndCancelsOtherBranches) {
    Harness h;
    const auto b = h.add_n(3);
    const auto b0 = b[0], b1 = b[1], b2 = b[2];
    h.respond(b1, 180);
    h.clear();
    h.respond(b0, 200);  // before close_branches: a 2xx does not wait
    EXPECT_EQ(h.final_forwarded(), (Statuses{200}));
    EXPECT_TRUE(h.ctx.final_sent());
    EXPECT_EQ(h.sent(b1, sip::Method::cancel), 1);  // proceeding: cancelled now
    EXPECT_EQ(h.sent(b2, sip::Method::cancel), 0);  // silent: not before its 1xx
    EXPECT_EQ(h.sent(b0, sip::Method::cancel), 0);
    EXPECT_FALSE(h.ctx.add_branch(forwarded("INVITE", 3), false, h.now));
    h.respond(b2, 180);
    EXPECT_EQ(h.sent(b2, sip::Method::cancel), 1);
    EXPECT_EQ(h.forwarded_statuses(), (Statuses{200}));  // no 180 after the final
}

TEST(ResponseContext, EveryForked2xxIsForwarded) {
    Harness h;
    const auto b0 = h.add();
    const auto b1 = h.add();
    h.respond(b0, 180);
    h.respond(b1, 180);
    h.clear();
    h.respond(b0, 200);
    h.respond(b1, 200);  // raced our CANCEL: a second dialog, the caller decides
    h.respond(b0, 200);  // a retransmission (RFC 6026 Accepted passes it on)
    EXPECT_EQ(h.final_forwarded(), (Statuses{200, 200, 200}));
    EXPECT_TRUE(h.own_answers().empty());
}

TEST(ResponseContext, ChoosesLowestClassWhenAllBranchesFail) {
    Harness h;
    const auto b = h.add_n(3);
    const auto b0 = b[0], b1 = b[1], b2 = b[2];
    h.close();
    h.respond(b0, 486);
    h.respond(b1, 302, {"Contact: <sip:bob@198.51.100.20>"});
    EXPECT_TRUE(h.final_forwarded().empty());
    h.respond(b2, 500);
    EXPECT_EQ(h.final_forwarded(), (Statuses{302}));
    EXPECT_TRUE(h.ctx.final_sent());
}

TEST(ResponseContext, Prefers401And407In4xx) {
    Harness h;
    const auto b = h.add_n(3);
    const auto b0 = b[0], b1 = b[1], b2 = b[2];
    h.close();
    h.respond(b0, 404);
    h.respond(b1, 407, {"Proxy-Authenticate: Digest realm=\"b\", nonce=\"2\""});
    h.respond(b2, 486);
    EXPECT_EQ(h.final_forwarded(), (Statuses{407}));
}

TEST(ResponseContext, Merges401And407Challenges) {
    Harness h;
    const auto b = h.add_n(3);
    const auto b0 = b[0], b1 = b[1], b2 = b[2];
    h.close();
    h.respond(b0, 401, {"WWW-Authenticate: Digest realm=\"a\", nonce=\"1\""});
    h.respond(b1, 404);
    h.respond(b2, 407, {"Proxy-Authenticate: Digest realm=\"b\", nonce=\"2\""});
    ASSERT_EQ(h.final_forwarded(), (Statuses{401}));
    const sip::Message* up = h.last_forwarded();
    EXPECT_EQ(up->values(HeaderId::www_authenticate),
              (std::vector<std::string_view>{"Digest realm=\"a\", nonce=\"1\""}));
    EXPECT_EQ(up->values(HeaderId::proxy_authenticate),
              (std::vector<std::string_view>{"Digest realm=\"b\", nonce=\"2\""}));
    EXPECT_EQ(up->values(HeaderId::via), (std::vector<std::string_view>{k_ua_via}));
}

TEST(ResponseContext, Converts503To500) {
    Harness h;
    const auto b = h.add();
    h.close();
    h.respond(b, 503, {"Retry-After: 120"});
    EXPECT_TRUE(h.forwarded_statuses().empty());
    EXPECT_EQ(h.own_answers(), (Statuses{500}));

    Harness two;  // another 5xx is forwarded rather than our 500
    const auto t0 = two.add();
    const auto t1 = two.add();
    two.close();
    two.respond(t0, 503);
    two.respond(t1, 502);
    EXPECT_EQ(two.final_forwarded(), (Statuses{502}));
    EXPECT_TRUE(two.own_answers().empty());
}

TEST(ResponseContext, SixHundredCancelsPendingAndWins) {
    Harness h;
    const auto b = h.add_n(3);
    const auto b0 = b[0], b1 = b[1], b2 = b[2];
    h.respond(b0, 180);
    h.respond(b2, 302);
    h.clear();
    h.respond(b1, 603);
    EXPECT_EQ(h.sent(b0, sip::Method::cancel), 1);
    EXPECT_TRUE(h.final_forwarded().empty());  // b0 is still pending
    h.respond(b0, 487);
    EXPECT_EQ(h.final_forwarded(), (Statuses{603}));  // over the 302 and the 487
    EXPECT_TRUE(h.own_answers().empty());
}

TEST(ResponseContext, No6xxNewBranchRefused) {
    Harness h;
    const auto b0 = h.add();
    h.respond(b0, 600);
    EXPECT_FALSE(h.ctx.add_branch(forwarded("INVITE", 1), false, h.now));
    EXPECT_EQ(h.ctx.branch_count(), 1u);
    EXPECT_EQ(h.final_forwarded(), (Statuses{600}));  // nothing else pending, none may come
}

TEST(ResponseContext, AllBranchesSilentGive408) {
    Harness h;
    const auto b0 = h.add();
    const auto b1 = h.add();
    h.close();
    h.advance(31s);
    EXPECT_GT(h.sent(b0, sip::Method::invite), 1);  // Timer A retransmissions (UDP)
    EXPECT_TRUE(h.own_answers().empty());
    h.advance(1s);  // Timer B = 64*T1 = 32 s
    EXPECT_EQ(h.own_answers(), (Statuses{408}));
    EXPECT_EQ(h.ctx.branch_state(b1), BranchState::completed);
    EXPECT_TRUE(h.ctx.finished());
    EXPECT_EQ(h.finished_actions(), 1);
}

TEST(ResponseContext, TransportErrorCountsAs503) {
    Harness h;
    const auto b0 = h.add();
    h.close();
    h.ctx.on_transport_error(b0, h.now);
    h.drain();
    EXPECT_EQ(h.own_answers(), (Statuses{500}));  // a 503 never goes up as such

    Harness mixed;
    const auto m0 = mixed.add();
    const auto m1 = mixed.add();
    mixed.close();
    mixed.ctx.on_transport_error(m0, mixed.now);
    mixed.drain();
    mixed.respond(m1, 504);
    EXPECT_TRUE(mixed.own_answers().empty());
    EXPECT_EQ(mixed.final_forwarded(), (Statuses{504}));  // a received 5xx over the stand-in
}

// RFC 5626 §5.3: a request pinned to one flow whose transport fails is answered 430.
TEST(ResponseContext, TransportErrorStatusIsTheConfigs) {
    ResponseContextConfig pinned;
    pinned.transport_error_status = 430;
    Harness h("BYE", pinned);
    const auto b0 = h.add();
    h.close();
    h.ctx.on_transport_error(b0, h.now);
    h.drain();
    EXPECT_EQ(h.own_answers(), (Statuses{430}));
}

TEST(ResponseContext, CancelWaitsForProvisional) {
    Harness h;
    const auto b = h.add();
    h.ctx.cancel(h.now);
    h.drain();
    EXPECT_EQ(h.sent(b, sip::Method::cancel), 0);
    EXPECT_FALSE(h.ctx.add_branch(forwarded("INVITE", 1), false, h.now));
    EXPECT_EQ(h.own_answers(), (Statuses{487}));  // cancel() stands for close_branches
    h.respond(b, 100);
    ASSERT_EQ(h.sent(b, sip::Method::cancel), 1);
    h.respond(b, 487);
    EXPECT_TRUE(h.final_forwarded().empty());  // the caller already has its 487
}

TEST(ResponseContext, CancelMatchesForwardedInvite) {
    const sip::Message invite = forwarded("INVITE", 0);
    auto cancel = make_cancel(invite);
    ASSERT_TRUE(cancel);
    const sip::Message& c = cancel.value();
    EXPECT_EQ(c.method(), sip::Method::cancel);
    EXPECT_EQ(c.request_uri(), invite.request_uri());
    EXPECT_EQ(
        c.values(HeaderId::via),
        (std::vector<std::string_view>{"SIP/2.0/UDP 192.0.2.1:5060;branch=" + our_branch(0)}));
    EXPECT_EQ(c.header(HeaderId::to), "<sip:bob@example.com>");
    EXPECT_EQ(c.header(HeaderId::from), invite.header(HeaderId::from));
    EXPECT_EQ(c.header(HeaderId::call_id), "call-1");
    EXPECT_EQ(c.cseq_number(), 7u);
    EXPECT_EQ(c.cseq_method(), sip::Method::cancel);
    EXPECT_EQ(c.values(HeaderId::route), invite.values(HeaderId::route));
    EXPECT_EQ(c.header(HeaderId::max_forwards), "70");
    EXPECT_TRUE(c.body().empty());
}

TEST(ResponseContext, CancelOfSilentBranchAnswers487AtOnceAndEndsAtTimerB) {
    Harness h;
    const auto b = h.add();
    h.advance(10s);
    h.ctx.cancel(h.now);
    h.drain();
    EXPECT_EQ(h.own_answers(), (Statuses{487}));  // no wait for Timer B upstream
    h.advance(21s);
    EXPECT_FALSE(h.ctx.finished());  // the INVITE transaction still absorbs late answers
    h.advance(1s);
    EXPECT_EQ(h.sent(b, sip::Method::cancel), 0);  // §9.1: it never spoke, so no CANCEL
    EXPECT_EQ(h.own_answers(), (Statuses{487}));
    EXPECT_TRUE(h.ctx.finished());
}

TEST(ResponseContext, Late2xxOfCancelledSilentBranchIsStillForwarded) {
    Harness h;
    const auto b = h.add();
    h.ctx.cancel(h.now);
    h.drain();
    ASSERT_EQ(h.own_answers(), (Statuses{487}));
    h.respond(b, 200);  // the INVITE did arrive: §16.7 item 5, every 2xx goes up
    EXPECT_EQ(h.final_forwarded(), (Statuses{200}));
}

TEST(ResponseContext, AbandonedAttemptTakesNoPartInTheFinalChoice) {
    Harness h;
    const auto lost = h.add();  // a Happy Eyeballs attempt that never answered
    const auto won = h.add();
    h.close();
    h.ctx.abandon_branch(lost, h.now);
    h.drain();
    EXPECT_TRUE(h.own_answers().empty());  // its 487 stand-in is not an answer
    h.respond(won, 486);
    EXPECT_EQ(h.final_forwarded(), (Statuses{486}));
    h.respond(lost, 180);  // speaks up late: not forwarded, and now cancelled
    EXPECT_EQ(h.sent(lost, sip::Method::cancel), 1);
}

TEST(ResponseContext, TimedOutOrUnreachableBranchIsReportedAsFailed) {
    Harness h;
    const auto silent = h.add();
    const auto broken = h.add();
    h.ctx.on_transport_error(broken, h.now);
    h.drain();
    h.advance(33s);  // Timer B
    std::vector<std::pair<std::size_t, int>> failed;
    for (const auto& a : h.out)
        if (const auto* f = std::get_if<BranchFailed>(&a))
            failed.emplace_back(f->branch, f->status);
    EXPECT_EQ(failed, (std::vector<std::pair<std::size_t, int>>{{broken, 503}, {silent, 408}}));
}

TEST(ResponseContext, UpstreamCancelCancelsAllPendingBranches) {
    Harness h;
    for (int i = 0; i < 3; ++i) {
        h.add();
        h.respond(h.fwd.size() - 1, 180);
    }
    h.close();
    h.clear();
    h.ctx.cancel(h.now);
    h.drain();
    for (std::size_t b = 0; b < 3; ++b)
        EXPECT_EQ(h.sent(b, sip::Method::cancel), 1) << b;
    for (std::size_t b = 0; b < 3; ++b) {
        h.respond_to_cancel(b, 200);
        h.respond(b, 487);
    }
    EXPECT_EQ(h.final_forwarded(), (Statuses{487}));
    for (std::size_t b = 0; b < 3; ++b)
        EXPECT_EQ(h.sent(b, sip::Method::ack), 1) << b;
}

TEST(ResponseContext, TimerCCancelsProceedingBranch) {
    Harness h;
    const auto b = h.add();
    h.close();
    h.respond(b, 180);
    h.advance(180s);
    EXPECT_EQ(h.sent(b, sip::Method::cancel), 0);
    h.advance(1s);  // Timer C: more than 3 minutes
    EXPECT_EQ(h.sent(b, sip::Method::cancel), 1);
    EXPECT_FALSE(h.ctx.final_sent());
    h.respond(b, 487);
    EXPECT_EQ(h.final_forwarded(), (Statuses{487}));
}

TEST(ResponseContext, TimerCResetByProvisional) {
    Harness h;
    const auto b = h.add();
    h.close();
    h.respond(b, 180);
    h.advance(100s);
    h.respond(b, 183);
    h.advance(180s);  // 280 s since the 180, 180 s since the 183
    EXPECT_EQ(h.sent(b, sip::Method::cancel), 0);
    h.advance(1s);
    EXPECT_EQ(h.sent(b, sip::Method::cancel), 1);
}

TEST(ResponseContext, TimerCGives408ForSilentBranch) {
    ResponseContextConfig cfg;
    cfg.timer_c = 10s;  // shorter than Timer B (32 s) so Timer C is the one that fires
    Harness h("INVITE", cfg);
    const auto b0 = h.add();
    const auto b1 = h.add();
    h.close();
    h.respond(b1, 404);
    h.advance(10s);
    EXPECT_EQ(h.ctx.branch_state(b0), BranchState::completed);
    EXPECT_EQ(h.sent(b0, sip::Method::cancel), 0);
    EXPECT_EQ(h.final_forwarded(), (Statuses{404}));  // 404 and the 408 stand-in: first
    // The silent branch wakes up after all: it is cancelled, not forwarded.
    h.respond(b0, 180);
    EXPECT_EQ(h.sent(b0, sip::Method::cancel), 1);
    EXPECT_EQ(h.forwarded_statuses(), (Statuses{404}));
}

TEST(ResponseContext, NoBranchesGives480) {
    Harness h;
    h.close();
    EXPECT_EQ(h.own_answers(), (Statuses{480}));
    EXPECT_TRUE(h.ctx.final_sent());
    EXPECT_TRUE(h.ctx.finished());
    EXPECT_EQ(h.finished_actions(), 1);
    EXPECT_FALSE(h.ctx.add_branch(forwarded("INVITE", 0), false, h.now));
}

TEST(ResponseContext, FinalChosenOnlyAfterCloseBranches) {
    Harness h;
    const auto b0 = h.add();
    h.respond(b0, 404);
    EXPECT_TRUE(h.final_forwarded().empty());  // another target may still be tried
    EXPECT_FALSE(h.ctx.final_sent());
    const auto b1 = h.add();
    h.respond(b1, 302, {"Contact: <sip:bob@198.51.100.20>"});
    EXPECT_TRUE(h.final_forwarded().empty());
    h.close();
    EXPECT_EQ(h.final_forwarded(), (Statuses{302}));
}

TEST(ResponseContext, NonInviteForkingChoosesBest) {
    Harness h("OPTIONS");
    const auto b0 = h.add(true);
    const auto b1 = h.add(true);
    h.close();
    h.respond(b0, 100);
    h.respond(b0, 480);
    h.respond(b1, 415);
    EXPECT_EQ(h.final_forwarded(), (Statuses{415}));
    EXPECT_EQ(h.sent(b0, sip::Method::ack), 0);  // ACK only answers an INVITE

    Harness m("MESSAGE");
    const auto m0 = m.add();
    const auto m1 = m.add();
    m.respond(m0, 202);
    EXPECT_EQ(m.final_forwarded(), (Statuses{202}));
    m.ctx.cancel(m.now);
    m.drain();
    EXPECT_EQ(m.sent(m1, sip::Method::cancel), 0);  // §9.1: no CANCEL for non-INVITE
    m.respond(m1, 200);
    EXPECT_EQ(m.final_forwarded(), (Statuses{202}));               // one final only for non-INVITE
    EXPECT_LE(m.ctx.next_deadline().value_or(m.now), m.now + 5s);  // Timer K, no Timer C
}

TEST(ResponseContext, AckForNon2xxSentOnBranch) {
    Harness h;
    const auto b0 = h.add();
    const auto b1 = h.add();
    h.respond(b1, 486);
    ASSERT_EQ(h.sent(b1, sip::Method::ack), 1);
    EXPECT_EQ(h.sent(b0, sip::Method::ack), 0);
    for (const auto& a : h.out) {
        auto* s = std::get_if<SendOnBranch>(&a);
        if (s == nullptr || s->request.method() != sip::Method::ack) continue;
        EXPECT_EQ(
            s->request.values(HeaderId::via),
            (std::vector<std::string_view>{"SIP/2.0/UDP 192.0.2.1:5060;branch=" + our_branch(1)}));
        EXPECT_EQ(s->request.cseq_number(), 7u);
    }
}

TEST(ResponseContext, ResponseToCancelIsAbsorbed) {
    Harness h;
    const auto b = h.add();
    h.respond(b, 180);
    h.ctx.cancel(h.now);
    h.clear();
    h.respond_to_cancel(b, 200);
    h.respond_to_cancel(b, 200);  // a retransmission, absorbed by the CANCEL transaction too
    EXPECT_TRUE(h.forwarded_statuses().empty());
    EXPECT_TRUE(h.own_answers().empty());
    EXPECT_EQ(h.ctx.branch_state(b), BranchState::proceeding);  // the 487 is what ends it
}

TEST(ResponseContext, RetransmittedFinalNotForwardedTwice) {
    Harness h;
    const auto b = h.add();
    h.close();
    h.respond(b, 486);
    h.respond(b, 486);
    EXPECT_EQ(h.final_forwarded(), (Statuses{486}));
    EXPECT_EQ(h.sent(b, sip::Method::ack), 2);  // §17.1.1.2: the ACK is resent instead
}

TEST(ResponseContext, FinishedOnlyWhenAllTransactionsEnd) {
    Harness h;
    const auto b = h.add(true);
    h.respond(b, 180);
    h.ctx.cancel(h.now);
    h.respond(b, 487);  // reliable: the INVITE transaction ends at once (Timer D = 0)
    EXPECT_EQ(h.final_forwarded(), (Statuses{487}));
    EXPECT_FALSE(h.ctx.finished());  // our CANCEL is still unanswered
    h.respond_to_cancel(b, 200);
    EXPECT_TRUE(h.ctx.finished());
    EXPECT_EQ(h.finished_actions(), 1);
    EXPECT_EQ(h.ctx.next_deadline(), std::nullopt);

    Harness u;  // UDP: Timer D (32 s) keeps the INVITE transaction after its 487
    const auto ub = u.add();
    u.close();
    u.respond(ub, 486);
    EXPECT_TRUE(u.ctx.final_sent());
    u.advance(31s);
    EXPECT_FALSE(u.ctx.finished());
    u.advance(1s);
    EXPECT_TRUE(u.ctx.finished());
}

TEST(ResponseContext, LateResponseAfterFinalIgnored) {
    Harness h;
    const auto b0 = h.add();
    const auto b1 = h.add();
    h.respond(b1, 180);
    h.respond(b0, 200);
    h.respond(b1, 183);  // after the final: not forwarded
    h.respond(b1, 487);
    EXPECT_EQ(h.forwarded_statuses(), (Statuses{180, 200}));
    EXPECT_TRUE(h.own_answers().empty());
    EXPECT_EQ(h.sent(b1, sip::Method::ack), 1);  // still acknowledged on its branch
}

TEST(ResponseContext, CancelGivesUpOnBranchWithoutFinal) {
    Harness h;
    const auto b = h.add();
    h.respond(b, 180);
    h.ctx.cancel(h.now);
    h.respond_to_cancel(b, 200);
    h.advance(31s);
    EXPECT_TRUE(h.own_answers().empty());
    h.advance(1s);  // §9.1: 64*T1 after the CANCEL the branch is considered cancelled
    EXPECT_EQ(h.own_answers(), (Statuses{408}));
    EXPECT_TRUE(h.ctx.finished());
}

}  // namespace
}  // namespace happysip::proxy
