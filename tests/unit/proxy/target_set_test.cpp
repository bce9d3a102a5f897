// RFC 3261 §16.5 target sets and RFC 3327 Path on the way to a binding.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "happysip/proxy/dialog_token.hpp"
#include "happysip/proxy/forward.hpp"
#include "happysip/proxy/route_processing.hpp"
#include "happysip/proxy/target_set.hpp"
#include "happysip/registrar/gin_location_view.hpp"
#include "happysip/registrar/memory_location_store.hpp"

namespace happysip::proxy {
namespace {

const LocalIdentity k_self({"example.com"},
                           {{"udp", "2001:db8::1", 5060}, {"udp", "192.0.2.1", 5060}});
constexpr std::int64_t k_now = 1'800'000'000;

sip::Message request(std::string ruri, std::vector<std::string> headers = {}) {
    std::string text = "INVITE " + ruri +
                       " SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKua1\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n";
    bool has_to = false;
    for (const auto& h : headers) {
        text += h + "\r\n";
        has_to |= h.starts_with("To:");
    }
    if (!has_to) text += "To: <sip:bob@example.com>\r\n";
    text += "Call-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

registrar::Binding binding(std::string contact, std::uint16_t q,
                           std::vector<std::string> path = {}) {
    registrar::Binding b;
    b.aor = "sip:bob@example.com";
    b.contact = std::move(contact);
    b.q = q;
    b.expires_at = k_now + 3600;
    b.path = std::move(path);
    return b;
}

// An RFC 5626 binding of `instance`: registered with us over `source`, or through the
// edges in `path` (then `source` is empty).
registrar::Binding outbound(std::string instance, std::uint32_t reg_id, std::int64_t expires_at,
                            std::string source, std::vector<std::string> path = {}) {
    auto b = binding("sip:bob@10.0.0.5:5060;transport=tcp;ob", 1000, std::move(path));
    b.instance = std::move(instance);
    b.reg_id = reg_id;
    b.source = std::move(source);
    b.expires_at = expires_at;
    return b;
}

TargetSet targets_of(sip::Message m, registrar::LocationStore& store) {
    auto pre = preprocess_routes(m, k_self);
    return find_targets(m, pre, k_self, store, k_now);
}

TEST(TargetSet, LocalUserForksToEveryBindingHighestQFirst) {
    registrar::MemoryLocationStore store;
    store.replace("sip:bob@example.com", {binding("sip:bob@[2001:db8::20]:5062", 500),
                                          binding("sip:bob@192.0.2.30:5060", 1000)});
    auto set = targets_of(request("sip:bob@EXAMPLE.com"), store);
    ASSERT_EQ(set.kind, TargetSet::Kind::forward);
    ASSERT_EQ(set.targets.size(), 2u);
    EXPECT_EQ(set.targets[0].uri, "sip:bob@192.0.2.30:5060");
    EXPECT_EQ(set.targets[1].uri, "sip:bob@[2001:db8::20]:5062");
    EXPECT_EQ(set.aor, "sip:bob@example.com");
    EXPECT_FALSE(set.leaves_domain);
}

TEST(TargetSet, LocalUserWithoutBindingsIsNoBindings) {
    registrar::MemoryLocationStore store;
    auto set = targets_of(request("sip:carol@example.com"), store);
    EXPECT_EQ(set.kind, TargetSet::Kind::no_bindings);
    EXPECT_TRUE(set.targets.empty());
}

TEST(TargetSet, ExpiredBindingIsNoTarget) {
    registrar::MemoryLocationStore store;
    auto old = binding("sip:bob@192.0.2.30", 1000);
    old.expires_at = k_now - 1;
    store.replace("sip:bob@example.com", {old});
    EXPECT_EQ(targets_of(request("sip:bob@example.com"), store).kind, TargetSet::Kind::no_bindings);
}

TEST(TargetSet, OutboundInstanceIsOneTargetOverItsFlowsMostRecentFirst) {
    // RFC 5626 §5.3: one branch per instance, over the flow it registered (not to its
    // Contact URI), the other flows of the instance kept as fall-backs.
    registrar::MemoryLocationStore store;
    auto flow = [](std::uint32_t reg_id, std::string source, std::int64_t expires_at) {
        return outbound("<urn:uuid:00000000-0000-1000-8000-000000000001>", reg_id, expires_at,
                        std::move(source));
    };
    auto behind_edge = flow(1, "udp:192.0.2.7:5060", k_now + 100);
    behind_edge.instance = "<urn:uuid:00000000-0000-1000-8000-000000000002>";
    behind_edge.path = {"<sip:tok@edge.example.com;lr;ob>"};
    auto plain = binding("sip:bob@192.0.2.30:5060", 1000);
    plain.expires_at = k_now + 50;
    store.replace("sip:bob@example.com",
                  {flow(1, "tcp:[2001:db8::9]:40001", k_now + 300),
                   flow(2, "tcp:192.0.2.9:40002", k_now + 600), behind_edge, plain});
    auto set = targets_of(request("sip:bob@example.com"), store);
    ASSERT_EQ(set.targets.size(), 3u);
    const Target& outbound = set.targets[0];  // registered most recently
    EXPECT_EQ(outbound.uri, "sip:bob@10.0.0.5:5060;transport=tcp;ob");
    EXPECT_EQ(outbound.flows,
              (std::vector<std::string>{"tcp:192.0.2.9:40002", "tcp:[2001:db8::9]:40001"}));
    // Behind an edge proxy the flow is the edge's business: the Path leads there.
    EXPECT_TRUE(set.targets[1].flows.empty());
    EXPECT_EQ(set.targets[1].path, behind_edge.path);
    EXPECT_TRUE(set.targets[2].flows.empty());  // a plain binding
}

TEST(TargetSet, OwnFlowsOfAnInstanceStayItsFlowsInOrderNotAlternates) {
    // RFC 5626 §5.3: the proxy fails over along `flows` (each made an Alternate naming its
    // flow); target_set's alternates are the edge registrations only, and name no flow.
    registrar::MemoryLocationStore store;
    auto own = [](std::uint32_t reg_id, std::string source, std::int64_t expires_at) {
        return outbound("<urn:uuid:00000000-0000-1000-8000-000000000005>", reg_id, expires_at,
                        std::move(source));
    };
    auto edge = [](std::uint32_t reg_id, std::string path, std::int64_t expires_at) {
        return outbound("<urn:uuid:00000000-0000-1000-8000-000000000006>", reg_id, expires_at, "",
                        {std::move(path)});
    };
    store.replace(
        "sip:bob@example.com",
        {own(1, "tcp:192.0.2.9:40001", k_now + 900), own(2, "tcp:192.0.2.9:40002", k_now + 100),
         own(3, "udp:192.0.2.9:40003", k_now + 500),
         edge(1, "<sip:t1@edge1.example.com;lr;ob>", k_now + 800),
         edge(2, "<sip:t2@edge2.example.com;lr;ob>", k_now + 700)});
    auto set = targets_of(request("sip:bob@example.com"), store);
    ASSERT_EQ(set.targets.size(), 2u);
    const Target& direct = set.targets[0];  // its first flow expires last
    EXPECT_EQ(direct.flows, (std::vector<std::string>{"tcp:192.0.2.9:40001", "udp:192.0.2.9:40003",
                                                      "tcp:192.0.2.9:40002"}));
    EXPECT_TRUE(direct.alternates.empty());
    EXPECT_EQ(direct.instance, "<urn:uuid:00000000-0000-1000-8000-000000000005>");
    const Target& edged = set.targets[1];
    EXPECT_TRUE(edged.flows.empty());
    ASSERT_EQ(edged.alternates.size(), 1u);
    EXPECT_TRUE(edged.alternates[0].flow.empty());
    EXPECT_EQ(edged.alternates[0].path,
              std::vector<std::string>{"<sip:t2@edge2.example.com;lr;ob>"});
}

TEST(TargetSet, AnInstanceBehindAnEdgeIsOneTargetWithItsOtherFlowsAsAlternates) {
    // RFC 5626 §5.3: never two flows of one instance at once; the other registrations
    // (each with its own edge Path) wait for a 430 or a timeout, most recent first.
    registrar::MemoryLocationStore store;
    auto via_edge = [](std::uint32_t reg_id, std::string edge, std::int64_t expires_at) {
        return outbound("<urn:uuid:00000000-0000-1000-8000-000000000003>", reg_id, expires_at, "",
                        {std::move(edge)});
    };
    auto other = via_edge(1, "<sip:t3@edge2.example.com;lr;ob>", k_now + 200);
    other.instance = "<urn:uuid:00000000-0000-1000-8000-000000000004>";
    store.replace("sip:bob@example.com",
                  {via_edge(1, "<sip:t1@edge1.example.com;lr;ob>", k_now + 300),
                   via_edge(2, "<sip:t2@edge2.example.com;lr;ob>", k_now + 600), other});
    auto set = targets_of(request("sip:bob@example.com"), store);
    ASSERT_EQ(set.targets.size(), 2u);  // two instances, one target each
    const Target& first = set.targets[0];
    EXPECT_EQ(first.path, std::vector<std::string>{"<sip:t2@edge2.example.com;lr;ob>"});
    EXPECT_TRUE(first.flows.empty());
    ASSERT_EQ(first.alternates.size(), 1u);
    EXPECT_EQ(first.alternates[0].path,
              std::vector<std::string>{"<sip:t1@edge1.example.com;lr;ob>"});
    EXPECT_EQ(first.alternates[0].uri, "sip:bob@10.0.0.5:5060;transport=tcp;ob");
    EXPECT_TRUE(set.targets[1].alternates.empty());
    EXPECT_EQ(set.targets[1].instance, other.instance);
}

// RFC 6140 §7.2.1 through the GIN view: a trunk's number goes to the trunk's bnc binding
// with the number as the Request-URI's user part; an Outbound PBX is reached over its
// flows (one branch per instance), a PBX behind an edge through its Path.
TEST(TargetSet, ATrunkNumberGoesToTheTrunksFlowsWithTheNumberInTheRequestUri) {
    registrar::MemoryLocationStore store;
    auto flow = [](std::uint32_t reg_id, std::string source) {
        registrar::Binding b = binding("sip:198.51.100.3:5061;transport=tls;bnc;ob", 1000);
        b.aor = "sip:pbx1@example.com";
        b.instance = "<urn:uuid:00000000-0000-4000-8000-0000000000b1>";
        b.reg_id = reg_id;
        b.source = std::move(source);
        return b;
    };
    registrar::Binding edge = binding("sip:203.0.113.5;bnc", 500, {"<sip:edge.example.net;lr>"});
    edge.aor = "sip:pbx1@example.com";
    store.replace("sip:pbx1@example.com",
                  {flow(1, "tls:198.51.100.3:40001"), flow(2, "tls:198.51.100.3:40002"), edge});
    auto block = registrar::parse_gin_pattern("sip:+1555123*@example.com").pattern.value();
    const registrar::GinTrunks trunks({{"sip:pbx1@example.com", {block}}});
    registrar::GinLocationView view(store, trunks);

    auto set = targets_of(request("sip:+15551230042@example.com;user=phone"), view);
    ASSERT_EQ(set.kind, TargetSet::Kind::forward);
    ASSERT_EQ(set.targets.size(), 2u);
    EXPECT_EQ(set.targets[0].uri, "sip:+15551230042@198.51.100.3:5061;transport=tls;ob");
    EXPECT_EQ(set.targets[0].flows,
              (std::vector<std::string>{"tls:198.51.100.3:40001", "tls:198.51.100.3:40002"}));
    EXPECT_EQ(set.targets[1].uri, "sip:+15551230042@203.0.113.5");
    EXPECT_EQ(set.targets[1].path, std::vector<std::string>{"<sip:edge.example.net;lr>"});
    EXPECT_FALSE(set.leaves_domain);

    // Outside the block: nobody's number.
    EXPECT_EQ(targets_of(request("sip:+15551240042@example.com"), view).kind,
              TargetSet::Kind::no_bindings);
}

TEST(TargetSet, ProxyItselfIsNotFound) {
    registrar::MemoryLocationStore store;
    EXPECT_EQ(targets_of(request("sip:example.com"), store).kind, TargetSet::Kind::not_found);
    EXPECT_EQ(targets_of(request("sip:[2001:db8::1]"), store).kind, TargetSet::Kind::not_found);
}

TEST(TargetSet, ForeignDomainLeavesWithRequestUriUnchanged) {
    registrar::MemoryLocationStore store;
    auto set = targets_of(request("sip:carol@example.net"), store);
    ASSERT_EQ(set.targets.size(), 1u);
    EXPECT_TRUE(set.targets[0].uri.empty());
    EXPECT_TRUE(set.leaves_domain);
    EXPECT_FALSE(set.in_our_dialog);
}

TEST(TargetSet, InDialogRequestWithOurRouteIsOurDialog) {
    registrar::MemoryLocationStore store;
    auto set =
        targets_of(request("sip:carol@[2001:db8::30]:5070",
                           {"Route: <sip:[2001:db8::1];lr>", "To: <sip:carol@example.net>;tag=t9"}),
                   store);
    EXPECT_TRUE(set.leaves_domain);
    EXPECT_TRUE(set.in_our_dialog);
}

TEST(TargetSet, PreloadedRouteWithoutToTagIsNotADialog) {
    registrar::MemoryLocationStore store;
    // Our Route on top, then someone else's: an initial request using us as a hop.
    auto set = targets_of(request("sip:bob@example.com", {"Route: <sip:[2001:db8::1];lr>",
                                                          "Route: <sip:gw.example.net;lr>"}),
                          store);
    ASSERT_EQ(set.targets.size(), 1u);
    EXPECT_TRUE(set.leaves_domain);
    EXPECT_FALSE(set.in_our_dialog);
}

TEST(ForwardCopy, PathBecomesRouteInFrontOfTheTarget) {
    auto m = request("sip:bob@example.com");
    ForwardPlan plan;
    plan.target = "sip:bob@192.0.2.30:5060";
    plan.routes_before = {"<sip:edge1.example.com;lr>", "<sip:edge2.example.com;lr>"};
    plan.via_sent_by = "192.0.2.1:5060";
    plan.branch_token = "t1";
    plan.loop_hash = "0123456789abcdef";
    auto f = forward_copy(m, plan);
    ASSERT_TRUE(f) << f.error().to_string();
    EXPECT_EQ(route_values(f->request), (std::vector<std::string>{"<sip:edge1.example.com;lr>",
                                                                  "<sip:edge2.example.com;lr>"}));
    EXPECT_EQ(f->next_hop, "sip:edge1.example.com;lr");
    EXPECT_EQ(f->request.request_uri(), "sip:bob@192.0.2.30:5060");
}

// A token is a function of the secret and the Call-ID alone: another DialogToken with the
// same secret (a restarted proxy) gives the same, another secret or Call-ID another one,
// and 600 Call-IDs give 600 different tokens.
TEST(DialogToken, TokensDependOnTheSecretAndTheCallIdOnly) {
    const DialogToken tokens("0123456789abcdef0123456789abcdef");
    const DialogToken again("0123456789abcdef0123456789abcdef");
    std::set<std::string> seen;
    for (int i = 0; i < 600; ++i) {
        const std::string id = "call-" + std::to_string(i) + "@host";
        ASSERT_EQ(tokens.token(id), again.token(id)) << id;
        seen.insert(tokens.token(id));
    }
    EXPECT_EQ(seen.size(), 600u);
    EXPECT_NE(tokens.token("a@b"), tokens.token("a@c"));
    EXPECT_EQ(tokens.token("a@b").size(), 16u);
    EXPECT_EQ(tokens.token("a@b").find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(DialogToken("another secret, another proxy!!").token("a@b"), tokens.token("a@b"));
}

TEST(DialogToken, OurRecordRouteProvesTheDialogAForgedRouteDoesNot) {
    const DialogToken tokens("0123456789abcdef0123456789abcdef");
    const std::string rr = "<sip:[2001:db8::1];lr" + tokens.uri_param("c1") + ">";
    auto ours = request("sip:carol@[2001:db8::30]:5070",
                        {"Route: " + rr, "To: <sip:carol@example.net>;tag=t9"});
    auto pre = preprocess_routes(ours, k_self);
    ASSERT_EQ(pre.removed, (std::vector<std::string>{rr}));
    EXPECT_TRUE(tokens.carried_by(pre.removed, "c1"));
    EXPECT_FALSE(tokens.carried_by(pre.removed, "another-call"));  // bound to the Call-ID

    auto forged = request("sip:carol@[2001:db8::30]:5070",
                          {"Route: <sip:[2001:db8::1];lr;hsd=0000000000000000>",
                           "To: <sip:carol@example.net>;tag=t9"});
    EXPECT_FALSE(tokens.carried_by(preprocess_routes(forged, k_self).removed, "c1"));
    EXPECT_FALSE(DialogToken("another secret, another proxy!!").carried_by(pre.removed, "c1"));
    EXPECT_EQ(tokens.token("c1").size(), 16u);
}

}  // namespace
}  // namespace happysip::proxy
