// Connections we open to a peer that never answers: the connect and TLS handshake end at
// a deadline, and what is sent meanwhile waits within a bound (StreamConnection, and
// SipServer::send_request handing sends to a connection still connecting).
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/stream_connection.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using namespace std::chrono_literals;
using test::k_loopback_v4;
using test::run_until;

constexpr std::chrono::milliseconds k_short_deadline{200};

// A loopback listener whose accept queue is full (backlog 0, one connection waiting,
// nobody accepting): Linux drops further SYNs, as a black-holed address would, and the
// connecting side's next retry is 1 s away.
struct FullBacklog {
    explicit FullBacklog(asio::io_context& io) : acceptor(io), waiting(io) {
        acceptor.open(asio::ip::tcp::v4());
        acceptor.bind({k_loopback_v4, 0});
        acceptor.listen(0);
        waiting.connect(acceptor.local_endpoint());  // the one place in the queue
    }
    asio::ip::tcp::endpoint address() const { return acceptor.local_endpoint(); }

    asio::ip::tcp::acceptor acceptor;
    asio::ip::tcp::socket waiting;
};

struct Outcome {
    std::error_code ec;
    std::string detail;
    std::chrono::steady_clock::duration after{};
};

// Connects with the short deadline and runs the loop until the connect handler has run.
std::optional<Outcome> connect_and_wait(asio::io_context& io, const asio::ip::tcp::endpoint& to,
                                        std::optional<TlsClientConfig> tls) {
    std::optional<Outcome> out;
    auto start = std::chrono::steady_clock::now();
    auto c = StreamConnection::connect(
        io, to, std::move(tls),
        [&](std::error_code ec, std::string d) {
            out = Outcome{ec, std::move(d), std::chrono::steady_clock::now() - start};
        },
        k_short_deadline);
    run_until(io, [&] { return out.has_value(); });
    EXPECT_FALSE(c->is_open());
    return out;
}

TEST(ConnectDeadline, TcpConnectToAPeerThatNeverAnswersTimesOut) {
    asio::io_context io;
    FullBacklog peer(io);
    auto out = connect_and_wait(io, peer.address(), std::nullopt);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->ec, asio::error::timed_out);
    EXPECT_EQ(out->detail,
              "TCP connect to " + to_hostport(peer.address()) + " timed out after 200 ms");
    EXPECT_GE(out->after, k_short_deadline);
    EXPECT_LT(out->after, 900ms);  // before the SYN retry at 1 s could have got through
}

TEST(ConnectDeadline, TlsHandshakeWithAPeerThatSaysNothingTimesOut) {
    asio::io_context io;
    // Accepts, then never reads or writes: our ClientHello gets no answer.
    asio::ip::tcp::acceptor acceptor(io, {k_loopback_v4, 0});
    asio::ip::tcp::socket silent(io);
    acceptor.async_accept(silent, [](std::error_code) {});
    auto out =
        connect_and_wait(io, acceptor.local_endpoint(), TlsClientConfig{"example.com", {}, false});
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->ec, asio::error::timed_out);
    EXPECT_EQ(out->detail, "TLS handshake with " + to_hostport(acceptor.local_endpoint()) +
                               " timed out after 200 ms");
    EXPECT_TRUE(silent.is_open());  // the TCP connect did succeed
    EXPECT_LT(out->after, 2s);
}

TEST(ConnectDeadline, DefaultIsTenSeconds) {
    EXPECT_EQ(StreamConnection::k_client_connect_timeout, 10s);
}

// The server side: a client that connects and never sends its ClientHello.
TEST(ConnectDeadline, ServerTlsHandshakeWithASilentClientTimesOutAndCloses) {
    asio::io_context io;
    test::SelfSignedServer tls("deadline");
    ASSERT_TRUE(tls.context);
    asio::ip::tcp::acceptor acceptor(io, {k_loopback_v4, 0});
    asio::ip::tcp::socket silent(io);
    silent.connect(acceptor.local_endpoint());
    std::optional<Outcome> out;
    auto start = std::chrono::steady_clock::now();
    auto server = StreamConnection::accept(
        acceptor.accept(), tls.context,
        [&](const std::shared_ptr<StreamConnection>&, std::error_code ec, std::string d) {
            out = Outcome{ec, std::move(d), std::chrono::steady_clock::now() - start};
        },
        k_short_deadline);
    run_until(io, [&] { return out.has_value(); });
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->ec, asio::error::timed_out);
    EXPECT_EQ(out->detail, "TLS handshake with " + to_hostport(silent.local_endpoint()) +
                               " timed out after 200 ms");
    EXPECT_GE(out->after, k_short_deadline);
    EXPECT_FALSE(server->is_open());
    EXPECT_EQ(server->send("x"), std::errc::not_connected);  // closed, not handshaking
    // The client sees its connection closed (already: the close came before the handler).
    char byte = 0;
    std::error_code ec;
    silent.non_blocking(true);
    silent.read_some(asio::buffer(&byte, 1), ec);
    EXPECT_EQ(ec, asio::error::eof);
}

