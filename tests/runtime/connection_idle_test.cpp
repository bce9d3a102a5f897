// Server-side idle limits: a connection that never delivers a SIP message, and an RFC 5626
// keep-alive flow whose pings stop (§4.4.1), are closed by one sweep over the
// ConnectionTable. The table is driven with a virtual `now`; SipServer with short real
// timeouts.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "happysip/runtime/connection_table.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using namespace std::chrono_literals;
using Reason = ConnectionTable::IdleReason;
using test::k_loopback_v4;
using test::run_until;

// A listener filing what it accepts in a table, and a raw client socket (the peer's side:
// it sends exactly the bytes a test gives it).
struct Served {
    explicit Served(asio::io_context& io) : listener(io), client(io) {
        table.track_idle(true);
        EXPECT_FALSE(listener.open({k_loopback_v4, 0}));
        listener.on_accept([this](std::shared_ptr<StreamConnection> c) {
            server = c;
            c->on_message([this](sip::Message) { ++messages; });
            c->on_closed([this](std::error_code ec, std::string d) { closed = {ec, d}; });
            table.add(c);
        });
        client.connect(*listener.local_endpoint());
        run_until(io, [&] { return server != nullptr; });
        EXPECT_TRUE(server);
    }
    void send(asio::io_context& io, const std::string& bytes) {
        asio::write(client, asio::buffer(bytes));
        auto before = server->activity().last_received;
        run_until(io, [&] { return server->activity().last_received != before; });
    }
    // What the client reads until the server closes (bounded by run_until's callers).
    bool client_sees_eof() {
        client.non_blocking(true);
        char buf[64];
        for (int i = 0; i < 200; ++i) {
            std::error_code ec;
            client.read_some(asio::buffer(buf), ec);
            if (ec == asio::error::eof) return true;
            if (ec && ec != asio::error::would_block) return false;
            std::this_thread::sleep_for(5ms);
        }
        return false;
    }

    StreamListener listener;
    asio::ip::tcp::socket client;
    ConnectionTable table;
    std::shared_ptr<StreamConnection> server;
    int messages = 0;
    std::optional<std::pair<std::error_code, std::string>> closed;
};

const ConnectionTable::IdleLimits k_limits{32s, 130s};

TEST(ConnectionIdle, ConnectionWithoutAMessageIsClosedAfterTheFirstMessageBound) {
    asio::io_context io;
    Served s(io);
    auto opened = s.server->activity().opened;
    std::vector<Reason> reasons;
    auto record = [&](const auto&, Reason r, ConnectionTable::Duration) { reasons.push_back(r); };
    s.send(io, "\r\n\r\n");  // pings do not count: a scanner could hold the socket with them

    EXPECT_EQ(s.table.close_idle(opened + 31s, k_limits, record), 0u);
    EXPECT_TRUE(s.server->is_open());
    EXPECT_EQ(s.table.close_idle(opened + 32s, k_limits, record), 1u);
    EXPECT_FALSE(s.server->is_open());
    ASSERT_EQ(reasons.size(), 1u);
    EXPECT_EQ(reasons[0], Reason::no_message);
    run_until(io, [&] { return s.closed.has_value(); });
    ASSERT_TRUE(s.closed);
    EXPECT_EQ(s.closed->first, asio::error::timed_out);
    EXPECT_TRUE(s.client_sees_eof());
    EXPECT_TRUE(s.table.empty());
}

TEST(ConnectionIdle, KeepAliveFlowIsClosedWhenNothingArrivesForFlowIdle) {
    asio::io_context io;
    Served s(io);
    s.send(io, test::options_text("ua.invalid", "z9hG4bKflow", "TCP"));
    s.send(io, "\r\n\r\n");  // RFC 5626 §4.4.1: now a keep-alive flow
    ASSERT_EQ(s.messages, 1);
    ASSERT_TRUE(s.server->activity().ping_seen);
    auto last = s.server->activity().last_received;
    ConnectionTable::Duration silent{};
    auto record = [&](const auto&, Reason r, ConnectionTable::Duration d) {
        EXPECT_EQ(r, Reason::flow_silent);
        silent = d;
    };

    EXPECT_EQ(s.table.close_idle(last + 129s, k_limits, record), 0u);
    // A ping later moves the deadline.
    s.send(io, "\r\n\r\n");
    auto later = s.server->activity().last_received;
    EXPECT_GT(later, last);
    EXPECT_EQ(s.table.close_idle(last + 130s, k_limits, record), 0u) << "pinged since";
    EXPECT_EQ(s.table.close_idle(later + 130s, k_limits, record), 1u);
    EXPECT_EQ(silent, 130s);
    EXPECT_FALSE(s.server->is_open());
    run_until(io, [&] { return s.closed.has_value(); });
    ASSERT_TRUE(s.closed);
    EXPECT_EQ(s.closed->first, asio::error::timed_out);
    EXPECT_NE(s.closed->second.find("keep-alive"), std::string::npos) << s.closed->second;
    EXPECT_TRUE(s.client_sees_eof());
}

