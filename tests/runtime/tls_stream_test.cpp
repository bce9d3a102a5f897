// A TLS StreamConnection after its handshake: OpenSSL drives the socket itself (no
// asio::ssl::stream), so framing, keep-alives, bursts larger than a TLS record, writes to
// a peer that is gone and the idle sweep are checked over TLS here.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "happysip/runtime/connection_table.hpp"
#include "happysip/runtime/stream_connection.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using namespace std::chrono_literals;
using test::run_until;

// A self-signed server for sip:example.com, and a client that trusts exactly it.
class TlsPair {
  public:
    explicit TlsPair(asio::io_context& io) : tls_("tls-stream", {"127.0.0.1"}), listener_(io) {
        EXPECT_FALSE(listener_.open({test::k_loopback_v4, 0}, tls_.context));
        listener_.on_accept([this](std::shared_ptr<StreamConnection> c) {
            server = c;
            table.add(c);
            c->on_message([this](sip::Message m) { server_got.push_back(std::move(m)); });
            c->on_closed([this](std::error_code ec, std::string d) { server_closed = {ec, d}; });
        });
        table.track_idle(true);
        client = StreamConnection::connect(io, *listener_.local_endpoint(),
                                           TlsClientConfig{"example.com", tls_.cert, true},
                                           [this](std::error_code ec, std::string d) {
                                               connected = ec;
                                               detail = d;
                                           });
        client->on_message([this](sip::Message m) { client_got.push_back(std::move(m)); });
        client->on_pong([this] { ++pongs; });
        client->on_closed([this](std::error_code ec, std::string d) { client_closed = {ec, d}; });
        run_until(io, [&] { return connected.has_value() && server; });
    }
    ~TlsPair() {
        if (client) client->close();
        if (server) server->close();
        listener_.close();
    }

    std::shared_ptr<StreamConnection> client;
    std::shared_ptr<StreamConnection> server;
    ConnectionTable table;
    std::optional<std::error_code> connected;
    std::string detail;
    std::vector<sip::Message> server_got;
    std::vector<sip::Message> client_got;
    int pongs = 0;
    std::optional<std::pair<std::error_code, std::string>> server_closed;
    std::optional<std::pair<std::error_code, std::string>> client_closed;

  private:
    test::SelfSignedServer tls_;  // before listener_: built first, removed last
    StreamListener listener_;
};

TEST(TlsStream, MessagesPingsAndBurstsCrossBothWays) {
    asio::io_context io;
    TlsPair p(io);
    ASSERT_TRUE(p.connected.has_value());
    ASSERT_FALSE(*p.connected) << p.detail;
    ASSERT_TRUE(p.server);
    EXPECT_TRUE(p.server->is_tls());

    // More than one TLS record (16 KB) and more than the shared read buffer (64 KB).
    std::string burst;
    constexpr int k_count = 600;
    for (int i = 0; i < k_count; ++i)
        burst += test::options_text("client.invalid", "z9hG4bKtls" + std::to_string(i), "TLS");
    ASSERT_GT(burst.size(), 100u * 1024);
    p.client->send(std::move(burst));
    p.client->send("\r\n\r\n");  // RFC 5626 §4.4.1 ping, after the burst
    run_until(io, [&] { return p.server_got.size() == k_count && p.server->activity().ping_seen; });
    ASSERT_EQ(p.server_got.size(), static_cast<std::size_t>(k_count));
    EXPECT_EQ(*p.server_got.back().header(sip::HeaderId::call_id),
              "call-z9hG4bKtls" + std::to_string(k_count - 1));
    EXPECT_TRUE(p.server->activity().ping_seen);

    // The framer holds a lone CRLF until more arrives (it may start a ping): the message
    // after the pong lets the client see both.
    p.server->send(test::options_text("server.invalid", "z9hG4bKback", "TLS"));
    run_until(io, [&] { return p.client_got.size() == 1; });
    ASSERT_EQ(p.client_got.size(), 1u);
    EXPECT_EQ(p.pongs, 1);

    p.client->close();
    run_until(io, [&] { return p.server_closed.has_value(); });
    ASSERT_TRUE(p.server_closed);
    EXPECT_EQ(p.server_closed->second, "closed by peer");
}

