#include "happysip/runtime/sip_server.hpp"

#include <gtest/gtest.h>

#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/stream_connection.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/sip/key_headers.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using eyeballs::Transport;
using test::k_loopback_v4;
using test::run_until;

std::uint16_t port_of(const std::string& bound) {
    return static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
}

// A SipServer on one loopback listener whose handler answers 200 (unless told to hold)
// and counts the requests it was given.
struct Fixture {
    static SipServerOptions test_options(txn::Duration t1) {
        SipServerOptions o;
        o.server_header = "test";
        o.timers.t1 = t1;
        return o;
    }
    explicit Fixture(Transport transport, txn::Duration t1 = std::chrono::milliseconds(500))
        : server(io, test_options(t1)) {
        server.on_request([this](const sip::Message& m, const RequestSource& s, Responder& r) {
            requests.push_back(m);
            sources.push_back(s);
            keys.push_back(r.key());
            if (discard)
                r.discard();
            else if (hold)
                held = r;
            else
                r.respond(200);
        });
        auto spec = parse_listen_spec(std::string(eyeballs::to_string(transport)) + ":127.0.0.1:0");
        auto listening = server.listen(*spec);
        EXPECT_TRUE(listening.error.empty()) << listening.error;
        port = port_of(listening.bound);
    }

    asio::io_context io;
    SipServer server;
    std::uint16_t port = 0;
    bool hold = false;
    bool discard = false;
    Responder held;
    std::vector<sip::Message> requests;
    std::vector<RequestSource> sources;
    std::vector<txn::TransactionKey> keys;  // each Responder's
};

// A UDP client on loopback that records every response.
struct UdpClient {
    explicit UdpClient(asio::io_context& io) : udp(io) {
        EXPECT_FALSE(udp.open({k_loopback_v4, 0}));
        udp.on_message(
            [this](sip::Message m, const auto&, const auto&) { got.push_back(std::move(m)); });
    }
    std::string sent_by() const { return to_hostport(*udp.local_endpoint(eyeballs::Family::ipv4)); }
    void send(std::uint16_t port, std::string bytes) { udp.send({k_loopback_v4, port}, bytes); }

    UdpTransport udp;
    std::vector<sip::Message> got;
};

TEST(SipServer, AnswersOverUdpAndAbsorbsRetransmissions) {
    Fixture f(Transport::udp);
    UdpClient client(f.io);
    std::string request = test::options_text(client.sent_by(), "z9hG4bKretx");
    client.send(f.port, request);
    run_until(f.io, [&] { return client.got.size() == 1; });
    client.send(f.port, request);  // §17.2.2: the transaction answers it again
    run_until(f.io, [&] { return client.got.size() == 2; });

    ASSERT_EQ(client.got.size(), 2u);
    EXPECT_EQ(client.got[0].status_code(), 200);
    EXPECT_EQ(client.got[1].serialize(), client.got[0].serialize());
    EXPECT_EQ(f.requests.size(), 1u);  // the TU saw one request
    ASSERT_EQ(f.sources.size(), 1u);
    EXPECT_EQ(f.sources[0].transport, Transport::udp);
    EXPECT_EQ(sip::top_via_branch(f.requests[0]), "z9hG4bKretx");
    EXPECT_EQ(f.sources[0].text(), "udp:" + client.sent_by());
    EXPECT_NE(client.got[0].serialize().find("Server: test"), std::string::npos);
}

// §17.2.2 once the final response is out: the transaction keeps only that response (a
// completed_ entry) and gives it to every retransmission until Timer J (64*T1) ends; a
// retransmission after that is a new request. With T1 = 5 ms, Timer J is 320 ms.
TEST(SipServer, CompletedUdpTransactionAnswersRetransmissionsUntilTimerJ) {
    Fixture f(Transport::udp, std::chrono::milliseconds(5));
    UdpClient client(f.io);
    std::string request = test::options_text(client.sent_by(), "z9hG4bKtimerj");
    client.send(f.port, request);
    run_until(f.io, [&] { return client.got.size() == 1; });
    ASSERT_EQ(client.got.size(), 1u);
    EXPECT_EQ(f.server.transactions(), 1u);
    const std::string first = client.got[0].serialize();
    for (std::size_t i = 2; i <= 3; ++i) {
        client.send(f.port, request);
        run_until(f.io, [&] { return client.got.size() == i; });
        ASSERT_EQ(client.got.size(), i);
        EXPECT_EQ(client.got.back().serialize(), first);
    }
    EXPECT_EQ(f.requests.size(), 1u);

    run_until(f.io, [&] { return f.server.transactions() == 0; });  // Timer J fired
    EXPECT_EQ(f.server.transactions(), 0u);
    client.send(f.port, request);
    run_until(f.io, [&] { return client.got.size() == 4; });
    EXPECT_EQ(f.requests.size(), 2u);  // handed to the TU again, as new
    ASSERT_EQ(client.got.size(), 4u);
    EXPECT_EQ(client.got[3].status_code(), 200);
    // A new transaction: a new To tag.
    EXPECT_NE(client.got[3].serialize(), first);
}

