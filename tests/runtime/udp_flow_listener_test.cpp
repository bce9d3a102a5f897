// RFC 5626 §5.3 and RFC 3261 §18.1.1 with several UDP listeners of one family: what goes
// to a UA over the UDP flow it registered on leaves from the listener that REGISTER
// arrived on, since a NAT in front of the UA passes only datagrams from the address and
// port its mapping points at. Two listeners of one family, on two ports of 127.0.0.1 or on
// 127.0.0.1 and 127.0.0.2; the UA registers through the second, which is never the one a
// family alone would pick.
#include <gtest/gtest.h>

#include <asio/ip/udp.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "runtime_test_support.hpp"
#include "udp_test_peer.hpp"

namespace happysip::runtime {
namespace {

using eyeballs::Transport;
using test::k_loopback_v4;
using test::run_until;

// Long enough for every exchange below, short enough to let one flow fail in a test.
constexpr std::chrono::milliseconds k_flow_idle{1'000};

using Ua = test::UdpPeer;

// A server with two UDP listeners of one family whose handler marks the flow of every
// REGISTER (as happysipd's registrar does, RFC 5626 §5.2) and answers 200.
// The parameter: the second listener's address.
class UdpFlowListener : public ::testing::TestWithParam<const char*> {
  protected:
    UdpFlowListener() : server(io, options()) {
        server.on_request([this](const sip::Message& m, const RequestSource& source, Responder& r) {
            if (m.method() == sip::Method::register_) marked.push_back(server.mark_flow(source));
            r.respond(200);
        });
        for (std::string address : {"127.0.0.1", GetParam()}) {
            auto listening = server.listen(*parse_listen_spec("udp:" + address + ":0"));
            EXPECT_TRUE(listening.error.empty()) << listening.error;
            const auto bound = parse_destination(listening.bound);
            EXPECT_TRUE(bound) << listening.bound;
            if (bound) listeners.emplace_back(bound->address, bound->port);
        }
    }
    ~UdpFlowListener() override { server.stop(); }

    static SipServerOptions options() {
        SipServerOptions o;
        o.flow_idle_timeout = k_flow_idle;
        o.idle_sweep_interval = std::chrono::milliseconds(50);
        return o;
    }
    // Registers `ua` through listener `i` and waits for the 200 (from there too).
    void register_through(Ua& ua, std::size_t i) {
        ASSERT_EQ(listeners.size(), 2u);
        const std::size_t received = ua.received.size();
        const std::size_t marks = marked.size();
        ua.socket.send_to(asio::buffer(ua.register_request()), listeners[i]);
        run_until(io, [&] { return ua.received.size() > received && marked.size() > marks; });
        ASSERT_EQ(marked.size(), marks + 1);
        ASSERT_TRUE(marked.back());
        ASSERT_EQ(ua.received.size(), received + 1);
        ASSERT_EQ(ua.received.back().from, listeners[i]);
    }
    void register_through_second(Ua& ua) { register_through(ua, 1); }
    static Destination to(const Ua& ua, bool flow) {
        return {Transport::udp, k_loopback_v4, ua.port(), {}, flow};
    }
    // What `ua` receives next, after `send` (nullptr when nothing came within the bound).
    const Ua::Datagram* next(Ua& ua, const std::function<void()>& send) {
        const std::size_t before = ua.received.size();
        send();
        run_until(io, [&] { return ua.received.size() > before; });
        return ua.received.size() > before ? &ua.received.back() : nullptr;
    }

    asio::io_context io;
    SipServer server;
    std::vector<asio::ip::udp::endpoint> listeners;
    std::vector<bool> marked;
};

TEST_P(UdpFlowListener, RequestDownAFlowLeavesFromTheListenerItRegisteredOn) {
    Ua ua(io);
    register_through_second(ua);
    // Its Via names that listener too, so the UA's response comes back through the mapping.
    const std::string sent_by = server.via_sent_by(to(ua, true));
    EXPECT_EQ(sent_by, to_hostport(listeners[1]));
    std::string error;
    const auto* got = next(ua, [&] {
        server.send_request(to(ua, true), test::options_text(sent_by, "z9hG4bKflow1"),
                            [&](std::string d) { error = d; });
    });
    ASSERT_NE(got, nullptr) << error;
    EXPECT_EQ(got->from, listeners[1]);
    EXPECT_EQ(got->bytes.rfind("OPTIONS ", 0), 0u);
}

TEST_P(UdpFlowListener, ARequestToTheFlowsPeerTakesItWithoutExistingFlowOnly) {
    Ua ua(io);
    register_through_second(ua);
    const auto* got = next(ua, [&] {
        server.send_request(to(ua, false), test::options_text("x.invalid", "z9hG4bKflow2"));
    });
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->from, listeners[1]);
}

TEST_P(UdpFlowListener, StatelessResponseToTheFlowLeavesFromItsListener) {
    Ua ua(io);
    register_through_second(ua);
    auto response = sip::parse_message(
        "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP " + ua.sent_by() +
        ";branch=z9hG4bKsl;rport\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
        "Call-ID: sl\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(response) << response.error().to_string();
    const auto* got = next(ua, [&] { EXPECT_TRUE(server.forward_response(response.value())); });
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->from, listeners[1]);
}

// Requests to a peer that registered no flow keep the family's first listener.
TEST_P(UdpFlowListener, APeerWithoutAFlowKeepsTheFirstListenerOfItsFamily) {
    Ua flow(io);
    register_through_second(flow);
    Ua plain(io);
    EXPECT_EQ(server.via_sent_by(to(plain, false)), to_hostport(listeners[0]));
    const auto* got = next(plain, [&] {
        server.send_request(to(plain, false), test::options_text("x.invalid", "z9hG4bKplain"));
    });
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->from, listeners[0]);
}

// RFC 5626 §4.4.1: a UA whose flow failed registers again, here through the first listener;
// from then on that new flow is the one requests take.
TEST_P(UdpFlowListener, AfterTheFlowFailedTheNewRegistrationsListenerIsUsed) {
    Ua ua(io);
    register_through_second(ua);
    run_until(io, [&] { return !server.flow_alive(to(ua, true)); });
    ASSERT_FALSE(server.flow_alive(to(ua, true)));
    register_through(ua, 0);
    EXPECT_TRUE(server.flow_alive(to(ua, true)));
    EXPECT_EQ(server.via_sent_by(to(ua, true)), to_hostport(listeners[0]));
    const auto* got = next(ua, [&] {
        server.send_request(to(ua, true), test::options_text("x.invalid", "z9hG4bKagain"));
    });
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->from, listeners[0]);
}

INSTANTIATE_TEST_SUITE_P(TwoPorts, UdpFlowListener, ::testing::Values("127.0.0.1"));
INSTANTIATE_TEST_SUITE_P(TwoAddresses, UdpFlowListener, ::testing::Values("127.0.0.2"));

}  // namespace
}  // namespace happysip::runtime
