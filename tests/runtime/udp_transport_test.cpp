#include "happysip/runtime/udp_transport.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using test::run_until;

class UdpTransportOnFamily : public ::testing::TestWithParam<const char*> {};

TEST_P(UdpTransportOnFamily, DeliversADatagramAsAParsedMessageWithItsSource) {
    asio::io_context io;
    asio::ip::address loopback = asio::ip::make_address(GetParam());
    UdpTransport server(io), client(io);
    ASSERT_FALSE(server.open({loopback, 0}));
    ASSERT_FALSE(client.open({loopback, 0}));
    auto family = family_of(loopback);
    auto server_ep = server.local_endpoint(family);
    auto client_ep = client.local_endpoint(family);
    ASSERT_TRUE(server_ep && client_ep);
    EXPECT_NE(server_ep->port(), 0);
    EXPECT_FALSE(server.local_endpoint(eyeballs::other_family(family)));

    std::optional<sip::Message> got;
    asio::ip::udp::endpoint from;
    server.on_message([&](sip::Message m, const asio::ip::udp::endpoint& f, const auto&) {
        got = std::move(m);
        from = f;
    });
    std::optional<std::error_code> sent;
    client.send(*server_ep, test::options_text(to_hostport(*client_ep), "z9hG4bKudp1"),
                [&](std::error_code ec) { sent = ec; });
    run_until(io, [&] { return got.has_value() && sent.has_value(); });

    ASSERT_TRUE(sent.has_value());
    EXPECT_FALSE(*sent) << sent->message();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->method_text(), "OPTIONS");
    EXPECT_EQ(from, *client_ep);
}

INSTANTIATE_TEST_SUITE_P(Loopback, UdpTransportOnFamily, ::testing::Values("127.0.0.1", "::1"));

// More datagrams than one burst reads (k_burst, 32) waiting at once, from two sources: each
// is delivered once with its own source (recvmmsg fills several buffers per call), the rest
// of the queue is read without a new edge from the kernel, and a datagram sent after the
// queue drained still arrives (the wait was queued again).
TEST(UdpTransport, DeliversAQueueLongerThanABurstWithEachSource) {
    asio::io_context io;
    UdpTransport server(io);
    ASSERT_FALSE(server.open({test::k_loopback_v4, 0}));
    const auto server_ep = *server.local_endpoint(eyeballs::Family::ipv4);
    std::vector<std::pair<std::string, asio::ip::udp::endpoint>> got;
    server.on_message([&](sip::Message m, const asio::ip::udp::endpoint& from, const auto&) {
        got.emplace_back(std::string(m.first_value(sip::HeaderId::call_id).value_or("")), from);
    });
    asio::ip::udp::socket a(io, {test::k_loopback_v4, 0}), b(io, {test::k_loopback_v4, 0});
    const int n = 100;
    for (int i = 0; i < n; ++i) {
        auto& sock = i % 2 == 0 ? a : b;
        // options_text's Call-ID is "call-" + the branch: one per datagram.
        sock.send_to(asio::buffer(test::options_text(to_hostport(sock.local_endpoint()),
                                                     "z9hG4bKq" + std::to_string(i))),
                     server_ep);
    }
    run_until(io, [&] { return got.size() >= static_cast<std::size_t>(n); });
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto& [call_id, from] = got[static_cast<std::size_t>(i)];
        EXPECT_EQ(call_id, "call-z9hG4bKq" + std::to_string(i));
        EXPECT_EQ(from, (i % 2 == 0 ? a : b).local_endpoint()) << i;
    }
    a.send_to(asio::buffer(test::options_text(to_hostport(a.local_endpoint()), "z9hG4bKlast")),
              server_ep);
    run_until(io, [&] { return got.size() > static_cast<std::size_t>(n); });
    EXPECT_EQ(got.size(), static_cast<std::size_t>(n + 1));
}

TEST(UdpTransport, BothFamiliesCanShareOnePort) {
    asio::io_context io;
    UdpTransport t(io);
    ASSERT_FALSE(t.open({test::k_loopback_v6, 0}));
    auto port = t.local_endpoint(eyeballs::Family::ipv6)->port();
    EXPECT_FALSE(t.open({test::k_loopback_v4, port}));  // v6 socket is IPv6-only
    EXPECT_EQ(t.local_endpoint(eyeballs::Family::ipv4)->port(), port);
    EXPECT_EQ(t.open({test::k_loopback_v4, 0}), asio::error::already_open);
}

TEST(UdpTransport, SendToAFamilyWithoutSocketFailsWithAnError) {
    asio::io_context io;
    UdpTransport t(io);
    ASSERT_FALSE(t.open({test::k_loopback_v4, 0}));
    std::optional<std::error_code> result;
    t.send({test::k_loopback_v6, 5060}, "x", [&](std::error_code ec) { result = ec; });
    EXPECT_FALSE(result.has_value());  // never synchronously
    run_until(io, [&] { return result.has_value(); });
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, asio::error::address_family_not_supported);
}

