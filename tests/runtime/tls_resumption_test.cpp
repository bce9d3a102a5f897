// TLS session resumption over loopback: a second connection to the same server name and
// endpoint resumes (TLS 1.3 tickets, TLS 1.2 tickets and session IDs), also after a
// connection the server ended; a session is never offered to another name or port, nor
// kept from a server that failed the identity check; a server that lost its ticket keys
// gets a full handshake and its (new) certificate is verified again.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "happysip/runtime/stream_connection.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "happysip/runtime/tls_session_cache.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using test::run_until;

// A TLS listener on loopback that greets each connection with one request, so that the
// client reads past the handshake (TLS 1.3 tickets come before that first record).
class GreetingServer {
  public:
    GreetingServer(asio::io_context& io, std::shared_ptr<asio::ssl::context> context,
                   std::uint16_t port = 0)
        : listener_(io) {
        EXPECT_FALSE(listener_.open({test::k_loopback_v4, port}, std::move(context)));
        listener_.on_accept([this](std::shared_ptr<StreamConnection> c) {
            last = c;
            c->send(test::options_text("server.invalid", "z9hG4bKgreet", "TLS"));
        });
    }
    ~GreetingServer() { close(); }
    void close() {
        if (last) last->close();
        listener_.close();
    }
    asio::ip::tcp::endpoint endpoint() const { return *listener_.local_endpoint(); }

    std::shared_ptr<StreamConnection> last;  // the last connection accepted

  private:
    StreamListener listener_;
};

struct Outcome {
    bool connected = false;
    std::string detail;
    bool client_resumed = false;
    bool server_resumed = false;
};

// Who ends a connection: the client (with close_notify), or the server, so that the
// client's connection fails ("closed by peer") and never sends its close_notify.
enum class Ends : std::uint8_t { client, server };

// One connection: handshake, the greeting read, closed again and freed.
Outcome connect_once(asio::io_context& io, GreetingServer& server, TlsClientConfig tls,
                     Ends ends = Ends::client) {
    Outcome out;
    std::optional<std::error_code> done;
    bool greeted = false;
    bool closed = false;
    server.last.reset();
    auto c = StreamConnection::connect(io, server.endpoint(), std::move(tls),
                                       [&](std::error_code ec, std::string d) {
                                           done = ec;
                                           out.detail = std::move(d);
                                       });
    c->on_message([&](sip::Message) { greeted = true; });
    c->on_closed([&](std::error_code, std::string) { closed = true; });
    run_until(io, [&] { return (done && *done) || greeted; });
    out.connected = done && !*done && greeted;
    out.client_resumed = c->tls_resumed();
    out.server_resumed = server.last && server.last->tls_resumed();
    if (ends == Ends::server && server.last) {
        server.last->close();
        run_until(io, [&] { return closed; });
        EXPECT_TRUE(closed);
    }
    c->close();
    c.reset();
    if (server.last) server.last->close();
    for (int i = 0; i < 10; ++i) {  // the closes' posted handlers, then the loop is idle
        io.restart();
        io.poll();
    }
    return out;
}

TlsSessionCache& cache_for(const std::string& ca_file) {
    auto made = shared_client_context({"", ca_file, true});
    EXPECT_TRUE(made.context) << made.error;
    TlsSessionCache* cache = client_session_cache(made.context->native_handle());
    EXPECT_NE(cache, nullptr);
    return *cache;
}

// Another self-signed server for example.com, with the subject b.example.com: a CA file
// can then hold both certificates (OpenSSL finds a trust anchor by its subject). Its files
// are made in `beside`'s directory, and removed with it.
struct OtherServer {
    std::string cert;
    std::string ca_file;  // trusts both
    std::shared_ptr<asio::ssl::context> context;
};
OtherServer other_server(const test::SelfSignedServer& beside) {
    OtherServer out;
    out.cert = beside.cert + ".other.pem";
    std::string key = beside.key + ".other.pem";
    EXPECT_EQ(write_self_signed_certificate(
                  {out.cert, key, {"b.example.com", "example.com"}, {"127.0.0.1"}}),
              "");
    auto made = make_server_context({out.cert, key});
    EXPECT_TRUE(made.context) << made.error;
    out.context = made.context;
    out.ca_file = beside.cert + ".both.pem";
    std::ofstream(out.ca_file) << std::ifstream(beside.cert).rdbuf()
                               << std::ifstream(out.cert).rdbuf();
    return out;
}

