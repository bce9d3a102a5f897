#include "happysip/runtime/stream_connection.hpp"

#include <gtest/gtest.h>

#include <array>
#include <asio/write.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "happysip/runtime/connection_table.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using test::run_until;

// A listener on loopback and the server side of the last accepted connection.
struct TcpPair {
    explicit TcpPair(asio::io_context& io, const asio::ip::address& loopback) : listener(io) {
        EXPECT_FALSE(listener.open({loopback, 0}));
        listener.on_accept([this](std::shared_ptr<StreamConnection> c) {
            server = c;
            c->on_message([this](sip::Message m) { server_got.push_back(std::move(m)); });
            c->on_closed([this](std::error_code ec, std::string d) { server_closed = {ec, d}; });
        });
    }
    asio::ip::tcp::endpoint address() const { return *listener.local_endpoint(); }

    StreamListener listener;
    std::shared_ptr<StreamConnection> server;
    std::vector<sip::Message> server_got;
    std::optional<std::pair<std::error_code, std::string>> server_closed;
};

class StreamConnectionOnFamily : public ::testing::TestWithParam<const char*> {};

TEST_P(StreamConnectionOnFamily, ConnectsAndFramesMessagesBothWays) {
    asio::io_context io;
    TcpPair pair(io, asio::ip::make_address(GetParam()));
    std::optional<std::error_code> connected;
    std::vector<sip::Message> client_got;
    auto client = StreamConnection::connect(
        io, pair.address(), std::nullopt, [&](std::error_code ec, std::string) { connected = ec; });
    client->on_message([&](sip::Message m) { client_got.push_back(std::move(m)); });
    // Two messages in one write, then one split across writes: framing, not segmentation.
    std::string a = test::options_text("client.invalid", "z9hG4bKa", "TCP");
    std::string b = test::options_text("client.invalid", "z9hG4bKb", "TCP");
    client->send(a + b);
    std::string c = test::options_text("client.invalid", "z9hG4bKc", "TCP");
    client->send(c.substr(0, 10));
    client->send(c.substr(10));
    run_until(io, [&] { return pair.server_got.size() == 3; });

    ASSERT_TRUE(connected.has_value());
    EXPECT_FALSE(*connected);
    EXPECT_FALSE(client->is_tls());
    EXPECT_EQ(client->remote_endpoint(), pair.address());
    ASSERT_TRUE(client->local_endpoint());
    ASSERT_EQ(pair.server_got.size(), 3u);
    EXPECT_EQ(*pair.server_got[2].header(sip::HeaderId::call_id), "call-z9hG4bKc");
    ASSERT_TRUE(pair.server);
    EXPECT_EQ(pair.server->remote_endpoint(), *client->local_endpoint());

    pair.server->send(test::options_text("server.invalid", "z9hG4bKback", "TCP"));
    run_until(io, [&] { return client_got.size() == 1; });
    ASSERT_EQ(client_got.size(), 1u);
    EXPECT_EQ(*client_got[0].header(sip::HeaderId::call_id), "call-z9hG4bKback");

    client->close();
    run_until(io, [&] { return pair.server_closed.has_value(); });
    ASSERT_TRUE(pair.server_closed.has_value());
    EXPECT_EQ(pair.server_closed->second, "closed by peer");
}

INSTANTIATE_TEST_SUITE_P(Loopback, StreamConnectionOnFamily, ::testing::Values("127.0.0.1", "::1"));

// Plain TCP reads into a buffer shared by all connections, a few reads per readiness: a
// burst far larger than that buffer still arrives whole and in order.
TEST(StreamConnection, BurstLargerThanTheSharedReadBufferArrivesInOrder) {
    asio::io_context io;
    TcpPair pair(io, test::k_loopback_v4);
    auto client = StreamConnection::connect(io, pair.address(), std::nullopt,
                                            [](std::error_code, std::string) {});
    std::string burst;
    constexpr int k_count = 3000;  // ~1 MB
    for (int i = 0; i < k_count; ++i)
        burst += test::options_text("client.invalid", "z9hG4bKburst" + std::to_string(i), "TCP");
    ASSERT_GT(burst.size(), 4u * 64 * 1024);
    client->send(std::move(burst));
    run_until(io, [&] { return pair.server_got.size() == k_count; });
    ASSERT_EQ(pair.server_got.size(), static_cast<std::size_t>(k_count));
    EXPECT_EQ(*pair.server_got.back().header(sip::HeaderId::call_id),
              "call-z9hG4bKburst" + std::to_string(k_count - 1));
    EXPECT_FALSE(pair.server_closed.has_value());
    client->close();
}

TEST(StreamConnection, ConnectToAClosedPortFailsFast) {
    asio::io_context io;
    // Bind a port and let it go: nothing listens there afterwards.
    asio::ip::tcp::endpoint closed;
    {
        asio::ip::tcp::acceptor a(io, {test::k_loopback_v4, 0});
        closed = a.local_endpoint();
    }
    std::optional<std::error_code> result;
    std::string detail;
    auto start = std::chrono::steady_clock::now();
    auto c =
        StreamConnection::connect(io, closed, std::nullopt, [&](std::error_code ec, std::string d) {
            result = ec;
            detail = d;
        });
    run_until(io, [&] { return result.has_value(); });
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, asio::error::connection_refused);
    EXPECT_NE(detail.find("TCP connect to 127.0.0.1:"), std::string::npos) << detail;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_FALSE(c->is_open());
}