// Sends without a `done` report their failures to the transport's one handler, with the
// destination: a refused datagram (port 0: EINVAL from the kernel, nothing leaves the
// host) and one for a family without a socket.
TEST(UdpTransport, FailuresOfSendsWithoutDoneGoToTheSendErrorHandler) {
    asio::io_context io;
    UdpTransport t(io);
    std::vector<std::pair<std::error_code, asio::ip::udp::endpoint>> failures;
    t.on_send_error([&](std::error_code ec, const asio::ip::udp::endpoint& to) {
        failures.emplace_back(ec, to);
    });
    ASSERT_FALSE(t.open({test::k_loopback_v4, 0}));
    const asio::ip::udp::endpoint refused{test::k_loopback_v4, 0};
    const asio::ip::udp::endpoint no_socket{test::k_loopback_v6, 5060};
    t.send(refused, "x");
    t.send(no_socket, "y");
    EXPECT_TRUE(failures.empty());  // never synchronously
    run_until(io, [&] { return failures.size() == 2; });
    ASSERT_EQ(failures.size(), 2u);
    std::sort(failures.begin(), failures.end(),
              [](const auto& a, const auto& b) { return a.second.port() < b.second.port(); });
    EXPECT_EQ(failures[0].first, std::errc::invalid_argument);
    EXPECT_EQ(failures[0].second, refused);
    EXPECT_EQ(failures[1].first, asio::error::address_family_not_supported);
    EXPECT_EQ(failures[1].second, no_socket);
}

// A datagram sent with a `done` reports to it, not to the handler; and after many flushes
// (each reusing the last one's batch) every datagram still arrives once.
TEST(UdpTransport, DoneTakesPrecedenceAndRepeatedFlushesDeliverEveryDatagram) {
    asio::io_context io;
    UdpTransport sender(io), receiver(io);
    int handler_calls = 0;
    sender.on_send_error([&](std::error_code, const asio::ip::udp::endpoint&) { ++handler_calls; });
    ASSERT_FALSE(sender.open({test::k_loopback_v4, 0}));
    ASSERT_FALSE(receiver.open({test::k_loopback_v4, 0}));
    std::optional<std::error_code> done;
    sender.send({test::k_loopback_v4, 0}, "x", [&](std::error_code ec) { done = ec; });
    run_until(io, [&] { return done.has_value(); });
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(*done, std::errc::invalid_argument);
    int received = 0;
    receiver.on_message([&](sip::Message, const auto&, const auto&) { ++received; });
    const auto to = *receiver.local_endpoint(eyeballs::Family::ipv4);
    constexpr int k_rounds = 50;
    for (int round = 0; round < k_rounds; ++round) {
        sender.send(to,
                    "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;"
                    "branch=z9hG4bK" +
                        std::to_string(round) +
                        "\r\nFrom: <sip:b@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c\r\n"
                        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        const int want = round + 1;
        run_until(io, [&] { return received == want; });
    }
    EXPECT_EQ(received, k_rounds);
    EXPECT_EQ(handler_calls, 0);
}

TEST(UdpTransport, KeepalivesAreDroppedAndGarbageIsReported) {
    asio::io_context io;
    UdpTransport server(io), client(io);
    ASSERT_FALSE(server.open({test::k_loopback_v4, 0}));
    ASSERT_FALSE(client.open({test::k_loopback_v4, 0}));
    auto to = *server.local_endpoint(eyeballs::Family::ipv4);
    int messages = 0;
    std::vector<std::string> bad;
    server.on_message([&](sip::Message, const auto&, const auto&) { ++messages; });
    server.on_bad_datagram(
        [&](std::string detail, const auto&, const auto&, std::string_view datagram) {
            bad.push_back(detail);
            EXPECT_EQ(datagram, "not sip at all\r\n\r\n");
        });
    client.send(to, "\r\n\r\n");
    client.send(to, "not sip at all\r\n\r\n");
    client.send(to, test::options_text("127.0.0.1:1", "z9hG4bKafter"));
    run_until(io, [&] { return messages == 1; });
    EXPECT_EQ(messages, 1);
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_FALSE(bad[0].empty());
}

TEST(UdpTransport, RecognisesStunAndCrlfKeepalives) {
    std::string stun(20, '\0');
    stun[1] = 0x01;  // Binding request
    stun[4] = 0x21, stun[5] = 0x12, stun[6] = static_cast<char>(0xA4), stun[7] = 0x42;
    EXPECT_TRUE(is_udp_keepalive(stun));
    EXPECT_TRUE(is_udp_keepalive("\r\n\r\n"));
    EXPECT_FALSE(is_udp_keepalive("OPTIONS sip:a SIP/2.0\r\n"));
    EXPECT_FALSE(is_udp_keepalive(""));
}

TEST(UdpTransport, CloseLetsTheLoopReturn) {
    asio::io_context io;
    UdpTransport t(io);
    ASSERT_FALSE(t.open({test::k_loopback_v4, 0}));
    ASSERT_FALSE(t.open({test::k_loopback_v6, 0}));
    t.close();
    auto start = std::chrono::steady_clock::now();
    io.run_for(test::k_bound);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_FALSE(t.local_endpoint(eyeballs::Family::ipv4));
}

}  // namespace
}  // namespace happysip::runtime
