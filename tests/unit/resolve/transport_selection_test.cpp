#include <gtest/gtest.h>

#include <string>

#include "happysip/resolve/transport_selection.hpp"

namespace happysip::resolve {
namespace {

TransportPlan plan(const std::string& text, TransportSet supported = {}) {
    static std::string storage;  // the Uri views into it; plan_transport copies what it keeps
    storage = text;
    auto uri = sip::parse_uri(storage);
    EXPECT_TRUE(uri) << text;
    return plan_transport(*uri, supported);
}

TEST(TransportSelection, ExplicitTransportParamWins) {
    // RFC 3263 §4.1: the transport parameter SHOULD be used, even with a numeric host.
    auto p = plan("sip:192.0.2.1;transport=tcp");
    EXPECT_EQ(p.kind, PlanKind::numeric);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.port, 5060);
}

TEST(TransportSelection, ExplicitTransportWithHostnameAndNoPortLooksUpSrvForIt) {
    // RFC 3263 §4.2: transport given, no port: SRV query for that specific transport.
    auto p = plan("sip:example.com;transport=tcp");
    EXPECT_EQ(p.kind, PlanKind::srv_lookup);
    EXPECT_EQ(p.transport, Transport::tcp);
    ASSERT_EQ(p.srv_queries.size(), 1u);
    EXPECT_EQ(p.srv_queries[0], (SrvQuery{"_sip._tcp.example.com", Transport::tcp}));
}

TEST(TransportSelection, SipsMeansTls) {
    // RFC 3263 §4.1: TCP for a SIPS URI, i.e. TLS over TCP; default port 5061.
    auto p = plan("sips:192.0.2.1");
    EXPECT_EQ(p.kind, PlanKind::numeric);
    EXPECT_EQ(p.transport, Transport::tls);
    EXPECT_EQ(p.port, 5061);
    EXPECT_TRUE(p.secure);
}

TEST(TransportSelection, SipsWithTransportTcpIsTlsAndUsesSipsSrv) {
    // RFC 3263 §4.2: the "_sips" service identifier for SIPS URIs.
    auto p = plan("sips:example.com;transport=tcp");
    EXPECT_EQ(p.kind, PlanKind::srv_lookup);
    EXPECT_EQ(p.transport, Transport::tls);
    ASSERT_EQ(p.srv_queries.size(), 1u);
    EXPECT_EQ(p.srv_queries[0].name, "_sips._tcp.example.com");
}

TEST(TransportSelection, SipsOverUdpIsUnusable) {
    EXPECT_EQ(plan("sips:example.com;transport=udp").kind, PlanKind::unusable);
}

TEST(TransportSelection, NumericIpDefaultsToUdp5060) {
    // RFC 3263 §4.1 / §4.2: numeric TARGET, no transport: UDP, default port.
    auto p = plan("sip:alice@192.0.2.1");
    EXPECT_EQ(p.kind, PlanKind::numeric);
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.port, 5060);
    EXPECT_EQ(p.family, Family::ipv4);
    EXPECT_EQ(p.target, "192.0.2.1");
}

TEST(TransportSelection, NumericIpv6TargetLosesItsBrackets) {
    auto p = plan("sip:[2001:db8::1]:5070");
    EXPECT_EQ(p.kind, PlanKind::numeric);
    EXPECT_EQ(p.family, Family::ipv6);
    EXPECT_EQ(p.target, "2001:db8::1");
    EXPECT_EQ(p.port, 5070);
}

TEST(TransportSelection, ExplicitPortWithoutTransportMeansUdp) {
    // RFC 3263 §4.1: hostname with an explicit port: UDP; §4.2: A/AAAA, that port.
    auto p = plan("sip:example.com:5080");
    EXPECT_EQ(p.kind, PlanKind::address_lookup);
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.port, 5080);
    EXPECT_EQ(p.target, "example.com");
}

TEST(TransportSelection, NothingExplicitMeansNaptrQuery) {
    // RFC 3263 §4.1: no transport, no port, not numeric: NAPTR for the domain.
    auto p = plan("sip:alice@example.com");
    EXPECT_EQ(p.kind, PlanKind::naptr_lookup);
    EXPECT_EQ(p.target, "example.com");
    EXPECT_FALSE(p.transport);
}

TEST(TransportSelection, MaddrIsTheTarget) {
    // RFC 3263 §4: TARGET is the maddr parameter when present.
    auto p = plan("sip:alice@example.com;maddr=192.0.2.9");
    EXPECT_EQ(p.kind, PlanKind::numeric);
    EXPECT_EQ(p.target, "192.0.2.9");
}

TEST(TransportSelection, UnsupportedExplicitTransportIsUnusable) {
    TransportSet udp_only{.udp = true, .tcp = false, .tls = false};
    EXPECT_EQ(plan("sip:example.com;transport=tcp", udp_only).kind, PlanKind::unusable);
}

TEST(TransportSelection, UnknownTransportIsUnusable) {
    EXPECT_EQ(plan("sip:example.com;transport=sctp").kind, PlanKind::unusable);
}

TEST(TransportSelection, TcpOnlyClientUsesTcpWhereUdpIsTheDefault) {
    TransportSet tcp_only{.udp = false, .tcp = true, .tls = false};
    EXPECT_EQ(plan("sip:192.0.2.1", tcp_only).transport, Transport::tcp);
}

TEST(TransportSelection, TelUriIsUnusable) {
    EXPECT_EQ(plan("tel:+12015550123").kind, PlanKind::unusable);
}

TEST(TransportSelection, WebSocketHostnameIsAnAddressLookupOnItsDefaultPort) {
    TransportSet with_ws{.ws = true};
    auto p = plan("sip:example.com;transport=ws", with_ws);
    EXPECT_EQ(p.kind, PlanKind::address_lookup);
    EXPECT_EQ(p.port, 80);
}

}  // namespace
}  // namespace happysip::resolve
