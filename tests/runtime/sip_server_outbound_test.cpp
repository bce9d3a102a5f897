// SipServer's client half (sip_server_outbound.cpp): requests a proxy sends from its own
// listeners, and the responses that come back to them.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using eyeballs::Transport;
using test::k_loopback_v4;
using test::k_loopback_v6;
using test::run_until;

// One SipServer listening on UDP and TCP on both loopbacks, answering 200 to everything
// and recording the requests (with their sources) and the responses it receives.
struct Peer {
    explicit Peer(asio::io_context& io) : server(io) {
        server.on_request([this](const sip::Message& m, const RequestSource& s, Responder& r) {
            requests.push_back(m);
            sources.push_back(s);
            r.respond(200);
        });
        server.on_response([this](sip::Message m, const RequestSource& s) {
            responses.push_back(std::move(m));
            response_sources.push_back(s);
        });
        for (const char* spec :
             {"udp:127.0.0.1:0", "tcp:127.0.0.1:0", "udp:[::1]:0", "tcp:[::1]:0"}) {
            auto listening = server.listen(*parse_listen_spec(spec));
            EXPECT_TRUE(listening.error.empty()) << listening.error;
            bound.push_back(listening.bound);
        }
    }
    std::uint16_t port(std::size_t i) const {
        return static_cast<std::uint16_t>(std::stoi(bound[i].substr(bound[i].rfind(':') + 1)));
    }

    SipServer server;
    std::vector<std::string> bound;  // udp4, tcp4, udp6, tcp6
    std::vector<sip::Message> requests;
    std::vector<RequestSource> sources;
    std::vector<sip::Message> responses;
    std::vector<RequestSource> response_sources;
};

std::string transport_text(Transport t) {
    return t == Transport::udp ? "UDP" : "TCP";
}

TEST(SipServerOutbound, ViaSentByIsTheListenerOfThatTransportAndFamily) {
    asio::io_context io;
    Peer a(io);
    EXPECT_EQ("udp:" + a.server.via_sent_by(Transport::udp, k_loopback_v4), a.bound[0]);
    EXPECT_EQ("tcp:" + a.server.via_sent_by(Transport::tcp, k_loopback_v4), a.bound[1]);
    EXPECT_EQ("udp:" + a.server.via_sent_by(Transport::udp, k_loopback_v6), a.bound[2]);
    EXPECT_EQ(a.server.via_sent_by(Transport::tls, k_loopback_v4), "");  // no TLS listener
}

// A listener on a wildcard address names, in a Via, the address the kernel routes from
// towards the destination (asked once and kept), with the listener's own port.
TEST(SipServerOutbound, WildcardListenerNamesTheRoutedSourceAddress) {
    asio::io_context io;
    SipServer server(io);
    auto listening = server.listen(*parse_listen_spec("udp:0.0.0.0:0"));
    ASSERT_TRUE(listening.error.empty()) << listening.error;
    const std::string port = listening.bound.substr(listening.bound.rfind(':'));
    EXPECT_EQ(server.via_sent_by(Transport::udp, k_loopback_v4), "127.0.0.1" + port);
    // The second answer comes from what was kept, and agrees.
    EXPECT_EQ(server.via_sent_by(Transport::udp, k_loopback_v4), "127.0.0.1" + port);
    EXPECT_EQ(server.via_sent_by(Transport::udp, asio::ip::make_address("127.0.0.2")),
              "127.0.0.1" + port);
}

class SipServerOutboundByTransport
    : public ::testing::TestWithParam<std::pair<Transport, bool /*ipv6*/>> {};

