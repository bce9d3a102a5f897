// SipServer's pending requests (sip_server_pending.hpp): a request sent down a TCP/TLS
// connection under a transaction's name fails at once when that connection closes before
// the name is released (RFC 3261 §18.4, §17.1.1.2, §17.1.2.2), not at Timer B/F; a released
// one, or one whose server is gone, reports nothing. Also: TLS handshakes counted by kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "happysip/runtime/sip_server.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using eyeballs::Transport;
using test::k_loopback_v4;
using test::run_until;

// A SipServer on TCP loopback that records requests and answers them only when told to.
struct Node {
    explicit Node(asio::io_context& io, SipServerOptions options = {}) {
        server = std::make_unique<SipServer>(io, std::move(options));
        server->on_request([this](const sip::Message& m, const RequestSource& s, Responder& r) {
            requests.push_back(m);
            sources.push_back(s);
            if (answer) r.respond(200);
        });
        server->on_response(
            [this](sip::Message m, const RequestSource&) { responses.push_back(std::move(m)); });
        auto listening = server->listen(*parse_listen_spec("tcp:127.0.0.1:0"));
        EXPECT_TRUE(listening.error.empty()) << listening.error;
        port = static_cast<std::uint16_t>(
            std::stoi(listening.bound.substr(listening.bound.rfind(':') + 1)));
    }
    std::string sent_by() const { return server->via_sent_by(Transport::tcp, k_loopback_v4); }

    std::unique_ptr<SipServer> server;
    std::uint16_t port = 0;
    bool answer = true;
    std::vector<sip::Message> requests;
    std::vector<RequestSource> sources;
    std::vector<sip::Message> responses;
};

// A UA that opened a TCP flow to the proxy (an OPTIONS, answered), and that flow as the
// proxy's destination for requests to the UA.
struct FlowSetup {
    explicit FlowSetup(asio::io_context& io) : ua(io), proxy(io) {
        ua.answer = false;  // a phone that rings and never answers
        bool failed = false;
        ua.server->send_request({Transport::tcp, k_loopback_v4, proxy.port, {}},
                                test::options_text(ua.sent_by(), "z9hG4bKopen", "TCP"),
                                [&](std::string) { failed = true; });
        run_until(io, [&] { return ua.responses.size() == 1 || failed; });
        EXPECT_FALSE(failed);
        EXPECT_EQ(proxy.sources.size(), 1u);
        if (proxy.sources.empty()) return;
        flow = *parse_destination(proxy.sources[0].text());
        flow.existing_flow_only = true;
    }
    // The proxy sends an OPTIONS down the flow under `name`; errors land in `errors`.
    void send(const std::string& name) {
        proxy.server->send_request(
            flow, test::options_text(proxy.sent_by(), name, "TCP"),
            [this, name](std::string detail) { errors.push_back(name + " " + detail); }, name);
    }

    Node ua;
    Node proxy;
    Destination flow;
    std::vector<std::string> errors;
};

TEST(SipServerPending, RequestFailsAtOnceWhenItsConnectionCloses) {
    asio::io_context io;
    FlowSetup s(io);
    s.send("z9hG4bKpending1");
    run_until(io, [&] { return s.ua.requests.size() == 1; });
    ASSERT_EQ(s.ua.requests.size(), 1u);  // it is on the UA's side, unanswered
    EXPECT_TRUE(s.errors.empty());

    const auto closed_at = std::chrono::steady_clock::now();
    s.ua.server->stop();  // the UA goes away: FIN on the flow
    run_until(io, [&] { return !s.errors.empty(); });
    const auto took = std::chrono::steady_clock::now() - closed_at;
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_NE(s.errors[0].find("z9hG4bKpending1"), std::string::npos) << s.errors[0];
    EXPECT_NE(s.errors[0].find("connection closed"), std::string::npos) << s.errors[0];
    EXPECT_LT(took, std::chrono::seconds(1));  // Timer F would be 32 s
    EXPECT_EQ(s.proxy.server->connection_counters().pending_requests_failed, 1u);
    s.proxy.server->stop();
}

TEST(SipServerPending, ReleasedRequestIsNotFailedByTheClose) {
    asio::io_context io;
    FlowSetup s(io);
    s.send("z9hG4bKanswered");
    s.send("z9hG4bKwaiting");
    run_until(io, [&] { return s.ua.requests.size() == 2; });
    ASSERT_EQ(s.ua.requests.size(), 2u);
    s.proxy.server->release_request("z9hG4bKanswered");  // its final response came
    s.proxy.server->release_request("z9hG4bKunknown");   // harmless

    s.ua.server->stop();
    run_until(io, [&] { return !s.proxy.server->flow_alive(s.flow); });
    for (int i = 0; i < 5; ++i) {  // every posted close handler has run
        io.restart();
        io.poll();
    }
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_EQ(s.errors[0].rfind("z9hG4bKwaiting ", 0), 0u) << s.errors[0];
    s.proxy.server->stop();
}

TEST(SipServerPending, RequestToAClosedFlowFailsOnceWithoutBeingFiled) {
    // The send-failure path: the flow is already gone when the request is sent.
    asio::io_context io;
    FlowSetup s(io);
    s.ua.server->stop();
    run_until(io, [&] { return !s.proxy.server->flow_alive(s.flow); });
    s.send("z9hG4bKlate");
    run_until(io, [&] { return !s.errors.empty(); });
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_NE(s.errors[0].find("flow failed"), std::string::npos) << s.errors[0];
    EXPECT_EQ(s.proxy.server->connection_counters().pending_requests_failed, 0u);
    s.proxy.server->stop();
}