// A final answer given later (a held Responder, as the registrar's group commit answers)
// after a provisional one: the retransmissions get the provisional until the final is out,
// then the final, and no second final goes out.
TEST(SipServer, HeldFinalAnswerAfterProvisionalIsWhatRetransmissionsGet) {
    Fixture f(Transport::udp);
    f.hold = true;
    UdpClient client(f.io);
    std::string request = test::options_text(client.sent_by(), "z9hG4bKheld");
    client.send(f.port, request);
    run_until(f.io, [&] { return static_cast<bool>(f.held); });
    ASSERT_TRUE(f.held);
    EXPECT_TRUE(f.held.respond(100));
    run_until(f.io, [&] { return client.got.size() == 1; });
    client.send(f.port, request);
    run_until(f.io, [&] { return client.got.size() == 2; });
    EXPECT_TRUE(f.held.respond(486, {}, {"Retry-After: 30"}));
    EXPECT_FALSE(f.held.awaits_final());
    EXPECT_FALSE(f.held.respond(200));  // the transaction took its final response
    run_until(f.io, [&] { return client.got.size() == 3; });
    client.send(f.port, request);
    run_until(f.io, [&] { return client.got.size() == 4; });

    ASSERT_EQ(client.got.size(), 4u);
    EXPECT_EQ(client.got[0].status_code(), 100);
    EXPECT_EQ(client.got[1].status_code(), 100);
    EXPECT_EQ(client.got[2].status_code(), 486);
    EXPECT_NE(client.got[2].serialize().find("\r\nRetry-After: 30\r\n"), std::string::npos);
    EXPECT_NE(client.got[2].serialize().find(";tag=" + f.held.to_tag()), std::string::npos);
    EXPECT_EQ(client.got[3].serialize(), client.got[2].serialize());
    EXPECT_EQ(f.requests.size(), 1u);
    EXPECT_EQ(f.server.transactions(), 1u);  // held in Completed for Timer J
}

// Over TCP the final answer ends the transaction at once (Timer J is zero, §17.2.2).
TEST(SipServer, FinalAnswerOverTcpEndsTheTransaction) {
    Fixture f(Transport::tcp);
    std::vector<sip::Message> got;
    auto client = StreamConnection::connect(f.io, {k_loopback_v4, f.port}, std::nullopt,
                                            [](std::error_code, std::string) {});
    client->on_message([&](sip::Message m) { got.push_back(std::move(m)); });
    client->send(test::options_text("127.0.0.1:5099", "z9hG4bKtcp", "TCP"));
    run_until(f.io, [&] { return got.size() == 1; });

    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].status_code(), 200);
    EXPECT_EQ(sip::top_via_branch(got[0]), "z9hG4bKtcp");
    EXPECT_EQ(f.server.transactions(), 0u);
    client->close();
}

