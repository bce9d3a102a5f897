#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/resolve/target_list.hpp"

namespace happysip::resolve {
namespace {

using eyeballs::Candidate;

RandomSource zeros() {
    return [] { return std::uint32_t{0}; };
}

TransportPlan plan(const std::string& text, TransportSet supported = {}) {
    static std::string storage;
    storage = text;
    auto uri = sip::parse_uri(storage);
    EXPECT_TRUE(uri) << text;
    return plan_transport(*uri, supported);
}

AddressRecord v6(std::string a) {
    return {Family::ipv6, std::move(a), 60};
}
AddressRecord v4(std::string a) {
    return {Family::ipv4, std::move(a), 60};
}
SrvRecord srv(std::uint16_t priority, std::uint16_t port, std::string target) {
    return {priority, 0, port, std::move(target), 60};
}

TEST(TargetList, NumericTargetIsTheOnlyCandidate) {
    const auto p = plan("sip:[2001:db8::1]");
    EXPECT_EQ(build_target_list(p, {}, {}, zeros()),
              (std::vector<Candidate>{
                  {Family::ipv6, "2001:db8::1", 5060, Transport::udp, "2001:db8::1"}}));
}

TEST(TargetList, ExplicitPortUsesDomainAddressesAtThatPort) {
    // RFC 3263 §4.2: not numeric, port present: A/AAAA of the domain, the URI's port.
    const auto p = plan("sip:example.com:5080");
    DnsAnswers answers;
    answers.addresses = {{"example.com", {v6("2001:db8::5"), v4("192.0.2.5")}}};
    EXPECT_EQ(
        build_target_list(p, answers, {}, zeros()),
        (std::vector<Candidate>{{Family::ipv6, "2001:db8::5", 5080, Transport::udp, "example.com"},
                                {Family::ipv4, "192.0.2.5", 5080, Transport::udp, "example.com"}}));
}

TEST(TargetList, NoSrvUsesDomainAddressesWithDefaultPort) {
    // RFC 3263 §4.2: no SRV records: A/AAAA of the domain at the transport's default port;
    // §4.1: with no NAPTR either, UDP for a SIP URI.
    const auto p = plan("sip:alice@example.com");
    DnsAnswers answers;
    answers.srv = {{"_sip._udp.example.com", {}}};
    answers.addresses = {{"example.com", {v4("192.0.2.7"), v6("2001:db8::7")}}};
    EXPECT_EQ(build_target_list(p, answers, {}, zeros()),
              (std::vector<Candidate>{
                  {Family::ipv4, "192.0.2.7", 5060, Transport::udp, "example.com"},
                  {Family::ipv6, "2001:db8::7", 5060, Transport::udp, "example.com"}}));
}

TEST(TargetList, NoSrvForSipsUsesTlsDefaultPort) {
    const auto p = plan("sips:example.com");
    DnsAnswers answers;
    answers.addresses = {{"example.com", {v4("192.0.2.7")}}};
    EXPECT_EQ(
        build_target_list(p, answers, {}, zeros()),
        (std::vector<Candidate>{{Family::ipv4, "192.0.2.7", 5061, Transport::tls, "example.com"}}));
}

TEST(TargetList, NoSrvAfterNaptrUsesTheNaptrTransport) {
    // RFC 3263 §4.2: the transport "determined previously", here by NAPTR.
    const auto p = plan("sip:example.com");
    DnsAnswers answers;
    answers.naptr = {{10, 10, "s", "SIP+D2T", "", "_sip._tcp.example.com", 60}};
    answers.addresses = {{"example.com", {v4("192.0.2.7")}}};
    EXPECT_EQ(
        build_target_list(p, answers, {}, zeros()),
        (std::vector<Candidate>{{Family::ipv4, "192.0.2.7", 5060, Transport::tcp, "example.com"}}));
}

TEST(TargetList, KeepsSrvOrderAcrossTargets) {
    // RFC 2782 order of the SRV targets is kept; each target's addresses stay together and
    // in answer order (family interleaving is eyeballs/'s job).
    const auto p = plan("sip:example.com;transport=tcp");
    DnsAnswers answers;
    answers.srv = {{"_sip._tcp.example.com",
                    {srv(20, 5062, "b.example.com"), srv(10, 5061, "a.example.com.")}}};
    answers.addresses = {{"a.example.com", {v6("2001:db8::a"), v4("192.0.2.10")}},
                         {"b.example.com", {v4("192.0.2.11"), v6("2001:db8::b")}}};
    EXPECT_EQ(build_target_list(p, answers, {}, zeros()),
              (std::vector<Candidate>{
                  {Family::ipv6, "2001:db8::a", 5061, Transport::tcp, "a.example.com."},
                  {Family::ipv4, "192.0.2.10", 5061, Transport::tcp, "a.example.com."},
                  {Family::ipv4, "192.0.2.11", 5062, Transport::tcp, "b.example.com"},
                  {Family::ipv6, "2001:db8::b", 5062, Transport::tcp, "b.example.com"}}));
}

TEST(TargetList, FollowsNaptrOrderAcrossTransports) {
    // RFC 3263 §4.1: NAPTR order decides the transport order; SRV order within each.
    const auto p = plan("sip:example.com");
    DnsAnswers answers;
    answers.naptr = {{20, 10, "s", "SIP+D2U", "", "_sip._udp.example.com", 60},
                     {10, 10, "s", "SIP+D2T", "", "_sip._tcp.example.com", 60}};
    answers.srv = {{"_sip._udp.example.com", {srv(0, 5060, "u.example.com")}},
                   {"_sip._tcp.example.com", {srv(0, 5060, "t.example.com")}}};
    answers.addresses = {{"u.example.com", {v4("192.0.2.1")}},
                         {"t.example.com", {v4("192.0.2.2")}}};
    EXPECT_EQ(build_target_list(p, answers, {}, zeros()),
              (std::vector<Candidate>{
                  {Family::ipv4, "192.0.2.2", 5060, Transport::tcp, "t.example.com"},
                  {Family::ipv4, "192.0.2.1", 5060, Transport::udp, "u.example.com"}}));
}

TEST(TargetList, DotSrvTargetDoesNotFallBackToAddresses) {
    // RFC 2782: "." means decidedly not available, which is an answer: no A/AAAA fallback.
    const auto p = plan("sip:example.com;transport=tcp");
    DnsAnswers answers;
    answers.srv = {{"_sip._tcp.example.com", {srv(0, 0, ".")}}};
    answers.addresses = {{"example.com", {v4("192.0.2.7")}}};
    EXPECT_TRUE(build_target_list(p, answers, {}, zeros()).empty());
}

TEST(TargetList, DuplicateAddressesAppearOnce) {
    const auto p = plan("sip:example.com;transport=tcp");
    DnsAnswers answers;
    answers.srv = {{"_sip._tcp.example.com",
                    {srv(10, 5060, "a.example.com"), srv(20, 5060, "alias.example.com")}}};
    answers.addresses = {{"a.example.com", {v4("192.0.2.1")}},
                         {"alias.example.com", {v4("192.0.2.1"), v4("192.0.2.2")}}};
    const auto list = build_target_list(p, answers, {}, zeros());
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].target, "a.example.com");
    EXPECT_EQ(list[1].address, "192.0.2.2");
}

TEST(TargetList, SrvQueriesForNaptrPlanComeFromTheNaptrAnswer) {
    const auto p = plan("sips:example.com");
    const std::vector<NaptrRecord> naptr = {
        {10, 10, "s", "SIPS+D2T", "", "_sips._tcp.sip.example.com", 60}};
    EXPECT_EQ(srv_queries_for(p, naptr, {}),
              (std::vector<SrvQuery>{{"_sips._tcp.sip.example.com", Transport::tls}}));
    EXPECT_TRUE(srv_queries_for(plan("sip:192.0.2.1"), naptr, {}).empty());
}

}  // namespace
}  // namespace happysip::resolve
