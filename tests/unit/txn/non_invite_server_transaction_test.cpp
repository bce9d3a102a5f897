#include "happysip/txn/non_invite_server_transaction.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "happysip/sip/builder.hpp"
#include "happysip/sip/header_id.hpp"

namespace happysip::txn {
namespace {

using std::chrono::milliseconds;
using S = NonInviteServerTransaction::State;

const Instant t0 = Instant{} + std::chrono::seconds(100);
Instant at_ms(long long ms) {
    return t0 + milliseconds(ms);
}
long long ms_of(Instant t) {
    return std::chrono::duration_cast<milliseconds>(t - t0).count();
}

sip::Message bye() {
    sip::RequestParts p;
    p.method = "BYE";
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

}  // namespace
}  // namespace happysip::txn