TEST(ConnectQueue, SendsBeforeTheConnectionIsUpAreRefusedBeyondTheBound) {
    asio::io_context io;
    FullBacklog peer(io);
    std::optional<std::error_code> connected;
    auto c = StreamConnection::connect(io, peer.address(), std::nullopt,
                                       [&](std::error_code ec, std::string) { connected = ec; });
    const std::size_t half = StreamConnection::k_max_queued_before_open / 2;
    EXPECT_FALSE(c->send(std::string(half, 'a')));
    EXPECT_FALSE(c->send(std::string(half, 'b')));  // exactly the bound
    EXPECT_EQ(c->send("c"), std::errc::no_buffer_space);
    c->close();
    EXPECT_EQ(c->send("d"), std::errc::not_connected);
    run_until(io, [&] { return connected.has_value(); });
    ASSERT_TRUE(connected.has_value());
    EXPECT_EQ(*connected, asio::error::operation_aborted);
}

TEST(ConnectQueue, SipServerReportsARefusedSendThroughOnError) {
    asio::io_context io;
    FullBacklog peer(io);
    SipServer server(io);
    std::vector<std::string> logged;
    server.on_log([&](std::string_view event, const std::string& d) {
        logged.push_back(std::string(event) + " " + d);
    });
    Destination to{eyeballs::Transport::tcp, k_loopback_v4, peer.address().port(), {}};
    std::vector<std::string> errors(3);
    auto record = [&](std::size_t i) { return [&errors, i](std::string d) { errors[i] = d; }; };
    const std::size_t big = StreamConnection::k_max_queued_before_open - 100;
    server.send_request(to, std::string(big, 'a'), record(0));  // opens, then waits
    server.send_request(to, std::string(200, 'b'), record(1));  // over the bound
    auto start = std::chrono::steady_clock::now();
    run_until(io, [&] { return !errors[1].empty(); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);  // at once, not at the deadline
    const std::string refused = to.text() + ": not sent: more than " +
                                std::to_string(StreamConnection::k_max_queued_before_open) +
                                " bytes would wait for the connection to come up";
    EXPECT_EQ(errors[1], refused);
    EXPECT_TRUE(errors[0].empty()) << errors[0];  // still waiting for the connection
    // Larger than the bound alone: refused without opening anything.
    server.send_request({eyeballs::Transport::tcp, k_loopback_v4, 9, {}},
                        std::string(StreamConnection::k_max_queued_before_open + 1, 'c'),
                        record(2));
    run_until(io, [&] { return !errors[2].empty(); });
    EXPECT_EQ(errors[2].rfind("tcp:127.0.0.1:9: not sent: more than", 0), 0u) << errors[2];
    EXPECT_FALSE(logged.empty());
    server.stop();
    run_until(io, [&] { return !errors[0].empty(); });  // stop() ends the waiting connect
}

// The connect handler of send_request outlives a destroyed server: close_all ends the
// pending connect, and its handler runs later on the loop. It must not touch the server
// (ASan: heap-use-after-free without the liveness token), and reports nothing.
TEST(ConnectQueue, ServerDestroyedWithAConnectPendingLeavesTheLoopSafe) {
    asio::io_context io;
    FullBacklog peer(io);
    auto server = std::make_unique<SipServer>(io);
    std::vector<std::string> logged;
    server->on_log([&](std::string_view event, const std::string&) { logged.emplace_back(event); });
    bool reported = false;
    server->send_request({eyeballs::Transport::tcp, k_loopback_v4, peer.address().port(), {}},
                         "OPTIONS sip:x SIP/2.0\r\n\r\n", [&](std::string) { reported = true; });
    io.restart();
    io.run_for(50ms);  // the SYN waits in the black hole
    EXPECT_FALSE(reported);
    server.reset();
    io.restart();
    io.run_for(300ms);  // the aborted connect's handler runs here
    EXPECT_FALSE(reported);
    EXPECT_TRUE(logged.empty());  // nothing logged from a server that is gone
}

}  // namespace
}  // namespace happysip::runtime