TEST_P(SipServerOutboundByTransport, RequestLeavesFromOurListenerAndResponseComesBack) {
    auto [transport, v6] = GetParam();
    asio::io_context io;
    Peer a(io);
    Peer b(io);
    const auto address = v6 ? k_loopback_v6 : k_loopback_v4;
    const std::size_t index = (v6 ? 2 : 0) + (transport == Transport::udp ? 0 : 1);
    Destination to{transport, address, b.port(index), {}};
    std::string sent_by = a.server.via_sent_by(transport, address);
    ASSERT_FALSE(sent_by.empty());
    bool failed = false;
    for (const char* branch : {"z9hG4bKout1", "z9hG4bKout2"})
        a.server.send_request(to, test::options_text(sent_by, branch, transport_text(transport)),
                              [&](std::string) { failed = true; });
    run_until(io, [&] { return a.responses.size() == 2 || failed; });
    ASSERT_FALSE(failed);
    ASSERT_EQ(b.requests.size(), 2u);
    ASSERT_EQ(a.responses.size(), 2u);
    EXPECT_EQ(a.responses[0].status_code(), 200);
    // UDP: from our listener's port, so the peer could answer per §18.2.2 by port alone.
    // TCP: both requests share one connection (the second waited for it, §18.1.1).
    if (transport == Transport::udp) {
        EXPECT_EQ(b.sources[0].remote_port, a.port(index));
    } else {
        EXPECT_EQ(b.sources[0].remote_port, b.sources[1].remote_port);
        EXPECT_EQ(a.server.connections().size(), 1u);
    }
    a.server.stop();
    b.server.stop();
}

INSTANTIATE_TEST_SUITE_P(Transports, SipServerOutboundByTransport,
                         ::testing::Values(std::pair{Transport::udp, false},
                                           std::pair{Transport::tcp, false},
                                           std::pair{Transport::udp, true},
                                           std::pair{Transport::tcp, true}));

TEST(SipServerOutbound, ConnectFailureIsReported) {
    asio::io_context io;
    Peer a(io);
    // A port nobody listens on: bind one, note it, close it.
    std::uint16_t closed_port = 0;
    {
        asio::ip::tcp::acceptor probe(io, {k_loopback_v4, 0});
        closed_port = probe.local_endpoint().port();
    }
    std::string error;
    a.server.send_request({Transport::tcp, k_loopback_v4, closed_port, {}},
                          test::options_text(a.server.via_sent_by(Transport::tcp, k_loopback_v4),
                                             "z9hG4bKrefused", "TCP"),
                          [&](std::string detail) { error = std::move(detail); });
    run_until(io, [&] { return !error.empty(); });
    EXPECT_NE(error.find("refused"), std::string::npos) << error;
    a.server.stop();
}

