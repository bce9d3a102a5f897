#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/proxy/forward.hpp"
#include "happysip/proxy/local_identity.hpp"
#include "happysip/proxy/request_checks.hpp"
#include "happysip/proxy/route_processing.hpp"

namespace happysip::proxy {
namespace {

const LocalIdentity k_self({"example.com"}, {{"udp", "2001:db8::1", 5060},
                                             {"udp", "192.0.2.1", 5060},
                                             {"tcp", "proxy.example.com", 5060}});

sip::Message request(std::string ruri, std::vector<std::string> headers = {}) {
    std::string text = "INVITE " + ruri +
                       " SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKua1\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
                       "Call-ID: call-1\r\nCSeq: 1 INVITE\r\n";
    bool has_mf = false;
    for (const auto& h : headers) {
        text += h + "\r\n";
        has_mf |= h.starts_with("Max-Forwards");
    }
    if (!has_mf) text += "Max-Forwards: 70\r\n";
    text += "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

ForwardPlan plan_to(std::string target) {
    ForwardPlan p;
    p.target = std::move(target);
    p.record_route = {"sip:[2001:db8::1];lr"};
    p.via_sent_by = "[2001:db8::1]:5060";
    p.branch_token = "t1";
    return p;
}

TEST(LocalIdentity, Ipv6ListenersCompareByValue) {
    auto uri = sip::parse_uri("sip:[2001:DB8:0::1]:5060;lr");
    ASSERT_TRUE(uri);
    EXPECT_TRUE(k_self.is_local_uri(uri.value()));
    auto other_port = sip::parse_uri("sip:[2001:db8::1]:5070;lr");
    EXPECT_FALSE(k_self.is_local_uri(other_port.value()));
    EXPECT_TRUE(k_self.serves_domain("EXAMPLE.com"));
}

// Wildcard listeners claim an address literal of their family on their port exactly when
// the host has it; the host is asked about nothing else.
TEST(LocalIdentity, AWildcardListenerIsEveryAddressTheHostHasOfItsFamily) {
    std::vector<std::string> asked;
    const LocalIdentity self({"example.com"}, {{"udp", "0.0.0.0", 5060}, {"udp", "::", 5080}},
                             [&asked](std::string_view literal) {
                                 asked.emplace_back(literal);
                                 return literal == "198.51.100.7" || literal == "2001:db8::7";
                             });
    EXPECT_TRUE(self.is_local_address("198.51.100.7", 5060));
    EXPECT_FALSE(self.is_local_address("198.51.100.8", 5060));  // another host on 5060
    EXPECT_FALSE(self.is_local_address("198.51.100.7", 5080));  // :: is IPv6 only
    EXPECT_TRUE(self.is_local_address("[2001:db8::7]", 5080));
    EXPECT_FALSE(self.is_local_address("[2001:db8::7]", 5060));
    EXPECT_FALSE(self.is_local_address("proxy.example.com", 5060));
    EXPECT_EQ(asked, (std::vector<std::string>{"198.51.100.7", "198.51.100.8", "2001:db8::7"}));
    auto uri = sip::parse_uri("sip:198.51.100.7;lr");
    ASSERT_TRUE(uri);
    EXPECT_TRUE(self.is_local_uri(uri.value()));

    // Without the check a wildcard listener claims no literal at all.
    const LocalIdentity blind({"example.com"}, {{"udp", "0.0.0.0", 5060}});
    EXPECT_FALSE(blind.is_local_address("198.51.100.7", 5060));
}

TEST(CheckRequest, MaxForwardsZeroIs483) {
    auto r = check_request(request("sip:bob@example.com", {"Max-Forwards: 0"}), k_self);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 483);
}

TEST(CheckRequest, UnroutableSchemeIs416) {
    auto r = check_request(request("mailto:bob@example.com"), k_self);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 416);
}

TEST(CheckRequest, UnknownProxyRequireIs420WithUnsupported) {
    auto r = check_request(request("sip:bob@example.com", {"Proxy-Require: foo, path"}), k_self);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 420);
    EXPECT_EQ(r->headers, std::vector<std::string>{"Unsupported: foo"});
}

