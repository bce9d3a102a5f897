#include "happysip/store/sqlite_location_store.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "happysip/store/wal_checkpointer.hpp"

namespace happysip::store {

using registrar::Binding;

namespace {

constexpr std::string_view k_schema = R"sql(
CREATE TABLE IF NOT EXISTS bindings (
    aor         TEXT    NOT NULL,
    contact     TEXT    NOT NULL,
    instance    TEXT    NOT NULL,
    reg_id      INTEGER NOT NULL,
    q           INTEGER NOT NULL,
    call_id     TEXT    NOT NULL,
    cseq        INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    path        TEXT    NOT NULL,  -- Path values joined by LF (a header value has none)
    source      TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL,
    seq         INTEGER NOT NULL DEFAULT 0  -- see the header: orders rows and journal records
);
-- Lookups and expiry are served from memory (see the header): an index would only be
-- one more B-tree to update on every refresh. Files made by earlier versions had two.
DROP INDEX IF EXISTS bindings_by_aor;
DROP INDEX IF EXISTS bindings_by_expiry;
)sql";

// Files made before the refresh journal have no seq column; their rows get 0, older than
// any journal record (there is none for them yet).
constexpr std::string_view k_has_seq =
    "SELECT count(*) FROM pragma_table_info('bindings') WHERE name = 'seq'";
constexpr std::string_view k_add_seq =
    "ALTER TABLE bindings ADD COLUMN seq INTEGER NOT NULL DEFAULT 0";

// Expired rows deleted per purge_expired() call.
constexpr std::size_t k_purge_batch = 1000;

bool migrate(SqliteDb& db, std::string& error) {
    SqliteStatus status;
    SqliteStatement has_seq = db.prepare(k_has_seq, status);
    if (status.ok && has_seq.step() && has_seq.integer(0) > 0) return true;
    if (status.ok) status = has_seq.status();
    if (status.ok) status = db.exec(k_add_seq);
    if (!status.ok) error = "schema: add seq: " + status.error;
    return status.ok;
}

std::string join_path(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) {
        if (!out.empty()) out += '\n';
        out += p;
    }
    return out;
}

// The INSERT and the UPDATEs number a row's columns alike: ?1 aor or rowid, ?2 contact ...
// ?11 user_agent, ?12 seq. Text is bound without a copy (SqliteStatement::bind_borrowed): `b` and
// `path` outlive the statement's step, after which the caller resets it (run_once), so a
// statement needs no reset before its binds: that would be a second sqlite3_reset and
// sqlite3_clear_bindings per statement.
void bind_insert(SqliteStatement& s, std::string_view aor, const Binding& b,
                 const std::string& path, std::int64_t seq) {
    s.bind_borrowed(1, aor);
    s.bind_borrowed(2, b.contact);
    s.bind_borrowed(3, b.instance);
    s.bind(4, static_cast<std::int64_t>(b.reg_id));
    s.bind(5, static_cast<std::int64_t>(b.q));
    s.bind_borrowed(6, b.call_id);
    s.bind(7, static_cast<std::int64_t>(b.cseq));
    s.bind(8, b.expires_at);
    s.bind_borrowed(9, path);
    s.bind_borrowed(10, b.source);
    s.bind_borrowed(11, b.user_agent);
    s.bind(12, seq);
}

// The columns an UPDATE may set, as bits, in parameter order (?2 .. ?11).
enum ColumnBit : std::uint16_t {
    k_contact = 1 << 0,
    k_instance = 1 << 1,
    k_reg_id = 1 << 2,
    k_q = 1 << 3,
    k_call_id = 1 << 4,
    k_cseq = 1 << 5,
    k_expires_at = 1 << 6,
    k_path = 1 << 7,
    k_source = 1 << 8,
    k_user_agent = 1 << 9,
};
constexpr std::array<std::string_view, 10> k_column_names = {
    "contact", "instance",   "reg_id", "q",      "call_id",
    "cseq",    "expires_at", "path",   "source", "user_agent"};

std::uint16_t changed_columns(const Binding& a, const Binding& b) {
    std::uint16_t bits = 0;
    if (a.contact != b.contact) bits |= k_contact;
    if (a.instance != b.instance) bits |= k_instance;
    if (a.reg_id != b.reg_id) bits |= k_reg_id;
    if (a.q != b.q) bits |= k_q;
    if (a.call_id != b.call_id) bits |= k_call_id;
    if (a.cseq != b.cseq) bits |= k_cseq;
    if (a.expires_at != b.expires_at) bits |= k_expires_at;
    if (a.path != b.path) bits |= k_path;
    if (a.source != b.source) bits |= k_source;
    if (a.user_agent != b.user_agent) bits |= k_user_agent;
    return bits;
}