// The Responder's key is the request's §17.2.3 key as the handler sees the request (its
// Via stamped), for an RFC 3261 branch and for the RFC 2543 fallback alike.
TEST(SipServer, ResponderKeyIsTheServerKeyOfTheStampedRequest) {
    Fixture f(Transport::udp);
    UdpClient client(f.io);
    for (const std::string branch : {"z9hG4bKkey1", "old2543key"}) {
        std::string request = test::options_text(client.sent_by(), branch);
        auto at = request.find("branch=" + branch);
        ASSERT_NE(at, std::string::npos);
        request.insert(at + 7 + branch.size(), ";rport");  // RFC 3581: stamped
        client.send(f.port, request);
    }
    run_until(f.io, [&] { return client.got.size() == 2; });
    ASSERT_EQ(f.requests.size(), 2u);
    ASSERT_EQ(f.keys.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        SCOPED_TRACE(i);
        EXPECT_NE(f.requests[i].first_value(sip::HeaderId::via)->find(";rport="),
                  std::string_view::npos);
        auto key = txn::server_key(f.requests[i]);
        ASSERT_TRUE(key.ok());
        EXPECT_EQ(f.keys[i], *key);
    }
    EXPECT_EQ(f.keys[0].kind, txn::KeyKind::server);
    EXPECT_EQ(f.keys[1].kind, txn::KeyKind::server_rfc2543);
}

TEST(SipServer, PrefilterDropsOrAnswersStatelesslyWithoutATransaction) {
    Fixture f(Transport::udp);
    static const std::string k_allow_options[] = {"Allow: OPTIONS"};
    f.server.on_prefilter([](const sip::Message& m, const RequestSource&, const sip::Uri&) {
        Prefiltered p;
        if (m.header(sip::HeaderId::call_id) == "call-z9hG4bKdrop")
            p.action = Prefiltered::Action::drop;
        else if (m.header(sip::HeaderId::call_id) == "call-z9hG4bKsl")
            p = {Prefiltered::Action::respond, 200, {}, k_allow_options};
        return p;
    });
    UdpClient client(f.io);
    client.send(f.port, test::options_text(client.sent_by(), "z9hG4bKdrop"));
    client.send(f.port, test::options_text(client.sent_by(), "z9hG4bKsl"));
    run_until(f.io, [&] { return client.got.size() == 1; });
    ASSERT_EQ(client.got.size(), 1u);  // the dropped one got nothing
    EXPECT_EQ(client.got[0].header(sip::HeaderId::call_id), "call-z9hG4bKsl");
    EXPECT_EQ(client.got[0].header(sip::HeaderId::allow), "OPTIONS");
    EXPECT_NE(client.got[0].serialize().find("Server: test"), std::string::npos);
    EXPECT_TRUE(f.requests.empty());         // the handler saw neither
    EXPECT_EQ(f.server.transactions(), 0u);  // and nothing is kept for them
}

// The request with its To header replaced by `to`.
std::string options_with_to(const UdpClient& client, const std::string& branch,
                            std::string_view to) {
    std::string request = test::options_text(client.sent_by(), branch);
    auto at = request.find("To: <sip:responder.example.com>");
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) request.replace(at, 31, std::string(to));
    return request;
}

TEST(SipServer, BadKeyHeaderGets400WithTheParserReason) {
    Fixture f(Transport::udp);
    UdpClient client(f.io);
    // The To's URI cannot even be located: there is no tag to key a transaction by.
    client.send(f.port, options_with_to(client, "z9hG4bKbad", "To: <sip:responder.example.com"));
    run_until(f.io, [&] { return client.got.size() == 1; });

    ASSERT_EQ(client.got.size(), 1u);
    EXPECT_EQ(client.got[0].status_code(), 400);
    EXPECT_NE(client.got[0].reason_phrase().find("bad To header"), std::string_view::npos)
        << client.got[0].reason_phrase();
    EXPECT_NE(client.got[0].reason_phrase().find("missing '>'"), std::string_view::npos)
        << client.got[0].reason_phrase();
    EXPECT_TRUE(f.requests.empty());
}

// RFC 3261 §16.3: the front door reads From and To as a proxy does, tags only. A To URI
// that does not parse is for the code that uses it to judge (the registrar answers 400);
// the request reaches the handler with its transaction.
TEST(SipServer, UnparsableToUriReachesTheHandler) {
    Fixture f(Transport::udp);
    UdpClient client(f.io);
    client.send(f.port, options_with_to(client, "z9hG4bKbaduri", "To: <sip:>;tag=t1"));
    run_until(f.io, [&] { return client.got.size() == 1; });

    ASSERT_EQ(client.got.size(), 1u);
    EXPECT_EQ(client.got[0].status_code(), 200);
    ASSERT_EQ(f.requests.size(), 1u);
    EXPECT_EQ(f.requests[0].header(sip::HeaderId::to), "<sip:>;tag=t1");
    EXPECT_EQ(client.got[0].header(sip::HeaderId::to), "<sip:>;tag=t1");
}

