#include "happysip/txn/completed_responses.hpp"

#include <gtest/gtest.h>

#include <string>

#include "txn_test_support.hpp"

namespace happysip::txn {
namespace {

using namespace happysip::txn::test;

TransactionKey key_of(const std::string& branch) {
    auto key = server_key(request("REGISTER", branch));
    EXPECT_TRUE(key.ok());
    return *key;
}

TEST(CompletedResponses, AnswersARetransmissionWithTheResponseFiledForItsKey) {
    CompletedResponses<int> done;
    EXPECT_TRUE(done.add(key_of("z9hG4bKa"), {"SIP/2.0 200 OK a", 7}, at_ms(32000)));
    EXPECT_TRUE(done.add(key_of("z9hG4bKb"), {"SIP/2.0 200 OK b", 8}, at_ms(32001)));
    const auto* a = done.find(key_of("z9hG4bKa"));
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->bytes, "SIP/2.0 200 OK a");
    EXPECT_EQ(a->to, 7);
    ASSERT_NE(done.find(key_of("z9hG4bKb")), nullptr);
    EXPECT_EQ(done.find(key_of("z9hG4bKb"))->to, 8);
    EXPECT_EQ(done.find(key_of("z9hG4bKc")), nullptr);
    EXPECT_EQ(done.size(), 2u);
}

TEST(CompletedResponses, KeepsTheFirstResponseForAKey) {
    CompletedResponses<int> done;
    EXPECT_TRUE(done.add(key_of("z9hG4bKa"), {"first", 1}, at_ms(32000)));
    EXPECT_FALSE(done.add(key_of("z9hG4bKa"), {"second", 2}, at_ms(33000)));
    ASSERT_NE(done.find(key_of("z9hG4bKa")), nullptr);
    EXPECT_EQ(done.find(key_of("z9hG4bKa"))->bytes, "first");
    EXPECT_EQ(done.size(), 1u);
    EXPECT_EQ(done.next_deadline(), at_ms(32000));
}

TEST(CompletedResponses, ForgetsEachEntryWhenItsTimerJRunsOutInTheOrderTheyCame) {
    CompletedResponses<int> done;
    EXPECT_EQ(done.next_deadline(), std::nullopt);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(done.add(key_of("z9hG4bK" + std::to_string(i)), {"r", i}, at_ms(32000 + i)));
    }
    EXPECT_EQ(done.next_deadline(), at_ms(32000));
    EXPECT_EQ(done.expire(at_ms(31999)), 0u);
    EXPECT_EQ(done.expire(at_ms(32499)), 500u);
    EXPECT_EQ(done.size(), 500u);
    EXPECT_EQ(done.find(key_of("z9hG4bK499")), nullptr);
    ASSERT_NE(done.find(key_of("z9hG4bK500")), nullptr);
    EXPECT_EQ(done.next_deadline(), at_ms(32500));
    EXPECT_EQ(done.expire(at_ms(40000)), 500u);
    EXPECT_EQ(done.size(), 0u);
    EXPECT_EQ(done.next_deadline(), std::nullopt);
    // A key whose entry expired can be filed again (a new request with an old branch).
    EXPECT_TRUE(done.add(key_of("z9hG4bK0"), {"again", 0}, at_ms(72000)));
    EXPECT_EQ(done.find(key_of("z9hG4bK0"))->bytes, "again");
}

TEST(CompletedResponses, AnEarlierExpiryBehindALaterOneWaitsForIt) {
    // A steady clock never goes back, but if an entry did come with an earlier expiry it
    // must live at least as long as asked, and may live longer.
    CompletedResponses<int> done;
    EXPECT_TRUE(done.add(key_of("z9hG4bKlate"), {"late", 1}, at_ms(40000)));
    EXPECT_TRUE(done.add(key_of("z9hG4bKearly"), {"early", 2}, at_ms(32000)));
    EXPECT_EQ(done.expire(at_ms(35000)), 0u);
    EXPECT_NE(done.find(key_of("z9hG4bKearly")), nullptr);
    EXPECT_EQ(done.expire(at_ms(40000)), 2u);
    EXPECT_EQ(done.size(), 0u);
}

}  // namespace
}  // namespace happysip::txn
