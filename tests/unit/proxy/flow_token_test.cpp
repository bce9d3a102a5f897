// RFC 5626 §5.1-5.3 flow tokens in our Record-Route user parts.
#include "happysip/proxy/flow_token.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/sip/uri.hpp"

namespace happysip::proxy {
namespace {

const FlowToken k_tokens("a secret only this proxy knows");

TEST(FlowToken, EncodesEveryFlowIntoAValidUserPartAndBack) {
    for (const char* flow :
         {"udp:192.0.2.7:5060", "tcp:[2001:db8::2]:40001", "tls:[::ffff:192.0.2.1]:65535"}) {
        const std::string token = k_tokens.encode(flow);
        const std::string text = "sip:" + token + "@[2001:db8::1]:5060;lr";  // outlives `uri`
        auto uri = sip::parse_uri(text);
        ASSERT_TRUE(uri) << token << ": " << uri.error().to_string();
        EXPECT_EQ(k_tokens.decode(uri.value().user), std::optional<std::string>(flow)) << token;
    }
}

TEST(FlowToken, ForgedOrForeignTokensNameNoFlow) {
    const std::string token = k_tokens.encode("tcp:192.0.2.7:40001");
    std::string other_flow = token;
    other_flow.replace(other_flow.find("40001"), 5, "40002");  // someone else's flow
    EXPECT_FALSE(k_tokens.decode(other_flow));
    std::string bad_mac = token;
    bad_mac.back() = bad_mac.back() == '0' ? '1' : '0';
    EXPECT_FALSE(k_tokens.decode(bad_mac));
    EXPECT_FALSE(FlowToken("another proxy's secret").decode(token));
    EXPECT_FALSE(k_tokens.decode("alice"));
    EXPECT_FALSE(k_tokens.decode("~"));
    EXPECT_FALSE(k_tokens.decode(""));
}

TEST(FlowToken, FlowsInRoutesKeepsOnlyOurTokensInOrder) {
    const std::vector<std::string> routes = {
        "<sip:" + k_tokens.encode("tcp:192.0.2.7:40001") + "@192.0.2.1;lr;hsd=0011>",
        "<sip:alice@192.0.2.1;lr>",
        "<sip:" + FlowToken("x").encode("udp:192.0.2.9:5060") + "@192.0.2.1;lr>",
        "<sip:" + k_tokens.encode("udp:[2001:db8::9]:5062") + "@[2001:db8::1];lr>",
        "not a route",
    };
    EXPECT_EQ(k_tokens.flows_in(routes),
              (std::vector<std::string>{"tcp:192.0.2.7:40001", "udp:[2001:db8::9]:5062"}));
}

TEST(FlowForRequest, ARequestGoesToTheFlowItDidNotComeFrom) {
    const std::vector<std::string> both = {"tcp:192.0.2.7:40001", "tcp:192.0.2.8:40002"};
    EXPECT_EQ(flow_for_request(both, "tcp:192.0.2.7:40001"), "tcp:192.0.2.8:40002");
    EXPECT_EQ(flow_for_request(both, "tcp:192.0.2.8:40002"), "tcp:192.0.2.7:40001");
    // The caller's flow alone: the callee's request goes down it, the caller's own
    // requests go on by their Request-URI.
    const std::vector<std::string> one = {"tcp:192.0.2.7:40001"};
    EXPECT_EQ(flow_for_request(one, "udp:198.51.100.5:5060"), "tcp:192.0.2.7:40001");
    EXPECT_FALSE(flow_for_request(one, "tcp:192.0.2.7:40001"));
    EXPECT_FALSE(flow_for_request({}, "tcp:192.0.2.7:40001"));
}

}  // namespace
}  // namespace happysip::proxy