TEST(CheckRequest, AValidRequestPasses) {
    EXPECT_FALSE(check_request(request("sip:bob@example.com"), k_self));
    // RFC 6140: a PBX's bulk REGISTER relayed by an edge says Proxy-Require: gin.
    EXPECT_FALSE(check_request(request("sip:example.com", {"Proxy-Require: gin"}), k_self));
}

TEST(CheckRequest, RequestComingBackUnchangedIsALoop) {
    // §16.3 item 4: our own Via with the same loop hash -> 482.
    auto original = request("sip:bob@example.net");
    auto plan = plan_to("");
    plan.loop_hash = loop_hash(original);
    auto forwarded = forward_copy(original, plan);
    ASSERT_TRUE(forwarded);
    // The next hop sends it straight back: another Via on top, same everything else.
    auto back = forwarded.value().request;
    back.prepend(sip::HeaderId::via, "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKother");
    auto reparsed = sip::parse_message(back.serialize());
    ASSERT_TRUE(reparsed);
    auto r = check_request(reparsed.value(), k_self);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 482);
}

TEST(CheckRequest, RequestComingBackChangedIsASpiral) {
    auto original = request("sip:bob@example.net");
    auto plan = plan_to("");
    plan.loop_hash = loop_hash(original);
    auto forwarded = forward_copy(original, plan);
    ASSERT_TRUE(forwarded);
    auto back = forwarded.value().request;
    back.set_request_uri("sip:bob-mobile@example.net");  // retargeted elsewhere: a spiral
    auto reparsed = sip::parse_message(back.serialize());
    ASSERT_TRUE(reparsed);
    EXPECT_FALSE(check_request(reparsed.value(), k_self));
}

TEST(CheckRequest, InDialogRequestBackWithAShorterRouteSetIsASpiral) {
    // An edge proxy and its home proxy (RFC 5626): the BYE passes us, the home proxy, then
    // us again; only the Route set it carries differs between the two passes.
    auto original =
        request("sip:bob@192.0.2.9", {"Route: <sip:[2001:db8::1];lr>, <sip:home.example.net;lr>, "
                                      "<sip:[2001:db8::1];lr;flow>"});
    auto plan = plan_to("");
    plan.loop_hash = loop_hash(original);
    auto pre = original;
    preprocess_routes(pre, k_self);
    auto forwarded = forward_copy(pre, plan);
    ASSERT_TRUE(forwarded);
    auto back = forwarded.value().request;
    back.prepend(sip::HeaderId::via, "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKhome");
    set_routes(back, {"<sip:[2001:db8::1];lr;flow>"});  // the home proxy took its own off
    auto reparsed = sip::parse_message(back.serialize());
    ASSERT_TRUE(reparsed);
    EXPECT_FALSE(check_request(reparsed.value(), k_self));
}

TEST(RouteProcessing, OurTopRouteIsRemoved) {
    auto m =
        request("sip:bob@example.net", {"Route: <sip:[2001:db8::1];lr>, <sip:p2.example.net;lr>"});
    auto r = preprocess_routes(m, k_self);
    EXPECT_EQ(r.routes_removed, 1);
    EXPECT_EQ(route_values(m), std::vector<std::string>{"<sip:p2.example.net;lr>"});
}

TEST(RouteProcessing, DoubleRecordRouteRemovesBothOfOurs) {
    // RFC 5658: a proxy bridging IPv6 and IPv4 appears twice in the route set.
    auto m = request("sip:bob@example.net",
                     {"Route: <sip:[2001:db8::1];lr>", "Route: <sip:192.0.2.1;lr>"});
    EXPECT_EQ(preprocess_routes(m, k_self).routes_removed, 2);
    EXPECT_TRUE(route_values(m).empty());
}

TEST(RouteProcessing, StrictRouterPreviousHopGetsRequestUriRestored) {
    // §16.4: the Request-URI is our Record-Route value; the last Route is the real target.
    auto m = request("sip:192.0.2.1", {"Route: <sip:p2.example.net;lr>, <sip:bob@198.51.100.5>"});
    auto r = preprocess_routes(m, k_self);
    EXPECT_TRUE(r.request_uri_restored);
    EXPECT_EQ(m.request_uri(), "sip:bob@198.51.100.5");
    EXPECT_EQ(route_values(m), std::vector<std::string>{"<sip:p2.example.net;lr>"});
}

