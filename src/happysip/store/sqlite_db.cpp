#include "happysip/store/sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

#include "happysip/store/wal_checkpointer.hpp"

namespace happysip::store {

namespace {

SqliteStatus failure(sqlite3* db, std::string_view what) {
    return {false, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      status_(std::move(other.status_)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
    if (this != &other) {
        if (stmt_) sqlite3_finalize(stmt_);
        db_ = std::exchange(other.db_, nullptr);
        stmt_ = std::exchange(other.stmt_, nullptr);
        status_ = std::move(other.status_);
    }
    return *this;
}

SqliteStatement::~SqliteStatement() {
    if (stmt_) sqlite3_finalize(stmt_);
}

void SqliteStatement::bind(int index, std::string_view text) {
    if (!stmt_) return;
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK) {
        status_ = failure(db_, "bind");
    }
}

void SqliteStatement::bind_borrowed(int index, std::string_view text) {
    if (!stmt_) return;
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_STATIC) != SQLITE_OK) {
        status_ = failure(db_, "bind");
    }
}

void SqliteStatement::bind(int index, std::int64_t value) {
    if (!stmt_) return;
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) status_ = failure(db_, "bind");
}

void SqliteStatement::bind_null(int index) {
    if (!stmt_) return;
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) status_ = failure(db_, "bind");
}

bool SqliteStatement::step() {
    if (!stmt_ || !status_.ok) return false;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) status_ = failure(db_, "step");
    return false;
}

void SqliteStatement::reset() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    status_ = {};
}

std::string SqliteStatement::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    const int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string();
}

std::int64_t SqliteStatement::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::unique_ptr<SqliteDb> SqliteDb::open(const std::string& path, std::string& error) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        error = "open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory");
        sqlite3_close(raw);
        return nullptr;
    }
    std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
    sqlite3_busy_timeout(raw, k_busy_timeout_ms);
    // WAL: readers never block the writer, and a commit survives kill -9 (the WAL is
    // replayed on open). synchronous=NORMAL loses at most the last commits on power loss,
    // never on a process crash.
    if (auto s =
            db->exec(k_fsync_each_commit ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                           "PRAGMA foreign_keys=ON;"
                                         : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                           "PRAGMA foreign_keys=ON;");
        !s.ok) {
        error = "open " + path + ": " + s.error;
        return nullptr;
    }
    return db;
}

std::unique_ptr<SqliteDb> SqliteDb::open_with_schema(const std::string& path,
                                                     std::string_view schema, std::string& error) {
    auto db = open(path, error);
    if (!db) return nullptr;
    if (auto s = db->exec(schema); !s.ok) {
        error = "schema: " + s.error;
        return nullptr;
    }
    return db;
}

SqliteDb::SqliteDb(sqlite3* db) : db_(db) {}

SqliteDb::~SqliteDb() {
    if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);  // it points at the checkpointer
    checkpointer_.reset();  // its thread may be checkpointing this file
    sqlite3_close_v2(db_);
}

SqliteStatus SqliteDb::checkpoint_in_background(const std::string& path) {
    const WalCheckpointer::Limits limits;
    return checkpoint_in_background(path, limits.wake_pages, limits.restart_pages);
}

SqliteStatus SqliteDb::checkpoint_in_background(const std::string& path, int wake_pages,
                                                int restart_pages) {
    std::string error;
    auto checkpointer =
        WalCheckpointer::start(path, k_fsync_each_commit, {wake_pages, restart_pages}, error);
    if (!checkpointer) return {false, error};
    checkpointer->install(db_, k_busy_timeout_ms);
    checkpointer_ = std::move(checkpointer);
    return {};
}

SqliteStatus SqliteDb::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        SqliteStatus s{false, std::string("exec: ") + (message ? message : "unknown error")};
        sqlite3_free(message);
        return s;
    }
    return {};
}

SqliteStatement SqliteDb::prepare(std::string_view sql, SqliteStatus& status) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
        status = failure(db_, "prepare");
        return {};
    }
    status = {};
    return SqliteStatement(db_, stmt);
}

std::int64_t SqliteDb::changes() const {
    return sqlite3_changes64(db_);
}

std::int64_t SqliteDb::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

SqliteStatus SqliteDb::run_cached(SqliteStatement& statement, std::string_view sql) {
    if (!statement.stmt_) {
        SqliteStatus prepared;
        statement = prepare(sql, prepared);
        if (!prepared.ok) return prepared;
    }
    // Reset after every use (a finished statement must not hold the transaction open),
    // so not before it too.
    statement.step();
    auto status = statement.status();
    statement.reset();
    return status;
}

SqliteStatus SqliteDb::begin() {
    return run_cached(begin_, "BEGIN IMMEDIATE");
}

SqliteStatus SqliteDb::commit() {
    return run_cached(commit_, "COMMIT");
}

SqliteStatus SqliteDb::rollback() {
    if (sqlite3_get_autocommit(db_)) return {};
    return run_cached(rollback_, "ROLLBACK");
}

}  // namespace happysip::store