// "UPDATE bindings SET cseq = ?7, expires_at = ?8 WHERE rowid = ?1" for bits k_cseq |
// k_expires_at: the parameters keep their numbers, so every statement binds alike.
std::string update_sql(std::uint16_t bits) {
    std::string sql = "UPDATE bindings SET ";
    bool first = true;
    for (std::size_t i = 0; i < k_column_names.size(); ++i) {
        if (!(bits & (1u << i))) continue;
        if (!first) sql += ", ";
        first = false;
        sql.append(k_column_names[i]).append(" = ?").append(std::to_string(i + 2));
    }
    return sql + ", seq = ?12 WHERE rowid = ?1";
}

void bind_update(SqliteStatement& s, std::uint16_t bits, std::int64_t rowid, const Binding& b,
                 const std::string& path, std::int64_t seq) {
    s.bind(1, rowid);
    s.bind(12, seq);
    if (bits & k_contact) s.bind_borrowed(2, b.contact);
    if (bits & k_instance) s.bind_borrowed(3, b.instance);
    if (bits & k_reg_id) s.bind(4, static_cast<std::int64_t>(b.reg_id));
    if (bits & k_q) s.bind(5, static_cast<std::int64_t>(b.q));
    if (bits & k_call_id) s.bind_borrowed(6, b.call_id);
    if (bits & k_cseq) s.bind(7, static_cast<std::int64_t>(b.cseq));
    if (bits & k_expires_at) s.bind(8, b.expires_at);
    if (bits & k_path) s.bind_borrowed(9, path);
    if (bits & k_source) s.bind_borrowed(10, b.source);
    if (bits & k_user_agent) s.bind_borrowed(11, b.user_agent);
}

// Steps a statement that does not return rows, then resets it so that no borrowed text
// stays bound to it.
registrar::StoreStatus run_once(SqliteStatement& s) {
    s.step();
    registrar::StoreStatus status{s.status().ok, s.status().error};
    s.reset();
    return status;
}

