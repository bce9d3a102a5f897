// The durable LocationStore: bindings in one SQLite table (WAL), so registrations survive
// a restart, kill -9 included. replace() is one IMMEDIATE transaction per AOR, or, inside
// a group (begin_group / commit_group), one savepoint of the group's transaction: a
// registrar under load then pays one commit per burst of REGISTERs instead of one each
// (issue 4: "registrations durable — batched commits are fine"). Nothing in a group is
// durable before commit_group() returns ok, so a caller answers 200 only after it.
#pragma once

#include <memory>
#include <string>

#include "happysip/registrar/location_store.hpp"
#include "happysip/store/sqlite_db.hpp"

namespace happysip::store {

class SqliteLocationStore final : public registrar::LocationStore {
  public:
    // Opens or creates the database and its schema; nullptr + `error` on failure.
    static std::unique_ptr<SqliteLocationStore> open(const std::string& path, std::string& error);

    std::vector<registrar::Binding> lookup(std::string_view aor, std::int64_t now) override;
    registrar::StoreStatus replace(std::string_view aor,
                                   const std::vector<registrar::Binding>& bindings) override;
    std::size_t purge_expired(std::int64_t now) override;
    std::size_t size() override;

    registrar::StoreStatus begin_group();
    // Commits every replace() since begin_group(); on failure everything is rolled back.
    registrar::StoreStatus commit_group();
    bool in_group() const noexcept { return in_group_; }

  private:
    explicit SqliteLocationStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
    bool prepare_statements(std::string& error);
    // The DELETE and INSERTs of replace(), inside whatever transaction is open.
    registrar::StoreStatus write(std::string_view aor,
                                 const std::vector<registrar::Binding>& bindings);

    std::unique_ptr<SqliteDb> db_;
    SqliteStatement select_;
    SqliteStatement delete_aor_;
    SqliteStatement insert_;
    SqliteStatement purge_;
    SqliteStatement count_;
    SqliteStatement update_one_;
    SqliteStatement delete_others_;
    SqliteStatement savepoint_;
    SqliteStatement release_;
    SqliteStatement rollback_to_;
    bool in_group_ = false;
};

}  // namespace happysip::store
