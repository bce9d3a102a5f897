#include "happysip/txn/invite_client_transaction.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "happysip/sip/builder.hpp"
#include "happysip/sip/header_id.hpp"
#include "happysip/txn/ack.hpp"
#include "txn_test_support.hpp"

namespace happysip::txn {
namespace {

using std::chrono::milliseconds;
using S = InviteClientTransaction::State;

using namespace happysip::txn::test;

sip::Message invite() {
    return request("INVITE");
}

TEST(InviteClientTransaction, SendsInviteOnCreation) {
    InviteClientTransaction t(invite(), Transport::unreliable, {}, at_ms(0));
    EXPECT_EQ(t.state(), S::calling);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send INVITE"}));
    EXPECT_EQ(t.next_deadline(), at_ms(500));
}

TEST(InviteClientTransaction, RetransmitsWithTimerADoublingUntilTimerB) {
    InviteClientTransaction t(invite(), Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_EQ(run_timers(t, 100000),
              (std::vector<std::string>{"500 send INVITE", "1500 send INVITE", "3500 send INVITE",
                                        "7500 send INVITE", "15500 send INVITE",
                                        "31500 send INVITE", "32000 timeout", "32000 terminated"}));
    EXPECT_EQ(t.state(), S::terminated);
    EXPECT_EQ(t.next_deadline(), std::nullopt);
}

TEST(InviteClientTransaction, ReliableTransportHasNoTimerA) {
    InviteClientTransaction t(invite(), Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_EQ(t.next_deadline(), at_ms(32000));
    EXPECT_EQ(run_timers(t, 100000),
              (std::vector<std::string>{"32000 timeout", "32000 terminated"}));
}

TEST(InviteClientTransaction, LateWakeUpFiresEachDueTimerOnce) {
    InviteClientTransaction t(invite(), Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_timer(at_ms(1400));  // only A (500) is due; it is re-armed at 1400 + 1000
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send INVITE"}));
    EXPECT_EQ(t.next_deadline(), at_ms(2400));
}

TEST(InviteClientTransaction, ProvisionalStopsRetransmissions) {
    auto inv = invite();
    InviteClientTransaction t(inv, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_response(response(inv, 180), at_ms(300));
    EXPECT_EQ(t.state(), S::proceeding);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu 180"}));
    EXPECT_EQ(t.next_deadline(), std::nullopt);
    t.on_response(response(inv, 183), at_ms(400));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu 183"}));
}

TEST(InviteClientTransaction, Non2xxFinalSendsAckAndWaitsTimerD) {
    auto inv = invite();
    InviteClientTransaction t(inv, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_response(response(inv, 486), at_ms(700));
    EXPECT_EQ(t.state(), S::completed);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send ACK", "tu 486"}));
    EXPECT_EQ(t.next_deadline(), at_ms(700 + 32000));
    EXPECT_EQ(run_timers(t, 100000), (std::vector<std::string>{"32700 terminated"}));
}

TEST(InviteClientTransaction, TimerDZeroOnReliable) {
    auto inv = invite();
    InviteClientTransaction t(inv, Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_response(response(inv, 503), at_ms(10));
    EXPECT_EQ(described(t.take_actions()),
              (std::vector<std::string>{"send ACK", "tu 503", "terminated"}));
    EXPECT_EQ(t.state(), S::terminated);
}

TEST(InviteClientTransaction, AckRetransmittedOnFinalRetransmission) {
    auto inv = invite();
    InviteClientTransaction t(inv, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    const auto busy = response(inv, 486);
    t.on_response(busy, at_ms(100));
    (void)t.take_actions();
    t.on_response(busy, at_ms(600));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send ACK"}));
    EXPECT_EQ(t.state(), S::completed);
}

TEST(InviteClientTransaction, AckFollowsRfc3261Section17113) {
    auto inv = invite();
    auto resp = response(inv, 404);
    auto ack = make_ack_for_non_2xx(inv, resp);
    ASSERT_TRUE(ack.ok()) << ack.error().to_string();
    EXPECT_EQ(ack->method(), sip::Method::ack);
    EXPECT_EQ(ack->request_uri(), "sip:bob@biloxi.example.com");
    EXPECT_EQ(ack->values(sip::HeaderId::via),
              (std::vector<std::string_view>{inv.values(sip::HeaderId::via).front()}));
    EXPECT_EQ(ack->header(sip::HeaderId::from), inv.header(sip::HeaderId::from));
    EXPECT_EQ(ack->header(sip::HeaderId::to), "Bob <sip:bob@biloxi.example.com>;tag=b0b");
    EXPECT_EQ(ack->header(sip::HeaderId::call_id), "a84b4c76e66710");
    EXPECT_EQ(ack->cseq_number(), 314159u);
    EXPECT_EQ(ack->cseq_method(), sip::Method::ack);
    EXPECT_EQ(
        ack->values(sip::HeaderId::route),
        (std::vector<std::string_view>{"<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"}));
}

TEST(InviteClientTransaction, TwoXxGoesToAcceptedAndPassesRetransmittedTwoXx) {
    auto inv = invite();
    InviteClientTransaction t(inv, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    const auto ok = response(inv, 200);
    t.on_response(ok, at_ms(200));
    EXPECT_EQ(t.state(), S::accepted);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu 200"}));
    EXPECT_EQ(t.next_deadline(), at_ms(200 + 32000));  // RFC 6026 Timer M = 64*T1
    t.on_response(ok, at_ms(700));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu 200"}));
    t.on_response(response(inv, 486), at_ms(800));  // a non-2xx is absorbed
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_EQ(run_timers(t, 100000), (std::vector<std::string>{"32200 terminated"}));
}

TEST(InviteClientTransaction, TransportErrorInCallingInformsTu) {
    InviteClientTransaction t(invite(), Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_transport_error(at_ms(5));
    EXPECT_EQ(described(t.take_actions()),
              (std::vector<std::string>{"transport error", "terminated"}));
    EXPECT_EQ(t.state(), S::terminated);
}

TEST(InviteClientTransaction, TimerValuesFollowTimerConfig) {
    TimerConfig cfg;
    cfg.t1 = milliseconds(100);
    InviteClientTransaction t(invite(), Transport::unreliable, cfg, at_ms(0));
    (void)t.take_actions();
    const auto log = run_timers(t, 100000);
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.front(), "100 send INVITE");
    EXPECT_EQ(log.back(), "6400 terminated");
}

}  // namespace
}  // namespace happysip::txn
