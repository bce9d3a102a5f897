// RFC 5626 §8: the SIP UDP port answers STUN Binding requests, seen from a plain UDP
// socket the way a UA behind a NAT would send its keep-alives.
#include <gtest/gtest.h>

#include <array>
#include <asio/ip/udp.hpp>
#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/stun/binding_request.hpp"
#include "happysip/stun/binding_response.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using test::run_until;

// How long "nothing comes back" is watched for.
constexpr std::chrono::milliseconds k_silence{200};

// A raw client socket (not a UdpTransport: that one would swallow the STUN answers).
struct RawClient {
    RawClient(asio::io_context& io, const asio::ip::address& loopback) : socket(io) {
        socket.open(loopback.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6());
        socket.bind({loopback, 0});
        receive();
    }
    void receive() {
        socket.async_receive_from(asio::buffer(buffer), from,
                                  [this](std::error_code ec, std::size_t n) {
                                      if (ec) return;
                                      received.emplace_back(buffer.data(), n);
                                      receive();
                                  });
    }
    void send(const asio::ip::udp::endpoint& to, const std::string& bytes) {
        socket.send_to(asio::buffer(bytes), to);
    }
    asio::ip::udp::socket socket;
    std::array<char, 2048> buffer{};
    asio::ip::udp::endpoint from;
    std::vector<std::string> received;
};

// A listening transport on one loopback address, what it handed up, and a client.
struct LoopbackPair {
    explicit LoopbackPair(const asio::ip::address& loopback) : server(io), client(io, loopback) {
        EXPECT_FALSE(server.open({loopback, 0}));
        server_ep = server.local_endpoint(family_of(loopback)).value_or(server_ep);
        server.on_message([this](sip::Message m, const asio::ip::udp::endpoint& f, const auto&) {
            sip_methods.emplace_back(m.method_text());
            sip_from = f;
        });
        server.on_bad_datagram(
            [this](std::string, const auto&, const auto&, std::string_view) { ++bad; });
    }
    stun::BindingResponse only_response() {
        EXPECT_EQ(client.received.size(), 1U);
        if (client.received.empty()) return {};
        auto parsed = stun::parse_binding_response(client.received[0]);
        if (auto* error = std::get_if<stun::StunError>(&parsed)) {
            ADD_FAILURE() << stun::to_string(error->code);
            return {};
        }
        return std::get<stun::BindingResponse>(std::move(parsed));
    }

    asio::io_context io;
    UdpTransport server;
    asio::ip::udp::endpoint server_ep;
    RawClient client;
    std::vector<std::string> sip_methods;
    asio::ip::udp::endpoint sip_from;
    int bad = 0;
};

class UdpStunKeepalive : public ::testing::TestWithParam<const char*> {
  protected:
    LoopbackPair s{asio::ip::make_address(GetParam())};
};

TEST_P(UdpStunKeepalive, BindingRequestIsAnsweredWithTheClientsAddressAndSipStillWorks) {
    const auto client_ep = s.client.socket.local_endpoint();
    const stun::TransactionId id = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8};
    s.client.send(s.server_ep, stun::binding_request(id, stun::WithFingerprint::yes));
    run_until(s.io, [&] { return !s.client.received.empty(); });

    EXPECT_EQ(s.client.from, s.server_ep);  // from the SIP socket itself
    const stun::BindingResponse response = s.only_response();
    EXPECT_EQ(response.message_class, stun::MessageClass::success);
    EXPECT_EQ(response.transaction_id, id);
    EXPECT_TRUE(response.has_fingerprint);
    ASSERT_TRUE(response.mapped);
    EXPECT_EQ(*response.mapped, stun_address(client_ep));
    EXPECT_EQ(s.server.keepalive_counters().stun_success, 1U);

    // The same flow carries SIP right after.
    s.client.send(s.server_ep, test::options_text(to_hostport(client_ep), "z9hG4bKstun1"));
    run_until(s.io, [&] { return !s.sip_methods.empty(); });
    EXPECT_EQ(s.sip_methods, std::vector<std::string>{"OPTIONS"});
    EXPECT_EQ(s.sip_from, client_ep);
    EXPECT_EQ(s.bad, 0);
}

TEST_P(UdpStunKeepalive, StunResponsesAndIndicationsGetNoAnswer) {
    const stun::TransactionId id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    // A Binding success response (class 0b10), as a reflector would try to bounce.
    s.client.send(s.server_ep, stun::binding_success(id, stun_address(s.server_ep)));
    std::string indication = stun::binding_request(id);
    indication[1] = 0x11;  // class 0b01
    s.client.send(s.server_ep, indication);
    const auto start = std::chrono::steady_clock::now();
    run_until(s.io, [&] { return std::chrono::steady_clock::now() - start >= k_silence; });
    EXPECT_EQ(s.server.keepalive_counters().stun_ignored, 2U);
    EXPECT_EQ(s.server.keepalive_counters().stun_success, 0U);
    EXPECT_TRUE(s.client.received.empty());
    EXPECT_TRUE(s.sip_methods.empty());  // neither reached the SIP parser
    EXPECT_EQ(s.bad, 0);
}

TEST_P(UdpStunKeepalive, UnknownComprehensionRequiredAttributeIsAnswered420) {
    const stun::TransactionId id = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    // A bare Binding request plus PRIORITY (0x0024, ICE's), length fixed up to 8.
    std::string request = stun::binding_request(id);
    request[3] = 8;
    request += std::string("\x00\x24\x00\x04\x6e\x00\x01\xff", 8);
    s.client.send(s.server_ep, request);
    run_until(s.io, [&] { return !s.client.received.empty(); });
    const stun::BindingResponse response = s.only_response();
    EXPECT_EQ(response.error_code, 420);
    EXPECT_EQ(response.unknown_attributes, (std::vector<std::uint16_t>{0x0024}));
    EXPECT_EQ(response.transaction_id, id);
    EXPECT_EQ(s.server.keepalive_counters().stun_error, 1U);
}

TEST_P(UdpStunKeepalive, CrlfKeepalivesAreCountedAndDropped) {
    s.client.send(s.server_ep, "\r\n\r\n");
    run_until(s.io, [&] { return s.server.keepalive_counters().crlf == 1; });
    EXPECT_EQ(s.server.keepalive_counters().crlf, 1U);
    EXPECT_TRUE(s.client.received.empty());
    EXPECT_TRUE(s.sip_methods.empty());
}

INSTANTIATE_TEST_SUITE_P(Loopback, UdpStunKeepalive, ::testing::Values("127.0.0.1", "::1"));

}  // namespace
}  // namespace happysip::runtime