std::vector<std::string> split_path(const std::string& joined) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < joined.size()) {
        const auto end = joined.find('\n', start);
        out.push_back(joined.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

}  // namespace

std::unique_ptr<SqliteLocationStore> SqliteLocationStore::open(const std::string& path,
                                                               std::string& error,
                                                               std::size_t journal_reserve) {
    auto db = SqliteDb::open_with_schema(path, k_schema, error);
    if (!db || !migrate(*db, error)) return nullptr;
    std::unique_ptr<SqliteLocationStore> store(new SqliteLocationStore(std::move(db)));
    if (!store->prepare_statements(error)) return nullptr;
    if (!path.empty() && path != ":memory:") {
        if (auto s = store->db_->checkpoint_in_background(path); !s.ok) {
            error = s.error;
            return nullptr;
        }
        // Beside the database like its -wal file, and as durable as a commit is.
        store->journal_ =
            RefreshJournal::open(path + "-refresh",
                                 SqliteDb::k_fsync_each_commit ? RefreshJournal::Sync::fsync
                                                               : RefreshJournal::Sync::page_cache,
                                 error, journal_reserve);
        if (!store->journal_) return nullptr;
    }
    if (auto loaded = store->load(); !loaded.ok) {
        error = "load " + path + ": " + loaded.error;
        return nullptr;
    }
    store->maybe_compact(std::numeric_limits<std::size_t>::max());  // before taking requests
    return store;
}

std::vector<std::string> SqliteLocationStore::take_warnings() {
    if (WalCheckpointer* c = db_->checkpointer()) {
        if (std::string e = c->take_error(); !e.empty()) warn(std::move(e));
    }
    return std::exchange(warnings_, {});
}

std::uint64_t SqliteLocationStore::checkpoints() const {
    const WalCheckpointer* c = db_->checkpointer();
    return c ? c->checkpoints() : 0;
}

bool SqliteLocationStore::prepare_statements(std::string& error) {
    StatementPreparer prepare(*db_);
    prepare(load_,
            "SELECT rowid, aor, contact, instance, reg_id, q, call_id, cseq, expires_at, path, "
            "source, user_agent, seq FROM bindings");
    prepare(insert_,
            "INSERT INTO bindings (aor, contact, instance, reg_id, q, call_id, cseq, expires_at, "
            "path, source, user_agent, seq) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    prepare(delete_, "DELETE FROM bindings WHERE rowid = ?1");
    prepare(savepoint_, "SAVEPOINT binding_set");
    prepare(release_, "RELEASE binding_set");
    prepare(rollback_to_, "ROLLBACK TO binding_set");
    if (!prepare.status().ok) error = prepare.status().error;
    return prepare.status().ok;
}

registrar::StoreStatus SqliteLocationStore::load() {
    // Until this returns ok the memory copy may be behind the files (rows without their
    // journaled refreshes, no expiry heap): nothing may be written, purged or compacted
    // from it (ensure_loaded).
    stale_ = true;
    by_aor_.clear();
    aor_of_.clear();
    rows_ = 0;
    load_.reset();
    while (load_.step()) {
        Row row;
        row.rowid = load_.integer(0);
        Binding& b = row.binding;
        b.aor = load_.text(1);
        b.contact = load_.text(2);
        b.instance = load_.text(3);
        b.reg_id = static_cast<std::uint32_t>(load_.integer(4));
        b.q = static_cast<std::uint16_t>(load_.integer(5));
        b.call_id = load_.text(6);
        b.cseq = static_cast<std::uint32_t>(load_.integer(7));
        b.expires_at = load_.integer(8);
        b.path = split_path(load_.text(9));
        b.source = load_.text(10);
        b.user_agent = load_.text(11);
        row.seq = load_.integer(12);
        next_seq_ = std::max(next_seq_, row.seq + 1);
        auto* entry = by_aor_.find(b.aor);
        if (!entry) entry = by_aor_.try_emplace(b.aor).first;
        aor_of_.try_emplace(row.rowid, entry->first);
        entry->second.push_back(std::move(row));
        ++rows_;
    }
    if (!load_.status().ok) return {false, load_.status().error};
    load_.reset();
    if (auto s = replay_journal(); !s.ok) return s;
    std::deque<Expiry> expiries;
    by_aor_.for_each([&](AorMap::value_type& entry) {
        for (const Row& row : entry.second)
            expiries.push_back({row.binding.expires_at, row.rowid});
    });
    expiries_ = decltype(expiries_)(std::greater<>{}, std::move(expiries));
    stale_ = false;
    return {};
}

registrar::StoreStatus SqliteLocationStore::ensure_loaded() {
    if (!stale_) return {};
    if (auto s = load(); !s.ok) return {false, "location store not loaded: " + s.error};
    return {};
}

std::vector<Binding> SqliteLocationStore::lookup(std::string_view aor, std::int64_t now) {
    std::vector<Binding> out;
    lookup_into(aor, now, out);
    return out;
}

void SqliteLocationStore::lookup_into(std::string_view aor, std::int64_t now,
                                      std::vector<Binding>& out) {
    const auto* entry = by_aor_.find(aor);
    if (!entry) {
        out.clear();
        return;
    }
    registrar::copy_unexpired_into(
        entry->second, [](const Row& row) -> const Binding& { return row.binding; }, now, out);
}

registrar::StoreStatus SqliteLocationStore::begin_group() {
    // The SQLite transaction waits for the group's first SQLite write: a burst of
    // refreshes needs none (issue 4: BEGIN/COMMIT was ~5,000 instructions per group).
    in_group_ = true;
    return {};
}

registrar::StoreStatus SqliteLocationStore::join_group_transaction() {
    if (!in_group_ || group_transaction_) return {};
    auto s = db_->begin();
    if (!s.ok) return {false, s.error};
    group_transaction_ = true;
    return {};
}

registrar::StoreStatus SqliteLocationStore::commit_group() {
    if (!in_group_) return {};
    in_group_ = false;
    // SQLite first, then the journal: a record is then only ever written about a row as
    // committed. The other order could leave, after a failed commit, a record naming a
    // rowid whose rolled-back insert had reused it, newer than the row that keeps it.
    // Either failure leaves memory ahead of the files: take the files' word.
    std::string error;
    if (group_transaction_) {
        group_transaction_ = false;
        if (auto s = db_->commit(); !s.ok) {
            db_->rollback();
            if (journal_) journal_->discard();
            error = s.error;
        }
    }
    std::size_t appended = 0;
    if (error.empty() && journal_) {
        appended = journal_->pending_records();
        if (auto s = journal_->flush(); !s.ok) error = s.error;
    }
    if (!error.empty()) {
        if (auto reloaded = load(); !reloaded.ok) error += "; reload: " + reloaded.error;
        return {false, error};
    }
    maybe_compact(std::max(k_compact_step, 4 * appended));
    return {};
}

registrar::StoreStatus SqliteLocationStore::begin_atomic() {
    if (!in_group_) {
        auto s = db_->begin();
        return {s.ok, s.error};
    }
    savepoint_.reset();
    savepoint_.step();
    return {savepoint_.status().ok, savepoint_.status().error};
}

registrar::StoreStatus SqliteLocationStore::end_atomic(bool keep) {
    if (!in_group_) {
        if (!keep) {
            db_->rollback();
            return {};
        }
        auto s = db_->commit();
        if (!s.ok) db_->rollback();
        return {s.ok, s.error};
    }
    if (!keep) {
        rollback_to_.reset();
        rollback_to_.step();
    }
    release_.reset();
    release_.step();
    return {release_.status().ok, release_.status().error};
}

registrar::StoreStatus SqliteLocationStore::insert(std::string_view aor, const Binding& b,
                                                   std::int64_t seq, std::int64_t& rowid) {
    const std::string path = join_path(b.path);
    bind_insert(insert_, aor, b, path, seq);
    if (auto s = run_once(insert_); !s.ok) return s;
    rowid = db_->last_insert_rowid();
    return {};
}

registrar::StoreStatus SqliteLocationStore::update(std::int64_t rowid, const Binding& before,
                                                   const Binding& b, std::int64_t seq,
                                                   bool journaled) {
    // Only the columns that changed are set, and text is bound without a copy: a full
    // UPDATE would bind and rewrite nine columns more (issue 4). A row refreshed through
    // the journal gets its CSeq, expiry and source written too: the new seq makes the
    // journal's records of them obsolete.
    std::uint16_t bits = changed_columns(before, b);
    if (journaled) bits |= k_cseq | k_expires_at | k_source;
    SqliteStatus prepared;
    SqliteStatement* statement = update_statement(bits, prepared);
    if (!statement) return {false, prepared.error};
    const std::string path = bits & k_path ? join_path(b.path) : std::string();
    bind_update(*statement, bits, rowid, b, path, seq);
    return run_once(*statement);
}

SqliteStatement* SqliteLocationStore::update_statement(std::uint16_t bits, SqliteStatus& status) {
    auto it = updates_.find(bits);
    if (it != updates_.end()) return &it->second;
    SqliteStatement statement = db_->prepare(update_sql(bits), status);
    if (!status.ok) return nullptr;
    return &updates_.emplace(bits, std::move(statement)).first->second;
}

registrar::StoreStatus SqliteLocationStore::erase(std::int64_t rowid) {
    delete_.bind(1, rowid);
    return run_once(delete_);
}

registrar::StoreStatus SqliteLocationStore::replace(std::string_view aor,
                                                    const std::vector<Binding>& bindings) {
    if (auto s = ensure_loaded(); !s.ok) return s;
    static const std::vector<Row> no_rows;
    auto* entry = by_aor_.find(aor);
    const std::vector<Row>& old = entry ? entry->second : no_rows;
    Match& m = match_;
    match(old, bindings, m);
    if (m.refresh_only && journal_ && journal_->usable())
        return refresh(entry->second, bindings, m);
    std::vector<Row> rows;
    if (auto s = write(aor, old, bindings, m, rows); !s.ok) return s;
    install(entry, aor, std::move(rows));
    return {};
}

void SqliteLocationStore::match(const std::vector<Row>& old, const std::vector<Binding>& bindings,
                                Match& m) {
    // By contact: a refresh (the common case) keeps every row; only new contacts are
    // inserted, only dropped ones deleted.
    m.statements = 0;
    m.old_index.assign(bindings.size(), old.size());
    m.kept.assign(old.size(), false);
    m.refresh_only = !old.empty() && old.size() == bindings.size();
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        for (std::size_t j = 0; j < old.size(); ++j) {
            if (!m.kept[j] && old[j].binding.contact == bindings[i].contact) {
                m.kept[j] = true;
                m.old_index[i] = j;
                break;
            }
        }
        if (m.old_index[i] == old.size()) {
            ++m.statements;
            m.refresh_only = false;
            continue;
        }
        const std::uint16_t bits = changed_columns(old[m.old_index[i]].binding, bindings[i]);
        if (bits != 0) ++m.statements;
        // The source too: a phone behind NAT refreshes from wherever its mapping is now.
        if ((bits & ~(k_cseq | k_expires_at | k_source)) ||
            bindings[i].source.size() > RefreshJournal::k_max_source)
            m.refresh_only = false;
    }
    for (bool k : m.kept) {
        m.statements += k ? 0 : 1;
        if (!k) m.refresh_only = false;
    }
}

registrar::StoreStatus SqliteLocationStore::write(std::string_view aor, const std::vector<Row>& old,
                                                  const std::vector<Binding>& bindings,
                                                  const Match& m, std::vector<Row>& rows) {
    if (m.statements > 0) {
        if (auto s = join_group_transaction(); !s.ok) return s;
    }
    // One statement is atomic on its own; several must apply whole.
    const bool atomic = m.statements > 1;
    if (atomic) {
        if (auto s = begin_atomic(); !s.ok) return s;
    }
    auto fail = [&](registrar::StoreStatus s) {
        if (atomic) end_atomic(false);
        return s;
    };
    for (std::size_t j = 0; j < old.size(); ++j) {
        if (m.kept[j]) continue;
        if (auto s = erase(old[j].rowid); !s.ok) return fail(s);
    }
    rows.reserve(bindings.size());
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        const std::size_t j = m.old_index[i];
        Row row{0, bindings[i]};
        if (j == old.size()) {
            row.seq = next_seq_++;
            if (auto s = insert(aor, bindings[i], row.seq, row.rowid); !s.ok) return fail(s);
        } else if (old[j].binding == bindings[i]) {
            row.rowid = old[j].rowid;
            row.seq = old[j].seq;
            row.journaled = old[j].journaled;
        } else {
            row.rowid = old[j].rowid;
            row.seq = next_seq_++;
            if (auto s = update(row.rowid, old[j].binding, bindings[i], row.seq, old[j].journaled);
                !s.ok)
                return fail(s);
        }
        rows.push_back(std::move(row));
    }
    if (atomic) return end_atomic(true);
    return {};
}

