// The durable LocationStore: bindings in one SQLite table (WAL), so registrations survive
// a restart, kill -9 included, with every binding also held in memory.
//
// Why the memory copy: a registrar reads an AOR's bindings on every REGISTER and a proxy
// on every request for a user, and nearly every write is a refresh of one contact. With
// the rows in memory a lookup is a hash probe instead of a SELECT, and a write touches
// only the rows that change, by rowid, with no secondary index to maintain (the table has
// none: expiry is tracked by an in-memory heap). The copy is loaded when the store opens
// and changes only after SQLite accepted the write, so it never holds what the file does
// not. This assumes one process owns the bindings table, which happysipd does.
//
// replace() is one IMMEDIATE transaction per AOR, or, inside a group (begin_group /
// commit_group), part of the group's transaction: a registrar under load then pays one
// commit per burst of REGISTERs instead of one each (issue 4: "registrations durable —
// batched commits are fine"). Nothing in a group is durable before commit_group() returns
// ok, so a caller answers 200 only after it.
//
// A refresh (only CSeq, expiry and source of stored bindings change, nothing added or
// removed) is no SQLite write at all: it is a 96-byte record in the refresh journal beside
// the file (refresh_journal.hpp), one copy into its mapping per group. Every SQLite write
// of a row stores a store-wide sequence number in the row (column `seq`), every journal
// record one too; on open the table is loaded and each record newer than its row is
// applied. A group with refreshes only opens no SQLite transaction. The journal is
// compacted (rewritten with one record per binding whose latest state it alone holds) once
// it holds more than twice as many records as there are bindings, a few hundred records
// per group commit, so that no request waits for a whole rewrite.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "happysip/base/incremental_hash_map.hpp"
#include "happysip/base/text_hash.hpp"
#include "happysip/registrar/location_store.hpp"
#include "happysip/store/refresh_journal.hpp"
#include "happysip/store/sqlite_db.hpp"

namespace happysip::store {

class SqliteLocationStore final : public registrar::LocationStore {
  public:
    // Opens or creates the database and its schema and loads every binding; nullptr +
    // `error` on failure. `journal_reserve`: RefreshJournal::open's `reserve_bytes`.
    static std::unique_ptr<SqliteLocationStore> open(
        const std::string& path, std::string& error,
        std::size_t journal_reserve = RefreshJournal::k_default_reserve);
    // What was ignored while opening or since (a torn journal tail, a failed compaction),
    // for the operator's log: each is handed out once.
    std::vector<std::string> take_warnings();
    // WAL checkpoints run by the store's checkpointer thread so far (0 in memory).
    std::uint64_t checkpoints() const;

    std::vector<registrar::Binding> lookup(std::string_view aor, std::int64_t now) override;
    void lookup_into(std::string_view aor, std::int64_t now,
                     std::vector<registrar::Binding>& out) override;
    registrar::StoreStatus replace(std::string_view aor,
                                   const std::vector<registrar::Binding>& bindings) override;
    std::size_t purge_expired(std::int64_t now) override;
    std::size_t size() override { return rows_; }

    registrar::StoreStatus begin_group();
    // Commits every replace() since begin_group(): the SQLite transaction (if a write
    // needed one), then the journal records. On failure the memory copy is reloaded from
    // what is durable (a group's SQLite writes may be, its refreshes then are not).
    registrar::StoreStatus commit_group();
    bool in_group() const noexcept { return in_group_; }

  private:
    struct Row {
        std::int64_t rowid = 0;
        registrar::Binding binding;
        std::int64_t seq = 0;    // of the latest write of this row, SQLite or journal
        bool journaled = false;  // its CSeq, expiry and source are in the journal only
    };
    // How a new set matches the AOR's stored rows, by contact.
    struct Match {
        std::vector<std::size_t> old_index;  // per new binding; old.size(): a new row
        std::vector<bool> kept;              // per old row
        std::size_t statements = 0;          // SQLite statements if written there
        bool refresh_only = true;            // same rows, only CSeq, expiry, source changed
    };
    struct Expiry {
        std::int64_t at = 0;
        std::int64_t rowid = 0;
        bool operator>(const Expiry& o) const noexcept { return at > o.at; }
    };
    // Incremental maps: a std::unordered_map of a million AORs doubled in one go, holding
    // the I/O thread for hundreds of milliseconds (docs/benchmarks.md).
    using AorMap =
        base::IncrementalHashMap<std::string, std::vector<Row>, base::TextHash, std::equal_to<>>;

