// The location store's WAL checkpoints run on the checkpointer's thread: once the WAL
// passes 1,000 pages the thread copies it into the database, the writer goes on, and
// nothing written is lost.
#include "happysip/store/wal_checkpointer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "happysip/store/sqlite_db.hpp"
#include "happysip/store/sqlite_location_store.hpp"
#include "store_test_support.hpp"

namespace happysip::store {
namespace {

using registrar::Binding;
using test::k_now;

class WalCheckpointerTest : public test::StoreTest {
  protected:
    static constexpr int k_wake = 100;
    static constexpr int k_restart = 400;
    // A database with table t (v TEXT) whose checkpoints run at k_wake and k_restart pages.
    std::unique_ptr<SqliteDb> open_writer() {
        std::string error;
        auto db = SqliteDb::open(path, error);
        EXPECT_NE(db, nullptr) << error;
        if (!db) return db;
        EXPECT_TRUE(db->exec("CREATE TABLE t (v TEXT)").ok);
        EXPECT_TRUE(db->checkpoint_in_background(path, k_wake, k_restart).ok);
        return db;
    }
};

Binding user(int i) {
    Binding b = test::binding("sip:u" + std::to_string(i) + "@192.0.2.1", k_now + 600);
    b.aor = "sip:user" + std::to_string(i) + "@example.com";
    return b;
}

bool wait_for(const std::function<bool()>& done) {
    for (int i = 0; i < 1000 && !done(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return done();
}

TEST_F(WalCheckpointerTest, CheckpointsRunBesideTheWriterAndLoseNothing) {
    const int k_users = 3000;  // one commit each: well past 1,000 WAL pages
    auto store = open();
    EXPECT_EQ(store->checkpoints(), 0u);
    const auto db_bytes_before = std::filesystem::file_size(path);
    for (int i = 0; i < k_users; ++i) {
        const Binding b = user(i);
        ASSERT_TRUE(store->replace(b.aor, {b}).ok) << i;
    }
    ASSERT_TRUE(wait_for([&] { return store->checkpoints() > 0; })) << "no checkpoint within 10 s";
    // The checkpoint copied pages from the WAL into the database file.
    EXPECT_GT(std::filesystem::file_size(path), db_bytes_before);
    {
        const auto w = store->take_warnings();
        EXPECT_TRUE(w.empty()) << (w.empty() ? "" : w[0]);
    }
    for (int i = 0; i < k_users; ++i) {
        const Binding b = user(k_users + i);
        ASSERT_TRUE(store->replace(b.aor, {b}).ok) << i;
    }
    store.reset();
    auto reopened = open();
    EXPECT_EQ(reopened->size(), static_cast<std::size_t>(2 * k_users));
    for (int i : {0, k_users - 1, k_users, 2 * k_users - 1})
        EXPECT_EQ(reopened->lookup(user(i).aor, k_now), std::vector<Binding>{user(i)}) << i;
}

TEST_F(WalCheckpointerTest, WriterThatNeverPausesStillKeepsTheWalBounded) {
    // Commits back to back: each background checkpoint ends behind the commits made
    // meanwhile, so the WAL would never restart; past restart_pages the writer runs a RESTART
    // checkpoint.
    auto db = open_writer();
    ASSERT_NE(db, nullptr);
    SqliteStatus status;
    auto insert = db->prepare("INSERT INTO t (v) VALUES (?1)", status);
    ASSERT_TRUE(status.ok) << status.error;
    const int k_commits = 4000;  // one WAL frame or more each
    std::uintmax_t wal_peak = 0;
    for (int i = 0; i < k_commits; ++i) {
        insert.bind(1, std::string(200, 'x'));
        insert.step();
        ASSERT_TRUE(insert.status().ok) << insert.status().error;
        insert.reset();
        if (i % 50 == 0) wal_peak = std::max(wal_peak, std::filesystem::file_size(path + "-wal"));
    }
    wal_peak = std::max(wal_peak, std::filesystem::file_size(path + "-wal"));
    const std::uintmax_t frame = 4096 + 24;  // page + frame header
    EXPECT_LT(wal_peak, (k_restart + 50) * frame)
        << db->checkpointer()->checkpoints() << " " << db->checkpointer()->restarts();
    EXPECT_GT(db->checkpointer()->checkpoints() + db->checkpointer()->restarts(), 0u);
    EXPECT_EQ(db->checkpointer()->take_error(), "");
    SqliteStatus counted;
    auto count = db->prepare("SELECT count(*) FROM t", counted);
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.integer(0), k_commits);
}

TEST_F(WalCheckpointerTest, ReaderThatHoldsASnapshotDoesNotHoldTheWriterAtTheHardLimit) {
    // A reader that keeps a read transaction open (a backup, an operator's sqlite3 shell)
    // keeps the WAL from restarting. Past restart_pages the writer's RESTART must then
    // answer BUSY at once, not wait its busy timeout (5 s) at every commit.
    auto db = open_writer();
    ASSERT_NE(db, nullptr);
    std::string error;
    auto reader = SqliteDb::open(path, error);
    ASSERT_NE(reader, nullptr) << error;
    ASSERT_TRUE(reader->exec("BEGIN").ok);
    SqliteStatus status;
    auto count = reader->prepare("SELECT count(*) FROM t", status);
    ASSERT_TRUE(count.step());  // its snapshot is held until COMMIT
    auto insert = db->prepare("INSERT INTO t (v) VALUES (?1)", status);
    ASSERT_TRUE(status.ok) << status.error;
    const int k_commits = 600;  // one WAL frame or more each: past k_restart
    auto slowest = std::chrono::steady_clock::duration::zero();
    for (int i = 0; i < k_commits; ++i) {
        const auto start = std::chrono::steady_clock::now();
        insert.bind(1, std::string(200, 'x'));
        insert.step();
        ASSERT_TRUE(insert.status().ok) << insert.status().error;
        insert.reset();
        slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
        if (slowest > std::chrono::seconds(2)) break;  // not 5 s more per commit
    }
    const std::uintmax_t frame = 4096 + 24;
    EXPECT_GT(std::filesystem::file_size(path + "-wal"), k_restart * frame);
    EXPECT_LT(slowest, std::chrono::seconds(2))
        << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count() << " ms";
    EXPECT_EQ(db->checkpointer()->restarts(), 0u);
    // The operator hears of it, once for the whole spell (not once per commit).
    const std::string held = db->checkpointer()->take_error();
    EXPECT_NE(held.find("cannot start over while another connection holds a read"),
              std::string::npos)
        << held;
    EXPECT_NE(held.find("past its limit of 400"), std::string::npos) << held;
    auto commit = [&] {
        insert.bind(1, std::string(200, 'x'));
        insert.step();
        ASSERT_TRUE(insert.status().ok) << insert.status().error;
        insert.reset();
    };
    commit();
    EXPECT_EQ(db->checkpointer()->take_error(), "");
    // Once the reader is gone the next commit restarts the WAL.
    count.reset();
    ASSERT_TRUE(reader->exec("COMMIT").ok);
    commit();
    EXPECT_EQ(db->checkpointer()->restarts(), 1u);
    EXPECT_EQ(db->checkpointer()->take_error(), "");
}

TEST_F(WalCheckpointerTest, InMemoryStoreHasNone) {
    std::string error;
    auto store = SqliteLocationStore::open(":memory:", error);
    ASSERT_NE(store, nullptr) << error;
    const Binding b = user(1);
    ASSERT_TRUE(store->replace(b.aor, {b}).ok);
    EXPECT_EQ(store->checkpoints(), 0u);
}

}  // namespace
}  // namespace happysip::store