void SqliteLocationStore::warn(std::string warning) {
    if (warnings_.size() < 16) warnings_.push_back(std::move(warning));
}

SqliteLocationStore::Row* SqliteLocationStore::find_row(std::int64_t rowid) {
    const auto* owner = aor_of_.find(rowid);
    if (!owner) return nullptr;
    for (Row& row : by_aor_.find(owner->second)->second)
        if (row.rowid == rowid) return &row;
    return nullptr;
}

const SqliteLocationStore::Row* SqliteLocationStore::find_row(std::int64_t rowid) const {
    return const_cast<SqliteLocationStore*>(this)->find_row(rowid);
}

void SqliteLocationStore::install(AorMap::value_type* entry, std::string_view aor,
                                  std::vector<Row> rows) {
    std::vector<Row> old;
    if (entry) {
        old = std::move(entry->second);
        for (const Row& row : old)
            aor_of_.erase(row.rowid);
        rows_ -= old.size();
        if (rows.empty()) by_aor_.erase(entry->first);
    }
    if (rows.empty()) return;
    if (!entry) entry = by_aor_.try_emplace(std::string(aor)).first;
    for (const Row& row : rows) {
        aor_of_.try_emplace(row.rowid, entry->first);
        // A new expiry goes on the heap; the entry of the old one is skipped when it
        // comes up, since it no longer matches the row.
        bool known = false;
        for (const Row& before : old)
            known |=
                before.rowid == row.rowid && before.binding.expires_at == row.binding.expires_at;
        if (!known) expiries_.push({row.binding.expires_at, row.rowid});
    }
    rows_ += rows.size();
    entry->second = std::move(rows);
}

