// A small RAII layer over the SQLite C API: one connection (WAL journal, NORMAL sync,
// busy timeout), prepared statements with typed binds and columns, and transactions that
// roll back unless committed. Errors are values (SqliteStatus) carrying SQLite's message;
// nothing throws. sqlite3.h stays out of this header.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace happysip::store {

class WalCheckpointer;

struct SqliteStatus {
    bool ok = true;
    std::string error;  // "prepare: no such table: bindings"
};

class SqliteStatement {
  public:
    SqliteStatement() = default;
    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&& other) noexcept;
    ~SqliteStatement();

    // 1-based parameter indexes, as in SQLite.
    void bind(int index, std::string_view text);  // SQLite keeps a copy
    // Without a copy: `text` must stay valid until the statement is next reset.
    void bind_borrowed(int index, std::string_view text);
    void bind(int index, std::int64_t value);
    void bind_null(int index);

    // Steps once: true when a row is available, false when done (or on error: see status).
    bool step();
    // Resets for the next execution and clears the binds.
    void reset();
    const SqliteStatus& status() const noexcept { return status_; }

    std::string text(int column) const;  // 0-based columns
    std::int64_t integer(int column) const;

  private:
    friend class SqliteDb;
    SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    SqliteStatus status_;
};

class SqliteDb {
  public:
    // synchronous=NORMAL in WAL mode: a commit is written to the WAL but not synced, so it
    // survives kill -9 (it is in the page cache) but maybe not a power loss. Files beside
    // the database that must be as durable as a commit (the refresh journal) read this.
    static constexpr bool k_fsync_each_commit = false;
    // How long a statement waits for another connection's lock before SQLITE_BUSY.
    static constexpr int k_busy_timeout_ms = 5000;

    // Opens (creating) the file; ":memory:" for a private in-memory database. On failure
    // returns nullptr and sets `error`. Turns on WAL and foreign keys.
    static std::unique_ptr<SqliteDb> open(const std::string& path, std::string& error);
    // open() then `schema` (CREATE ... IF NOT EXISTS statements); errors name the step.
    static std::unique_ptr<SqliteDb> open_with_schema(const std::string& path,
                                                      std::string_view schema, std::string& error);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    // Runs one or more statements without results (schema, PRAGMAs).
    SqliteStatus exec(std::string_view sql);
    // A prepared statement; on failure `status` says why and the statement is empty.
    SqliteStatement prepare(std::string_view sql, SqliteStatus& status);

    // Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const;
    // The rowid the last successful INSERT gave its row.
    std::int64_t last_insert_rowid() const;

    // Moves the automatic WAL checkpoint (and its fsync) off this connection's thread onto
    // a WalCheckpointer's; `path` is this connection's file.
    SqliteStatus checkpoint_in_background(const std::string& path);
    SqliteStatus checkpoint_in_background(const std::string& path, int wake_pages,
                                          int restart_pages);
    // nullptr unless checkpoint_in_background() succeeded.
    WalCheckpointer* checkpointer() const noexcept { return checkpointer_.get(); }

    SqliteStatus begin();  // BEGIN IMMEDIATE: take the write lock up front
    SqliteStatus commit();
    SqliteStatus rollback();  // ignores "no transaction is active"

  private:
    explicit SqliteDb(sqlite3* db);
    // Runs one of the transaction statements below, prepared on first use: a registrar
    // opens and commits a transaction per burst of REGISTERs, and sqlite3_exec would
    // parse the text again every time.
    SqliteStatus run_cached(SqliteStatement& statement, std::string_view sql);
    sqlite3* db_;
    SqliteStatement begin_;
    SqliteStatement commit_;
    SqliteStatement rollback_;
    std::unique_ptr<WalCheckpointer> checkpointer_;  // stopped before db_ closes
};

// Prepares a store's statements one after another; the first failure sticks, so a store
// checks once at the end: `StatementPreparer p(db); p(a_, "..."); p(b_, "..."); p.status()`.
class StatementPreparer {
  public:
    explicit StatementPreparer(SqliteDb& db) : db_(db) {}
    void operator()(SqliteStatement& into, std::string_view sql) {
        if (status_.ok) into = db_.prepare(sql, status_);
    }
    const SqliteStatus& status() const noexcept { return status_; }

  private:
    SqliteDb& db_;
    SqliteStatus status_;
};

// Commits when commit() is called, rolls back if it goes out of scope first.
class SqliteTransaction {
  public:
    explicit SqliteTransaction(SqliteDb& db) : db_(db), status_(db.begin()) {}
    ~SqliteTransaction() {
        if (status_.ok && !done_) db_.rollback();
    }
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;

    const SqliteStatus& status() const noexcept { return status_; }
    SqliteStatus commit() {
        done_ = true;
        return db_.commit();
    }

  private:
    SqliteDb& db_;
    SqliteStatus status_;
    bool done_ = false;
};

}  // namespace happysip::store