TEST(TlsResumption, SecondConnectionToTheSameServerResumes) {
    asio::io_context io;
    test::SelfSignedServer tls("resume-same", {"127.0.0.1"});
    GreetingServer server(io, tls.context);
    TlsClientConfig config{"example.com", tls.cert, true};

    Outcome first = connect_once(io, server, config);
    ASSERT_TRUE(first.connected) << first.detail;
    EXPECT_FALSE(first.client_resumed);
    EXPECT_FALSE(first.server_resumed);
    EXPECT_EQ(cache_for(tls.cert).size(), 1u);

    // The identity check passes on the resumed session's certificate (the connection is
    // open), and the ticket spent is replaced by the one the server sends after it.
    for (int i = 0; i < 2; ++i) {
        Outcome again = connect_once(io, server, config);
        ASSERT_TRUE(again.connected) << again.detail;
        EXPECT_TRUE(again.client_resumed) << "connection " << i + 2;
        EXPECT_TRUE(again.server_resumed) << "connection " << i + 2;
    }
    TlsHandshakeCounts counts = cache_for(tls.cert).counts();
    EXPECT_EQ(counts.full, 1u);
    EXPECT_EQ(counts.resumed, 2u);
    EXPECT_EQ(counts.offered, 2u);
}

// RFC 5246 §7.2.1: since TLS 1.1 a connection closed without close_notify does not void
// its session. A flow that failed is exactly when a reconnect should be cheap.
TEST(TlsResumption, AConnectionThatFailedStillResumes) {
    asio::io_context io;
    test::SelfSignedServer tls("resume-failed", {"127.0.0.1"});
    GreetingServer server(io, tls.context);
    TlsClientConfig config{"example.com", tls.cert, true};
    ASSERT_TRUE(connect_once(io, server, config, Ends::server).connected);
    Outcome again = connect_once(io, server, config, Ends::server);
    ASSERT_TRUE(again.connected) << again.detail;
    EXPECT_TRUE(again.client_resumed);
    Outcome third = connect_once(io, server, config);
    EXPECT_TRUE(third.client_resumed);
}

TEST(TlsResumption, AnotherPortOrServerNameIsNotOfferedTheSession) {
    asio::io_context io;
    test::SelfSignedServer a("resume-a", {"127.0.0.1"});
    OtherServer b = other_server(a);
    std::string ca = b.ca_file;
    GreetingServer server_a(io, a.context);
    GreetingServer server_b(io, b.context);
    TlsSessionCache& cache = cache_for(ca);

    ASSERT_TRUE(connect_once(io, server_a, {"example.com", ca, true}).connected);
    Outcome other_port = connect_once(io, server_b, {"example.com", ca, true});
    ASSERT_TRUE(other_port.connected) << other_port.detail;
    EXPECT_FALSE(other_port.client_resumed);
    // Same endpoint, verified as another name (the certificate names 127.0.0.1 too).
    Outcome other_name = connect_once(io, server_a, {"127.0.0.1", ca, true});
    ASSERT_TRUE(other_name.connected) << other_name.detail;
    EXPECT_FALSE(other_name.client_resumed);
    EXPECT_EQ(cache.counts().offered, 0u);
    EXPECT_EQ(cache.size(), 3u);

    Outcome back = connect_once(io, server_a, {"example.com", ca, true});
    ASSERT_TRUE(back.connected) << back.detail;
    EXPECT_TRUE(back.client_resumed);
    EXPECT_EQ(cache.counts().offered, 1u);
}

