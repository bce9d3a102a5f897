#include "happysip/store/sqlite_location_store.hpp"

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
CREATE INDEX IF NOT EXISTS bindings_by_aor ON bindings(aor);
CREATE INDEX IF NOT EXISTS bindings_by_expiry ON bindings(expires_at);
)sql";

std::string join_path(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) {
        if (!out.empty()) out += '\n';
        out += p;
    }
    return out;
}

// The INSERT and the in-place UPDATE number a row's columns alike: ?1 aor ... ?11 user_agent.
void bind_row(SqliteStatement& s, std::string_view aor, const Binding& b) {
    s.reset();
    s.bind(1, aor);
    s.bind(2, b.contact);
    s.bind(3, b.instance);
    s.bind(4, static_cast<std::int64_t>(b.reg_id));
    s.bind(5, static_cast<std::int64_t>(b.q));
    s.bind(6, b.call_id);
    s.bind(7, static_cast<std::int64_t>(b.cseq));
    s.bind(8, b.expires_at);
    s.bind(9, join_path(b.path));
    s.bind(10, b.source);
    s.bind(11, b.user_agent);
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
    return store;
}

bool SqliteLocationStore::prepare_statements(std::string& error) {
    StatementPreparer prepare(*db_);
    prepare(select_,
            "SELECT contact, instance, reg_id, q, call_id, cseq, expires_at, path, source, "
            "user_agent FROM bindings WHERE aor = ?1 AND expires_at > ?2");
    prepare(delete_aor_, "DELETE FROM bindings WHERE aor = ?1");
    prepare(update_one_,
            "UPDATE bindings SET instance = ?3, reg_id = ?4, q = ?5, call_id = ?6, cseq = ?7, "
            "expires_at = ?8, path = ?9, source = ?10, user_agent = ?11 "
            "WHERE aor = ?1 AND contact = ?2");
    prepare(delete_others_, "DELETE FROM bindings WHERE aor = ?1 AND contact <> ?2");
    prepare(insert_,
            "INSERT INTO bindings (aor, contact, instance, reg_id, q, call_id, cseq, expires_at, "
            "path, source, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    prepare(purge_, "DELETE FROM bindings WHERE expires_at <= ?1");
    prepare(count_, "SELECT count(*) FROM bindings");
    // Prepared once: sqlite3_exec would parse them again for every REGISTER of a group.
    prepare(savepoint_, "SAVEPOINT binding_set");
    prepare(release_, "RELEASE binding_set");
    prepare(rollback_to_, "ROLLBACK TO binding_set");
    if (!prepare.status().ok) error = prepare.status().error;
    return prepare.status().ok;
}

std::vector<Binding> SqliteLocationStore::lookup(std::string_view aor, std::int64_t now) {
    std::vector<Binding> out;
    select_.reset();
    select_.bind(1, aor);
    select_.bind(2, now);
    while (select_.step()) {
        Binding b;
        b.aor = std::string(aor);
        b.contact = select_.text(0);
        b.instance = select_.text(1);
        b.reg_id = static_cast<std::uint32_t>(select_.integer(2));
        b.q = static_cast<std::uint16_t>(select_.integer(3));
        b.call_id = select_.text(4);
        b.cseq = static_cast<std::uint32_t>(select_.integer(5));
        b.expires_at = select_.integer(6);
        b.path = split_path(select_.text(7));
        b.source = select_.text(8);
        b.user_agent = select_.text(9);
        out.push_back(std::move(b));
    }
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
        return {false, s.error};
    }
    return {};
}

registrar::StoreStatus SqliteLocationStore::replace(std::string_view aor,
                                                    const std::vector<Binding>& bindings) {
    if (!in_group_) {
        SqliteTransaction tx(*db_);
        if (!tx.status().ok) return {false, tx.status().error};
        auto written = write(aor, bindings);
        if (!written.ok) return written;
        if (auto s = tx.commit(); !s.ok) return {false, s.error};
        return {};
    }
    // In a group: a savepoint, so a replace that fails halfway leaves nothing behind
    // while the group's other writes stand.
    savepoint_.reset();
    savepoint_.step();
    if (!savepoint_.status().ok) return {false, savepoint_.status().error};
    auto written = write(aor, bindings);
    if (!written.ok) {
        rollback_to_.reset();
        rollback_to_.step();
    }
    release_.reset();
    release_.step();
    return written;
}

registrar::StoreStatus SqliteLocationStore::write(std::string_view aor,
                                                  const std::vector<Binding>& bindings) {
    // A refresh (one contact, re-registered) is most of a registrar's writes: update that
    // row in place and drop any other of the AOR, instead of deleting and re-inserting it
    // (one row and one index entry touched instead of a row and two index entries, twice).
    if (bindings.size() == 1) {
        const Binding& b = bindings.front();
        bind_row(update_one_, aor, b);
        update_one_.step();
        if (!update_one_.status().ok) return {false, update_one_.status().error};
        if (db_->changes() == 1) {
            delete_others_.reset();
            delete_others_.bind(1, aor);
            delete_others_.bind(2, b.contact);
            delete_others_.step();
            if (!delete_others_.status().ok) return {false, delete_others_.status().error};
            return {};
        }
        // No such row (a new binding), or several with that contact: the general way.
    }
    delete_aor_.reset();
    delete_aor_.bind(1, aor);
    delete_aor_.step();
    if (!delete_aor_.status().ok) return {false, delete_aor_.status().error};
    for (const Binding& b : bindings) {
        bind_row(insert_, aor, b);
        insert_.step();
        if (!insert_.status().ok) return {false, insert_.status().error};
    }
    return {};
}

std::size_t SqliteLocationStore::purge_expired(std::int64_t now) {
    purge_.reset();
    purge_.bind(1, now);
    purge_.step();
    return purge_.status().ok ? static_cast<std::size_t>(db_->changes()) : 0;
}

std::size_t SqliteLocationStore::size() {
    count_.reset();
    if (!count_.step()) return 0;
    return static_cast<std::size_t>(count_.integer(0));
}

}  // namespace happysip::store
