#include "happysip/store/sqlite_location_store.hpp"

#include <array>
#include <utility>

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
    user_agent  TEXT    NOT NULL
);
-- Lookups and expiry are served from memory (see the header): an index would only be
-- one more B-tree to update on every refresh. Files made by earlier versions had two.
DROP INDEX IF EXISTS bindings_by_aor;
DROP INDEX IF EXISTS bindings_by_expiry;
)sql";

std::string join_path(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) {
        if (!out.empty()) out += '\n';
        out += p;
    }
    return out;
}

// The INSERT and the UPDATEs number a row's columns alike: ?1 aor or rowid, ?2 contact ...
// ?11 user_agent. Text is bound without a copy (SqliteStatement::bind_borrowed): `b` and
// `path` outlive the statement's step, after which the caller resets it.
void bind_insert(SqliteStatement& s, std::string_view aor, const Binding& b,
                 const std::string& path) {
    s.reset();
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
    return sql + " WHERE rowid = ?1";
}

void bind_update(SqliteStatement& s, std::uint16_t bits, std::int64_t rowid, const Binding& b,
                 const std::string& path) {
    s.reset();
    s.bind(1, rowid);
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
                                                               std::string& error) {
    auto db = SqliteDb::open_with_schema(path, k_schema, error);
    if (!db) return nullptr;
    std::unique_ptr<SqliteLocationStore> store(new SqliteLocationStore(std::move(db)));
    if (!store->prepare_statements(error)) return nullptr;
    if (auto loaded = store->load(); !loaded.ok) {
        error = "load " + path + ": " + loaded.error;
        return nullptr;
    }
    return store;
}

bool SqliteLocationStore::prepare_statements(std::string& error) {
    StatementPreparer prepare(*db_);
    prepare(load_,
            "SELECT rowid, aor, contact, instance, reg_id, q, call_id, cseq, expires_at, path, "
            "source, user_agent FROM bindings");
    prepare(insert_,
            "INSERT INTO bindings (aor, contact, instance, reg_id, q, call_id, cseq, expires_at, "
            "path, source, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    prepare(delete_, "DELETE FROM bindings WHERE rowid = ?1");
    prepare(savepoint_, "SAVEPOINT binding_set");
    prepare(release_, "RELEASE binding_set");
    prepare(rollback_to_, "ROLLBACK TO binding_set");
    if (!prepare.status().ok) error = prepare.status().error;
    return prepare.status().ok;
}

registrar::StoreStatus SqliteLocationStore::load() {
    by_aor_.clear();
    aor_of_.clear();
    rows_ = 0;
    std::vector<Expiry> expiries;
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
        expiries.push_back({b.expires_at, row.rowid});
        auto [it, _] = by_aor_.try_emplace(b.aor);
        aor_of_.emplace(row.rowid, it->first);
        it->second.push_back(std::move(row));
        ++rows_;
    }
    expiries_ = decltype(expiries_)(std::greater<>{}, std::move(expiries));
    if (!load_.status().ok) return {false, load_.status().error};
    load_.reset();
    return {};
}

std::vector<Binding> SqliteLocationStore::lookup(std::string_view aor, std::int64_t now) {
    std::vector<Binding> out;
    auto it = by_aor_.find(aor);
    if (it == by_aor_.end()) return out;
    for (const Row& row : it->second)
        if (row.binding.expires_at > now) out.push_back(row.binding);
    registrar::sort_for_lookup(out);
    return out;
}

registrar::StoreStatus SqliteLocationStore::begin_group() {
    if (in_group_) return {};
    auto s = db_->begin();
    if (!s.ok) return {false, s.error};
    in_group_ = true;
    return {};
}

registrar::StoreStatus SqliteLocationStore::commit_group() {
    if (!in_group_) return {};
    in_group_ = false;
    auto s = db_->commit();
    if (!s.ok) {
        db_->rollback();
        // Memory holds the group's writes, the file does not: take the file's word.
        if (auto reloaded = load(); !reloaded.ok) s.error += "; reload: " + reloaded.error;
        return {false, s.error};
    }
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
                                                   std::int64_t& rowid) {
    const std::string path = join_path(b.path);
    bind_insert(insert_, aor, b, path);
    if (auto s = run_once(insert_); !s.ok) return s;
    rowid = db_->last_insert_rowid();
    return {};
}

registrar::StoreStatus SqliteLocationStore::update(std::int64_t rowid, const Binding& before,
                                                   const Binding& b) {
    // Only the columns that changed are set, and text is bound without a copy: a refresh
    // sets CSeq and expiry, and the source too when the phone's NAT binding moved. A full
    // UPDATE would bind and rewrite nine columns more (issue 4).
    const std::uint16_t bits = changed_columns(before, b);
    if (bits == 0) return {};
    SqliteStatus prepared;
    SqliteStatement* statement = update_statement(bits, prepared);
    if (!statement) return {false, prepared.error};
    const std::string path = bits & k_path ? join_path(b.path) : std::string();
    bind_update(*statement, bits, rowid, b, path);
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
    delete_.reset();
    delete_.bind(1, rowid);
    return run_once(delete_);
}