// The sweep is a heap of deadlines: a connection closed by its peer leaves the table when
// its deadline comes, without a lookup.
TEST(ConnectionIdle, ConnectionClosedByThePeerLeavesTheTableAtItsDeadline) {
    asio::io_context io;
    Served s(io);
    auto opened = s.server->activity().opened;
    EXPECT_EQ(s.table.close_idle(opened, k_limits), 0u);
    EXPECT_TRUE(s.table.idle_tracked());
    s.client.close();
    run_until(io, [&] { return s.closed.has_value(); });
    EXPECT_FALSE(s.table.empty());
    EXPECT_EQ(s.table.close_idle(opened + 32s, k_limits), 0u);
    EXPECT_TRUE(s.table.empty());
    EXPECT_FALSE(s.table.idle_tracked());
}

TEST(ConnectionIdle, ConnectionThatNeverPingedIsNotAFlow) {
    asio::io_context io;
    Served s(io);
    s.send(io, test::options_text("ua.invalid", "z9hG4bKplain", "TCP"));
    auto last = s.server->activity().last_received;
    EXPECT_EQ(s.table.close_idle(last + 24h, k_limits), 0u);
    EXPECT_TRUE(s.server->is_open());
}

TEST(ConnectionIdle, ZeroTurnsALimitOff) {
    asio::io_context io;
    Served s(io);
    auto opened = s.server->activity().opened;
    EXPECT_EQ(s.table.close_idle(opened + 24h, {0s, 0s}), 0u);
    s.send(io, test::options_text("ua.invalid", "z9hG4bKoff", "TCP"));
    s.send(io, "\r\n\r\n");
    EXPECT_EQ(s.table.close_idle(opened + 24h, {32s, 0s}), 0u);
    EXPECT_TRUE(s.server->is_open());
}

TEST(ConnectionIdle, ConnectionsWeOpenedAreNeverClosedBySweep) {
    asio::io_context io;
    StreamListener listener(io);
    ASSERT_FALSE(listener.open({k_loopback_v4, 0}));
    std::shared_ptr<StreamConnection> accepted;
    listener.on_accept([&](std::shared_ptr<StreamConnection> c) { accepted = c; });
    bool up = false;
    auto ours = StreamConnection::connect(io, *listener.local_endpoint(), std::nullopt,
                                          [&](std::error_code ec, std::string) { up = !ec; });
    run_until(io, [&] { return up && accepted; });
    ASSERT_TRUE(up);
    ConnectionTable table;
    table.track_idle(true);
    table.add(ours);
    EXPECT_FALSE(ours->is_server_side());
    EXPECT_EQ(table.close_idle(std::chrono::steady_clock::now() + 24h, k_limits), 0u);
    EXPECT_TRUE(ours->is_open());
    ours->close();
    accepted->close();
}

// SipServer with short real limits: the sweep runs on its own.
struct ShortLimits {
    explicit ShortLimits(asio::io_context& io, std::chrono::milliseconds first,
                         std::chrono::milliseconds flow)
        : server(io, options(first, flow)), client(io) {
        server.on_request(
            [](const sip::Message&, const RequestSource&, Responder& r) { r.respond(200); });
        server.on_log([this](std::string_view event, const std::string& detail) {
            events.push_back(std::string(event) + " " + detail);
        });
        auto listening = server.listen(*parse_listen_spec("tcp:127.0.0.1:0"));
        EXPECT_TRUE(listening.error.empty()) << listening.error;
        port = static_cast<std::uint16_t>(
            std::stoi(listening.bound.substr(listening.bound.rfind(':') + 1)));
        client.connect({k_loopback_v4, port});
        client.non_blocking(true);
    }
    static SipServerOptions options(std::chrono::milliseconds first,
                                    std::chrono::milliseconds flow) {
        SipServerOptions o;
        o.first_message_timeout = first;
        o.flow_idle_timeout = flow;
        o.idle_sweep_interval = 20ms;
        return o;
    }
    Destination flow() {
        Destination d;
        d.transport = eyeballs::Transport::tcp;
        d.address = k_loopback_v4;
        d.port = client.local_endpoint().port();
        d.existing_flow_only = true;
        return d;
    }
    void send(const std::string& bytes) { asio::write(client, asio::buffer(bytes)); }
    // Drains what the server sent; true once it closed the connection.
    bool eof() {
        char buf[2048];
        for (;;) {
            std::error_code ec;
            std::size_t n = client.read_some(asio::buffer(buf), ec);
            if (ec == asio::error::eof) return true;
            if (ec) return false;
            received.append(buf, n);
        }
    }

