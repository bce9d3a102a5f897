#include "happysip/txn/non_invite_client_transaction.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "happysip/sip/builder.hpp"
#include "happysip/sip/header_id.hpp"

namespace happysip::txn {
namespace {

using std::chrono::milliseconds;
using S = NonInviteClientTransaction::State;

const Instant t0 = Instant{} + std::chrono::seconds(100);
Instant at_ms(long long ms) {
    return t0 + milliseconds(ms);
}
long long ms_of(Instant t) {
    return std::chrono::duration_cast<milliseconds>(t - t0).count();
}

sip::Message options() {
    sip::RequestParts p;
    p.method = "OPTIONS";
    p.request_uri = "sip:bob@biloxi.example.com";
    p.via_sent_by = "pc33.atlanta.example.com";
    p.branch = "z9hG4bK776asdhds";
    p.from = "Alice <sip:alice@atlanta.example.com>";
    p.from_tag = "1928301774";
    p.to = "Bob <sip:bob@biloxi.example.com>";
    p.call_id = "a84b4c76e66710";
    p.cseq = 314159;
    p.routes = {"<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"};
    auto m = sip::make_request(p);
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

sip::Message response(const sip::Message& request, int code) {
    auto m = sip::make_response(request, code, {}, code == 100 ? "" : "b0b");
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

std::vector<std::string> described(std::vector<Action> actions) {
    std::vector<std::string> out;
    for (const Action& a : actions)
        out.push_back(describe(a));
    return out;
}

// Fires every deadline up to `limit_ms`, logging "<ms> <action>".
template <class Txn>
std::vector<std::string> run_timers(Txn& txn, long long limit_ms) {
    std::vector<std::string> log;
    while (auto d = txn.next_deadline()) {
        if (ms_of(*d) > limit_ms) break;
        txn.on_timer(*d);
        for (const Action& a : txn.take_actions()) {
            log.push_back(std::to_string(ms_of(*d)) + " " + describe(a));
        }
    }
    return log;
}

TEST(NonInviteClientTransaction, SendsRequestOnCreation) {
    NonInviteClientTransaction t(options(), Transport::unreliable, {}, at_ms(0));
    EXPECT_EQ(t.state(), S::trying);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send OPTIONS"}));
    EXPECT_EQ(t.next_deadline(), at_ms(500));
}

TEST(NonInviteClientTransaction, TimerECapsAtT2) {
    NonInviteClientTransaction t(options(), Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_EQ(run_timers(t, 31000),
              (std::vector<std::string>{
                  "500 send OPTIONS", "1500 send OPTIONS", "3500 send OPTIONS", "7500 send OPTIONS",
                  "11500 send OPTIONS", "15500 send OPTIONS", "19500 send OPTIONS",
                  "23500 send OPTIONS", "27500 send OPTIONS"}));
}

TEST(NonInviteClientTransaction, TimerFTimesOut) {
    NonInviteClientTransaction t(options(), Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    const auto log = run_timers(t, 100000);
    ASSERT_GE(log.size(), 3u);
    EXPECT_EQ(log[log.size() - 3], "31500 send OPTIONS");
    EXPECT_EQ(log[log.size() - 2], "32000 timeout");
    EXPECT_EQ(log.back(), "32000 terminated");
    EXPECT_EQ(t.state(), S::terminated);
}

TEST(NonInviteClientTransaction, ReliableTransportHasNoTimerE) {
    NonInviteClientTransaction t(options(), Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_EQ(run_timers(t, 100000),
              (std::vector<std::string>{"32000 timeout", "32000 terminated"}));
}

TEST(NonInviteClientTransaction, ProvisionalMakesTimerET2) {
    auto req = options();
    NonInviteClientTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_EQ(run_timers(t, 500), (std::vector<std::string>{"500 send OPTIONS"}));
    t.on_response(response(req, 100), at_ms(600));
    EXPECT_EQ(t.state(), S::proceeding);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu 100"}));
    // The armed E (1500) still fires, then every T2.
    EXPECT_EQ(
        run_timers(t, 10000),
        (std::vector<std::string>{"1500 send OPTIONS", "5500 send OPTIONS", "9500 send OPTIONS"}));
}

TEST(NonInviteClientTransaction, FinalGoesToCompletedAndWaitsTimerK) {
    auto req = options();
    NonInviteClientTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    const auto ok = response(req, 200);
    t.on_response(ok, at_ms(100));
    EXPECT_EQ(t.state(), S::completed);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu 200"}));
    EXPECT_EQ(t.next_deadline(), at_ms(5100));  // Timer K = T4
    t.on_response(ok, at_ms(600));              // retransmission absorbed
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_EQ(run_timers(t, 100000), (std::vector<std::string>{"5100 terminated"}));
}

TEST(NonInviteClientTransaction, TimerKZeroOnReliable) {
    auto req = options();
    NonInviteClientTransaction t(req, Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_response(response(req, 404), at_ms(100));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu 404", "terminated"}));
    EXPECT_EQ(t.state(), S::terminated);
    EXPECT_EQ(t.next_deadline(), std::nullopt);
}

TEST(NonInviteClientTransaction, TransportErrorInformsTu) {
    NonInviteClientTransaction t(options(), Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_transport_error(at_ms(1));
    EXPECT_EQ(described(t.take_actions()),
              (std::vector<std::string>{"transport error", "terminated"}));
}

}  // namespace
}  // namespace happysip::txn
