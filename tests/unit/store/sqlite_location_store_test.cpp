#include "happysip/store/sqlite_location_store.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store_test_support.hpp"

namespace happysip::store {
namespace {

using registrar::Binding;
using test::binding;
using test::k_now;
class SqliteLocationStoreTest : public test::StoreTest {};

TEST_F(SqliteLocationStoreTest, StoresEveryFieldAndReadsItBack) {
    auto store = open();
    const Binding b = binding("sip:alice@[2001:db8::2]:49152;transport=tcp", k_now + 60);
    ASSERT_TRUE(store->replace(b.aor, {b}).ok);
    auto got = store->lookup(b.aor, k_now);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], b);
}

TEST_F(SqliteLocationStoreTest, ReplaceIsTheWholeSetOfTheAor) {
    auto store = open();
    ASSERT_TRUE(store
                    ->replace("sip:alice@example.com", {binding("sip:a@192.0.2.1", k_now + 60),
                                                        binding("sip:a@192.0.2.2", k_now + 60)})
                    .ok);
    ASSERT_TRUE(
        store->replace("sip:alice@example.com", {binding("sip:a@192.0.2.3", k_now + 60)}).ok);
    auto got = store->lookup("sip:alice@example.com", k_now);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].contact, "sip:a@192.0.2.3");
    ASSERT_TRUE(store->replace("sip:alice@example.com", {}).ok);
    EXPECT_EQ(store->size(), 0u);
}

TEST_F(SqliteLocationStoreTest, LookupSkipsExpiredAndOrdersByQ) {
    auto store = open();
    ASSERT_TRUE(
        store
            ->replace("sip:alice@example.com", {binding("sip:a@192.0.2.1", k_now + 60, 500),
                                                binding("sip:a@192.0.2.2", k_now - 1, 1000),
                                                binding("sip:a@192.0.2.3", k_now + 60, 900)})
            .ok);
    auto got = store->lookup("sip:alice@example.com", k_now);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].contact, "sip:a@192.0.2.3");
    EXPECT_EQ(got[1].contact, "sip:a@192.0.2.1");
    // The registrar's form: `out` holds the previous request's bindings; it gets exactly
    // lookup()'s answer, fewer elements included, and nothing for an unknown AOR.
    std::vector<Binding> out = {binding("sip:old@192.0.2.9", k_now + 5),
                                binding("sip:old@192.0.2.8", k_now + 6),
                                binding("sip:old@192.0.2.7", k_now + 7)};
    store->lookup_into("sip:alice@example.com", k_now, out);
    EXPECT_EQ(out, got);
    store->lookup_into("sip:nobody@example.com", k_now, out);
    EXPECT_TRUE(out.empty());
    store->lookup_into("sip:alice@example.com", k_now + 60, out);  // all expired by then
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(store->purge_expired(k_now), 1u);
    EXPECT_EQ(store->size(), 2u);
}