// A response to an INVITE of Call-ID `call_id` whose only Via is `via`.
sip::Message response_via(const std::string& status, const std::string& via,
                          const std::string& call_id) {
    auto m = sip::parse_message("SIP/2.0 " + status + "\r\nVia: " + via +
                                "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: " +
                                call_id + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

TEST(SipServerOutbound, ResponseIsForwardedStatelesslyToItsNextVia) {
    // RFC 3261 §16.11: a proxy's own Via removed, the response goes where the next Via
    // says: over UDP to received/rport, over TCP down the open connection to them.
    asio::io_context io;
    Peer proxy(io);
    Peer uac(io);
    // UDP: the UAC's Via as a proxy would have stamped it (received, rport).
    EXPECT_TRUE(proxy.server.forward_response(
        response_via("200 OK",
                     "SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKsl1;received=127.0.0.1;rport=" +
                         std::to_string(uac.port(0)),
                     "sl1")));
    run_until(io, [&] { return uac.responses.size() == 1; });
    ASSERT_EQ(uac.responses.size(), 1u);
    EXPECT_EQ(uac.responses[0].header(sip::HeaderId::call_id), "sl1");

    // TCP: the UAC opened a connection to the proxy; the response goes down it.
    bool failed = false;
    uac.server.send_request(
        {Transport::tcp, k_loopback_v4, proxy.port(1), {}},
        test::options_text(uac.server.via_sent_by(Transport::tcp, k_loopback_v4), "z9hG4bKsl2",
                           "TCP"),
        [&](std::string) { failed = true; });
    run_until(io, [&] { return uac.responses.size() == 2 || failed; });
    ASSERT_EQ(proxy.sources.size(), 1u);
    EXPECT_TRUE(proxy.server.forward_response(
        response_via("180 Ringing",
                     "SIP/2.0/TCP 192.0.2.99:5060;branch=z9hG4bKsl3;received=127.0.0.1;rport=" +
                         std::to_string(proxy.sources[0].remote_port),
                     "sl3")));
    run_until(io, [&] { return uac.responses.size() == 3; });
    ASSERT_EQ(uac.responses.size(), 3u);
    EXPECT_EQ(uac.responses[2].header(sip::HeaderId::call_id), "sl3");
    // No connection to that address: nothing is opened, the caller learns it.
    EXPECT_FALSE(proxy.server.forward_response(
        response_via("200 OK", "SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKsl4", "sl4")));
    proxy.server.stop();
    uac.server.stop();
}

TEST(SipServerOutbound, DestinationTextRoundTrips) {
    for (const char* text : {"udp:192.0.2.1:5060", "tcp:[2001:db8::2]:40001", "tls:[::1]:5061"}) {
        auto d = parse_destination(text);
        ASSERT_TRUE(d) << text;
        EXPECT_EQ(d->text(), text);
    }
    for (const char* bad : {"", "udp", "sctp:192.0.2.1:5060", "udp:192.0.2.1", "tcp:[::1]",
                            "udp:example.com:5060", "tcp:192.0.2.1:0", "udp:192.0.2.1:99999"})
        EXPECT_FALSE(parse_destination(bad)) << bad;
}

TEST(SipServerOutbound, FlowRequestGoesDownThePeersConnectionOrFails) {
    // RFC 5626 §5.3: a request for an Outbound flow uses the connection the UA opened; once
    // it is gone the request fails at once instead of connecting anew.
    asio::io_context io;
    Peer ua(io);
    Peer proxy(io);
    Destination to{Transport::tcp, k_loopback_v4, proxy.port(1), {}};
    bool failed = false;
    ua.server.send_request(to,
                           test::options_text(ua.server.via_sent_by(Transport::tcp, k_loopback_v4),
                                              "z9hG4bKflow1", "TCP"),
                           [&](std::string) { failed = true; });
    run_until(io, [&] { return ua.responses.size() == 1 || failed; });
    ASSERT_EQ(proxy.sources.size(), 1u);
    auto flow = parse_destination(proxy.sources[0].text());
    ASSERT_TRUE(flow) << proxy.sources[0].text();
    flow->existing_flow_only = true;
    EXPECT_TRUE(proxy.server.flow_alive(*flow));
    proxy.server.send_request(
        *flow,
        test::options_text(proxy.server.via_sent_by(Transport::tcp, k_loopback_v4), "z9hG4bKflow2",
                           "TCP"),
        [&](std::string) { failed = true; });
    run_until(io, [&] { return proxy.responses.size() == 1 || failed; });
    ASSERT_FALSE(failed);
    ASSERT_EQ(ua.requests.size(), 1u);  // it reached the UA over its own connection
    EXPECT_EQ(ua.server.connections().size(), 1u);

    ua.server.stop();  // the UA goes away: its connection closes
    run_until(io, [&] { return !proxy.server.flow_alive(*flow); });
    EXPECT_FALSE(proxy.server.flow_alive(*flow));
    std::string error;
    proxy.server.send_request(*flow, "OPTIONS sip:x SIP/2.0\r\n\r\n",
                              [&](std::string detail) { error = std::move(detail); });
    run_until(io, [&] { return !error.empty(); });
    EXPECT_NE(error.find("flow failed"), std::string::npos) << error;
    proxy.server.stop();
}

}  // namespace
}  // namespace happysip::runtime