TEST(SipServerPending, ConnectFailureReachesEveryRequestQueuedOnTheConnection) {
    asio::io_context io;
    Node a(io);
    std::uint16_t closed_port = 0;
    {
        asio::ip::tcp::acceptor probe(io, {k_loopback_v4, 0});
        closed_port = probe.local_endpoint().port();
    }
    std::vector<std::string> errors;
    for (const char* name : {"z9hG4bKfirst", "z9hG4bKsecond"})
        a.server->send_request(
            {Transport::tcp, k_loopback_v4, closed_port, {}},
            test::options_text(a.sent_by(), name, "TCP"),
            [&errors, name](std::string) { errors.emplace_back(name); }, name);
    run_until(io, [&] { return errors.size() == 2; });
    for (int i = 0; i < 5; ++i) {
        io.restart();
        io.poll();
    }
    std::sort(errors.begin(), errors.end());  // reported in no particular order
    EXPECT_EQ(errors, (std::vector<std::string>{"z9hG4bKfirst", "z9hG4bKsecond"}));
    a.server->stop();
}

TEST(SipServerPending, ServerGoneWithPendingRequestsReportsNothing) {
    // Run under ASan: the connection's close handler outlives the server.
    asio::io_context io;
    FlowSetup s(io);
    s.send("z9hG4bKorphan");
    run_until(io, [&] { return s.ua.requests.size() == 1; });
    s.proxy.server.reset();  // closes the flow: its on_closed runs after the server is gone
    s.ua.server->stop();
    for (int i = 0; i < 10; ++i) {
        io.restart();
        io.poll();
    }
    EXPECT_TRUE(s.errors.empty());
}

TEST(SipServerPending, IdleSweepClosingAFlowFailsItsRequest) {
    // RFC 5626 §4.4.1: a flow whose keep-alives stopped is closed by the sweep; a request
    // waiting on it fails then.
    asio::io_context io;
    SipServerOptions options;
    options.flow_idle_timeout = std::chrono::milliseconds(300);
    options.idle_sweep_interval = std::chrono::milliseconds(50);
    Node ua(io);
    Node proxy(io, options);
    ua.answer = false;
    ua.server->send_request({Transport::tcp, k_loopback_v4, proxy.port, {}},
                            test::options_text(ua.sent_by(), "z9hG4bKreg", "TCP"));
    run_until(io, [&] { return proxy.sources.size() == 1; });
    ASSERT_EQ(proxy.sources.size(), 1u);
    ASSERT_TRUE(proxy.server->mark_flow(proxy.sources[0]));
    auto flow = *parse_destination(proxy.sources[0].text());
    flow.existing_flow_only = true;
    std::string error;
    proxy.server->send_request(
        flow, test::options_text(proxy.sent_by(), "z9hG4bKidle", "TCP"),
        [&](std::string detail) { error = std::move(detail); }, "z9hG4bKidle");
    run_until(io, [&] { return !error.empty(); });
    EXPECT_NE(error.find("connection closed"), std::string::npos) << error;
    EXPECT_EQ(proxy.server->connection_counters().idle_flows_closed, 1u);
    ua.server->stop();
    proxy.server->stop();
}

TEST(SipServerPending, TlsHandshakesAreCountedFullOrResumed) {
    asio::io_context io;
    test::SelfSignedServer tls("pending-tls", {"127.0.0.1"});
    SipServer server(io);
    std::vector<std::string> debug;
    server.on_debug([&](std::string_view event, const std::string& detail) {
        debug.push_back(std::string(event) + " " + detail);
    });
    server.on_request(
        [](const sip::Message&, const RequestSource&, Responder& r) { r.respond(200); });
    auto listening = server.listen(*parse_listen_spec("tls:127.0.0.1:0"), tls.context);
    ASSERT_TRUE(listening.error.empty()) << listening.error;
    Destination to = *parse_destination(listening.bound);
    to.server_name = "example.com";
    SipServerOptions client_options;
    client_options.tls_ca_file = tls.cert;
    // Two clients one after the other: the second offers the session the first kept
    // (clients share their context's session cache).
    for (const char* branch : {"z9hG4bKtls1", "z9hG4bKtls2"}) {
        SipServer client(io, client_options);
        int responses = 0;
        bool failed = false;
        client.on_response([&](sip::Message, const RequestSource&) { ++responses; });
        client.send_request(to, test::options_text("client.invalid", branch, "TLS"),
                            [&](std::string) { failed = true; });
        run_until(io, [&] { return responses == 1 || failed; });
        ASSERT_EQ(responses, 1) << branch;
        client.stop();
        for (int i = 0; i < 5; ++i) {
            io.restart();
            io.poll();
        }
    }
    EXPECT_EQ(server.connection_counters().tls_full_handshakes, 1u);
    EXPECT_EQ(server.connection_counters().tls_resumed_handshakes, 1u);
    ASSERT_EQ(debug.size(), 2u);
    EXPECT_NE(debug[0].find("tls_handshake tls:127.0.0.1:"), std::string::npos) << debug[0];
    EXPECT_NE(debug[0].find("resumed=no"), std::string::npos) << debug[0];
    EXPECT_NE(debug[1].find("resumed=yes"), std::string::npos) << debug[1];
    server.stop();
}

}  // namespace
}  // namespace happysip::runtime