// A mass expiry is purged a batch (1,000) at a time: no single call holds the I/O loop
// for all of it. Calling again while it finds some purges everything, durably.
TEST_F(SqliteLocationStoreTest, PurgesAMassExpiryABatchAtATime) {
    auto store = open();
    ASSERT_TRUE(store->begin_group().ok);
    for (int i = 0; i < 2'500; ++i) {
        Binding b = binding("sip:u@192.0.2.1", k_now + 10);
        b.aor = "sip:u" + std::to_string(i) + "@example.com";
        ASSERT_TRUE(store->replace(b.aor, {b}).ok) << i;
    }
    ASSERT_TRUE(store->commit_group().ok);
    ASSERT_EQ(store->size(), 2'500u);
    EXPECT_EQ(store->purge_expired(k_now), 0u);  // not yet expired
    EXPECT_EQ(store->purge_expired(k_now + 10), 1'000u);
    EXPECT_EQ(store->size(), 1'500u);
    EXPECT_EQ(store->purge_expired(k_now + 10), 1'000u);
    EXPECT_EQ(store->purge_expired(k_now + 10), 500u);
    EXPECT_EQ(store->purge_expired(k_now + 10), 0u);
    EXPECT_EQ(store->size(), 0u);
    EXPECT_EQ(open()->size(), 0u);
}

TEST_F(SqliteLocationStoreTest, BindingsSurviveReopening) {
    {
        auto store = open();
        ASSERT_TRUE(
            store->replace("sip:alice@example.com", {binding("sip:a@192.0.2.1", k_now + 60)}).ok);
    }
    auto store = open();
    EXPECT_EQ(store->lookup("sip:alice@example.com", k_now).size(), 1u);
}

TEST_F(SqliteLocationStoreTest, CommittedBindingsSurviveKillDashNine) {
    // A child process commits and is killed by SIGKILL without closing anything: the WAL
    // is replayed when the parent opens the file.
    EXPECT_EQ(run_then_kill_dash_nine([](SqliteLocationStore& store) {
                  for (int i = 0; i < 50; ++i) {
                      const std::string aor = "sip:user" + std::to_string(i) + "@example.com";
                      if (!store.replace(aor, {binding("sip:a@192.0.2.1", k_now + 60)}).ok)
                          return false;
                  }
                  return true;
              }),
              "");
    auto store = open();
    EXPECT_EQ(store->size(), 50u);
    EXPECT_EQ(store->lookup("sip:user49@example.com", k_now).size(), 1u);
}

TEST_F(SqliteLocationStoreTest, GroupIsInvisibleToOthersUntilCommittedThenDurable) {
    auto store = open();
    // What a process reading the file now would see (each call opens it afresh: a store
    // loads the table when it opens).
    auto durable = [&](const std::string& aor) { return open()->lookup(aor, k_now).size(); };
    Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    Binding b = binding("sip:bob@192.0.2.11", k_now + 60);
    b.aor = "sip:bob@example.com";
    ASSERT_TRUE(store->begin_group().ok);
    ASSERT_TRUE(store->replace(a.aor, {a}).ok);
    ASSERT_TRUE(store->replace(b.aor, {b}).ok);
    EXPECT_EQ(store->lookup(b.aor, k_now).size(), 1u);  // the group reads its own writes
    EXPECT_EQ(durable(a.aor), 0u);                      // nothing durable yet
    ASSERT_TRUE(store->commit_group().ok);
    EXPECT_FALSE(store->in_group());
    EXPECT_EQ(durable(a.aor), 1u);
    EXPECT_EQ(durable(b.aor), 1u);
    // Outside a group, replace() commits on its own again.
    ASSERT_TRUE(store->replace(a.aor, {}).ok);
    EXPECT_EQ(durable(a.aor), 0u);
}

TEST_F(SqliteLocationStoreTest, RefreshOfOneContactReplacesTheWholeSetToo) {
    auto store = open();
    Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    Binding b = binding("sip:alice@192.0.2.11", k_now + 60);
    ASSERT_TRUE(store->replace(a.aor, {a, b}).ok);
    Binding refreshed = a;  // the in-place path: same contact, new expiry and CSeq
    refreshed.expires_at = k_now + 3600;
    refreshed.cseq = 8;
    ASSERT_TRUE(store->replace(a.aor, {refreshed}).ok);
    auto got = store->lookup(a.aor, k_now);
    ASSERT_EQ(got.size(), 1u);  // b is gone: replace() is the whole set
    EXPECT_EQ(got[0], refreshed);
    Binding moved = binding("sip:alice@192.0.2.12", k_now + 60);  // a new contact
    ASSERT_TRUE(store->replace(a.aor, {moved}).ok);
    got = store->lookup(a.aor, k_now);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], moved);
}

// A refresh is written with the two-column UPDATE, any other change with the full one;
// the file must hold what memory holds either way.
TEST_F(SqliteLocationStoreTest, RefreshesAndOtherChangesReachTheFile) {
    Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    Binding refreshed = a;
    refreshed.expires_at = k_now + 3600;
    refreshed.cseq = 8;
    Binding moved_source = refreshed;
    moved_source.cseq = 9;
    moved_source.source = "tcp:[2001:db8::3]:50000";
    {
        auto store = open();
        ASSERT_TRUE(store->replace(a.aor, {a}).ok);
        ASSERT_TRUE(store->replace(a.aor, {refreshed}).ok);
    }
    {
        auto store = open();
        auto got = store->lookup(a.aor, k_now);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0], refreshed);
        ASSERT_TRUE(store->replace(a.aor, {moved_source}).ok);
    }
    auto store = open();
    auto got = store->lookup(a.aor, k_now);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], moved_source);
}

