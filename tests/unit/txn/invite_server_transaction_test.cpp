#include "happysip/txn/invite_server_transaction.hpp"

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
using S = InviteServerTransaction::State;

using namespace happysip::txn::test;

sip::Message invite() {
    return request("INVITE");
}

// A server transaction for a received INVITE whose 100 Trying and PassToTu are drained.
InviteServerTransaction make_ist(const sip::Message& inv, Transport transport) {
    InviteServerTransaction t(inv, transport, {}, at_ms(0));
    (void)t.take_actions();
    return t;
}

TEST(InviteServerTransaction, PassesInviteToTuAndSends100Trying) {
    InviteServerTransaction t(invite(), Transport::unreliable, {}, at_ms(0));
    EXPECT_EQ(t.state(), S::proceeding);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 100", "tu INVITE"}));
    EXPECT_EQ(t.next_deadline(), std::nullopt);
}

TEST(InviteServerTransaction, No100WhenTuAnswersWithin200Ms) {
    InviteServerTransaction t(invite(), Transport::unreliable, {}, at_ms(0),
                              InviteServerTransaction::Send100::no);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu INVITE"}));
}

TEST(InviteServerTransaction, RequestRetransmissionResendsLastProvisional) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::unreliable);
    t.on_request(inv, at_ms(500));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 100"}));
    EXPECT_TRUE(t.send_response(response(inv, 180), at_ms(600)));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 180"}));
    t.on_request(inv, at_ms(1500));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 180"}));
    EXPECT_EQ(t.state(), S::proceeding);
}

TEST(InviteServerTransaction, RetransmitsFinalWithTimerGUntilAck) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::unreliable);
    const auto busy = response(inv, 486);
    EXPECT_TRUE(t.send_response(busy, at_ms(1000)));
    EXPECT_EQ(t.state(), S::completed);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 486"}));
    EXPECT_EQ(run_timers(t, 13000),
              (std::vector<std::string>{"1500 send 486", "2500 send 486", "4500 send 486",
                                        "8500 send 486", "12500 send 486"}));
    auto ack = make_ack_for_non_2xx(inv, busy);
    ASSERT_TRUE(ack.ok());
    t.on_request(*ack, at_ms(13000));
    EXPECT_EQ(t.state(), S::confirmed);
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_EQ(t.next_deadline(), at_ms(18000));  // Timer I = T4
    t.on_request(*ack, at_ms(13100));            // ACK retransmission absorbed
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_EQ(run_timers(t, 100000), (std::vector<std::string>{"18000 terminated"}));
}

TEST(InviteServerTransaction, InviteRetransmissionInCompletedResendsFinal) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::unreliable);
    (void)t.send_response(response(inv, 603), at_ms(0));
    (void)t.take_actions();
    t.on_request(inv, at_ms(200));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 603"}));
}

TEST(InviteServerTransaction, TimerHWithoutAckTimesOut) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::unreliable);
    (void)t.send_response(response(inv, 486), at_ms(0));
    (void)t.take_actions();
    const auto log = run_timers(t, 100000);
    ASSERT_GE(log.size(), 3u);
    EXPECT_EQ(log[log.size() - 3], "31500 send 486");
    EXPECT_EQ(log[log.size() - 2], "32000 timeout");
    EXPECT_EQ(log.back(), "32000 terminated");
}

TEST(InviteServerTransaction, ReliableTransportHasNoTimerGAndZeroTimerI) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::reliable);
    const auto busy = response(inv, 486);
    (void)t.send_response(busy, at_ms(0));
    (void)t.take_actions();
    EXPECT_EQ(t.next_deadline(), at_ms(32000));  // only Timer H
    auto ack = make_ack_for_non_2xx(inv, busy);
    ASSERT_TRUE(ack.ok());
    t.on_request(*ack, at_ms(50));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"terminated"}));
}

TEST(InviteServerTransaction, TwoXxGoesToAccepted) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::unreliable);
    const auto ok = response(inv, 200);
    EXPECT_TRUE(t.send_response(ok, at_ms(100)));
    EXPECT_EQ(t.state(), S::accepted);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 200"}));
    EXPECT_EQ(t.next_deadline(), at_ms(32100));  // RFC 6026 Timer L = 64*T1
    t.on_request(inv, at_ms(600));               // INVITE retransmission absorbed
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_TRUE(t.send_response(ok, at_ms(600)));  // the TU retransmits the 2xx
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 200"}));
    EXPECT_FALSE(t.send_response(response(inv, 486), at_ms(700)));
    EXPECT_EQ(run_timers(t, 100000), (std::vector<std::string>{"32100 terminated"}));
}

TEST(InviteServerTransaction, TransportErrorInformsTu) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::reliable);
    (void)t.send_response(response(inv, 486), at_ms(0));
    (void)t.take_actions();
    t.on_transport_error(at_ms(1));
    EXPECT_EQ(described(t.take_actions()),
              (std::vector<std::string>{"transport error", "terminated"}));
}

TEST(InviteServerTransaction, TransportErrorInAcceptedKeepsAbsorbingUntilTimerL) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::reliable);
    (void)t.send_response(response(inv, 200), at_ms(0));
    (void)t.take_actions();
    t.on_transport_error(at_ms(1));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"transport error"}));
    EXPECT_EQ(t.state(), S::accepted);
    EXPECT_EQ(t.next_deadline(), at_ms(32000));
}

TEST(InviteServerTransaction, AckInAcceptedGoesToTu) {
    auto inv = invite();
    auto t = make_ist(inv, Transport::unreliable);
    (void)t.send_response(response(inv, 200), at_ms(0));
    (void)t.take_actions();
    auto ack = make_ack_for_non_2xx(inv, response(inv, 200));
    ASSERT_TRUE(ack.ok());
    t.on_request(*ack, at_ms(100));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu ACK"}));
    EXPECT_EQ(t.state(), S::accepted);
}

}  // namespace
}  // namespace happysip::txn