TEST(TlsResumption, ANewServerOnTheSameEndpointIsVerifiedAgain) {
    asio::io_context io;
    test::SelfSignedServer old_tls("resume-old", {"127.0.0.1"});
    OtherServer new_tls = other_server(old_tls);
    std::string ca = new_tls.ca_file;
    auto server = std::make_unique<GreetingServer>(io, old_tls.context);
    asio::ip::tcp::endpoint endpoint = server->endpoint();
    ASSERT_TRUE(connect_once(io, *server, {"example.com", ca, true}).connected);
    ASSERT_TRUE(connect_once(io, *server, {"example.com", old_tls.cert, true}).connected);

    // The peer restarted with another certificate and fresh ticket keys.
    server.reset();
    server = std::make_unique<GreetingServer>(io, new_tls.context, endpoint.port());
    ASSERT_EQ(server->endpoint(), endpoint);

    // Trusted: the session is offered, refused, and the new certificate checked.
    Outcome trusted = connect_once(io, *server, {"example.com", ca, true});
    ASSERT_TRUE(trusted.connected) << trusted.detail;
    EXPECT_FALSE(trusted.client_resumed);
    EXPECT_EQ(cache_for(ca).counts().offered, 1u);

    // Not trusted by a client that knows only the old certificate: no resumption past the
    // verification, and the session that failed is forgotten.
    TlsSessionCache& old_only = cache_for(old_tls.cert);
    ASSERT_EQ(old_only.size(), 1u);
    Outcome refused = connect_once(io, *server, {"example.com", old_tls.cert, true});
    EXPECT_FALSE(refused.connected);
    EXPECT_NE(refused.detail.find("not trusted"), std::string::npos) << refused.detail;
    EXPECT_EQ(old_only.size(), 0u);
    EXPECT_EQ(old_only.counts().offered, 1u);
    EXPECT_EQ(old_only.counts().resumed, 0u);
}

TEST(TlsResumption, AFailedIdentityCheckKeepsNoSession) {
    asio::io_context io;
    test::SelfSignedServer tls("resume-name", {"127.0.0.1"});
    GreetingServer server(io, tls.context);
    Outcome wrong = connect_once(io, server, {"other.example", tls.cert, true});
    EXPECT_FALSE(wrong.connected);
    EXPECT_NE(wrong.detail.find("does not match"), std::string::npos) << wrong.detail;
    EXPECT_EQ(cache_for(tls.cert).size(), 0u);
    EXPECT_EQ(cache_for(tls.cert).counts().full, 0u);
}

// TLS 1.2: a session (ticket or ID) may be offered again, so it stays after resuming.
void expect_tls12_resumes(bool tickets, const std::string& name) {
    asio::io_context io;
    test::SelfSignedServer tls(name, {"127.0.0.1"});
    SSL_CTX_set_max_proto_version(tls.context->native_handle(), TLS1_2_VERSION);
    if (!tickets) SSL_CTX_set_options(tls.context->native_handle(), SSL_OP_NO_TICKET);
    GreetingServer server(io, tls.context);
    TlsClientConfig config{"example.com", tls.cert, true};
    ASSERT_TRUE(connect_once(io, server, config).connected);
    for (int i = 0; i < 2; ++i) {
        Outcome again = connect_once(io, server, config);
        ASSERT_TRUE(again.connected) << again.detail;
        EXPECT_TRUE(again.client_resumed);
        EXPECT_TRUE(again.server_resumed);
    }
    EXPECT_EQ(cache_for(tls.cert).counts().resumed, 2u);
    EXPECT_EQ(cache_for(tls.cert).size(), 1u);
}

TEST(TlsResumption, Tls12ResumesWithATicket) {
    expect_tls12_resumes(true, "resume-12-ticket");
}

TEST(TlsResumption, Tls12ResumesBySessionId) {
    expect_tls12_resumes(false, "resume-12-id");
}

}  // namespace
}  // namespace happysip::runtime