TEST(TlsStream, WritingToAPeerThatIsGoneClosesWithoutKillingTheProcess) {
    asio::io_context io;
    TlsPair p(io);
    ASSERT_TRUE(p.connected.has_value() && !*p.connected) << p.detail;
    ASSERT_TRUE(p.server);
    p.client->close();
    // Writes after the peer closed: EPIPE/ECONNRESET, never SIGPIPE.
    for (int i = 0; i < 50 && !p.server_closed; ++i) {
        p.server->send(std::string(4096, 'x'));
        io.restart();
        io.run_for(10ms);
    }
    run_until(io, [&] { return p.server_closed.has_value(); });
    ASSERT_TRUE(p.server_closed);
    EXPECT_FALSE(p.server->is_open());
}

TEST(TlsStream, SilentTlsFlowIsClosedBySweep) {
    asio::io_context io;
    TlsPair p(io);
    ASSERT_TRUE(p.connected.has_value() && !*p.connected) << p.detail;
    p.client->send(test::options_text("client.invalid", "z9hG4bKreg", "TLS"));
    p.client->send("\r\n\r\n");
    run_until(io, [&] { return p.server && p.server->activity().ping_seen; });
    ASSERT_TRUE(p.server->activity().ping_seen);
    ASSERT_TRUE(p.server->activity().message_seen);
    auto last = p.server->activity().last_received;
    EXPECT_EQ(p.table.close_idle(last + 129s, {32s, 130s}), 0u);
    EXPECT_EQ(p.table.close_idle(last + 130s, {32s, 130s}), 1u);
    run_until(io, [&] { return p.client_closed.has_value(); });
    ASSERT_TRUE(p.client_closed);  // the client sees the flow fail
    EXPECT_FALSE(p.client->is_open());
}

// RFC 8446 §6.1: a local close sends close_notify, so the peer sees a clean end rather
// than a truncation: our own client reports eof (OpenSSL's SSL_ERROR_ZERO_RETURN), not
// stream_truncated.
TEST(TlsStream, LocalCloseSendsCloseNotify) {
    asio::io_context io;
    TlsPair p(io);
    ASSERT_TRUE(p.connected.has_value() && !*p.connected) << p.detail;
    ASSERT_TRUE(p.server);
    p.server->close();
    run_until(io, [&] { return p.client_closed.has_value(); });
    ASSERT_TRUE(p.client_closed);
    EXPECT_EQ(p.client_closed->first, asio::error::eof);
    EXPECT_EQ(p.client_closed->second, "closed by peer");
}

// The same seen by a plain OpenSSL client (blocking, on its own thread while the loop
// serves the handshake): SSL_read ends with SSL_ERROR_ZERO_RETURN.
TEST(TlsStream, APlainOpenSslClientSeesACleanShutdown) {
    asio::io_context io;
    StreamListener listener(io);
    test::SelfSignedServer tls("tls-close");
    ASSERT_TRUE(tls.context);
    ASSERT_FALSE(listener.open({test::k_loopback_v4, 0}, tls.context));
    std::shared_ptr<StreamConnection> server;
    listener.on_accept([&](std::shared_ptr<StreamConnection> c) { server = c; });

    std::atomic<int> outcome{-1};  // SSL_get_error of the client's SSL_read
    asio::ip::tcp::endpoint at = *listener.local_endpoint();
    std::thread client([&outcome, at] {
        SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
        SSL* ssl = cctx ? SSL_new(cctx) : nullptr;
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval bound{5, 0};  // never blocks the test for ever
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(at.port());
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (ssl && fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
            SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
            char buf[64];
            int r = SSL_read(ssl, buf, sizeof buf);
            outcome = SSL_get_error(ssl, r);
        }
        SSL_free(ssl);
        SSL_CTX_free(cctx);
        if (fd >= 0) ::close(fd);
    });
    run_until(io, [&] { return server && server->is_open(); });
    if (server) server->close();
    io.restart();
    io.run_for(100ms);
    client.join();  // its SSL_read returns on its own (close_notify, or the 5 s bound)
    ASSERT_TRUE(server);
    EXPECT_EQ(outcome.load(), SSL_ERROR_ZERO_RETURN);
    listener.close();
}

}  // namespace
}  // namespace happysip::runtime
