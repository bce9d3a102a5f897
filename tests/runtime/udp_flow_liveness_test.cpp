// RFC 5626 flows over UDP in SipServer, with short real limits: a UA registers with
// Outbound over a raw loopback socket (the handler calls mark_flow, as happysipd's
// registrar does, §5.2), then keeps sending STUN keep-alives (§4.4.2) or SIP, or falls
// silent; flow_alive is what a proxy asks before using the flow (§5.3).
#include <gtest/gtest.h>

#include <array>
#include <asio/ip/udp.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/sip/builder.hpp"
#include "happysip/stun/binding_request.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using namespace std::chrono_literals;
using test::k_loopback_v4;
using test::run_until;

constexpr std::chrono::milliseconds k_flow_idle{300};

// A UA's socket: sends what a test gives it, reads and counts what comes back.
struct Ua {
    explicit Ua(asio::io_context& io, const asio::ip::address& at = k_loopback_v4) : socket(io) {
        socket.open(at.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6());
        socket.bind({at, 0});
        receive();
    }
    void receive() {
        socket.async_receive_from(asio::buffer(buffer), from,
                                  [this](std::error_code ec, std::size_t) {
                                      if (ec) return;
                                      ++received;
                                      receive();
                                  });
    }
    std::string sent_by() const { return to_hostport(socket.local_endpoint()); }
    std::uint16_t port() const { return socket.local_endpoint().port(); }
    void send(const asio::ip::udp::endpoint& to, const std::string& bytes) {
        socket.send_to(asio::buffer(bytes), to);
    }
    std::string request(const std::string& method, const std::string& branch) const {
        sip::RequestParts p;
        p.method = method;
        p.request_uri = "sip:example.com";
        p.via_sent_by = sent_by();
        p.branch = branch;
        p.from = "<sip:alice@example.com>";
        p.from_tag = "a1";
        p.to = "<sip:alice@example.com>";
        p.call_id = "reg-" + std::to_string(port());
        p.cseq = ++cseq;
        if (method == "REGISTER")
            p.contact =
                "<sip:alice@" + sent_by() +
                ">;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-000000000001>\"";
        auto m = sip::make_request(p);
        EXPECT_TRUE(m.ok());
        return m ? m->serialize() : std::string();
    }

    asio::ip::udp::socket socket;
    std::array<char, 2048> buffer{};
    asio::ip::udp::endpoint from;
    int received = 0;
    mutable std::uint32_t cseq = 0;
};

// A server whose handler marks the flow of every REGISTER and answers everything 200.
struct FlowServer {
    explicit FlowServer(asio::io_context& io_, const asio::ip::address& address = k_loopback_v4)
        : io(io_), server(io_, options()) {
        server.on_request([this](const sip::Message& m, const RequestSource& source, Responder& r) {
            if (m.method() == sip::Method::register_) marked.push_back(server.mark_flow(source));
            r.respond(200);
        });
        server.on_log([this](std::string_view event, const std::string& detail) {
            if (event == "flow_idle_closed") idle_closed.push_back(detail);
        });
        auto listening = server.listen(*parse_listen_spec("udp:" + to_hostport(address, 0)));
        EXPECT_TRUE(listening.error.empty()) << listening.error;
        at = {address, static_cast<std::uint16_t>(
                           std::stoi(listening.bound.substr(listening.bound.rfind(':') + 1)))};
    }
    static SipServerOptions options() {
        SipServerOptions o;
        o.flow_idle_timeout = k_flow_idle;
        o.idle_sweep_interval = 50ms;
        return o;
    }
    static Destination flow_of(const Ua& ua) {
        return {
            eyeballs::Transport::udp, ua.socket.local_endpoint().address(), ua.port(), {}, true};
    }
    // Registers `ua` over its flow and waits for the 200.
    void register_(Ua& ua, const std::string& branch) {
        const int before = ua.received;
        const std::size_t marks = marked.size();
        ua.send(at, ua.request("REGISTER", branch));
        run_until(io, [&] { return ua.received > before && marked.size() > marks; });
        ASSERT_GT(marked.size(), marks);
        EXPECT_TRUE(marked.back());
    }
    // Runs the loop for `span`, calling `tick` every `every`.
    void pump(std::chrono::milliseconds span, std::chrono::milliseconds every,
              const std::function<void()>& tick) {
        const auto until = std::chrono::steady_clock::now() + span;
        while (std::chrono::steady_clock::now() < until) {
            tick();
            io.restart();
            io.run_for(every);
        }
    }

    asio::io_context& io;
    SipServer server;
    asio::ip::udp::endpoint at;
    std::vector<bool> marked;
    std::vector<std::string> idle_closed;
};

// A server with one UA; the tests register it over its flow first.
class UdpFlowLiveness : public ::testing::Test {
  protected:
    asio::io_context io;
    FlowServer s{io};
    Ua ua{io};
};