registrar::StoreStatus SqliteLocationStore::replace(std::string_view aor,
                                                    const std::vector<Binding>& bindings) {
    static const std::vector<Row> no_rows;
    auto it = by_aor_.find(aor);
    const std::vector<Row>& old = it == by_aor_.end() ? no_rows : it->second;
    std::vector<Row> rows;
    if (auto s = write(aor, old, bindings, rows); !s.ok) return s;
    install(it, aor, std::move(rows));
    return {};
}

registrar::StoreStatus SqliteLocationStore::write(std::string_view aor, const std::vector<Row>& old,
                                                  const std::vector<Binding>& bindings,
                                                  std::vector<Row>& rows) {
    // Match the new set against the stored rows by contact: a refresh (the common case)
    // becomes one UPDATE by rowid; only new contacts are inserted, only dropped ones deleted.
    std::vector<std::size_t> old_index(bindings.size(), old.size());  // old.size(): insert
    std::vector<bool> kept(old.size(), false);
    std::size_t statements = 0;
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        for (std::size_t j = 0; j < old.size(); ++j) {
            if (!kept[j] && old[j].binding.contact == bindings[i].contact) {
                kept[j] = true;
                old_index[i] = j;
                break;
            }
        }
        if (old_index[i] == old.size() || !(old[old_index[i]].binding == bindings[i])) ++statements;
    }
    for (bool k : kept)
        statements += k ? 0 : 1;

    // One statement is atomic on its own; several must apply whole.
    const bool atomic = statements > 1;
    if (atomic) {
        if (auto s = begin_atomic(); !s.ok) return s;
    }
    auto fail = [&](registrar::StoreStatus s) {
        if (atomic) end_atomic(false);
        return s;
    };
    for (std::size_t j = 0; j < old.size(); ++j) {
        if (kept[j]) continue;
        if (auto s = erase(old[j].rowid); !s.ok) return fail(s);
    }
    rows.reserve(bindings.size());
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        Row row{0, bindings[i]};
        if (old_index[i] == old.size()) {
            if (auto s = insert(aor, bindings[i], row.rowid); !s.ok) return fail(s);
        } else {
            row.rowid = old[old_index[i]].rowid;
            if (!(old[old_index[i]].binding == bindings[i])) {
                if (auto s = update(row.rowid, old[old_index[i]].binding, bindings[i]); !s.ok)
                    return fail(s);
            }
        }
        rows.push_back(std::move(row));
    }
    if (atomic) return end_atomic(true);
    return {};
}

void SqliteLocationStore::install(AorMap::iterator it, std::string_view aor,
                                  std::vector<Row> rows) {
    std::vector<Row> old;
    if (it != by_aor_.end()) {
        old = std::move(it->second);
        for (const Row& row : old)
            aor_of_.erase(row.rowid);
        rows_ -= old.size();
        if (rows.empty()) by_aor_.erase(it);
    }
    if (rows.empty()) return;
    if (it == by_aor_.end()) it = by_aor_.try_emplace(std::string(aor)).first;
    for (const Row& row : rows) {
        aor_of_.emplace(row.rowid, it->first);
        // A new expiry goes on the heap; the entry of the old one is skipped when it
        // comes up, since it no longer matches the row.
        bool known = false;
        for (const Row& before : old)
            known |=
                before.rowid == row.rowid && before.binding.expires_at == row.binding.expires_at;
        if (!known) expiries_.push({row.binding.expires_at, row.rowid});
    }
    rows_ += rows.size();
    it->second = std::move(rows);
}

std::size_t SqliteLocationStore::purge_expired(std::int64_t now) {
    std::vector<Expiry> due;
    while (!expiries_.empty() && expiries_.top().at <= now) {
        const Expiry e = expiries_.top();
        expiries_.pop();
        auto owner = aor_of_.find(e.rowid);
        if (owner == aor_of_.end()) continue;  // the row is gone
        const auto& rows = by_aor_.find(owner->second)->second;
        for (const Row& row : rows)
            if (row.rowid == e.rowid && row.binding.expires_at == e.at) due.push_back(e);
    }
    if (due.empty()) return 0;
    const bool atomic = due.size() > 1;
    bool ok = !atomic || begin_atomic().ok;
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
        auto owner = aor_of_.find(e.rowid);
        if (owner == aor_of_.end()) continue;  // the heap held this expiry twice
        auto it = by_aor_.find(owner->second);
        aor_of_.erase(owner);
        std::erase_if(it->second, [&](const Row& row) { return row.rowid == e.rowid; });
        if (it->second.empty()) by_aor_.erase(it);
        --rows_;
        ++purged;
    }
    return purged;
}

}  // namespace happysip::store
