// RFC 3581 §4: a UDP response leaves from the address and port its request was sent to.
// On a socket bound to 0.0.0.0 the kernel would pick the source by routing instead: on
// loopback, an answer to 127.0.0.1 would leave from 127.0.0.1 even when the request went
// to 127.0.0.2 (the whole of 127.0.0.0/8 is local), which is what these tests use to see
// the difference without a second interface.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/ip/udp.hpp>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/stun/binding_request.hpp"
#include "runtime_test_support.hpp"
#include "udp_test_peer.hpp"

namespace happysip::runtime {
namespace {

using test::k_loopback_v4;
using test::run_until;

const asio::ip::address k_second_v4 = asio::ip::make_address("127.0.0.2");

using Peer = test::UdpPeer;

// A UdpTransport bound to `at` (port 0) that records the source and destination of the
// last message it was handed.
struct Listening {
    Listening(asio::io_context& io, const asio::ip::address& at) : server(io) {
        EXPECT_FALSE(server.open({at, 0}));
        port = server.local_endpoint(family_of(at)).value_or(asio::ip::udp::endpoint()).port();
        server.on_message(
            [this](sip::Message, const asio::ip::udp::endpoint& f, const asio::ip::address& t) {
                from = f;
                to = t;
            });
    }
    UdpTransport server;
    std::uint16_t port = 0;
    asio::ip::udp::endpoint from;
    std::optional<asio::ip::address> to;
};

TEST(UdpWildcardSource, TheTransportReportsTheDestinationAndAnswersFromIt) {
    asio::io_context io;
    Listening l(io, asio::ip::address_v4::any());
    auto& [server, port, from, to] = l;
    Peer peer(io, k_loopback_v4);
    peer.send({k_second_v4, port}, test::options_text(peer.sent_by(), "z9hG4bKwild1"));
    run_until(io, [&] { return to.has_value(); });
    ASSERT_TRUE(to.has_value());
    EXPECT_EQ(*to, k_second_v4);
    EXPECT_EQ(from, peer.socket.local_endpoint());

    server.send_from(*to, from, "answer");
    server.send(from, "routed");  // no source given: routing picks 127.0.0.1
    run_until(io, [&] { return peer.received.size() == 2; });
    ASSERT_EQ(peer.received.size(), 2u);
    EXPECT_EQ(peer.received[0].bytes, "answer");
    EXPECT_EQ(peer.received[0].from, asio::ip::udp::endpoint(k_second_v4, port));
    EXPECT_EQ(peer.received[1].bytes, "routed");
    EXPECT_EQ(peer.received[1].from, asio::ip::udp::endpoint(k_loopback_v4, port));
}

// A socket bound to one address reports that address, and sends from it whatever
// send_from is given.
TEST(UdpWildcardSource, ASocketBoundToOneAddressKeepsIt) {
    asio::io_context io;
    Listening l(io, k_second_v4);
    auto& [server, port, from, to] = l;
    Peer peer(io, k_loopback_v4);
    peer.send({k_second_v4, port}, test::options_text(peer.sent_by(), "z9hG4bKwild2"));
    run_until(io, [&] { return to.has_value(); });
    ASSERT_TRUE(to.has_value());
    EXPECT_EQ(*to, k_second_v4);
    server.send_from(k_loopback_v4, from, "answer");
    run_until(io, [&] { return peer.received.size() == 1; });
    ASSERT_EQ(peer.received.size(), 1u);
    EXPECT_EQ(peer.received[0].from, asio::ip::udp::endpoint(k_second_v4, port));
}

TEST(UdpWildcardSource, AnIpv6WildcardSocketReportsTheDestination) {
    asio::io_context io;
    Listening l(io, asio::ip::address_v6::any());
    auto& [server, port, from, to] = l;
    Peer peer(io, test::k_loopback_v6);
    peer.send({test::k_loopback_v6, port}, test::options_text(peer.sent_by(), "z9hG4bKwild6"));
    run_until(io, [&] { return to.has_value(); });
    ASSERT_TRUE(to.has_value());
    EXPECT_EQ(*to, test::k_loopback_v6);
    server.send_from(*to, from, "answer");
    run_until(io, [&] { return peer.received.size() == 1; });
    ASSERT_EQ(peer.received.size(), 1u);
    EXPECT_EQ(peer.received[0].from, asio::ip::udp::endpoint(test::k_loopback_v6, port));
}

// IPv6 has one loopback address, so its answer path is shown in a network namespace of its
// own: a child process unshares the network, gives lo two documentation addresses, and
// runs the exchange of the IPv4 test above there. Its exit status says what it saw.
enum Ipv6Outcome : int {
    k_as_expected = 0,
    k_no_destination = 1,     // the request never arrived, or without its destination
    k_wrong_destination = 2,  // `to` was not 2001:db8::2
    k_answer_elsewhere = 3,   // the answer did not come from 2001:db8::2
    k_not_routed = 4,         // routing did not pick 2001:db8::1: the test shows nothing
    k_server_elsewhere = 5,   // SipServer on udp:[::] answered from elsewhere, or not at all
    k_no_namespace = 77,      // no network namespace to be had (not root, no ip(8))
};

int ipv6_exchange_in_a_namespace() {
    if (::unshare(CLONE_NEWNET) != 0) return k_no_namespace;
    if (std::system("ip link set lo up && ip -6 addr add 2001:db8::1/128 dev lo nodad && "
                    "ip -6 addr add 2001:db8::2/128 dev lo nodad") != 0)
        return k_no_namespace;
    try {
        const auto one = asio::ip::make_address("2001:db8::1");
        const auto two = asio::ip::make_address("2001:db8::2");
        asio::io_context io;
        Listening l(io, asio::ip::address_v6::any());
        Peer peer(io, one);
        peer.send({two, l.port}, test::options_text(peer.sent_by(), "z9hG4bKwild6ns"));
        run_until(io, [&] { return l.to.has_value(); });
        if (!l.to) return k_no_destination;
        if (*l.to != two) return k_wrong_destination;
        l.server.send_from(*l.to, l.from, "answer");
        l.server.send(l.from, "routed");
        run_until(io, [&] { return peer.received.size() == 2; });
        if (peer.received.size() != 2) return k_no_destination;
        if (peer.received[0].from != asio::ip::udp::endpoint(two, l.port))
            return k_answer_elsewhere;
        if (peer.received[1].from != asio::ip::udp::endpoint(one, l.port)) return k_not_routed;

        // The same through SipServer: its 200 to an OPTIONS sent to ::2.
        SipServer server(io, SipServerOptions{});
        server.on_request(
            [](const sip::Message&, const RequestSource&, Responder& r) { r.respond(200); });
        auto listening = server.listen(*parse_listen_spec("udp:[::]:0"));
        if (!listening.error.empty()) return k_server_elsewhere;
        const auto port = static_cast<std::uint16_t>(
            std::stoi(listening.bound.substr(listening.bound.rfind(':') + 1)));
        peer.send({two, port}, test::options_text(peer.sent_by(), "z9hG4bKwild6srv"));
        run_until(io, [&] { return peer.received.size() == 3; });
        server.stop();
        if (peer.received.size() != 3 ||
            peer.received[2].from != asio::ip::udp::endpoint(two, port) ||
            peer.received[2].bytes.rfind("SIP/2.0 200", 0) != 0)
            return k_server_elsewhere;
        return k_as_expected;
    } catch (const std::exception&) {
        return k_no_namespace;
    }
}

TEST(UdpWildcardSource, AnIpv6WildcardSocketAnswersFromTheAddressARequestWasSentTo) {
    if (::geteuid() != 0) GTEST_SKIP() << "a network namespace needs root";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(ipv6_exchange_in_a_namespace());
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    const int outcome = WEXITSTATUS(status);
    if (outcome == k_no_namespace) GTEST_SKIP() << "no network namespace here";
    EXPECT_EQ(outcome, k_as_expected)
        << "1: nothing arrived, 2: wrong destination, 3: answer from another address, "
           "4: routing picked the same address, 5: SipServer's 200 from another address";
}

// RFC 5626 §8: a STUN keep-alive's answer comes from the address the NAT's binding is to.
TEST(UdpWildcardSource, AStunKeepaliveIsAnsweredFromTheAddressItWasSentTo) {
    asio::io_context io;
    Listening l(io, asio::ip::address_v4::any());
    Peer peer(io, k_loopback_v4);
    const std::uint16_t port = l.port;
    const stun::TransactionId id = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    peer.send({k_second_v4, port}, stun::binding_request(id));
    run_until(io, [&] { return peer.received.size() == 1; });
    ASSERT_EQ(peer.received.size(), 1u);
    EXPECT_EQ(peer.received[0].from, asio::ip::udp::endpoint(k_second_v4, port));
}

// SipServer on udp:0.0.0.0: the handler sees the address the request was sent to, and the
// response and its retransmission from the completed transaction leave from it, as does a
// 400 for a request whose key headers do not parse.
TEST(UdpWildcardSource, ServerResponsesLeaveFromTheAddressTheRequestWasSentTo) {
    asio::io_context io;
    SipServerOptions options;
    options.server_header = "test";
    SipServer server(io, options);
    std::vector<RequestSource> sources;
    server.on_request([&](const sip::Message&, const RequestSource& s, Responder& r) {
        sources.push_back(s);
        r.respond(200);
    });
    auto listening = server.listen(*parse_listen_spec("udp:0.0.0.0:0"));
    ASSERT_TRUE(listening.error.empty()) << listening.error;
    const auto port = static_cast<std::uint16_t>(
        std::stoi(listening.bound.substr(listening.bound.rfind(':') + 1)));
    const asio::ip::udp::endpoint expected(k_second_v4, port);

    Peer peer(io, k_loopback_v4);
    const std::string request = test::options_text(peer.sent_by(), "z9hG4bKwildsrv");
    peer.send({k_second_v4, port}, request);
    run_until(io, [&] { return peer.received.size() == 1; });
    peer.send({k_second_v4, port}, request);  // answered by the completed transaction
    run_until(io, [&] { return peer.received.size() == 2; });
    std::string bad = test::options_text(peer.sent_by(), "z9hG4bKwildbad");
    const std::string to_line = "To: <sip:responder.example.com>";
    ASSERT_NE(bad.find(to_line), std::string::npos);
    bad.replace(bad.find(to_line), to_line.size(), "To: <sip:responder.example.com");
    peer.send({k_second_v4, port}, bad);
    run_until(io, [&] { return peer.received.size() == 3; });

    ASSERT_EQ(peer.received.size(), 3u);
    for (const auto& d : peer.received)
        EXPECT_EQ(d.from, expected) << d.bytes;
    EXPECT_EQ(peer.received[0].bytes, peer.received[1].bytes);
    EXPECT_NE(peer.received[2].bytes.find("SIP/2.0 400"), std::string::npos)
        << peer.received[2].bytes;
    ASSERT_EQ(sources.size(), 1u);
    EXPECT_EQ(sources[0].local_text(), "127.0.0.2:" + std::to_string(port));
}

// RFC 5626 §5.3 on a wildcard listener: a request down a UA's flow, its Via, and a response
// forwarded to it leave from the address the UA registered to, which is each UA's own
// (127.0.0.2, 127.0.0.3); a peer without a flow gets what routing picks (127.0.0.1).
TEST(UdpWildcardSource, RequestsDownAFlowLeaveFromTheAddressItRegisteredTo) {
    asio::io_context io;
    SipServerOptions options;
    options.flow_idle_timeout = std::chrono::seconds(5);
    options.idle_sweep_interval = std::chrono::milliseconds(50);
    SipServer server(io, options);
    std::vector<bool> marked;
    server.on_request([&](const sip::Message& m, const RequestSource& source, Responder& r) {
        if (m.method() == sip::Method::register_) marked.push_back(server.mark_flow(source));
        r.respond(200);
    });
    auto listening = server.listen(*parse_listen_spec("udp:0.0.0.0:0"));
    ASSERT_TRUE(listening.error.empty()) << listening.error;
    const auto port = static_cast<std::uint16_t>(
        std::stoi(listening.bound.substr(listening.bound.rfind(':') + 1)));

    Peer first(io), second(io), plain(io);
    const asio::ip::address third_v4 = asio::ip::make_address("127.0.0.3");
    first.send({k_second_v4, port}, first.register_request());
    second.send({third_v4, port}, second.register_request());
    run_until(io, [&] { return marked.size() == 2; });
    ASSERT_EQ(marked, std::vector<bool>({true, true}));
    run_until(io, [&] { return first.received.size() == 1 && second.received.size() == 1; });

    auto flow_to = [](const Peer& p) {
        return Destination{eyeballs::Transport::udp, k_loopback_v4, p.port(), {}, true};
    };
    EXPECT_EQ(server.via_sent_by(flow_to(first)), "127.0.0.2:" + std::to_string(port));
    EXPECT_EQ(server.via_sent_by(flow_to(second)), "127.0.0.3:" + std::to_string(port));
    server.send_request(flow_to(first), test::options_text("x.invalid", "z9hG4bKflowa"));
    server.send_request(flow_to(second), test::options_text("x.invalid", "z9hG4bKflowb"));
    auto ringing = sip::parse_message(
        "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP " + first.sent_by() +
        ";branch=z9hG4bKsl;rport\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
        "Call-ID: sl\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(ringing) << ringing.error().to_string();
    EXPECT_TRUE(server.forward_response(ringing.value()));
    Destination no_flow = flow_to(plain);
    no_flow.existing_flow_only = false;
    server.send_request(no_flow, test::options_text("x.invalid", "z9hG4bKplain"));
    run_until(io, [&] {
        return first.received.size() == 3 && second.received.size() == 2 &&
               plain.received.size() == 1;
    });

    ASSERT_EQ(first.received.size(), 3u);
    ASSERT_EQ(second.received.size(), 2u);
    ASSERT_EQ(plain.received.size(), 1u);
    for (const auto& d : first.received)
        EXPECT_EQ(d.from, asio::ip::udp::endpoint(k_second_v4, port)) << d.bytes;
    for (const auto& d : second.received)
        EXPECT_EQ(d.from, asio::ip::udp::endpoint(third_v4, port)) << d.bytes;
    EXPECT_EQ(plain.received[0].from, asio::ip::udp::endpoint(k_loopback_v4, port));
    server.stop();
}

}  // namespace
}  // namespace happysip::runtime