// An UPDATE sets only the columns that changed (one statement per set of columns): each
// column on its own, and all of them at once, must reach the file, and a row that did
// not change must keep its values.
TEST_F(SqliteLocationStoreTest, EachChangedColumnReachesTheFile) {
    const Binding base = binding("sip:alice@192.0.2.10", k_now + 60);
    const Binding other = binding("sip:alice@192.0.2.11", k_now + 70);
    std::vector<void (*)(Binding&)> changes = {
        [](Binding& b) { b.instance = "<urn:uuid:00000000-0000-1000-8000-000000000002>"; },
        [](Binding& b) { b.reg_id = 2; },
        [](Binding& b) { b.q = 500; },
        [](Binding& b) { b.call_id = "c2@ua"; },
        [](Binding& b) { b.cseq = 8; },
        [](Binding& b) { b.expires_at = k_now + 3600; },
        [](Binding& b) { b.path = {"<sip:edge3.example.com;lr>"}; },
        [](Binding& b) { b.path.clear(); },
        [](Binding& b) { b.source = "udp:192.0.2.99:5060"; },
        [](Binding& b) { b.user_agent = "test/2.0"; },
        [](Binding& b) {
            b.instance.clear();
            b.reg_id = 0;
            b.q = 100;
            b.call_id = "c3@ua";
            b.cseq = 99;
            b.expires_at = k_now + 7200;
            b.path = {"<sip:a;lr>", "<sip:b;lr>", "<sip:c;lr>"};
            b.source = "tls:[2001:db8::9]:5061";
            b.user_agent = "";
        },
    };
    for (std::size_t i = 0; i < changes.size(); ++i) {
        SCOPED_TRACE(i);
        Binding changed = base;
        changes[i](changed);
        ASSERT_NE(changed, base);
        {
            auto store = open();
            ASSERT_TRUE(store->replace(base.aor, {base, other}).ok);
            ASSERT_TRUE(store->begin_group().ok);
            ASSERT_TRUE(store->replace(base.aor, {changed, other}).ok);
            ASSERT_TRUE(store->commit_group().ok);
        }
        auto store = open();
        auto got = store->lookup(base.aor, k_now);
        ASSERT_EQ(got.size(), 2u);
        const bool changed_first = got[0].contact == changed.contact;
        EXPECT_EQ(got[changed_first ? 0 : 1], changed);
        EXPECT_EQ(got[changed_first ? 1 : 0], other);
        ASSERT_TRUE(store->replace(base.aor, {}).ok);
    }
}

TEST_F(SqliteLocationStoreTest, PurgeRemovesExpiredRowsFromMemoryAndFile) {
    auto store = open();
    Binding soon = binding("sip:alice@192.0.2.10", k_now + 10);
    Binding later = binding("sip:alice@192.0.2.11", k_now + 100);
    Binding bob = binding("sip:bob@192.0.2.12", k_now + 10);
    bob.aor = "sip:bob@example.com";
    ASSERT_TRUE(store->replace(soon.aor, {soon, later}).ok);
    ASSERT_TRUE(store->replace(bob.aor, {bob}).ok);
    // Bob refreshes before he expires: the expiry his first REGISTER set must not purge him.
    Binding bob_refreshed = bob;
    bob_refreshed.expires_at = k_now + 200;
    bob_refreshed.cseq = 8;
    ASSERT_TRUE(store->replace(bob.aor, {bob_refreshed}).ok);
    EXPECT_EQ(store->size(), 3u);
    EXPECT_EQ(store->purge_expired(k_now + 5), 0u);
    EXPECT_EQ(store->purge_expired(k_now + 10), 1u);  // alice's first contact only
    EXPECT_EQ(store->size(), 2u);
    EXPECT_EQ(store->purge_expired(k_now + 150), 1u);  // alice's second: alice is gone
    EXPECT_EQ(open()->size(), 1u);                     // and gone from the file too
    EXPECT_TRUE(store->lookup(soon.aor, 0).empty());
    EXPECT_EQ(store->lookup(bob.aor, k_now).size(), 1u);
    EXPECT_EQ(store->purge_expired(k_now + 200), 1u);
    EXPECT_EQ(store->size(), 0u);
    // A binding registered again after its purge is a new row, stored and found.
    ASSERT_TRUE(store->replace(bob.aor, {bob_refreshed}).ok);
    EXPECT_EQ(store->lookup(bob.aor, k_now).size(), 1u);
    EXPECT_EQ(open()->size(), 1u);
}

TEST_F(SqliteLocationStoreTest, UnwritableLocationIsAClearError) {
    std::string error;
    auto store = SqliteLocationStore::open(dir + "/missing/dir/location.sqlite", error);
    EXPECT_EQ(store, nullptr);
    EXPECT_NE(error.find("missing/dir"), std::string::npos) << error;
}

}  // namespace
}  // namespace happysip::store
