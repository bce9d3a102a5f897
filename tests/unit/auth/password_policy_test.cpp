#include "happysip/auth/password_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "happysip/auth/common_passwords.hpp"

namespace happysip::auth {
namespace {

PasswordFault fault(std::string_view user, std::string_view pw) {
    return check_password(user, pw).fault;
}

TEST(PasswordPolicy, ShorterThanTwelveCharactersIsRefused) {
    const auto c = check_password("alice", "Xk9#vq2Lm4!");
    EXPECT_EQ(c.fault, PasswordFault::too_short);
    EXPECT_NE(c.message.find("at least 12 characters"), std::string::npos);
}

TEST(PasswordPolicy, LengthCountsCharactersNotBytes) {
    // 12 characters, 18 bytes: long enough.
    EXPECT_TRUE(check_password("alice",
                               "\xc3\xa9t\xc3\xa9 \xc3\xa0 l'\xc3\xa9"
                               "cole xz")
                    .ok());
    // 11 characters in 17 bytes: too short.
    EXPECT_EQ(fault("alice", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9zzzzz"),
              PasswordFault::too_short);
}

TEST(PasswordPolicy, TheUserNameInAnyCaseIsRefused) {
    const auto c = check_password("Administrator", "aDMINISTRATOR");
    EXPECT_EQ(c.fault, PasswordFault::equals_user);
    EXPECT_NE(c.message.find("user name"), std::string::npos);
}

TEST(PasswordPolicy, TheUserNameWithDigitsAddedIsRefused) {
    EXPECT_EQ(fault("alice.smith", "Alice.Smith2024!"), PasswordFault::equals_user);
}

TEST(PasswordPolicy, AllDigitsIsRefused) {
    const auto c = check_password("alice", "902183746512");
    EXPECT_EQ(c.fault, PasswordFault::all_digits);
    EXPECT_NE(c.message.find("only digits"), std::string::npos);
}

TEST(PasswordPolicy, CommonPasswordsAreRefusedInAnyCase) {
    for (const char* pw : {"password1234", "qwertyuiop123", "123456789abc", "PASSWORD1234",
                           "1qaz2wsx3edc", "correcthorsebatterystaple", "iloveyou1234"}) {
        EXPECT_EQ(fault("alice", pw), PasswordFault::common) << pw;
    }
}

TEST(PasswordPolicy, CommonWordsWithDecorationAndSubstitutionsAreRefused) {
    for (const char* pw :
         {"P@ssw0rd2024!", "Dragon!Dragon!", "monkey-monkey7", "Sunshine#2019", "qwertyasdfgh",
          "zxcvbnm!98765", "aaaaaaaaaaaa1", "Welcome2Sip!!", "abcdefgh12345", "L3tm3in!2025"}) {
        const auto c = check_password("alice", pw);
        EXPECT_FALSE(c.ok()) << pw;
    }
    const auto c = check_password("alice", "P@ssw0rd2024!");
    EXPECT_EQ(c.fault, PasswordFault::common_pattern);
    EXPECT_NE(c.message.find("common word"), std::string::npos);
}

TEST(PasswordPolicy, UnrelatedWordsAndRandomStringsAreAccepted) {
    for (const char* pw : {"violet kettle morning", "Xk9#vq2Lm4!z", "purple-otter-rain-47",
                           "8$kq2!9zPw@3", "3#9!1@7%4^2&", "oyster lantern clockwork"}) {
        const auto c = check_password("alice", pw);
        EXPECT_TRUE(c.ok()) << pw << ": " << c.message;
    }
}

TEST(PasswordPolicy, MessagesNeverContainThePassword) {
    for (const char* pw :
         {"Sh0rt!", "alicealicealice", "123456789012", "password1234", "P@ssw0rd2024!"}) {
        const auto c = check_password("alicealicealice", pw);
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.message.find(pw), std::string::npos) << c.message;
    }
}

TEST(CommonPasswords, ListIsSortedLowercaseAndLongEnough) {
    const auto list = common_passwords();
    EXPECT_GE(list.size(), 300u);
    EXPECT_EQ(common_password_count(), list.size());
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    for (auto pw : list) {
        EXPECT_GE(pw.size(), k_min_password_length) << pw;
        EXPECT_TRUE(std::none_of(pw.begin(), pw.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
            << pw;
    }
}

}  // namespace
}  // namespace happysip::auth
