#include "happysip/txn/non_invite_client_transaction.hpp"

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
using S = NonInviteClientTransaction::State;

using namespace happysip::txn::test;

sip::Message options() {
    return request("OPTIONS");
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
