// The refresh journal on its own: records read back in order, a torn or garbage tail is
// ignored and cut off, a compaction in steps replaces the file whole with the records it
// kept and those appended meanwhile.
#include "happysip/store/refresh_journal.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store_test_support.hpp"

namespace happysip::store {
namespace {

// StoreTest's directory, with the journal where a store at `path` would keep it.
class RefreshJournalTest : public test::StoreTest {
  protected:
    void SetUp() override {
        test::StoreTest::SetUp();
        path += "-refresh";
    }
    std::unique_ptr<RefreshJournal> open(
        std::size_t reserve_bytes = RefreshJournal::k_default_reserve) {
        std::string error;
        auto journal =
            RefreshJournal::open(path, RefreshJournal::Sync::page_cache, error, reserve_bytes);
        EXPECT_NE(journal, nullptr) << error;
        return journal;
    }
    std::vector<JournalRecord> read_back(std::string* warning = nullptr) {
        auto journal = open();
        std::vector<JournalRecord> records;
        std::string w;
        EXPECT_TRUE(journal->read(records, w).ok);
        if (warning) *warning = w;
        return records;
    }
    // k_records written, then one byte of the second one's source changes on disk, then
    // a compaction begins.
    std::unique_ptr<RefreshJournal> compacting_with_second_record_damaged();
    void append_bytes(const std::string& bytes) {
        std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
    }
};

const std::vector<JournalRecord> k_records = {
    {1, 10, 1'800'000'060, 7, "udp:192.0.2.1:5060"},
    // CSeq is 32 bits, unsigned (RFC 3261 §8.1.1.5); the longest source that fits.
    {2, 11, 1'800'003'600, 4'000'000'000u, std::string(RefreshJournal::k_max_source, 's')},
    {-5, 12, -1, 0, ""},
};

std::unique_ptr<RefreshJournal> RefreshJournalTest::compacting_with_second_record_damaged() {
    auto journal = open();
    for (const auto& r : k_records)
        journal->add(r);
    if (!journal->flush().ok) return nullptr;
    {
        std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(RefreshJournal::k_record_size + 40));
        f.put('X');
    }
    if (!journal->begin_compaction().ok) return nullptr;
    return journal;
}

TEST_F(RefreshJournalTest, RecordsOfSeveralFlushesReadBackInOrder) {
    {
        auto journal = open();
        journal->add(k_records[0]);
        journal->add(k_records[1]);
        ASSERT_TRUE(journal->flush().ok);
        EXPECT_FALSE(journal->has_pending());
        journal->add(k_records[2]);
        ASSERT_TRUE(journal->flush().ok);
        EXPECT_EQ(journal->records(), 3u);
        // Grown ahead while open...
        EXPECT_EQ(std::filesystem::file_size(path), RefreshJournal::k_default_reserve);
    }
    // ...and the records only once closed.
    EXPECT_EQ(std::filesystem::file_size(path), 3 * RefreshJournal::k_record_size);
    std::string warning;
    EXPECT_EQ(read_back(&warning), k_records);
    EXPECT_EQ(warning, "");
}

// Records land in space grown ahead, several growths over: each flush's records are read
// back, in order, however the reserve falls between them.
TEST_F(RefreshJournalTest, GrowsAheadAcrossSeveralReservesAndReadsBackInOrder) {
    std::vector<JournalRecord> written;
    {
        auto journal = open(3 * RefreshJournal::k_record_size);
        for (std::int64_t seq = 1; seq <= 8; ++seq) {
            written.push_back({seq, seq, 1'800'000'000 + seq, 7, "udp:192.0.2.1:5060"});
            journal->add(written.back());
            if (seq % 2 == 0) {
                ASSERT_TRUE(journal->flush().ok) << seq;
            }
        }
        EXPECT_EQ(std::filesystem::file_size(path), 9 * RefreshJournal::k_record_size);
    }
    EXPECT_EQ(read_back(), written);
}

// A process killed after a flush leaves its records and the zeros grown after them: the
// next open reads the records without a warning and appends after them.
TEST_F(RefreshJournalTest, ZerosAKilledProcessGrewAheadAreNoWarning) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        std::string error;
        auto journal = RefreshJournal::open(path, RefreshJournal::Sync::page_cache, error);
        if (!journal) _exit(2);
        journal->add(k_records[0]);
        journal->add(k_records[1]);
        if (!journal->flush().ok) _exit(3);
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    EXPECT_EQ(std::filesystem::file_size(path), RefreshJournal::k_default_reserve);
    std::string warning;
    EXPECT_EQ(read_back(&warning), (std::vector<JournalRecord>{k_records[0], k_records[1]}));
    EXPECT_EQ(warning, "");
    {
        auto journal = open();
        journal->add(k_records[2]);
        ASSERT_TRUE(journal->flush().ok);
    }
    EXPECT_EQ(read_back(&warning), k_records);
    EXPECT_EQ(warning, "");
}

// Sync::fsync (a database that syncs each commit): the records are msync'ed, and read back.
TEST_F(RefreshJournalTest, FsyncModeWritesTheSameRecords) {
    {
        std::string error;
        auto journal = RefreshJournal::open(path, RefreshJournal::Sync::fsync, error);
        ASSERT_NE(journal, nullptr) << error;
        for (const auto& r : k_records) {
            journal->add(r);
            ASSERT_TRUE(journal->flush().ok);
        }
    }
    EXPECT_EQ(read_back(), k_records);
}

TEST_F(RefreshJournalTest, DiscardedRecordsAreNeverWritten) {
    auto journal = open();
    journal->add(k_records[0]);
    journal->discard();
    ASSERT_TRUE(journal->flush().ok);
    EXPECT_TRUE(read_back().empty());
}

TEST_F(RefreshJournalTest, TornTailIsIgnoredWithAWarningAndCutOff) {
    {
        auto journal = open();
        journal->add(k_records[0]);
        journal->add(k_records[1]);
        ASSERT_TRUE(journal->flush().ok);
    }
    // kill -9 in the middle of a write: the first 20 bytes of a record.
    std::string torn(20, '\x5a');
    append_bytes(torn);
    auto journal = open();
    std::vector<JournalRecord> records;
    std::string warning;
    ASSERT_TRUE(journal->read(records, warning).ok);
    EXPECT_EQ(records, (std::vector<JournalRecord>{k_records[0], k_records[1]}));
    EXPECT_NE(warning.find("ignored 20 bytes"), std::string::npos) << warning;
    EXPECT_EQ(std::filesystem::file_size(path), 2 * RefreshJournal::k_record_size);
    // What follows lands after the valid records, so it is read back too.
    journal->add(k_records[2]);
    ASSERT_TRUE(journal->flush().ok);
    EXPECT_EQ(read_back(&warning), k_records);
    EXPECT_EQ(warning, "");
}

TEST_F(RefreshJournalTest, GarbageRecordAndAnOlderSeqEndTheValidRecords) {
    {
        auto journal = open();
        journal->add(k_records[0]);
        ASSERT_TRUE(journal->flush().ok);
    }
    // Zeros end the records silently: what growing ahead leaves (and a crash may, too).
    append_bytes(std::string(RefreshJournal::k_record_size, '\0'));
    std::string warning;
    EXPECT_EQ(read_back(&warning), std::vector<JournalRecord>{k_records[0]});
    EXPECT_EQ(warning, "");
    EXPECT_EQ(std::filesystem::file_size(path), RefreshJournal::k_record_size);  // cut off
    // A block of garbage (a record with one byte off), zeros after it: a warning that
    // counts the garbage up to its last byte.
    std::string garbage(RefreshJournal::k_record_size, '\0');
    garbage[0] = 'g';
    garbage[50] = 'h';
    append_bytes(garbage + std::string(300, '\0'));
    EXPECT_EQ(read_back(&warning), std::vector<JournalRecord>{k_records[0]});
    EXPECT_NE(warning.find("ignored 51 bytes"), std::string::npos) << warning;
    const std::string one_record = "ignored " + std::to_string(RefreshJournal::k_record_size);

    // A valid record whose seq is not newer than the one before: stale, not a refresh.
    {
        auto journal = open();
        journal->add({9, 3, 1'800'000'000, 1, "udp:192.0.2.9:5060"});
        ASSERT_TRUE(journal->flush().ok);
    }
    EXPECT_EQ(read_back(&warning), std::vector<JournalRecord>{k_records[0]});
    EXPECT_NE(warning.find(one_record), std::string::npos) << warning;
}

TEST_F(RefreshJournalTest, CompactionKeepsWhatItKeptAndWhatWasAppendedMeanwhile) {
    auto journal = open();
    for (const auto& r : k_records)
        journal->add(r);
    ASSERT_TRUE(journal->flush().ok);
    ASSERT_TRUE(journal->begin_compaction().ok);
    EXPECT_TRUE(journal->compacting());
    EXPECT_TRUE(std::filesystem::exists(path + ".tmp"));
    // Appended after begin: examined in its turn, like the others.
    const JournalRecord during{3, 13, 1'800'000'100, 2, "udp:192.0.2.3:5060"};
    journal->add(during);
    ASSERT_TRUE(journal->flush().ok);
    std::vector<JournalRecord> out;
    ASSERT_TRUE(journal->examine(2, out).ok);
    EXPECT_EQ(out, (std::vector<JournalRecord>{k_records[0], k_records[1]}));
    journal->keep(out[1]);
    ASSERT_TRUE(journal->examine(100, out).ok);
    EXPECT_EQ(out, (std::vector<JournalRecord>{k_records[2], during}));
    journal->keep(during);
    ASSERT_TRUE(journal->examine(100, out).ok);
    EXPECT_TRUE(out.empty());
    // Appended after the last examine(): kept by finish_compaction() unexamined.
    const JournalRecord late{4, 14, 1'800'000'200, 3, "udp:192.0.2.4:5060"};
    journal->add(late);
    ASSERT_TRUE(journal->flush().ok);
    // Until the rename the journal is the old file, whole.
    EXPECT_EQ(journal->records(), 5u);  // the appended ones went to the journal itself
    ASSERT_TRUE(journal->finish_compaction().ok);
    EXPECT_FALSE(journal->compacting());
    EXPECT_EQ(journal->records(), 3u);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(read_back(), (std::vector<JournalRecord>{k_records[1], during, late}));
    // Appends go to the new file.
    const JournalRecord next{5, 21, 1'800'000'100, 2, "udp:192.0.2.5:5060"};
    journal->add(next);
    ASSERT_TRUE(journal->flush().ok);
    EXPECT_EQ(read_back(), (std::vector<JournalRecord>{k_records[1], during, late, next}));
}

TEST_F(RefreshJournalTest, ReplacedFileIsFreedInSlicesAfterACompaction) {
    // 50,000 records (4.8 MB): freed 2 MiB per retire() call, closed after the third.
    auto journal = open();
    for (std::int64_t i = 1; i <= 50'000; ++i)
        journal->add({i, i, 1'800'000'000, 1, "udp:192.0.2.1:5060"});
    ASSERT_TRUE(journal->flush().ok);
    ASSERT_TRUE(journal->begin_compaction().ok);
    std::vector<JournalRecord> out;
    do {
        ASSERT_TRUE(journal->examine(4096, out).ok);
    } while (!out.empty());
    ASSERT_TRUE(journal->finish_compaction().ok);
    EXPECT_EQ(journal->records(), 0u);
    EXPECT_TRUE(journal->retiring());
    journal->retire();
    journal->retire();
    EXPECT_TRUE(journal->retiring());
    journal->retire();
    EXPECT_FALSE(journal->retiring());
    journal->retire();  // nothing left: no effect
    const JournalRecord next{7, 50'001, 1'800'000'100, 2, "udp:192.0.2.7:5060"};
    journal->add(next);
    ASSERT_TRUE(journal->flush().ok);
    EXPECT_EQ(read_back(), std::vector<JournalRecord>{next});
}

TEST_F(RefreshJournalTest, CompactionFinishedWhileTheReplacedFileIsBeingFreedClosesIt) {
    // 50,000 records (4.8 MB) take three retire() calls to free. A second compaction that
    // finishes after one of them closes that file: open, unlinked, it would keep its
    // descriptor and its disk space until the process ends.
    auto journal = open();
    for (std::int64_t i = 1; i <= 50'000; ++i)
        journal->add({i, i, 1'800'000'000, 1, "udp:192.0.2.1:5060"});
    ASSERT_TRUE(journal->flush().ok);
    std::vector<JournalRecord> out;
    for (int compaction = 0; compaction < 2; ++compaction) {
        ASSERT_TRUE(journal->begin_compaction().ok);
        do {
            ASSERT_TRUE(journal->examine(4096, out).ok);
        } while (!out.empty());
        ASSERT_TRUE(journal->finish_compaction().ok);
        EXPECT_TRUE(journal->retiring());
        if (compaction == 0) journal->retire();  // 2 MiB of 4.8 freed
    }
    // The journal, and the file the second compaction replaced.
    EXPECT_EQ(test::descriptors_under(dir), 2);
    journal.reset();
    EXPECT_EQ(test::descriptors_under(dir), 0);
}

TEST_F(RefreshJournalTest, DamagedRecordsDoNotEndTheExaminationEarly) {
    // examine() answering nothing means "all examined": the caller then finishes, keeping
    // the rest unexamined. A batch that held damaged records only must not look like that.
    auto journal = compacting_with_second_record_damaged();
    ASSERT_NE(journal, nullptr);
    std::vector<JournalRecord> out;
    ASSERT_TRUE(journal->examine(1, out).ok);
    EXPECT_EQ(out, std::vector<JournalRecord>{k_records[0]});
    ASSERT_TRUE(journal->examine(1, out).ok);
    EXPECT_EQ(out, std::vector<JournalRecord>{k_records[2]});
    EXPECT_EQ(journal->damaged_records(), 1u);
    ASSERT_TRUE(journal->examine(1, out).ok);
    EXPECT_TRUE(out.empty());
}

TEST_F(RefreshJournalTest, AbandonedCompactionLeavesTheJournalAsItWas) {
    auto journal = open();
    for (const auto& r : k_records)
        journal->add(r);
    ASSERT_TRUE(journal->flush().ok);
    ASSERT_TRUE(journal->begin_compaction().ok);
    std::vector<JournalRecord> out;
    ASSERT_TRUE(journal->examine(100, out).ok);
    journal->keep(out[0]);
    journal->abandon_compaction();
    EXPECT_FALSE(journal->compacting());
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(journal->records(), 3u);
    EXPECT_EQ(read_back(), k_records);
    // A journal closed mid-compaction leaves no new file behind either.
    ASSERT_TRUE(journal->begin_compaction().ok);
    journal.reset();
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(read_back(), k_records);
}

TEST_F(RefreshJournalTest, CompactionLeavesOutARecordDamagedSinceItWasWritten) {
    auto journal = compacting_with_second_record_damaged();
    ASSERT_NE(journal, nullptr);
    std::vector<JournalRecord> out;
    ASSERT_TRUE(journal->examine(100, out).ok);
    EXPECT_EQ(out, (std::vector<JournalRecord>{k_records[0], k_records[2]}));
    EXPECT_EQ(journal->damaged_records(), 1u);
    for (const auto& r : out)
        journal->keep(r);
    ASSERT_TRUE(journal->finish_compaction().ok);
    EXPECT_EQ(read_back(), (std::vector<JournalRecord>{k_records[0], k_records[2]}));
}

TEST_F(RefreshJournalTest, FailedWriteIsAnErrorAndLeavesNothingBuffered) {
    auto journal = open(RefreshJournal::k_record_size);  // each flush grows the file
    journal->add(k_records[0]);
    ASSERT_TRUE(journal->flush().ok);
    ASSERT_TRUE(test::make_writes_fail(path));  // the disk is full
    journal->add(k_records[1]);
    const auto s = journal->flush();
    EXPECT_FALSE(s.ok);
    EXPECT_NE(s.error.find("No space left"), std::string::npos) << s.error;
    EXPECT_FALSE(journal->has_pending());
    EXPECT_EQ(journal->records(), 1u);
    EXPECT_EQ(read_back(), std::vector<JournalRecord>{k_records[0]});
}

}  // namespace
}  // namespace happysip::store
