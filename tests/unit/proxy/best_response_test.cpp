#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/proxy/best_response.hpp"
#include "happysip/sip/header_id.hpp"

namespace happysip::proxy {
namespace {

using sip::HeaderId;

sip::Message response(int status, const std::vector<std::string>& headers = {}) {
    std::string text = "SIP/2.0 " + std::to_string(status) +
                       " Whatever\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-hs1.abc\r\n"
                       "From: <sip:alice@example.com>;tag=a1\r\n"
                       "To: <sip:bob@example.com>;tag=b1\r\n"
                       "Call-ID: call-1\r\nCSeq: 1 INVITE\r\n";
    for (const auto& h : headers)
        text += h + "\r\n";
    text += "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(text);
    EXPECT_TRUE(m) << m.error().to_string();
    return std::move(m).value();
}

std::optional<int> best(std::vector<int> statuses) {
    auto i = choose_best_response(statuses);
    if (!i) return std::nullopt;
    return statuses[*i];
}

TEST(BestResponse, NothingCollectedGivesNothing) {
    EXPECT_FALSE(best({}));
}

TEST(BestResponse, SixHundredWinsOverEveryOtherClass) {
    EXPECT_EQ(best({302, 404, 603, 500}), 603);
}

TEST(BestResponse, LowestClassWins) {
    EXPECT_EQ(best({500, 486, 302}), 302);
    EXPECT_EQ(best({503, 404}), 404);
}

TEST(BestResponse, Prefers401407415420484Within4xx) {
    for (int preferred : {401, 407, 415, 420, 484}) {
        EXPECT_EQ(best({404, 486, preferred, 480}), preferred) << preferred;
    }
}

TEST(BestResponse, FirstCollectedAmongEquals) {
    const std::vector<int> statuses{486, 404, 408};
    EXPECT_EQ(choose_best_response(statuses), 0u);
    const std::vector<int> challenges{404, 407, 401};
    EXPECT_EQ(choose_best_response(challenges), 1u);
}

TEST(BestResponse, Converts503To500Only) {
    EXPECT_EQ(upstream_status(503), 500);
    EXPECT_EQ(upstream_status(500), 500);
    EXPECT_EQ(upstream_status(486), 486);
    EXPECT_EQ(upstream_status(603), 603);
}

TEST(BestResponse, MergesChallengesOfEvery401And407) {
    sip::Message r401 = response(401, {"WWW-Authenticate: Digest realm=\"a\", nonce=\"1\""});
    const sip::Message r407 =
        response(407, {"Proxy-Authenticate: Digest realm=\"b\", nonce=\"2\""});
    const sip::Message other401 =
        response(401, {"WWW-Authenticate: Digest realm=\"c\", nonce=\"3\"",
                       "WWW-Authenticate: Digest realm=\"a\", nonce=\"1\""});
    const sip::Message r404 = response(404, {"WWW-Authenticate: Digest realm=\"x\", nonce=\"9\""});
    sip::Message chosen = r401;
    const std::vector<const sip::Message*> collected{&r401, &r407, &other401, &r404, nullptr};
    merge_challenges(chosen, collected);

    const auto www = chosen.values(HeaderId::www_authenticate);
    ASSERT_EQ(www.size(), 2u);  // "a" once, "c"; the 404's value is not a challenge
    EXPECT_EQ(www[0], "Digest realm=\"a\", nonce=\"1\"");
    EXPECT_EQ(www[1], "Digest realm=\"c\", nonce=\"3\"");
    const auto proxy = chosen.values(HeaderId::proxy_authenticate);
    ASSERT_EQ(proxy.size(), 1u);
    EXPECT_EQ(proxy[0], "Digest realm=\"b\", nonce=\"2\"");

    // The merged response still parses as the same 401 with all three challenges.
    auto reparsed = sip::parse_message(chosen.serialize());
    ASSERT_TRUE(reparsed);
    EXPECT_EQ(reparsed.value().status_code(), 401);
    EXPECT_EQ(reparsed.value().count(HeaderId::www_authenticate), 2u);
    EXPECT_EQ(reparsed.value().count(HeaderId::proxy_authenticate), 1u);
}

TEST(BestResponse, MergeLeavesANonChallengeAlone) {
    const sip::Message r407 = response(407, {"Proxy-Authenticate: Digest realm=\"b\""});
    sip::Message chosen = response(486);
    const std::vector<const sip::Message*> collected{&r407};
    merge_challenges(chosen, collected);
    EXPECT_EQ(chosen.count(HeaderId::proxy_authenticate), 0u);
}

}  // namespace
}  // namespace happysip::proxy
