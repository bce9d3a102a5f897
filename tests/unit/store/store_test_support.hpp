// Shared by the store tests: a binding with every field set, a fixture with a fresh
// directory per test, and a way to make a file's writes fail as on a full disk.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "happysip/store/sqlite_location_store.hpp"

namespace happysip::store::test {

inline constexpr std::int64_t k_now = 1'800'000'000;

inline registrar::Binding binding(std::string contact, std::int64_t expires_at,
                                  std::uint16_t q = 1000) {
    registrar::Binding b;
    b.aor = "sip:alice@example.com";
    b.contact = std::move(contact);
    b.instance = "<urn:uuid:00000000-0000-1000-8000-000000000001>";
    b.reg_id = 1;
    b.q = q;
    b.call_id = "c1@ua";
    b.cseq = 7;
    b.expires_at = expires_at;
    b.path = {"<sip:edge1.example.com;lr>", "<sip:edge2.example.com;lr>"};
    b.source = "tcp:[2001:db8::2]:49152";
    b.user_agent = "test/1.0";
    return b;
}

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/happysip-store-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        path = dir + "/location.sqlite";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    // `journal_reserve`: one record makes every journal flush grow the file (and write),
    // as the tests of a failing write need.
    std::unique_ptr<SqliteLocationStore> open(
        std::size_t journal_reserve = RefreshJournal::k_default_reserve) {
        std::string error;
        auto store = SqliteLocationStore::open(path, error, journal_reserve);
        EXPECT_NE(store, nullptr) << error;
        return store;
    }
    // Runs `work` on the store in a child process that SIGKILLs itself afterwards, closing
    // nothing; "" when it did, else what went wrong (`work` answers false: it failed).
    std::string run_then_kill_dash_nine(const std::function<bool(SqliteLocationStore&)>& work) {
        const pid_t child = fork();
        if (child < 0) return "fork failed";
        if (child == 0) {
            std::string error;
            auto store = SqliteLocationStore::open(path, error);
            if (!store) _exit(2);
            if (!work(*store)) _exit(3);
            kill(getpid(), SIGKILL);
            _exit(4);
        }
        int status = 0;
        if (waitpid(child, &status, 0) != child) return "waitpid failed";
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) return "";
        return "child exit " + std::to_string(WEXITSTATUS(status));
    }
    std::string dir;
    std::string path;
};

// This process's descriptors open on a file under `dir`, unlinked ones ("... (deleted)")
// included.
inline int descriptors_under(const std::string& dir) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        if (std::filesystem::read_symlink(entry.path(), ec).string().starts_with(dir + "/")) ++n;
    }
    return n;
}

// Makes this process's descriptor open on `file` write to /dev/full instead, so that
// every write() through it fails with ENOSPC (a full disk) while the file stays as it
// was. False if no descriptor is open on `file`.
inline bool make_writes_fail(const std::string& file) {
    int fd = -1;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        if (std::filesystem::read_symlink(entry.path(), ec) == file)
            fd = std::stoi(entry.path().filename().string());
    }
    if (fd < 0) return false;
    const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (full < 0) return false;
    const bool ok = ::dup2(full, fd) == fd;
    ::close(full);
    return ok;
}

}  // namespace happysip::store::test
