#include "happysip/store/sqlite_user_store.hpp"

#include <utility>

namespace happysip::store {

using auth::UserStoreErrc;
using auth::UserStoreStatus;

namespace {

// (user, realm) is the key: RFC 7616 §3.4.4, the same name may exist in two realms with
// different passwords. Names compare exactly (BINARY), as digest compares them.
constexpr std::string_view k_schema = R"sql(
CREATE TABLE IF NOT EXISTS users (
    user           TEXT    NOT NULL,
    realm          TEXT    NOT NULL,
    ha1_md5        TEXT    NOT NULL,
    ha1_sha256     TEXT    NOT NULL,
    ha1_sha512_256 TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (user, realm)
);
)sql";

UserStoreStatus failed(const SqliteStatus& s) {
    return {UserStoreErrc::failed, s.error};
}

}  // namespace

std::unique_ptr<SqliteUserStore> SqliteUserStore::open(const std::string& path,
                                                       std::string& error) {
    auto db = SqliteDb::open_with_schema(path, k_schema, error);
    if (!db) return nullptr;
    std::unique_ptr<SqliteUserStore> store(new SqliteUserStore(std::move(db)));
    if (!store->prepare_statements(error)) return nullptr;
    return store;
}

bool SqliteUserStore::prepare_statements(std::string& error) {
    StatementPreparer prepare(*db_);
    prepare(select_,
            "SELECT ha1_md5, ha1_sha256, ha1_sha512_256, created_at FROM users "
            "WHERE user = ?1 AND realm = ?2");
    prepare(insert_,
            "INSERT INTO users (user, realm, ha1_md5, ha1_sha256, ha1_sha512_256, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user, realm) DO NOTHING");
    prepare(delete_, "DELETE FROM users WHERE user = ?1 AND realm = ?2");
    prepare(update_,
            "UPDATE users SET ha1_md5 = ?3, ha1_sha256 = ?4, ha1_sha512_256 = ?5 "
            "WHERE user = ?1 AND realm = ?2");
    prepare(list_all_, "SELECT user, realm, created_at FROM users ORDER BY realm, user");
    prepare(list_realm_,
            "SELECT user, realm, created_at FROM users WHERE realm = ?1 ORDER BY user");
    if (!prepare.status().ok) error = prepare.status().error;
    return prepare.status().ok;
}

std::optional<auth::UserRecord> SqliteUserStore::find(std::string_view user,
                                                      std::string_view realm) {
    select_.reset();
    select_.bind(1, user);
    select_.bind(2, realm);
    if (!select_.step()) return std::nullopt;
    auth::UserRecord r;
    r.user = std::string(user);
    r.realm = std::string(realm);
    r.ha1.md5 = select_.text(0);
    r.ha1.sha256 = select_.text(1);
    r.ha1.sha512_256 = select_.text(2);
    r.created_at = select_.integer(3);
    select_.reset();  // release the read snapshot: WAL checkpoints wait for open readers
    return r;
}

UserStoreStatus SqliteUserStore::add(const auth::UserRecord& record) {
    insert_.reset();
    insert_.bind(1, record.user);
    insert_.bind(2, record.realm);
    insert_.bind(3, record.ha1.md5);
    insert_.bind(4, record.ha1.sha256);
    insert_.bind(5, record.ha1.sha512_256);
    insert_.bind(6, record.created_at);
    insert_.step();
    if (!insert_.status().ok) return failed(insert_.status());
    if (db_->changes() == 0) return {UserStoreErrc::exists, {}};
    return {};
}

UserStoreStatus SqliteUserStore::remove(std::string_view user, std::string_view realm) {
    delete_.reset();
    delete_.bind(1, user);
    delete_.bind(2, realm);
    delete_.step();
    if (!delete_.status().ok) return failed(delete_.status());
    if (db_->changes() == 0) return {UserStoreErrc::not_found, {}};
    return {};
}

UserStoreStatus SqliteUserStore::set_password(std::string_view user, std::string_view realm,
                                              const auth::Ha1Set& ha1) {
    update_.reset();
    update_.bind(1, user);
    update_.bind(2, realm);
    update_.bind(3, ha1.md5);
    update_.bind(4, ha1.sha256);
    update_.bind(5, ha1.sha512_256);
    update_.step();
    if (!update_.status().ok) return failed(update_.status());
    if (db_->changes() == 0) return {UserStoreErrc::not_found, {}};
    return {};
}

std::vector<auth::UserEntry> SqliteUserStore::list(std::optional<std::string_view> realm) {
    SqliteStatement& q = realm ? list_realm_ : list_all_;
    q.reset();
    if (realm) q.bind(1, *realm);
    std::vector<auth::UserEntry> out;
    while (q.step())
        out.push_back({q.text(0), q.text(1), q.integer(2)});
    return out;
}

}  // namespace happysip::store