// TCP: a request whose top Via says alias (RFC 5923) files the connection under the
// sent-by; without alias, or with someone else's address, it does not.
struct TcpCase {
    std::string sent_by_host;
    bool alias;
    bool filed;
};

class SipServerAlias : public ::testing::TestWithParam<TcpCase> {};

TEST_P(SipServerAlias, FilesTheConnectionUnderTheSentByOnlyWhenAllowed) {
    Fixture f(Transport::tcp);
    std::vector<sip::Message> got;
    auto client = StreamConnection::connect(f.io, {k_loopback_v4, f.port}, std::nullopt,
                                            [](std::error_code, std::string) {});
    client->on_message([&](sip::Message m) { got.push_back(std::move(m)); });
    const std::uint16_t advertised = 5099;
    std::string sent_by = GetParam().sent_by_host + ":" + std::to_string(advertised);
    std::string request = test::options_text(sent_by, "z9hG4bKalias", "TCP");
    if (GetParam().alias) {
        auto branch = request.find("branch=z9hG4bKalias");
        request.insert(branch + 19, ";alias");
    }
    client->send(request);
    run_until(f.io, [&] { return got.size() == 1; });

    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].status_code(), 200);
    auto address = asio::ip::make_address(GetParam().sent_by_host);
    auto found = f.server.connections().find(Transport::tcp, {address, advertised});
    EXPECT_EQ(found != nullptr, GetParam().filed);
    EXPECT_EQ(f.server.connections().size(), 1u);  // an alias is not a second connection
    client->close();
}

INSTANTIATE_TEST_SUITE_P(Rfc5923, SipServerAlias,
                         ::testing::Values(TcpCase{"127.0.0.1", true, true},
                                           TcpCase{"127.0.0.1", false, false},
                                           TcpCase{"192.0.2.7", true, false}));

TEST(SipServer, StopWaitsForAPendingTransactionThenCloses) {
    Fixture f(Transport::udp);
    f.hold = true;
    UdpClient client(f.io);
    client.send(f.port, test::options_text(client.sent_by(), "z9hG4bKdrain"));
    run_until(f.io, [&] { return static_cast<bool>(f.held); });
    ASSERT_TRUE(f.held);
    ASSERT_TRUE(f.held.awaits_final());

    bool stopped = false;
    f.server.stop(std::chrono::seconds(3), [&] { stopped = true; });
    EXPECT_FALSE(stopped);  // a transaction still owes its final response
    // A new transaction is refused while draining.
    client.send(f.port, test::options_text(client.sent_by(), "z9hG4bKlate"));
    asio::steady_timer later(f.io);
    later.expires_after(std::chrono::milliseconds(100));
    later.async_wait([&](std::error_code) { f.held.respond(200); });
    auto start = std::chrono::steady_clock::now();
    run_until(f.io, [&] { return stopped && !client.got.empty(); });

    EXPECT_TRUE(stopped);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    ASSERT_EQ(client.got.size(), 1u);  // the held one answered, the late one dropped
    EXPECT_EQ(client.got[0].status_code(), 200);
    EXPECT_EQ(f.requests.size(), 1u);
    client.udp.close();
}

TEST(SipServer, DiscardedRequestHoldsNoTransaction) {
    // A scanner's request is dropped unanswered and leaves nothing behind: stop() has no
    // transaction to wait for, and a retransmission is handed over again as new.
    Fixture f(Transport::udp);
    f.discard = true;
    UdpClient client(f.io);
    const auto request = test::options_text(client.sent_by(), "z9hG4bKscan");
    client.send(f.port, request);
    run_until(f.io, [&] { return f.requests.size() == 1; });
    client.send(f.port, request);
    run_until(f.io, [&] { return f.requests.size() == 2; });
    EXPECT_EQ(f.requests.size(), 2u);

    bool stopped = false;
    auto start = std::chrono::steady_clock::now();
    f.server.stop(std::chrono::seconds(3), [&] { stopped = true; });
    run_until(f.io, [&] { return stopped; });
    EXPECT_TRUE(stopped);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_TRUE(client.got.empty());
    client.udp.close();
}

}  // namespace
}  // namespace happysip::runtime