std::size_t SqliteLocationStore::purge_expired(std::int64_t now) {
    if (!ensure_loaded().ok) return 0;
    std::vector<Expiry> due;
    // A batch at a time: 100,000 bindings that expire together (the phones of a site whose
    // link went down) would otherwise be one transaction of deletes on the I/O thread.
    while (!expiries_.empty() && expiries_.top().at <= now && due.size() < k_purge_batch) {
        const Expiry e = expiries_.top();
        expiries_.pop();
        const Row* row = find_row(e.rowid);
        if (row && row->binding.expires_at == e.at) due.push_back(e);  // else gone or refreshed
    }
    if (due.empty()) return 0;
    const bool atomic = due.size() > 1;
    bool ok = join_group_transaction().ok && (!atomic || begin_atomic().ok);
    for (std::size_t i = 0; ok && i < due.size(); ++i)
        ok = erase(due[i].rowid).ok;
    if (atomic && ok) ok = end_atomic(true).ok;
    if (!ok) {
        if (atomic) end_atomic(false);
        for (const Expiry& e : due)
            expiries_.push(e);  // tried again next time
        return 0;
    }
    std::size_t purged = 0;
    for (const Expiry& e : due) {
        const auto* owner = aor_of_.find(e.rowid);
        if (!owner) continue;  // the heap held this expiry twice
        auto* entry = by_aor_.find(owner->second);
        aor_of_.erase(e.rowid);
        std::erase_if(entry->second, [&](const Row& row) { return row.rowid == e.rowid; });
        if (entry->second.empty()) by_aor_.erase(entry->first);
        --rows_;
        ++purged;
    }
    return purged;
}

}  // namespace happysip::store
