// is_ipv6_address decides most texts from bit masks (host.cpp, ipv6_hex_form) and the rest
// group by group; parse_ipv6_address always reads group by group. Both must agree on
// every text: exhaustively on short ones, on many generated near-addresses beyond.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "happysip/sip/host.hpp"

namespace happysip::sip {
namespace {

void expect_agreement(const std::string& text) {
    EXPECT_EQ(is_ipv6_address(text), parse_ipv6_address(text).has_value()) << '"' << text << '"';
}

TEST(Ipv6Syntax, AgreesWithTheFullParserOnEveryShortText) {
    constexpr char k_alphabet[] = {'1', 'f', ':'};
    for (std::size_t length = 0; length <= 9; ++length) {
        std::size_t combinations = 1;
        for (std::size_t i = 0; i < length; ++i)
            combinations *= sizeof k_alphabet;
        for (std::size_t n = 0; n < combinations; ++n) {
            std::string text;
            for (std::size_t i = 0, rest = n; i < length; ++i, rest /= sizeof k_alphabet)
                text += k_alphabet[rest % sizeof k_alphabet];
            expect_agreement(text);
        }
    }
}

TEST(Ipv6Syntax, AgreesWithTheFullParserOnGeneratedNearAddresses) {
    std::mt19937 random(20261201);  // fixed: the same texts on every run
    const std::string pieces[] = {"0",         "db8",   "2001", "FFFF", "12345", "",
                                  ":",         "::",    ":::",  "g",    ".",     "1.2.3.4",
                                  "192.0.2.1", "1.2.3", "a",    "0000", "-"};
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        const int parts = static_cast<int>(random() % 12);
        for (int i = 0; i < parts; ++i) {
            text += pieces[random() % std::size(pieces)];
            if (random() % 3 != 0) text += ':';
        }
        expect_agreement(text);
    }
}

TEST(Ipv6Syntax, AcceptsAndRejectsTheTextbookForms) {
    for (const char* good :
         {"2001:db8::9:1", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "2001:DB8:0:0:8:800:200C:417A",
          "::ffff:192.0.2.1", "1:2:3:4:5:6:7::", "2001:db8:10::5", "fe80::1:2:3:4:5:6"})
        EXPECT_TRUE(is_ipv6_address(good)) << good;
    for (const char* bad :
         {"", ":", ":1", "1:", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8",
          "12345::", "2001:db8::g", "[::1]", "1:2:3:4:5:6:7:8:1:2:3:4:5:6:7:8:1:2:3:4"})
        EXPECT_FALSE(is_ipv6_address(bad)) << bad;
}

}  // namespace
}  // namespace happysip::sip
