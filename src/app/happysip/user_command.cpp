#include "user_command.hpp"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "happysip/auth/ha1.hpp"
#include "happysip/auth/password_policy.hpp"
#include "happysip/store/sqlite_user_store.hpp"

namespace happysip::app {
namespace {

constexpr int k_ok = 0;
constexpr int k_refused = 1;
constexpr int k_usage = 2;

struct UserOptions {
    std::string user;
    std::string db = "./var/happysip.sqlite";
    std::string realm = "localhost";
    bool realm_given = false;
    bool password_stdin = false;
};

// Clears a string's bytes before it is freed: passwords should not linger in the heap.
struct Scrubbed {
    std::string value;
    ~Scrubbed() {
        volatile char* p = value.data();
        for (std::size_t i = 0; i < value.size(); ++i)
            p[i] = '\0';
    }
};

// Characters that would break the quoted-string of a digest username or realm
// (RFC 7616 §3.4), or a SIP user part, or are invisible.
bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > 128) return false;
    for (unsigned char c : s)
        if (c < 0x21 || c == 0x7f || c == '"' || c == '\\' || c == ':' || c == '@') return false;
    return true;
}

void strip_line_end(std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
}

// Reads one line from the controlling terminal with echo off. nullopt without a terminal.
bool read_tty_password(const char* prompt, Scrubbed& out) {
    FILE* tty = std::fopen("/dev/tty", "r+");
    if (tty == nullptr) return false;
    const int fd = fileno(tty);
    termios saved{};
    const bool have_termios = tcgetattr(fd, &saved) == 0;
    if (have_termios) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    std::fputs(prompt, tty);
    std::fflush(tty);
    char buf[1024];
    const bool got = std::fgets(buf, sizeof buf, tty) != nullptr;
    if (got) out.value = buf;
    volatile char* p = buf;
    for (std::size_t i = 0; i < sizeof buf; ++i)
        p[i] = '\0';
    if (have_termios) tcsetattr(fd, TCSAFLUSH, &saved);
    std::fclose(tty);
    strip_line_end(out.value);
    return got;
}

// 0 and the password in `out`, or an exit status with the reason printed.
int read_password(const UserOptions& o, Scrubbed& out) {
    if (o.password_stdin) {
        if (!std::getline(std::cin, out.value)) {
            std::cerr << "error: --password-stdin: no password on standard input\n";
            return k_usage;
        }
        strip_line_end(out.value);
        return k_ok;
    }
    Scrubbed again;
    if (!read_tty_password("New password: ", out) ||
        !read_tty_password("Repeat the password: ", again)) {
        std::cerr << "error: no terminal to ask for the password: use --password-stdin\n";
        return k_usage;
    }
    if (out.value != again.value) {
        std::cerr << "error: the two passwords differ; nothing changed\n";
        return k_refused;
    }
    return k_ok;
}

int check_names(const UserOptions& o, bool need_user) {
    if (need_user && !valid_name(o.user)) {
        std::cerr << "error: invalid user name: use 1-128 visible characters without "
                     "'\"', '\\', ':' or '@'\n";
        return k_usage;
    }
    if (!valid_name(o.realm)) {
        std::cerr << "error: invalid realm: use 1-128 visible characters without "
                     "'\"', '\\', ':' or '@'\n";
        return k_usage;
    }
    return k_ok;
}

// Opens the database; `create` makes its directory and file when missing.
std::unique_ptr<store::SqliteUserStore> open_store(const UserOptions& o, bool create) {
    std::error_code ec;
    const std::filesystem::path path(o.db);
    if (!create && !std::filesystem::exists(path, ec)) {
        std::cerr << "error: no user database at " << o.db << " (add a user first)\n";
        return nullptr;
    }
    if (create && path.has_parent_path())
        std::filesystem::create_directories(path.parent_path(), ec);
    std::string error;
    auto s = store::SqliteUserStore::open(o.db, error);
    if (!s) std::cerr << "error: cannot open " << o.db << ": " << error << '\n';
    return s;
}

