// SqliteLocationStore with its refresh journal: a refresh (only CSeq and expiry change) is
// a journal record, not a SQLite write, and is as durable as one; reopening replays it,
// never onto a new binding that reused the rowid; a torn tail is ignored; compaction keeps
// every binding's latest state; a failed journal write fails like a failed commit.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "happysip/store/sqlite_db.hpp"
#include "happysip/store/sqlite_location_store.hpp"
#include "store_test_support.hpp"

namespace happysip::store {
namespace {

using registrar::Binding;
using test::binding;
using test::k_now;

class StoreJournalTest : public test::StoreTest {
  protected:
    std::string journal() const { return path + "-refresh"; }
    // Records in the journal file, read as bytes (a RefreshJournal of its own would cut
    // the zeros the store's grew ahead, under its mapping): 96-byte blocks up to the first
    // block of zeros. A record is never all zeros (it has a checksum).
    std::size_t journal_records() const {
        std::ifstream in(journal(), std::ios::binary);
        std::string block(RefreshJournal::k_record_size, '\0');
        std::size_t n = 0;
        while (in.read(block.data(), static_cast<std::streamsize>(block.size())) &&
               block.find_first_not_of('\0') != std::string::npos)
            ++n;
        return n;
    }
    // One column of the table's rows, read with plain SQL: what SQLite itself holds.
    std::vector<std::int64_t> column(const std::string& name) {
        std::string error;
        auto db = SqliteDb::open(path, error);
        EXPECT_NE(db, nullptr) << error;
        SqliteStatus status;
        auto s = db->prepare("SELECT " + name + " FROM bindings ORDER BY rowid", status);
        EXPECT_TRUE(status.ok) << status.error;
        std::vector<std::int64_t> out;
        while (s.step())
            out.push_back(s.integer(0));
        return out;
    }
};

Binding refreshed(Binding b, std::int64_t expires_at, std::uint32_t cseq) {
    b.expires_at = expires_at;
    b.cseq = cseq;
    return b;
}

TEST_F(StoreJournalTest, RefreshIsAJournalRecordNotASqliteWrite) {
    auto store = open();
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    ASSERT_TRUE(store->replace(a.aor, {a}).ok);
    const Binding r = refreshed(a, k_now + 3600, 8);
    ASSERT_TRUE(store->replace(a.aor, {r}).ok);
    EXPECT_EQ(store->lookup(a.aor, k_now), std::vector<Binding>{r});
    EXPECT_EQ(journal_records(), 1u);
    EXPECT_EQ(column("cseq"), std::vector<std::int64_t>{7});  // SQLite still has the old row
    EXPECT_EQ(open()->lookup(a.aor, k_now), std::vector<Binding>{r});
}

TEST_F(StoreJournalTest, RefreshFromANewSourceIsAJournalRecordToo) {
    // A phone behind NAT refreshes from wherever its mapping is now (RFC 5626 §4.2.1 would
    // even call it a new flow): that is still a refresh.
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    Binding r = refreshed(a, k_now + 3600, 8);
    r.source = "udp:[2001:db8:ffff:ffff:ffff:ffff:255.255.255.255]:65535";
    {
        auto store = open();
        ASSERT_TRUE(store->replace(a.aor, {a}).ok);
        ASSERT_TRUE(store->replace(a.aor, {r}).ok);
    }
    EXPECT_EQ(journal_records(), 1u);
    EXPECT_EQ(column("cseq"), std::vector<std::int64_t>{7});
    EXPECT_EQ(open()->lookup(a.aor, k_now), std::vector<Binding>{r});
}

TEST_F(StoreJournalTest, SourceTooLongForARecordIsWrittenToSqlite) {
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    Binding r = refreshed(a, k_now + 3600, 8);
    r.source = "udp:[fe80::1%" + std::string(60, 'i') + "]:5060";
    {
        auto store = open();
        ASSERT_TRUE(store->replace(a.aor, {a}).ok);
        ASSERT_TRUE(store->replace(a.aor, {r}).ok);
    }
    EXPECT_EQ(journal_records(), 0u);
    EXPECT_EQ(column("cseq"), std::vector<std::int64_t>{8});
    EXPECT_EQ(open()->lookup(a.aor, k_now), std::vector<Binding>{r});
}

TEST_F(StoreJournalTest, RefreshesSurviveKillDashNine) {
    // A child registers, refreshes (grouped and not) and is killed without closing
    // anything: the parent must read the last expiry and CSeq of every binding.
    const int k_users = 20;
    EXPECT_EQ(run_then_kill_dash_nine([&](SqliteLocationStore& store) {
                  for (int i = 0; i < k_users; ++i) {
                      Binding b = binding("sip:a@192.0.2.1", k_now + 60);
                      b.aor = "sip:user" + std::to_string(i) + "@example.com";
                      if (!store.replace(b.aor, {b}).ok || !store.begin_group().ok ||
                          !store.replace(b.aor, {refreshed(b, k_now + 600, 8)}).ok ||
                          !store.commit_group().ok ||
                          !store.replace(b.aor, {refreshed(b, k_now + 900 + i, 9)}).ok)
                          return false;
                  }
                  return true;
              }),
              "");
    auto store = open();
    EXPECT_EQ(store->size(), static_cast<std::size_t>(k_users));
    for (int i = 0; i < k_users; ++i) {
        auto got = store->lookup("sip:user" + std::to_string(i) + "@example.com", k_now);
        ASSERT_EQ(got.size(), 1u) << i;
        EXPECT_EQ(got[0].expires_at, k_now + 900 + i);
        EXPECT_EQ(got[0].cseq, 9u);
    }
    EXPECT_TRUE(store->take_warnings().empty());
}

TEST_F(StoreJournalTest, RemovedBindingsRefreshDoesNotResurrectInARowThatReusedItsRowid) {
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    {
        auto store = open();
        ASSERT_TRUE(store->replace(a.aor, {a}).ok);
        ASSERT_TRUE(store->replace(a.aor, {refreshed(a, k_now + 86400, 8)}).ok);
        ASSERT_TRUE(store->replace(a.aor, {}).ok);
    }
    const std::vector<std::int64_t> first_rowid = {1};
    Binding b = binding("sip:alice@192.0.2.20", k_now + 30);
    b.cseq = 1;
    {
        auto store = open();  // between, the journal's record is replayed onto nothing
        EXPECT_EQ(store->size(), 0u);
        ASSERT_TRUE(store->replace(b.aor, {b}).ok);
    }
    ASSERT_EQ(column("rowid"), first_rowid);  // SQLite gave b the rowid a had
    auto store = open();
    EXPECT_EQ(store->lookup(b.aor, k_now), std::vector<Binding>{b});
}

TEST_F(StoreJournalTest, RowidReusedWithinOneRunDoesNotResurrectEither) {
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    Binding b = binding("sip:alice@192.0.2.20", k_now + 30);
    b.cseq = 1;
    {
        auto store = open();
        ASSERT_TRUE(store->replace(a.aor, {a}).ok);
        ASSERT_TRUE(store->begin_group().ok);
        ASSERT_TRUE(store->replace(a.aor, {refreshed(a, k_now + 86400, 8)}).ok);
        ASSERT_TRUE(store->replace(a.aor, {}).ok);
        ASSERT_TRUE(store->replace(b.aor, {b}).ok);
        ASSERT_TRUE(store->commit_group().ok);
        EXPECT_EQ(store->lookup(b.aor, k_now), std::vector<Binding>{b});
    }
    ASSERT_EQ(column("rowid"), std::vector<std::int64_t>{1});
    EXPECT_EQ(open()->lookup(b.aor, k_now), std::vector<Binding>{b});
}

TEST_F(StoreJournalTest, OtherChangeAfterARefreshKeepsTheRefreshedValues) {
    // The UPDATE of a changed user agent also writes CSeq, expiry and source: its newer
    // seq makes the journal's record of them obsolete.
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    Binding r = refreshed(a, k_now + 3600, 8);
    r.source = "udp:192.0.2.99:5060";
    Binding moved = r;
    moved.user_agent = "test/2.0";
    {
        auto store = open();
        ASSERT_TRUE(store->replace(a.aor, {a}).ok);
        ASSERT_TRUE(store->replace(a.aor, {r}).ok);
        ASSERT_TRUE(store->replace(a.aor, {moved}).ok);
    }
    EXPECT_EQ(column("cseq"), std::vector<std::int64_t>{8});
    EXPECT_EQ(open()->lookup(a.aor, k_now), std::vector<Binding>{moved});
}

TEST_F(StoreJournalTest, TornJournalTailIsIgnoredWithAWarning) {
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    const Binding r = refreshed(a, k_now + 600, 8);
    {
        auto store = open();
        ASSERT_TRUE(store->replace(a.aor, {a}).ok);
        ASSERT_TRUE(store->replace(a.aor, {r}).ok);
        EXPECT_TRUE(store->take_warnings().empty());
    }
    std::ofstream(journal(), std::ios::binary | std::ios::app) << std::string(13, '\x7f');
    const Binding r2 = refreshed(a, k_now + 1200, 9);
    {
        auto store = open();
        const auto warnings = store->take_warnings();
        ASSERT_EQ(warnings.size(), 1u);
        EXPECT_NE(warnings[0].find("torn or damaged tail"), std::string::npos);
        EXPECT_TRUE(store->take_warnings().empty());  // handed out once
        EXPECT_EQ(store->lookup(a.aor, k_now), std::vector<Binding>{r});
        ASSERT_TRUE(store->replace(a.aor, {r2}).ok);
    }
    auto store = open();
    EXPECT_TRUE(store->take_warnings().empty());
    EXPECT_EQ(store->lookup(a.aor, k_now), std::vector<Binding>{r2});
}

TEST_F(StoreJournalTest, CompactionKeepsEveryBindingsLatestState) {
    // 40 bindings refreshed 150 times each: 6,000 records, past the minimum of 4,096, so
    // the journal is rewritten with one record per binding at least once.
    const int k_users = 40;
    const int k_rounds = 150;
    std::vector<Binding> latest;
    {
        auto store = open();
        for (int i = 0; i < k_users; ++i) {
            Binding b = binding("sip:a@192.0.2.1", k_now + 60);
            b.aor = "sip:user" + std::to_string(i) + "@example.com";
            ASSERT_TRUE(store->replace(b.aor, {b}).ok);
            latest.push_back(b);
        }
        for (int round = 1; round <= k_rounds; ++round) {
            ASSERT_TRUE(store->begin_group().ok);
            for (auto& b : latest) {
                b = refreshed(b, k_now + 60 + round, static_cast<std::uint32_t>(7 + round));
                ASSERT_TRUE(store->replace(b.aor, {b}).ok);
            }
            ASSERT_TRUE(store->commit_group().ok);
        }
        // Compacted: far fewer records than were written.
        EXPECT_LT(journal_records(), 4096u + k_users);
        EXPECT_LT(journal_records(), static_cast<std::size_t>(k_users * k_rounds));
        // A binding changed in SQLite after its last refresh needs no record any more.
        latest[0].user_agent = "test/2.0";
        ASSERT_TRUE(store->replace(latest[0].aor, {latest[0]}).ok);
        ASSERT_TRUE(store->replace(latest[1].aor, {}).ok);
    }
    EXPECT_FALSE(std::filesystem::exists(journal() + ".tmp"));
    auto store = open();
    EXPECT_TRUE(store->take_warnings().empty());
    EXPECT_EQ(store->size(), static_cast<std::size_t>(k_users - 1));
    EXPECT_TRUE(store->lookup(latest[1].aor, k_now).empty());
    for (int i = 0; i < k_users; ++i) {
        if (i == 1) continue;
        EXPECT_EQ(store->lookup(latest[i].aor, k_now), std::vector<Binding>{latest[i]}) << i;
    }
}

// 40 bindings refreshed in groups of 40, as a registrar's bursts: user i's binding after
// round r.
Binding user_after_round(int i, int round) {
    Binding b = binding("sip:a@192.0.2.1", k_now + 60 + round);
    b.aor = "sip:user" + std::to_string(i) + "@example.com";
    b.cseq = static_cast<std::uint32_t>(7 + round);
    return b;
}

bool refresh_round(SqliteLocationStore& store, int users, int round) {
    if (!store.begin_group().ok) return false;
    for (int i = 0; i < users; ++i) {
        const Binding b = user_after_round(i, round);
        if (!store.replace(b.aor, {b}).ok) return false;
    }
    return store.commit_group().ok;
}

TEST_F(StoreJournalTest, CompactionGoesOnOverSeveralCommits) {
    // Past 4,096 records a compaction starts and examines ~256 records per commit: the
    // new file stays beside the journal for several commits, and refreshes made meanwhile
    // are in the result.
    const int k_users = 40;
    auto store = open();
    for (int i = 0; i < k_users; ++i) {
        const Binding b = user_after_round(i, 0);
        ASSERT_TRUE(store->replace(b.aor, {b}).ok);
    }
    int round = 0;
    int commits_while_compacting = 0;
    bool finished = false;
    while (!finished && round < 400) {
        ASSERT_TRUE(refresh_round(*store, k_users, ++round));
        const bool compacting = std::filesystem::exists(journal() + ".tmp");
        commits_while_compacting += compacting ? 1 : 0;
        finished = commits_while_compacting > 0 && !compacting;
    }
    ASSERT_TRUE(finished) << "no compaction finished in " << round << " rounds";
    EXPECT_GE(commits_while_compacting, 3);
    // Records appended during the compaction are examined too: one per binding is left.
    EXPECT_LE(journal_records(), static_cast<std::size_t>(2 * k_users));
    EXPECT_TRUE(store->take_warnings().empty());
    store.reset();
    auto reopened = open();
    for (int i = 0; i < k_users; ++i)
        EXPECT_EQ(reopened->lookup(user_after_round(i, 0).aor, k_now),
                  std::vector<Binding>{user_after_round(i, round)})
            << i;
}

TEST_F(StoreJournalTest, KillDashNineMidCompactionLosesNoRefresh) {
    const int k_users = 40;
    const std::string rounds_file = dir + "/rounds";
    const std::string killed = run_then_kill_dash_nine([&](SqliteLocationStore& store) {
        for (int i = 0; i < k_users; ++i) {
            const Binding b = user_after_round(i, 0);
            if (!store.replace(b.aor, {b}).ok) return false;
        }
        int round = 0;
        while (!std::filesystem::exists(journal() + ".tmp")) {
            if (round == 400 || !refresh_round(store, k_users, ++round)) return false;
        }
        if (!refresh_round(store, k_users, ++round)) return false;  // during the compaction
        if (!std::filesystem::exists(journal() + ".tmp")) return false;
        std::ofstream(rounds_file) << round;
        return true;
    });
    ASSERT_EQ(killed, "");
    int rounds = 0;
    std::ifstream(rounds_file) >> rounds;
    ASSERT_GT(rounds, 0);
    auto store = open();
    EXPECT_TRUE(store->take_warnings().empty());
    EXPECT_FALSE(std::filesystem::exists(journal() + ".tmp"));  // the half-done one is gone
    EXPECT_EQ(store->size(), static_cast<std::size_t>(k_users));
    for (int i = 0; i < k_users; ++i)
        EXPECT_EQ(store->lookup(user_after_round(i, 0).aor, k_now),
                  std::vector<Binding>{user_after_round(i, rounds)})
            << i;
}

TEST_F(StoreJournalTest, GroupOfRefreshesTakesNoSqliteWriteLock) {
    auto store = open();
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    ASSERT_TRUE(store->replace(a.aor, {a}).ok);
    ASSERT_TRUE(store->begin_group().ok);
    ASSERT_TRUE(store->replace(a.aor, {refreshed(a, k_now + 600, 8)}).ok);
    // Another connection can take the write lock at once: the group holds none.
    std::string error;
    auto other = SqliteDb::open(path, error);
    ASSERT_NE(other, nullptr) << error;
    ASSERT_TRUE(other->begin().ok);
    ASSERT_TRUE(other->commit().ok);
    ASSERT_TRUE(store->commit_group().ok);
    EXPECT_EQ(journal_records(), 1u);
}

TEST_F(StoreJournalTest, FailedJournalWriteFailsTheRefreshAndMemoryStaysDurable) {
    auto store = open(RefreshJournal::k_record_size);  // each flush grows the file
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    ASSERT_TRUE(store->replace(a.aor, {a}).ok);
    ASSERT_TRUE(test::make_writes_fail(journal()));  // the disk is full
    // Outside a group: replace() fails and memory keeps the old binding.
    EXPECT_FALSE(store->replace(a.aor, {refreshed(a, k_now + 600, 8)}).ok);
    EXPECT_EQ(store->lookup(a.aor, k_now), std::vector<Binding>{a});
    // In a group: commit_group() fails; the group's SQLite write (bob) is durable, the
    // refresh is not, and memory holds exactly what a fresh open reads.
    Binding bob = binding("sip:bob@192.0.2.11", k_now + 60);
    bob.aor = "sip:bob@example.com";
    ASSERT_TRUE(store->begin_group().ok);
    ASSERT_TRUE(store->replace(a.aor, {refreshed(a, k_now + 600, 8)}).ok);
    ASSERT_TRUE(store->replace(bob.aor, {bob}).ok);
    const auto committed = store->commit_group();
    EXPECT_FALSE(committed.ok);
    EXPECT_NE(committed.error.find("No space left"), std::string::npos) << committed.error;
    EXPECT_EQ(store->lookup(a.aor, k_now), std::vector<Binding>{a});
    auto durable = open();
    EXPECT_EQ(durable->lookup(a.aor, k_now), std::vector<Binding>{a});
    EXPECT_EQ(durable->lookup(bob.aor, k_now), store->lookup(bob.aor, k_now));
    EXPECT_EQ(durable->size(), store->size());
}

// A reload that cannot read the journal (after a failed commit) leaves memory behind the
// files: nothing is written or purged from it until a reload succeeds, so no durable
// refresh is lost to a purge or a compaction of the stale copy.
TEST_F(StoreJournalTest, ReloadThatCannotReadTheJournalBlocksWritesUntilOneSucceeds) {
    auto store = open(RefreshJournal::k_record_size);  // each flush grows the file
    const Binding a = binding("sip:alice@192.0.2.10", k_now + 60);
    ASSERT_TRUE(store->replace(a.aor, {a}).ok);
    const Binding r = refreshed(a, k_now + 600, 8);
    ASSERT_TRUE(store->replace(a.aor, {r}).ok);  // journaled, durable
    const std::string aside = journal() + ".aside";
    std::filesystem::rename(journal(), aside);
    std::filesystem::create_directory(journal());  // read() of it fails (EISDIR)
    ASSERT_TRUE(test::make_writes_fail(aside));
    ASSERT_TRUE(store->begin_group().ok);
    ASSERT_TRUE(store->replace(a.aor, {refreshed(a, k_now + 900, 9)}).ok);
    EXPECT_FALSE(store->commit_group().ok);  // the write fails, and so does the reload
    // The stale copy holds only SQLite's row (expiry k_now + 60): a purge at k_now + 120
    // would delete a binding whose durable expiry is k_now + 600.
    EXPECT_EQ(store->purge_expired(k_now + 120), 0u);
    const auto refused = store->replace(a.aor, {refreshed(a, k_now + 900, 10)});
    EXPECT_FALSE(refused.ok);
    EXPECT_NE(refused.error.find("not loaded"), std::string::npos) << refused.error;
    // The journal is back: the next write reloads first, and the refresh is there.
    std::filesystem::remove(journal());
    std::filesystem::rename(aside, journal());
    EXPECT_EQ(store->purge_expired(k_now + 120), 0u);
    EXPECT_EQ(store->lookup(a.aor, k_now), std::vector<Binding>{r});
    EXPECT_EQ(open()->lookup(a.aor, k_now), std::vector<Binding>{r});
}

TEST_F(StoreJournalTest, DatabaseWithoutSeqColumnIsMigrated) {
    // A file written before the journal: no seq column.
    {
        std::string error;
        auto db = SqliteDb::open(path, error);
        ASSERT_NE(db, nullptr) << error;
        ASSERT_TRUE(db->exec("CREATE TABLE bindings (aor TEXT NOT NULL, contact TEXT NOT NULL, "
                             "instance TEXT NOT NULL, reg_id INTEGER NOT NULL, q INTEGER NOT "
                             "NULL, call_id TEXT NOT NULL, cseq INTEGER NOT NULL, expires_at "
                             "INTEGER NOT NULL, path TEXT NOT NULL, source TEXT NOT NULL, "
                             "user_agent TEXT NOT NULL);"
                             "INSERT INTO bindings VALUES ('sip:alice@example.com', "
                             "'sip:alice@192.0.2.10', '', 0, 1000, 'c1@ua', 7, 1800000060, '', "
                             "'udp:192.0.2.10:5060', 'old/1.0');")
                        .ok);
    }
    Binding r;
    {
        auto store = open();
        auto got = store->lookup("sip:alice@example.com", k_now);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].user_agent, "old/1.0");
        r = refreshed(got[0], k_now + 600, 8);
        ASSERT_TRUE(store->replace(r.aor, {r}).ok);
    }
    EXPECT_EQ(column("seq"), std::vector<std::int64_t>{0});
    EXPECT_EQ(open()->lookup(r.aor, k_now), std::vector<Binding>{r});
}

}  // namespace
}  // namespace happysip::store
