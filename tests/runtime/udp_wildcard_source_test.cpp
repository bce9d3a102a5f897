// RFC 3581 §4: a UDP response leaves from the address and port its request was sent to.
// On a socket bound to 0.0.0.0 the kernel would pick the source by routing instead: on
// loopback, an answer to 127.0.0.1 would leave from 127.0.0.1 even when the request went
// to 127.0.0.2 (the whole of 127.0.0.0/8 is local), which is what these tests use to see
// the difference without a second interface.
#include <gtest/gtest.h>

#include <array>
#include <asio/ip/udp.hpp>
#include <optional>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/stun/binding_request.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using test::k_loopback_v4;
using test::run_until;

const asio::ip::address k_second_v4 = asio::ip::make_address("127.0.0.2");

// A plain socket that records each datagram with the address it came from.
struct Peer {
    Peer(asio::io_context& io, const asio::ip::address& at) : socket(io) {
        socket.open(at.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6());
        socket.bind({at, 0});
        receive();
    }
    void receive() {
        socket.async_receive_from(asio::buffer(buffer), sender,
                                  [this](std::error_code ec, std::size_t n) {
                                      if (ec) return;
                                      got.push_back({sender, std::string(buffer.data(), n)});
                                      receive();
                                  });
    }
    void send(const asio::ip::udp::endpoint& to, const std::string& bytes) {
        socket.send_to(asio::buffer(bytes), to);
    }
    std::string sent_by() const { return to_hostport(socket.local_endpoint()); }

    struct Datagram {
        asio::ip::udp::endpoint from;
        std::string bytes;
    };
    asio::ip::udp::socket socket;
    std::array<char, 4096> buffer{};
    asio::ip::udp::endpoint sender;
    std::vector<Datagram> got;
};

// A UdpTransport bound to `at` (port 0) that records the source and destination of the
// last message it was handed.
struct Listening {
    Listening(asio::io_context& io, const asio::ip::address& at) : server(io) {
        EXPECT_FALSE(server.open({at, 0}));
        port = server.local_endpoint(family_of(at)).value_or(asio::ip::udp::endpoint()).port();
        server.on_message([this](sip::Message, const asio::ip::udp::endpoint& f,
                                 const asio::ip::address& t) {
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
    run_until(io, [&] { return peer.got.size() == 2; });
    ASSERT_EQ(peer.got.size(), 2u);
    EXPECT_EQ(peer.got[0].bytes, "answer");
    EXPECT_EQ(peer.got[0].from, asio::ip::udp::endpoint(k_second_v4, port));
    EXPECT_EQ(peer.got[1].bytes, "routed");
    EXPECT_EQ(peer.got[1].from, asio::ip::udp::endpoint(k_loopback_v4, port));
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
    run_until(io, [&] { return peer.got.size() == 1; });
    ASSERT_EQ(peer.got.size(), 1u);
    EXPECT_EQ(peer.got[0].from, asio::ip::udp::endpoint(k_second_v4, port));
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
    run_until(io, [&] { return peer.got.size() == 1; });
    ASSERT_EQ(peer.got.size(), 1u);
    EXPECT_EQ(peer.got[0].from, asio::ip::udp::endpoint(test::k_loopback_v6, port));
}

// RFC 5626 §8: a STUN keep-alive's answer comes from the address the NAT's binding is to.
TEST(UdpWildcardSource, AStunKeepaliveIsAnsweredFromTheAddressItWasSentTo) {
    asio::io_context io;
    Listening l(io, asio::ip::address_v4::any());
    Peer peer(io, k_loopback_v4);
    const std::uint16_t port = l.port;
    const stun::TransactionId id = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    peer.send({k_second_v4, port}, stun::binding_request(id));
    run_until(io, [&] { return peer.got.size() == 1; });
    ASSERT_EQ(peer.got.size(), 1u);
    EXPECT_EQ(peer.got[0].from, asio::ip::udp::endpoint(k_second_v4, port));
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
    run_until(io, [&] { return peer.got.size() == 1; });
    peer.send({k_second_v4, port}, request);  // answered by the completed transaction
    run_until(io, [&] { return peer.got.size() == 2; });
    std::string bad = test::options_text(peer.sent_by(), "z9hG4bKwildbad");
    const std::string to_line = "To: <sip:responder.example.com>";
    ASSERT_NE(bad.find(to_line), std::string::npos);
    bad.replace(bad.find(to_line), to_line.size(), "To: <sip:>");
    peer.send({k_second_v4, port}, bad);
    run_until(io, [&] { return peer.got.size() == 3; });

    ASSERT_EQ(peer.got.size(), 3u);
    for (const auto& d : peer.got)
        EXPECT_EQ(d.from, expected) << d.bytes;
    EXPECT_EQ(peer.got[0].bytes, peer.got[1].bytes);
    EXPECT_NE(peer.got[2].bytes.find("SIP/2.0 400"), std::string::npos) << peer.got[2].bytes;
    ASSERT_EQ(sources.size(), 1u);
    EXPECT_EQ(sources[0].local, "127.0.0.2:" + std::to_string(port));
}

}  // namespace
}  // namespace happysip::runtime