    SipServer server;
    asio::ip::tcp::socket client;
    std::uint16_t port = 0;
    std::vector<std::string> events;
    std::string received;
};

TEST(ConnectionIdle, SipServerClosesASilentFlowAndFlowAliveSeesIt) {
    asio::io_context io;
    ShortLimits s(io, 10s, 300ms);
    s.send(test::options_text("127.0.0.1", "z9hG4bKsrv", "TCP"));
    auto last_ping = std::chrono::steady_clock::now();  // the server hears it after this
    s.send("\r\n\r\n");
    run_until(io, [&] {
        s.eof();
        return s.received.find("SIP/2.0 200") != std::string::npos &&
               s.received.ends_with("\r\n\r\n\r\n");  // the response, then the pong
    });
    ASSERT_NE(s.received.find("SIP/2.0 200"), std::string::npos);
    EXPECT_TRUE(s.server.flow_alive(s.flow()));

    bool closed = false;
    run_until(io, [&] { return (closed = s.eof()); });
    auto detected = std::chrono::steady_clock::now() - last_ping;
    ASSERT_TRUE(closed);
    EXPECT_GE(detected, 300ms);
    EXPECT_LT(detected, 2s);
    EXPECT_FALSE(s.server.flow_alive(s.flow()));
    EXPECT_EQ(s.server.connection_counters().idle_flows_closed, 1u);
    EXPECT_EQ(s.server.connection_counters().no_message_closed, 0u);
    ASSERT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.events[0].rfind("flow_idle_closed tcp:127.0.0.1:", 0), 0u) << s.events[0];
    s.server.stop();
}

TEST(ConnectionIdle, SipServerKeepsAFlowThatKeepsPinging) {
    asio::io_context io;
    ShortLimits s(io, 10s, 300ms);
    s.send(test::options_text("127.0.0.1", "z9hG4bKkeep", "TCP"));
    auto until = std::chrono::steady_clock::now() + 1s;
    while (std::chrono::steady_clock::now() < until) {
        s.send("\r\n\r\n");
        io.restart();
        io.run_for(100ms);
        ASSERT_FALSE(s.eof());
    }
    EXPECT_TRUE(s.server.flow_alive(s.flow()));
    EXPECT_EQ(s.server.connection_counters().idle_flows_closed, 0u);
    s.server.stop();
}

TEST(ConnectionIdle, SipServerClosesAConnectionThatSendsNoMessage) {
    asio::io_context io;
    ShortLimits s(io, 200ms, 0ms);
    auto opened = std::chrono::steady_clock::now();
    bool closed = false;
    run_until(io, [&] { return (closed = s.eof()); });
    ASSERT_TRUE(closed);
    EXPECT_GE(std::chrono::steady_clock::now() - opened, 200ms);
    EXPECT_EQ(s.server.connection_counters().no_message_closed, 1u);
    ASSERT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.events[0].rfind("connection_idle_closed tcp:127.0.0.1:", 0), 0u) << s.events[0];
    s.server.stop();
}

// The sweep's timer is cancelled when the server goes; its handler must not touch it.
TEST(ConnectionIdle, ServerDestroyedWithASweepPendingLeavesNothingBehind) {
    asio::io_context io;
    auto server = std::make_unique<SipServer>(io, ShortLimits::options(10s, 10s));
    auto listening = server->listen(*parse_listen_spec("tcp:127.0.0.1:0"));
    ASSERT_TRUE(listening.error.empty()) << listening.error;
    asio::ip::tcp::socket client(io);
    client.connect({k_loopback_v4, static_cast<std::uint16_t>(std::stoi(
                                       listening.bound.substr(listening.bound.rfind(':') + 1)))});
    io.run_for(50ms);  // accepted: the sweep is armed
    EXPECT_TRUE(server->connections().idle_tracked());
    server.reset();
    io.restart();
    io.run_for(100ms);  // the cancelled wait completes here (ASan: no use after free)
    client.non_blocking(true);
    char byte = 0;
    std::error_code ec;
    client.read_some(asio::buffer(&byte, 1), ec);
    EXPECT_EQ(ec, asio::error::eof);  // the server's connection was closed with it
}

}  // namespace
}  // namespace happysip::runtime
