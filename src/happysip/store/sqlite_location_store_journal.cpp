// SqliteLocationStore's refresh journal side (sqlite_location_store.hpp, refresh_journal.hpp):
// a refresh written as journal records, the replay of the journal on load, and its
// compaction in steps across group commits.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "happysip/store/refresh_journal.hpp"
#include "happysip/store/sqlite_location_store.hpp"

namespace happysip::store {

using registrar::Binding;

namespace {

// Below this many records the journal is not compacted, however few bindings there are:
// 4,096 records are 384 KiB, and a rewrite that small is not worth its rename.
constexpr std::size_t k_min_journal_records = 4096;

}  // namespace

registrar::StoreStatus SqliteLocationStore::replay_journal() {
    if (!journal_) return {};
    std::vector<JournalRecord> records;
    std::string warning;
    if (auto s = journal_->read(records, warning); !s.ok) return {false, s.error};
    if (!warning.empty()) warn(std::move(warning));  // capped like every store warning
    for (const JournalRecord& r : records) {
        // Records of rows since removed are skipped, and so are older ones than the row's
        // last SQLite write; a rowid reused by a new row has a newer seq than any record
        // of the row that had it before.
        next_seq_ = std::max(next_seq_, r.seq + 1);
        Row* row = find_row(r.rowid);
        if (!row || row->seq >= r.seq) continue;
        row->binding.cseq = r.cseq;
        row->binding.expires_at = r.expires_at;
        row->binding.source = r.source;
        row->seq = r.seq;
        row->journaled = true;
    }
    return {};
}

registrar::StoreStatus SqliteLocationStore::refresh(std::vector<Row>& rows,
                                                    const std::vector<Binding>& bindings,
                                                    const Match& m) {
    // Records first: memory changes only once they are written (in a group: buffered
    // until commit_group(), which reloads memory if they cannot be written).
    const std::int64_t first_seq = next_seq_;
    auto same = [](const Binding& a, const Binding& b) {
        return a.cseq == b.cseq && a.expires_at == b.expires_at && a.source == b.source;
    };
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        const Row& row = rows[m.old_index[i]];
        if (same(row.binding, bindings[i])) continue;
        journal_->add(row.rowid, next_seq_++, bindings[i].expires_at, bindings[i].cseq,
                      bindings[i].source);
    }
    if (next_seq_ == first_seq) return {};
    if (!in_group_) {
        if (auto s = journal_->flush(); !s.ok) return {false, s.error};
    }
    std::int64_t seq = first_seq;
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        Row& row = rows[m.old_index[i]];
        if (same(row.binding, bindings[i])) continue;
        // The old expiry's heap entry is skipped when it comes up: it no longer matches.
        if (row.binding.expires_at != bindings[i].expires_at)
            expiries_.push({bindings[i].expires_at, row.rowid});
        row.binding.cseq = bindings[i].cseq;
        row.binding.expires_at = bindings[i].expires_at;
        if (row.binding.source != bindings[i].source) row.binding.source = bindings[i].source;
        row.seq = seq++;
        row.journaled = true;
    }
    if (!in_group_) maybe_compact(k_compact_step);
    return {};
}

void SqliteLocationStore::maybe_compact(std::size_t budget) {
    // Each compaction examines every record once after at least as many new ones were
    // appended, so its cost per refresh is bounded (docs/benchmarks.md); in steps of
    // `budget` records it never holds one request long.
    if (!journal_ || in_group_ || stale_) return;
    journal_->retire();
    if (!journal_->compacting()) {
        // Not while the file the last one replaced is still being freed: finishing would
        // have to close it, its remaining pages at once.
        if (journal_->retiring()) return;
        const std::size_t limit = std::max({k_min_journal_records, 2 * rows_, compact_floor_});
        if (journal_->usable()) {
            if (journal_->records() <= limit) return;
        } else if (++unusable_commits_ < k_min_journal_records) {
            return;  // a journal that cannot be written: a rewrite is retried now and then
        }
        unusable_commits_ = 0;
        if (auto s = journal_->begin_compaction(); !s.ok) return compaction_failed(s.error);
    }
    std::vector<JournalRecord>& batch = compaction_batch_;
    for (;;) {
        if (auto s = journal_->examine(budget, batch); !s.ok) return compaction_failed(s.error);
        if (batch.empty()) break;  // all examined
        for (const JournalRecord& r : batch)
            if (holds_latest(r)) journal_->keep(r);
        budget -= std::min(budget, batch.size());
        if (budget == 0) return;  // more at the next commit
    }
    if (const std::size_t damaged = journal_->damaged_records(); damaged > 0)
        warn("refresh journal " + journal_->path() + ": compaction left out " +
             std::to_string(damaged) + " damaged records");
    if (auto s = journal_->finish_compaction(); !s.ok) return compaction_failed(s.error);
    compact_floor_ = 0;
}

void SqliteLocationStore::compaction_failed(const std::string& error) {
    journal_->abandon_compaction();
    compact_floor_ = journal_->records() + k_min_journal_records;  // not at every commit
    warn(error);
}

bool SqliteLocationStore::holds_latest(const JournalRecord& r) const {
    // The record is the row's latest write: its seq is the row's, so no SQLite write or
    // newer record came after it, and the rowid was not reused since (a new row has a
    // newer seq than any record before it).
    const Row* row = find_row(r.rowid);
    return row && row->journaled && row->seq == r.seq;
}

}  // namespace happysip::store
