#include "happysip/txn/non_invite_server_transaction.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "happysip/sip/builder.hpp"
#include "happysip/sip/header_id.hpp"
#include "txn_test_support.hpp"

namespace happysip::txn {
namespace {

using std::chrono::milliseconds;
using S = NonInviteServerTransaction::State;

using namespace happysip::txn::test;

sip::Message bye() {
    return request("BYE");
}

TEST(NonInviteServerTransaction, PassesRequestToTu) {
    NonInviteServerTransaction t(bye(), Transport::unreliable, {}, at_ms(0));
    EXPECT_EQ(t.state(), S::trying);
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"tu BYE"}));
    EXPECT_EQ(t.next_deadline(), std::nullopt);
}

TEST(NonInviteServerTransaction, RequestRetransmissionAbsorbedInTrying) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    t.on_request(req, at_ms(500));
    EXPECT_TRUE(t.take_actions().empty());
}

TEST(NonInviteServerTransaction, RequestRetransmissionResendsLastResponse) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_TRUE(t.send_response(response(req, 100), at_ms(10)));
    EXPECT_EQ(t.state(), S::proceeding);
    t.on_request(req, at_ms(500));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 100", "send 100"}));
    EXPECT_TRUE(t.send_response(response(req, 200), at_ms(600)));
    t.on_request(req, at_ms(1500));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 200", "send 200"}));
    EXPECT_EQ(t.state(), S::completed);
}

TEST(NonInviteServerTransaction, LaterFinalsFromTuAreDropped) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_TRUE(t.send_response(response(req, 200), at_ms(0)));
    EXPECT_FALSE(t.send_response(response(req, 500), at_ms(1)));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 200"}));
}

TEST(NonInviteServerTransaction, TimerJ) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    (void)t.send_response(response(req, 200), at_ms(250));
    (void)t.take_actions();
    EXPECT_EQ(t.next_deadline(), at_ms(32250));  // Timer J = 64*T1
    EXPECT_EQ(run_timers(t, 100000), (std::vector<std::string>{"32250 terminated"}));
}

TEST(NonInviteServerTransaction, TimerJZeroOnReliable) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    (void)t.send_response(response(req, 200), at_ms(250));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"send 200", "terminated"}));
    EXPECT_EQ(t.state(), S::terminated);
}

TEST(NonInviteServerTransaction, TransportErrorInformsTu) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    (void)t.send_response(response(req, 180), at_ms(0));
    (void)t.take_actions();
    t.on_transport_error(at_ms(1));
    EXPECT_EQ(described(t.take_actions()),
              (std::vector<std::string>{"transport error", "terminated"}));
}

// The final response sent by the caller as bytes (SipServer's own answers): Completed
// and Timer J as with send_response, but no Send, and nothing resent in Completed.
TEST(NonInviteServerTransaction, FinalSentByCallerCompletesWithoutSend) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_TRUE(t.send_response(response(req, 100), at_ms(10)));
    (void)t.take_actions();
    EXPECT_TRUE(t.note_final_sent(200, at_ms(250)));
    EXPECT_EQ(t.state(), S::completed);
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_EQ(t.final_response(), nullptr);
    EXPECT_EQ(t.request().method(), sip::Method::other);  // let go, as on send_response
    t.on_request(req, at_ms(500));  // not the 100 again: the caller answers in Completed
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_FALSE(t.note_final_sent(500, at_ms(600)));
    EXPECT_FALSE(t.send_response(response(req, 500), at_ms(600)));
    EXPECT_EQ(t.next_deadline(), at_ms(32250));
    EXPECT_EQ(run_timers(t, 100000), (std::vector<std::string>{"32250 terminated"}));
}

TEST(NonInviteServerTransaction, FinalSentByCallerOnReliableTerminates) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::reliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_TRUE(t.note_final_sent(404, at_ms(5)));
    EXPECT_EQ(described(t.take_actions()), (std::vector<std::string>{"terminated"}));
    EXPECT_EQ(t.state(), S::terminated);
}

TEST(NonInviteServerTransaction, FinalSentByCallerMustBeFinal) {
    auto req = bye();
    NonInviteServerTransaction t(req, Transport::unreliable, {}, at_ms(0));
    (void)t.take_actions();
    EXPECT_FALSE(t.note_final_sent(180, at_ms(1)));
    EXPECT_FALSE(t.note_final_sent(700, at_ms(1)));
    EXPECT_EQ(t.state(), S::trying);
    EXPECT_TRUE(t.take_actions().empty());
    EXPECT_EQ(t.request().method(), sip::Method::bye);
}

}  // namespace
}  // namespace happysip::txn
