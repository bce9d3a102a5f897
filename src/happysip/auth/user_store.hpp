// Where users live: name and realm, with their HA1 per hash (ha1.hpp), never a password.
// The interface belongs to auth/; store/ implements it over SQLite. Errors are values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/auth/ha1.hpp"

namespace happysip::auth {

enum class UserStoreErrc : std::uint8_t {
    ok,
    exists,     // add: the user is already in that realm
    not_found,  // remove / set_password: no such user in that realm
    failed,     // the storage itself failed; `error` says how
};

struct UserStoreStatus {
    UserStoreErrc code = UserStoreErrc::ok;
    std::string error;  // storage detail for operators; never holds an HA1

    bool ok() const noexcept { return code == UserStoreErrc::ok; }
};

struct UserRecord {
    std::string user;
    std::string realm;
    Ha1Set ha1;
    std::int64_t created_at = 0;  // seconds since the Unix epoch
};

// What `list` returns: no HA1 (nothing that lists users needs them).
struct UserEntry {
    std::string user;
    std::string realm;
    std::int64_t created_at = 0;
};

class UserStore {
  public:
    virtual ~UserStore() = default;

    // User names are compared exactly (RFC 7616 §3.4.4: username is an opaque string).
    virtual std::optional<UserRecord> find(std::string_view user, std::string_view realm) = 0;
    virtual UserStoreStatus add(const UserRecord& record) = 0;
    virtual UserStoreStatus remove(std::string_view user, std::string_view realm) = 0;
    // Every user, ordered by realm then name; only one realm's when `realm` is given.
    virtual std::vector<UserEntry> list(std::optional<std::string_view> realm) = 0;
    virtual UserStoreStatus set_password(std::string_view user, std::string_view realm,
                                         const Ha1Set& ha1) = 0;
};

}  // namespace happysip::auth