TEST(Forward, DecrementsMaxForwardsAddsRecordRouteAndVia) {
    auto forwarded =
        forward_copy(request("sip:bob@example.com"), plan_to("sip:bob@[2001:db8::20]:5080"));
    ASSERT_TRUE(forwarded);
    const auto& m = forwarded.value().request;
    EXPECT_EQ(m.request_uri(), "sip:bob@[2001:db8::20]:5080");
    EXPECT_EQ(m.header(sip::HeaderId::max_forwards), "69");
    EXPECT_EQ(m.values(sip::HeaderId::record_route).front(), "<sip:[2001:db8::1];lr>");
    const auto vias = m.values(sip::HeaderId::via);
    ASSERT_EQ(vias.size(), 2u);
    EXPECT_EQ(vias[0], "SIP/2.0/UDP [2001:db8::1]:5060;branch=" + forwarded.value().branch);
    EXPECT_TRUE(forwarded.value().branch.starts_with("z9hG4bK-hst1."));
    EXPECT_EQ(forwarded.value().next_hop, "sip:bob@[2001:db8::20]:5080");
    // What was not edited is forwarded byte for byte.
    EXPECT_NE(m.serialize().find("From: <sip:alice@example.com>;tag=a1\r\n"), std::string::npos);
}

TEST(Forward, DoubleRecordRoutePutsTheOutgoingSideOnTop) {
    auto plan = plan_to("sip:bob@192.0.2.20");
    plan.record_route = {"sip:192.0.2.1;lr", "sip:[2001:db8::1];lr"};  // out (IPv4), in (IPv6)
    auto forwarded = forward_copy(request("sip:bob@example.com"), plan);
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded.value().request.values(sip::HeaderId::record_route),
              (std::vector<std::string_view>{"<sip:192.0.2.1;lr>", "<sip:[2001:db8::1];lr>"}));
}

TEST(Forward, PathGoesOnTopOfTheRegistersPath) {
    // RFC 3327 §5.3: an edge proxy relaying a REGISTER; a proxy nearer the UA added its own.
    auto plan = plan_to("");
    plan.path = "sip:tok~0123456789abcdef@[2001:db8::1];lr;ob";
    auto forwarded =
        forward_copy(request("sip:example.net", {"Path: <sip:nearer.example.org;lr>"}), plan);
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded.value().request.values(sip::HeaderId::path),
              (std::vector<std::string_view>{"<sip:tok~0123456789abcdef@[2001:db8::1];lr;ob>",
                                             "<sip:nearer.example.org;lr>"}));
    // Without one, the Path is left as it came.
    auto plain = forward_copy(request("sip:example.net"), plan_to(""));
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain.value().request.header(sip::HeaderId::path));
}

TEST(Forward, StrictRouterNextHopGetsTheRequestUri) {
    // §16.6 item 6: the top Route lacks lr.
    auto forwarded = forward_copy(
        request("sip:bob@example.net", {"Route: <sip:strict.example.net>"}), plan_to(""));
    ASSERT_TRUE(forwarded);
    const auto& m = forwarded.value().request;
    EXPECT_EQ(m.request_uri(), "sip:strict.example.net");
    EXPECT_EQ(route_values(m), std::vector<std::string>{"<sip:bob@example.net>"});
    EXPECT_EQ(forwarded.value().next_hop, "sip:strict.example.net");
}

TEST(Forward, LooseRouteIsTheNextHop) {
    auto forwarded = forward_copy(
        request("sip:bob@example.net", {"Route: <sip:[2001:db8::77]:5070;lr>"}), plan_to(""));
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded.value().next_hop, "sip:[2001:db8::77]:5070;lr");
    EXPECT_EQ(forwarded.value().request.request_uri(), "sip:bob@example.net");
}

TEST(Forward, MissingMaxForwardsBecomes70) {
    auto m = request("sip:bob@example.com");
    m.remove_all(sip::HeaderId::max_forwards);
    auto forwarded = forward_copy(m, plan_to(""));
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded.value().request.header(sip::HeaderId::max_forwards), "70");
}

}  // namespace
}  // namespace happysip::proxy