int report(const auth::UserStoreStatus& s, const UserOptions& o, std::string_view done) {
    switch (s.code) {
        case auth::UserStoreErrc::ok:
            std::cout << done << ' ' << o.user << " in realm " << o.realm << '\n';
            return k_ok;
        case auth::UserStoreErrc::exists:
            std::cerr << "error: user " << o.user << " already exists in realm " << o.realm
                      << " (use passwd to change the password)\n";
            return k_refused;
        case auth::UserStoreErrc::not_found:
            std::cerr << "error: no user " << o.user << " in realm " << o.realm << '\n';
            return k_refused;
        case auth::UserStoreErrc::failed:
            break;
    }
    std::cerr << "error: " << o.db << ": " << s.error << '\n';
    return k_refused;
}

// add and passwd: ask, check the policy, compute the HA1s; 0 and `ha1` or an exit status.
int new_password(const UserOptions& o, auth::Ha1Set& ha1) {
    Scrubbed password;
    if (int rc = read_password(o, password); rc != k_ok) return rc;
    const auto check = auth::check_password(o.user, password.value);
    if (!check.ok()) {
        std::cerr << "error: " << check.message << '\n';
        return k_refused;
    }
    ha1 = auth::compute_ha1_set(o.user, o.realm, password.value);
    return k_ok;
}

int run_add(const UserOptions& o) {
    if (int rc = check_names(o, true); rc != k_ok) return rc;
    auth::UserRecord record{o.user, o.realm, {}, 0};
    if (int rc = new_password(o, record.ha1); rc != k_ok) return rc;
    auto users = open_store(o, true);
    if (!users) return k_refused;
    record.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    return report(users->add(record), o, "added");
}

int run_passwd(const UserOptions& o) {
    if (int rc = check_names(o, true); rc != k_ok) return rc;
    auto users = open_store(o, false);
    if (!users) return k_refused;
    if (!users->find(o.user, o.realm)) return report({auth::UserStoreErrc::not_found, {}}, o, "");
    auth::Ha1Set ha1;
    if (int rc = new_password(o, ha1); rc != k_ok) return rc;
    return report(users->set_password(o.user, o.realm, ha1), o, "password changed for");
}

int run_del(const UserOptions& o) {
    if (int rc = check_names(o, true); rc != k_ok) return rc;
    auto users = open_store(o, false);
    if (!users) return k_refused;
    return report(users->remove(o.user, o.realm), o, "deleted");
}

std::string iso8601(std::int64_t seconds) {
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int run_list(const UserOptions& o) {
    if (o.realm_given)
        if (int rc = check_names(o, false); rc != k_ok) return rc;
    auto users = open_store(o, false);
    if (!users) return k_refused;
    const auto list =
        users->list(o.realm_given ? std::optional<std::string_view>(o.realm) : std::nullopt);
    for (const auto& u : list)
        std::cout << u.user << '\t' << u.realm << '\t' << iso8601(u.created_at) << '\n';
    return k_ok;
}

CLI::App* leaf(CLI::App& user, const char* name, const char* help,
               const std::shared_ptr<UserOptions>& o, bool with_user) {
    CLI::App* cmd = user.add_subcommand(name, help);
    if (with_user) cmd->add_option("USER", o->user, "user name")->required();
    cmd->add_option("--db", o->db, "SQLite database (default ./var/happysip.sqlite)");
    cmd->add_option("--realm", o->realm, "digest realm (default localhost)")
        ->each([o](const std::string&) { o->realm_given = true; });
    return cmd;
}

}  // namespace

void add_user_command(CLI::App& app) {
    auto o = std::make_shared<UserOptions>();
    CLI::App* user = app.add_subcommand("user", "Manage the digest users of happysipd");
    user->require_subcommand(1);

    CLI::App* add = leaf(*user, "add", "Add a user (asks for the password twice)", o, true);
    add->add_flag("--password-stdin", o->password_stdin,
                  "read the password as one line from standard input");
    add->callback([o] { std::exit(run_add(*o)); });

    CLI::App* passwd = leaf(*user, "passwd", "Change a user's password", o, true);
    passwd->add_flag("--password-stdin", o->password_stdin,
                     "read the password as one line from standard input");
    passwd->callback([o] { std::exit(run_passwd(*o)); });

    leaf(*user, "del", "Delete a user", o, true)->callback([o] { std::exit(run_del(*o)); });
    leaf(*user, "list", "List users (of one realm with --realm)", o, false)->callback([o] {
        std::exit(run_list(*o));
    });
}

}  // namespace happysip::app
