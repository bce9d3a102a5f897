#include "happysip/txn/transaction_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/txn/non_invite_client_transaction.hpp"
#include "happysip/txn/non_invite_server_transaction.hpp"
#include "txn_test_support.hpp"

namespace happysip::txn {
namespace {

using namespace happysip::txn::test;

TEST(TransactionTable, FindsAClientTransactionByItsResponse) {
    TransactionTable<NonInviteClientTransaction> table;
    sip::Message options = request("OPTIONS");
    auto key = client_key(options);
    ASSERT_TRUE(key.ok());
    ASSERT_TRUE(table.insert(
        *key, NonInviteClientTransaction(options, Transport::unreliable, {}, at_ms(0))));
    auto response_key = client_key(response(options, 200));
    ASSERT_TRUE(response_key.ok());
    NonInviteClientTransaction* txn = table.find(*response_key);
    ASSERT_NE(txn, nullptr);
    txn->on_response(response(options, 200), at_ms(40));
    EXPECT_EQ(txn->state(), NonInviteClientTransaction::State::completed);
}

TEST(TransactionTable, RetransmittedRequestDoesNotCreateASecondServerTransaction) {
    TransactionTable<NonInviteServerTransaction> table;
    sip::Message bye = request("BYE");
    auto key = server_key(bye);
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(
        table.insert(*key, NonInviteServerTransaction(bye, Transport::unreliable, {}, at_ms(0))));
    EXPECT_FALSE(
        table.insert(*key, NonInviteServerTransaction(bye, Transport::unreliable, {}, at_ms(500))));
    EXPECT_EQ(table.size(), 1u);
}

TEST(TransactionTable, FiresDueTimersAndDropsTerminatedTransactions) {
    // Non-INVITE client over UDP: Timer E at 500 ms, Timer F (timeout) at 32 s.
    TransactionTable<NonInviteClientTransaction> table;
    sip::Message options = request("OPTIONS");
    ASSERT_TRUE(
        table.insert(*client_key(options),
                     NonInviteClientTransaction(options, Transport::unreliable, {}, at_ms(0))));
    EXPECT_EQ(table.next_deadline(), at_ms(500));
    int drained = 0;
    auto drain = [&drained](const auto& entry) {
        drained += static_cast<int>(entry.txn->take_actions().size());
    };
    EXPECT_EQ(table.fire_due(at_ms(499), drain), 0u);
    EXPECT_EQ(drained, 0);
    EXPECT_EQ(table.fire_due(at_ms(500), drain), 0u);
    EXPECT_GE(drained, 1);  // the retransmission
    // Step through every deadline up to Timer F; the transaction then terminates.
    std::size_t removed = 0;
    while (auto d = table.next_deadline())
        removed += table.fire_due(*d, drain);
    EXPECT_EQ(removed, 1u);
    EXPECT_EQ(table.size(), 0u);
    EXPECT_FALSE(table.next_deadline().has_value());
}

TEST(TransactionTable, NextDeadlineFollowsSettledTransactionsAndSkipsErasedOnes) {
    // Non-INVITE server over UDP: no timer in Trying; Timer J (32 s) once answered.
    TransactionTable<NonInviteServerTransaction> table;
    sip::Message a = request("BYE");
    sip::Message b = request("OPTIONS");
    const TransactionKey ka = *server_key(a);
    const TransactionKey kb = *server_key(b);
    ASSERT_TRUE(
        table.insert(ka, NonInviteServerTransaction(a, Transport::unreliable, {}, at_ms(0))));
    ASSERT_TRUE(
        table.insert(kb, NonInviteServerTransaction(b, Transport::unreliable, {}, at_ms(0))));
    EXPECT_FALSE(table.next_deadline().has_value());
    ASSERT_TRUE(table.find(ka)->send_response(response(a, 200), at_ms(1000)));
    EXPECT_TRUE(table.settle(ka));
    ASSERT_TRUE(table.find(kb)->send_response(response(b, 200), at_ms(2000)));
    EXPECT_TRUE(table.settle(kb));
    EXPECT_EQ(table.next_deadline(), at_ms(33000));
    auto drain = [](const auto& entry) { entry.txn->take_actions(); };
    EXPECT_EQ(table.fire_due(at_ms(33000), drain), 1u);  // A's Timer J: terminated, removed
    EXPECT_EQ(table.find(ka), nullptr);
    EXPECT_EQ(table.next_deadline(), at_ms(34000));
    EXPECT_TRUE(table.erase(kb));
    EXPECT_FALSE(table.next_deadline().has_value());  // B's heap entry is stale, skipped
    EXPECT_EQ(table.fire_due(at_ms(60000), drain), 0u);
}

// touch/insert_touched note transactions for settle_touched: their new deadlines are filed,
// one noted twice is settled once more harmlessly, and one erased meanwhile is skipped.
TEST(TransactionTable, SettleTouchedFilesTheTouchedTransactionsAndSkipsErasedOnes) {
    TransactionTable<NonInviteServerTransaction> table;
    sip::Message a = request("BYE");
    sip::Message b = request("OPTIONS");
    const TransactionKey ka = *server_key(a);
    const TransactionKey kb = *server_key(b);
    auto stored = table.insert_touched(
        ka, NonInviteServerTransaction(a, Transport::unreliable, {}, at_ms(0)));
    ASSERT_NE(stored.txn, nullptr);
    ASSERT_NE(stored.key, nullptr);
    EXPECT_EQ(*stored.key, ka);
    EXPECT_EQ(
        table.insert_touched(ka, NonInviteServerTransaction(a, Transport::unreliable, {}, at_ms(0)))
            .txn,
        nullptr);  // taken
    ASSERT_TRUE(
        table.insert(kb, NonInviteServerTransaction(b, Transport::unreliable, {}, at_ms(0))));
    ASSERT_TRUE(stored.txn->send_response(response(a, 200), at_ms(1000)));
    NonInviteServerTransaction* tb = table.touch(kb).txn;
    ASSERT_NE(tb, nullptr);
    ASSERT_TRUE(tb->send_response(response(b, 200), at_ms(2000)));
    EXPECT_NE(table.touch(ka).txn, nullptr);          // noted twice
    EXPECT_FALSE(table.next_deadline().has_value());  // nothing filed before settling
    table.settle_touched();
    EXPECT_EQ(table.next_deadline(), at_ms(33000));  // A's Timer J
    // B erased after a touch: settle_touched skips it.
    EXPECT_NE(table.touch(kb).txn, nullptr);
    EXPECT_TRUE(table.erase(kb));
    table.settle_touched();
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.touch(kb).txn, nullptr);
}

// A table large enough to grow incrementally (base/incremental_hash_map.hpp) while
// transactions arrive, are answered and time out: every one is found, its Timer J fires once,
// and the table ends empty.
TEST(TransactionTable, KeepsEveryTransactionWhileGrowingPastTenThousand) {
    TransactionTable<NonInviteServerTransaction> table;
    const int n = 10'000;
    std::vector<TransactionKey> keys;
    for (int i = 0; i < n; ++i) {
        sip::Message bye = request("BYE", "z9hG4bK-grow-" + std::to_string(i));
        keys.push_back(*server_key(bye));
        auto stored = table.insert_touched(
            keys.back(), NonInviteServerTransaction(bye, Transport::unreliable, {}, at_ms(i)));
        ASSERT_NE(stored.txn, nullptr) << i;
        ASSERT_TRUE(stored.txn->send_response(response(bye, 200), at_ms(i)));
        table.settle_touched();
    }
    ASSERT_EQ(table.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        ASSERT_NE(table.find(keys[static_cast<std::size_t>(i)]), nullptr);
    EXPECT_EQ(table.next_deadline(), at_ms(32000));  // the first one's Timer J
    auto drain = [](const auto& entry) { entry.txn->take_actions(); };
    EXPECT_EQ(table.fire_due(at_ms(32000 + n / 2 - 1), drain), static_cast<std::size_t>(n / 2));
    EXPECT_EQ(table.find(keys.front()), nullptr);
    EXPECT_NE(table.find(keys.back()), nullptr);
    EXPECT_EQ(table.fire_due(at_ms(32000 + n), drain), static_cast<std::size_t>(n / 2));
    EXPECT_EQ(table.size(), 0u);
    EXPECT_FALSE(table.next_deadline().has_value());
}

}  // namespace
}  // namespace happysip::txn
