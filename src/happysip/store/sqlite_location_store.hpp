// The durable LocationStore: bindings in one SQLite table (WAL), so registrations survive
// a restart, kill -9 included. replace() is one IMMEDIATE transaction per AOR.
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

  private:
    explicit SqliteLocationStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
    bool prepare_statements(std::string& error);

    std::unique_ptr<SqliteDb> db_;
    SqliteStatement select_;
    SqliteStatement delete_aor_;
    SqliteStatement insert_;
    SqliteStatement purge_;
    SqliteStatement count_;
};

}  // namespace happysip::store
