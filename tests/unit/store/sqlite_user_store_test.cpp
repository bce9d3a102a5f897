#include "happysip/store/sqlite_user_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace happysip::store {
namespace {

using auth::UserStoreErrc;

auth::UserRecord user(std::string name, std::string realm, std::string_view password) {
    auth::UserRecord r;
    r.user = std::move(name);
    r.realm = std::move(realm);
    r.ha1 = auth::compute_ha1_set(r.user, r.realm, password);
    r.created_at = 1'800'000'000;
    return r;
}

class SqliteUserStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/happysip-users-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        path = dir + "/happysip.sqlite";
        store = open();
        ASSERT_NE(store, nullptr);
    }
    void TearDown() override {
        store.reset();
        std::filesystem::remove_all(dir);
    }
    std::unique_ptr<SqliteUserStore> open() {
        std::string error;
        auto s = SqliteUserStore::open(path, error);
        EXPECT_NE(s, nullptr) << error;
        return s;
    }

    std::string dir;
    std::string path;
    std::unique_ptr<SqliteUserStore> store;
};

TEST_F(SqliteUserStoreTest, AddedUserIsFoundWithItsHa1s) {
    const auto alice = user("alice", "example.com", "violet kettle morning");
    ASSERT_TRUE(store->add(alice).ok());
    const auto found = store->find("alice", "example.com");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->ha1.md5, alice.ha1.md5);
    EXPECT_EQ(found->ha1.sha256, alice.ha1.sha256);
    EXPECT_EQ(found->ha1.sha512_256, alice.ha1.sha512_256);
    EXPECT_EQ(found->created_at, 1'800'000'000);
}

TEST_F(SqliteUserStoreTest, UsersSurviveReopening) {
    ASSERT_TRUE(store->add(user("alice", "example.com", "violet kettle morning")).ok());
    store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->find("alice", "example.com").has_value());
}

TEST_F(SqliteUserStoreTest, AddingTheSameUserTwiceSaysItExists) {
    ASSERT_TRUE(store->add(user("alice", "example.com", "violet kettle morning")).ok());
    const auto again = store->add(user("alice", "example.com", "another long passphrase"));
    EXPECT_EQ(again.code, UserStoreErrc::exists);
    // The first password still stands.
    EXPECT_EQ(store->find("alice", "example.com")->ha1.sha256,
              auth::compute_ha1(auth::DigestHash::sha256, "alice", "example.com",
                                "violet kettle morning"));
}

TEST_F(SqliteUserStoreTest, SameNameInTwoRealmsAreTwoUsers) {
    ASSERT_TRUE(store->add(user("alice", "a.example", "violet kettle morning")).ok());
    ASSERT_TRUE(store->add(user("alice", "b.example", "violet kettle morning")).ok());
    EXPECT_NE(store->find("alice", "a.example")->ha1.sha256,
              store->find("alice", "b.example")->ha1.sha256);
    EXPECT_FALSE(store->find("Alice", "a.example").has_value());  // names compare exactly
}

TEST_F(SqliteUserStoreTest, RemoveDeletesAndReportsUnknownUsers) {
    ASSERT_TRUE(store->add(user("alice", "example.com", "violet kettle morning")).ok());
    EXPECT_TRUE(store->remove("alice", "example.com").ok());
    EXPECT_FALSE(store->find("alice", "example.com").has_value());
    EXPECT_EQ(store->remove("alice", "example.com").code, UserStoreErrc::not_found);
}

TEST_F(SqliteUserStoreTest, SetPasswordReplacesEveryHa1) {
    ASSERT_TRUE(store->add(user("alice", "example.com", "violet kettle morning")).ok());
    const auto fresh = auth::compute_ha1_set("alice", "example.com", "oyster lantern clockwork");
    ASSERT_TRUE(store->set_password("alice", "example.com", fresh).ok());
    const auto found = store->find("alice", "example.com");
    EXPECT_EQ(found->ha1.md5, fresh.md5);
    EXPECT_EQ(found->ha1.sha256, fresh.sha256);
    EXPECT_EQ(found->ha1.sha512_256, fresh.sha512_256);
    EXPECT_EQ(store->set_password("bob", "example.com", fresh).code, UserStoreErrc::not_found);
}

TEST_F(SqliteUserStoreTest, ListIsOrderedByRealmThenUserAndFilters) {
    ASSERT_TRUE(store->add(user("carol", "b.example", "violet kettle morning")).ok());
    ASSERT_TRUE(store->add(user("bob", "a.example", "violet kettle morning")).ok());
    ASSERT_TRUE(store->add(user("alice", "b.example", "violet kettle morning")).ok());
    const auto all = store->list(std::nullopt);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].user, "bob");
    EXPECT_EQ(all[1].user, "alice");
    EXPECT_EQ(all[2].user, "carol");
    const auto b = store->list("b.example");
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[0].realm, "b.example");
}

TEST_F(SqliteUserStoreTest, PasswordIsNeverStoredInTheFile) {
    ASSERT_TRUE(store->add(user("alice", "example.com", "violet kettle morning")).ok());
    store.reset();  // close: everything reaches the main file or the WAL
    std::string bytes;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        bytes += ss.str();
    }
    EXPECT_NE(bytes.find("alice"), std::string::npos);
    EXPECT_EQ(bytes.find("violet kettle morning"), std::string::npos);
}

TEST(SqliteUserStore, OpenFailsWithAReasonForAnUnusablePath) {
    std::string error;
    auto s = SqliteUserStore::open("/nonexistent-dir-happysip/x/users.sqlite", error);
    EXPECT_EQ(s, nullptr);
    EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace happysip::store
