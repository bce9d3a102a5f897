// parse_host classifies most names from bit masks (host.cpp, classify_by_masks) and the
// rest byte by byte. Both must give RFC 3261 §25.1's answer: hostname = *( domainlabel
// "." ) toplabel [ "." ], labels of alphanumerics and inner '-', the toplabel starting with
// a letter; only digits and dots is an IPv4 address or nothing. The grammar is written
// out here label by label, independently, and compared on many generated names.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "happysip/sip/host.hpp"

namespace happysip::sip {
namespace {

bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool grammar_hostname(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) return false;
    std::vector<std::string> labels{""};
    for (char c : name) {
        if (c == '.')
            labels.emplace_back();
        else
            labels.back() += c;
    }
    for (const std::string& label : labels) {
        if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
        for (char c : label)
            if (!is_alnum(c) && c != '-') return false;
    }
    const char top = labels.back().front();
    return (top >= 'a' && top <= 'z') || (top >= 'A' && top <= 'Z');
}

// What parse_host must answer for a text that does not start with '['.
std::optional<HostKind> expected_kind(const std::string& text) {
    bool digits_and_dots = !text.empty();
    for (char c : text)
        if (!((c >= '0' && c <= '9') || c == '.')) digits_and_dots = false;
    if (digits_and_dots)
        return parse_ipv4_address(text) ? std::optional(HostKind::ipv4) : std::nullopt;
    return grammar_hostname(text) ? std::optional(HostKind::hostname) : std::nullopt;
}

void expect_grammar(const std::string& text) {
    const auto host = parse_host(text);
    const auto expected = expected_kind(text);
    ASSERT_EQ(host.ok(), expected.has_value()) << '"' << text << '"';
    if (expected) {
        EXPECT_EQ(host->kind, *expected) << '"' << text << '"';
    }
}

TEST(HostnameSyntax, FollowsTheGrammarOnGeneratedNames) {
    std::mt19937 random(20261201);  // fixed: the same names on every run
    const std::string pieces[] = {"a",  "Z",      "0",   "9",  "-",     ".",   "_",
                                  "ex", "biloxi", "com", "..", "1.2.3", "x-y", "-a"};
    for (int round = 0; round < 30000; ++round) {
        std::string text;
        const int parts = static_cast<int>(random() % 24);
        for (int i = 0; i < parts; ++i)
            text += pieces[random() % std::size(pieces)];
        if (text.size() > 70) text.resize(random() % 71);
        expect_grammar(text);
    }
}

TEST(HostnameSyntax, AcceptsAndRejectsTheTextbookForms) {
    for (const char* good :
         {"biloxi.example.com", "biloxi.example.com.", "a-b.c-d.example", "x1234567",
          "pc33.atlanta.example.com", "h.x2345678901234567", "192.0.2.4", "198.51.100.7"})
        expect_grammar(good);
    for (const char* bad :
         {"-biloxi.example.com", "biloxi-.example.com", "biloxi..example", "biloxi.example.com..",
          "biloxi.example.1com", "biloxi_example.com", "192.0.2.400", "12345678.9", "example.com-"})
        expect_grammar(bad);
    EXPECT_EQ(parse_host("biloxi.example.com")->kind, HostKind::hostname);
    EXPECT_FALSE(parse_host("biloxi.example.1com").ok());
}

}  // namespace
}  // namespace happysip::sip