    explicit SqliteLocationStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
    bool prepare_statements(std::string& error);
    // Reads the whole table into memory and applies the journal (open, and after a failed
    // group commit).
    registrar::StoreStatus load();
    // load() again if the last one failed; an error while it still fails.
    registrar::StoreStatus ensure_loaded();
    // Applies the journal's records to the rows just loaded.
    registrar::StoreStatus replay_journal();
    static void match(const std::vector<Row>& old, const std::vector<registrar::Binding>& bindings,
                      Match& m);
    // A refresh: journal records, and `rows` (the AOR's) updated in place.
    registrar::StoreStatus refresh(std::vector<Row>& rows,
                                   const std::vector<registrar::Binding>& bindings, const Match& m);
    // Writes `bindings` over `old` (the AOR's current rows) to SQLite; fills `rows` with
    // the new set.
    registrar::StoreStatus write(std::string_view aor, const std::vector<Row>& old,
                                 const std::vector<registrar::Binding>& bindings, const Match& m,
                                 std::vector<Row>& rows);
    // Inside a group: opens its SQLite transaction on the group's first SQLite write.
    registrar::StoreStatus join_group_transaction();
    // Journal records a compaction examines per group commit, at least (and four times the
    // group's own records, so it always finishes): each costs a few cache misses at a
    // million bindings, ~0.5 us, so a step stays near 0.1 ms.
    static constexpr std::size_t k_compact_step = 256;
    // Compacts the journal once it holds more than twice the live bindings: examines up
    // to `budget` of its records per call, and the compaction goes on at the next calls.
    void maybe_compact(std::size_t budget);
    void compaction_failed(const std::string& error);
    // Whether `r` is the latest write of a live row (compaction keeps it).
    bool holds_latest(const JournalRecord& r) const;
    // The row with `rowid`, nullptr if there is none (removed, or never loaded).
    Row* find_row(std::int64_t rowid);
    const Row* find_row(std::int64_t rowid) const;
    void warn(std::string warning);
    registrar::StoreStatus insert(std::string_view aor, const registrar::Binding& b,
                                  std::int64_t seq, std::int64_t& rowid);
    // `journaled`: the row's CSeq, expiry and source in SQLite may be stale.
    registrar::StoreStatus update(std::int64_t rowid, const registrar::Binding& before,
                                  const registrar::Binding& b, std::int64_t seq, bool journaled);
    registrar::StoreStatus erase(std::int64_t rowid);
    // The UPDATE that sets the columns of `bits` (see the .cpp), prepared on first use;
    // nullptr, with SQLite's reason in `status`, if SQLite refuses it.
    SqliteStatement* update_statement(std::uint16_t bits, SqliteStatus& status);
    // Starts/ends a unit that must apply whole: a savepoint inside a group, else a
    // transaction of its own.
    registrar::StoreStatus begin_atomic();
    registrar::StoreStatus end_atomic(bool keep);
    // Makes `rows` the AOR's rows in memory (empty: forgets the AOR); `entry` is the AOR's
    // entry, or nullptr when it has none yet.
    void install(AorMap::value_type* entry, std::string_view aor, std::vector<Row> rows);

    std::unique_ptr<SqliteDb> db_;
    SqliteStatement load_;
    SqliteStatement insert_;
    SqliteStatement delete_;
    SqliteStatement savepoint_;
    SqliteStatement release_;
    SqliteStatement rollback_to_;
    // One per set of changed columns met so far: at most 2^10, in practice a handful.
    std::unordered_map<std::uint16_t, SqliteStatement> updates_;
    bool in_group_ = false;
    Match match_;  // replace()'s, kept for its vectors' capacity: no allocation per REGISTER
    bool group_transaction_ = false;  // the group's SQLite transaction is open
    // Refreshes; nullptr for an in-memory database (they are then UPDATEs).
    std::unique_ptr<RefreshJournal> journal_;
    std::int64_t next_seq_ = 1;  // greater than every seq in the table and the journal
    // No compaction before the journal holds this many records (after a failed one).
    std::size_t compact_floor_ = 0;
    std::size_t unusable_commits_ = 0;  // groups since a rewrite of an unusable journal
    bool stale_ = false;                // load() failed: memory may be behind the files
    std::vector<std::string> warnings_;
    std::vector<JournalRecord> compaction_batch_;  // kept for its capacity

    AorMap by_aor_;
    // rowid -> the AOR key in by_aor_ (its keys do not move).
    base::IncrementalHashMap<std::int64_t, std::string_view> aor_of_;
    // Every expiry written, soonest first; entries of rows since refreshed or removed
    // are skipped when they come up.
    // On a deque: growing a vector of millions copies it whole.
    std::priority_queue<Expiry, std::deque<Expiry>, std::greater<>> expiries_;
    std::size_t rows_ = 0;
};

}  // namespace happysip::store