TEST(StreamConnection, CloseCancelsAPendingConnect) {
    asio::io_context io;
    TcpPair pair(io, test::k_loopback_v4);
    int calls = 0;
    std::error_code result;
    auto c = StreamConnection::connect(io, pair.address(), std::nullopt,
                                       [&](std::error_code ec, std::string) {
                                           ++calls;
                                           result = ec;
                                       });
    c->close();
    c->close();  // idempotent
    run_until(io, [&] { return calls > 0; });
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(result, asio::error::operation_aborted);
}

// Checked with a raw socket: the pong is the two bytes CRLF and nothing else. (Our own
// StreamFramer holds a lone trailing CRLF until more bytes come, since it could be the
// start of a ping, so on_pong fires only once further data arrives.)
TEST(StreamConnection, AnswersACrlfPingWithACrlfPong) {
    asio::io_context io;
    TcpPair pair(io, test::k_loopback_v6);
    asio::ip::tcp::socket raw(io);
    std::array<char, 16> buf{};
    std::optional<std::size_t> got;
    raw.async_connect(pair.address(), [&](std::error_code ec) {
        ASSERT_FALSE(ec);
        asio::write(raw, asio::buffer(std::string_view("\r\n\r\n")));
        raw.async_read_some(asio::buffer(buf), [&](std::error_code e, std::size_t n) {
            if (!e) got = n;
        });
    });
    run_until(io, [&] { return got.has_value(); });
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(std::string_view(buf.data(), *got), "\r\n");
    ASSERT_TRUE(pair.server);
    EXPECT_TRUE(pair.server->is_open());
    EXPECT_TRUE(pair.server_got.empty());
}

TEST(StreamConnection, AFramingErrorClosesWithTheReason) {
    asio::io_context io;
    TcpPair pair(io, test::k_loopback_v4);
    std::optional<std::pair<std::error_code, std::string>> client_closed;
    auto client = StreamConnection::connect(io, pair.address(), std::nullopt,
                                            [](std::error_code, std::string) {});
    client->on_closed([&](std::error_code ec, std::string d) { client_closed = {ec, d}; });
    // RFC 3261 §18.3: a stream message must carry Content-Length.
    client->send("OPTIONS sip:a SIP/2.0\r\nContent-Length: nope\r\n\r\n");
    run_until(io, [&] { return pair.server_closed.has_value() && client_closed.has_value(); });
    ASSERT_TRUE(pair.server_closed.has_value());
    EXPECT_EQ(pair.server_closed->first, std::errc::bad_message);
    EXPECT_EQ(pair.server_closed->second.rfind("framing: ", 0), 0u) << pair.server_closed->second;
    EXPECT_TRUE(pair.server_got.empty());
    EXPECT_TRUE(client_closed.has_value());
}

TEST(StreamConnection, LocalCloseReportsOnceAndLetsTheLoopReturn) {
    asio::io_context io;
    auto pair = std::make_unique<TcpPair>(io, test::k_loopback_v4);
    int closed = 0;
    std::error_code why;
    auto client = StreamConnection::connect(io, pair->address(), std::nullopt,
                                            [](std::error_code, std::string) {});
    client->on_closed([&](std::error_code ec, std::string) {
        ++closed;
        why = ec;
    });
    run_until(io, [&] { return client->is_open() && pair->server; });
    ASSERT_TRUE(client->is_open());
    client->close();
    client->close();
    pair->server->close();
    pair->listener.close();
    auto start = std::chrono::steady_clock::now();
    io.restart();
    io.run_for(test::k_bound);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(closed, 1);
    EXPECT_EQ(why, asio::error::operation_aborted);
}

TEST(ConnectionTable, FindsOpenConnectionsByTransportAndRemoteAndForgetsClosedOnes) {
    asio::io_context io;
    TcpPair pair(io, test::k_loopback_v4);
    auto client = StreamConnection::connect(io, pair.address(), std::nullopt,
                                            [](std::error_code, std::string) {});
    run_until(io, [&] { return client->is_open(); });
    ConnectionTable table;
    table.add(client);
    EXPECT_EQ(table.find(eyeballs::Transport::tcp, pair.address()), client);
    EXPECT_EQ(table.find(eyeballs::Transport::tls, pair.address()), nullptr);
    EXPECT_EQ(table.size(), 1u);
    client->close();
    EXPECT_EQ(table.find(eyeballs::Transport::tcp, pair.address()), nullptr);
    EXPECT_EQ(table.size(), 0u);
    table.add(client);
    EXPECT_EQ(table.size(), 0u);  // a closed connection is never offered for reuse
}

}  // namespace
}  // namespace happysip::runtime
