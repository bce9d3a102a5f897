// The RFC 5626 edge proxy role's decisions: which REGISTERs it relays, which requests go
// to the home proxy, and the Path it adds.
#include "happysip/proxy/edge_role.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace happysip::proxy {
namespace {

sip::Message message(const std::string& method, const std::string& ruri,
                     const std::string& from_host, std::vector<std::string> headers = {}) {
    std::string text = method + " " + ruri +
                       " SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.9:40001;branch=z9hG4bKua1\r\n"
                       "From: <sip:alice@" +
                       from_host +
                       ">;tag=a1\r\nTo: <sip:alice@example.net>\r\n"
                       "Call-ID: c1\r\nCSeq: 1 " +
                       method + "\r\nMax-Forwards: 70\r\n";
    for (const auto& h : headers)
        text += h + "\r\n";
    text += "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

const EdgeRole k_edge({"Example.NET"}, "sip:192.0.2.50:5080;transport=tcp");

TEST(EdgeRole, RelaysTheRegistersOfItsDomainsOnly) {
    EXPECT_TRUE(k_edge.relays_register(message("REGISTER", "sip:example.net", "example.net")));
    EXPECT_TRUE(k_edge.relays_register(message("REGISTER", "sip:EXAMPLE.net", "x.org")));
    EXPECT_FALSE(k_edge.relays_register(message("REGISTER", "sip:example.com", "example.net")));
    EXPECT_FALSE(k_edge.relays_register(message("OPTIONS", "sip:example.net", "example.net")));
    EXPECT_FALSE(EdgeRole().relays_register(message("REGISTER", "sip:example.net", "x")));
}

TEST(EdgeRole, SendsTheHomeProxysRequestsToTheConfiguredRegistrar) {
    // For a user of the domain; from one of its users to anywhere (outside a dialog).
    EXPECT_EQ(k_edge.home_route(message("INVITE", "sip:bob@example.net", "x.org"), false),
              std::optional<std::string>("<sip:192.0.2.50:5080;transport=tcp;lr>"));
    EXPECT_EQ(
        k_edge.home_route(message("INVITE", "sip:+15551234@pstn.example", "example.net"), false),
        std::optional<std::string>("<sip:192.0.2.50:5080;transport=tcp;lr>"));
    // Inside a dialog only the Request-URI counts; a Route left means someone else decides.
    EXPECT_FALSE(k_edge.home_route(message("BYE", "sip:bob@192.0.2.77", "example.net"), true));
    EXPECT_FALSE(k_edge.home_route(
        message("INVITE", "sip:bob@example.net", "x", {"Route: <sip:p.example.org;lr>"}), false));
    EXPECT_FALSE(k_edge.home_route(message("INVITE", "sip:bob@elsewhere.org", "x.org"), false));
    // Without a configured registrar: RFC 3263 on the Request-URI; "lr" kept when given.
    const EdgeRole by_dns({"example.net"}, "");
    EXPECT_EQ(by_dns.home_route(message("INVITE", "sip:bob@example.net", "x"), false),
              std::optional<std::string>(""));
    const EdgeRole with_lr({"example.net"}, "sip:home.example.net;lr");
    EXPECT_EQ(with_lr.home_route(message("INVITE", "sip:bob@example.net", "x"), false),
              std::optional<std::string>("<sip:home.example.net;lr>"));
}

TEST(EdgeRole, PathForAnOutboundFirstHopCarriesOb) {
    const std::string contact =
        "Contact: <sip:alice@192.0.2.9:40001;transport=tcp;ob>;reg-id=1;"
        "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"";
    auto outbound = path_for_register(message("REGISTER", "sip:example.net", "example.net",
                                              {"Supported: path, outbound", contact}));
    EXPECT_TRUE(outbound.insert);
    EXPECT_TRUE(outbound.ob);

    // Not the first hop: Path, no "ob".
    auto second_hop = path_for_register(message(
        "REGISTER", "sip:example.net", "example.net",
        {"Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKp1", "Supported: outbound", contact}));
    EXPECT_TRUE(second_hop.insert);
    EXPECT_FALSE(second_hop.ob);

    // Path without Outbound; neither (RFC 3327 forbids adding it then).
    auto path_only = path_for_register(
        message("REGISTER", "sip:example.net", "example.net", {"Supported: path", contact}));
    EXPECT_TRUE(path_only.insert);
    EXPECT_FALSE(path_only.ob);
    EXPECT_FALSE(
        path_for_register(message("REGISTER", "sip:example.net", "example.net", {contact})).insert);

    // Outbound supported but no reg-id: an ordinary registration.
    auto no_reg_id = path_for_register(
        message("REGISTER", "sip:example.net", "example.net",
                {"Supported: outbound", "Contact: <sip:alice@192.0.2.9:40001;transport=tcp>"}));
    EXPECT_TRUE(no_reg_id.insert);
    EXPECT_FALSE(no_reg_id.ob);
}

}  // namespace
}  // namespace happysip::proxy
