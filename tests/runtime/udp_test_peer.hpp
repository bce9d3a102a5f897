// A UA's plain UDP socket for the runtime tests: records every datagram with the address
// and port it came from (a UdpTransport would hide keep-alive answers and parse the rest),
// and writes an Outbound REGISTER (RFC 5626: ob, reg-id, +sip.instance) for itself.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/sip/builder.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime::test {

struct UdpPeer {
    explicit UdpPeer(asio::io_context& io, const asio::ip::address& at = k_loopback_v4)
        : socket(io) {
        socket.open(at.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6());
        socket.bind({at, 0});
        receive();
    }
    void receive() {
        socket.async_receive_from(asio::buffer(buffer), from,
                                  [this](std::error_code ec, std::size_t n) {
                                      if (ec) return;
                                      received.push_back({from, std::string(buffer.data(), n)});
                                      receive();
                                  });
    }
    void send(const asio::ip::udp::endpoint& to, const std::string& bytes) {
        socket.send_to(asio::buffer(bytes), to);
    }
    std::uint16_t port() const { return socket.local_endpoint().port(); }
    std::string sent_by() const { return to_hostport(socket.local_endpoint()); }
    std::string register_request() {
        sip::RequestParts p;
        p.method = "REGISTER";
        p.request_uri = "sip:example.com";
        p.via_sent_by = sent_by();
        p.branch = "z9hG4bKreg" + std::to_string(port()) + "-" + std::to_string(++cseq);
        p.cseq = cseq;
        p.from = "<sip:alice@example.com>";
        p.from_tag = "a1";
        p.to = "<sip:alice@example.com>";
        p.call_id = "reg-" + std::to_string(port());
        p.contact =
            "<sip:alice@" + sent_by() +
            ";ob>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-0000000000f1>\"";
        auto m = sip::make_request(p);
        EXPECT_TRUE(m.ok());
        return m ? m->serialize() : std::string();
    }

    struct Datagram {
        asio::ip::udp::endpoint from;
        std::string bytes;
    };
    asio::ip::udp::socket socket;
    std::array<char, 4096> buffer{};
    asio::ip::udp::endpoint from;
    std::vector<Datagram> received;
    std::uint32_t cseq = 0;
};

}  // namespace happysip::runtime::test
