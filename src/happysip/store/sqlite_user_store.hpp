// The durable UserStore: one SQLite table of users with their HA1 per hash, never a
// password (auth/user_store.hpp). Shares the database file with the location store.
#pragma once

#include <memory>
#include <string>

#include "happysip/auth/user_store.hpp"
#include "happysip/store/sqlite_db.hpp"

namespace happysip::store {

class SqliteUserStore final : public auth::UserStore {
  public:
    // Opens or creates the database and its schema; nullptr + `error` on failure.
    static std::unique_ptr<SqliteUserStore> open(const std::string& path, std::string& error);

    std::optional<auth::UserRecord> find(std::string_view user, std::string_view realm) override;
    auth::UserStoreStatus add(const auth::UserRecord& record) override;
    auth::UserStoreStatus remove(std::string_view user, std::string_view realm) override;
    std::vector<auth::UserEntry> list(std::optional<std::string_view> realm) override;
    auth::UserStoreStatus set_password(std::string_view user, std::string_view realm,
                                       const auth::Ha1Set& ha1) override;

  private:
    explicit SqliteUserStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
    bool prepare_statements(std::string& error);

    std::unique_ptr<SqliteDb> db_;
    SqliteStatement select_;
    SqliteStatement insert_;
    SqliteStatement delete_;
    SqliteStatement update_;
    SqliteStatement list_all_;
    SqliteStatement list_realm_;
};

}  // namespace happysip::store