std::string stun_request(std::uint8_t n) {
    return stun::binding_request({0x75, 0x64, 0x70, n, 1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_F(UdpFlowLiveness, FlowThatKeepsSendingStunKeepalivesStaysAlive) {
    s.register_(ua, "z9hG4bKstun");
    std::uint8_t n = 0;
    s.pump(1s, 100ms, [&] { ua.send(s.at, stun_request(++n)); });
    EXPECT_TRUE(s.server.flow_alive(FlowServer::flow_of(ua)));
    EXPECT_TRUE(s.idle_closed.empty()) << s.idle_closed.front();
    EXPECT_EQ(s.server.connection_counters().idle_flows_closed, 0u);
    EXPECT_GE(ua.received, 5);  // the STUN answers came back too
    s.server.stop();
}

TEST_F(UdpFlowLiveness, SilentFlowFailsAfterTheTimeoutAndIsLoggedOnce) {
    s.register_(ua, "z9hG4bKsilent");
    const auto registered = std::chrono::steady_clock::now();  // the server heard it before
    EXPECT_TRUE(s.server.flow_alive(FlowServer::flow_of(ua)));
    run_until(io, [&] { return !s.server.flow_alive(FlowServer::flow_of(ua)); });
    const auto detected = std::chrono::steady_clock::now() - registered;
    EXPECT_FALSE(s.server.flow_alive(FlowServer::flow_of(ua)));
    EXPECT_GE(detected, k_flow_idle - 20ms);
    EXPECT_LT(detected, 2s);
    s.pump(300ms, 50ms, [] {});  // more sweeps: reported once only
    ASSERT_EQ(s.idle_closed.size(), 1u);
    EXPECT_EQ(
        s.idle_closed[0].rfind("udp:" + ua.sent_by() + ": no keep-alive or message for 0.", 0), 0u)
        << s.idle_closed[0];
    EXPECT_EQ(s.server.connection_counters().idle_flows_closed, 1u);
    // Without existing_flow_only it is any UDP destination: a listener is all it takes.
    Destination any = FlowServer::flow_of(ua);
    any.existing_flow_only = false;
    EXPECT_TRUE(s.server.flow_alive(any));
    // A request for the failed flow is refused, not sent into the void.
    std::string error;
    s.server.send_request(FlowServer::flow_of(ua), ua.request("OPTIONS", "z9hG4bKlate"),
                          [&](std::string d) { error = d; });
    run_until(io, [&] { return !error.empty(); });
    EXPECT_NE(error.find("flow failed"), std::string::npos) << error;
    s.server.stop();
}

TEST_F(UdpFlowLiveness, SipMessagesCountAsTraffic) {
    s.register_(ua, "z9hG4bKsip");
    int i = 0;
    s.pump(1s, 100ms,
           [&] { ua.send(s.at, ua.request("OPTIONS", "z9hG4bKopt" + std::to_string(++i))); });
    EXPECT_TRUE(s.server.flow_alive(FlowServer::flow_of(ua)));
    EXPECT_TRUE(s.idle_closed.empty());
    s.server.stop();
}

TEST_F(UdpFlowLiveness, UntrackedFiveTupleStaysAlive) {
    Ua& registered = ua;
    Ua plain(io);  // never registered with Outbound: not a tracked flow
    s.register_(registered, "z9hG4bKreg");
    plain.send(s.at, plain.request("OPTIONS", "z9hG4bKplain"));
    run_until(io, [&] { return !s.server.flow_alive(FlowServer::flow_of(registered)); });
    EXPECT_FALSE(s.server.flow_alive(FlowServer::flow_of(registered)));
    EXPECT_TRUE(s.server.flow_alive(FlowServer::flow_of(plain)));
    EXPECT_EQ(s.idle_closed.size(), 1u);
    s.server.stop();
}

// RFC 5626 §4.4.1: a UA whose keep-alives went unanswered registers again; only that
// brings the flow back, keep-alives alone do not.
TEST_F(UdpFlowLiveness, FailedFlowComesBackWithANewRegistrationOnly) {
    s.register_(ua, "z9hG4bKfirst");
    run_until(io, [&] { return !s.server.flow_alive(FlowServer::flow_of(ua)); });
    ASSERT_FALSE(s.server.flow_alive(FlowServer::flow_of(ua)));
    std::uint8_t n = 0;
    s.pump(200ms, 50ms, [&] { ua.send(s.at, stun_request(++n)); });
    EXPECT_FALSE(s.server.flow_alive(FlowServer::flow_of(ua)));
    s.register_(ua, "z9hG4bKagain");
    EXPECT_TRUE(s.server.flow_alive(FlowServer::flow_of(ua)));
    s.pump(600ms, 100ms, [&] { ua.send(s.at, stun_request(++n)); });
    EXPECT_TRUE(s.server.flow_alive(FlowServer::flow_of(ua)));
    EXPECT_EQ(s.idle_closed.size(), 1u);
    s.server.stop();
}

TEST(UdpFlowIpv6, SilentFlowFailsAndIsLoggedWithItsIpv6Address) {
    asio::io_context io;
    FlowServer s(io, test::k_loopback_v6);
    Ua ua(io, test::k_loopback_v6);
    s.register_(ua, "z9hG4bKv6");
    EXPECT_TRUE(s.server.flow_alive(FlowServer::flow_of(ua)));
    run_until(io, [&] { return !s.server.flow_alive(FlowServer::flow_of(ua)); });
    EXPECT_FALSE(s.server.flow_alive(FlowServer::flow_of(ua)));
    ASSERT_EQ(s.idle_closed.size(), 1u);
    EXPECT_EQ(s.idle_closed[0].rfind("udp:[::1]:" + std::to_string(ua.port()) + ": ", 0), 0u)
        << s.idle_closed[0];
    s.server.stop();
}

TEST(UdpFlowOff, MarkFlowIsRefusedWhenFlowLimitsAreOff) {
    asio::io_context io;
    SipServerOptions o;
    o.flow_idle_timeout = 0ms;
    SipServer server(io, o);
    ASSERT_TRUE(server.listen(*parse_listen_spec("udp:127.0.0.1:0")).error.empty());
    RequestSource source;
    source.remote_address = k_loopback_v4;
    source.remote_port = 5070;
    EXPECT_FALSE(server.mark_flow(source));
    EXPECT_TRUE(server.flow_alive({eyeballs::Transport::udp, k_loopback_v4, 5070, {}, true}));
    server.stop();
}

}  // namespace
}  // namespace happysip::runtime
