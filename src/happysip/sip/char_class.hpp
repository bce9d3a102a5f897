// Character classes of the RFC 3261 §25.1 grammar as one 256-entry table,
// so that every scanner in sip/ classifies a byte with one load and one AND.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace happysip::sip::chars {

enum Class : std::uint16_t {
    k_alpha = 1 << 0,
    k_digit = 1 << 1,
    k_hex = 1 << 2,
    k_token = 1 << 3,       // token (RFC 3261 §25.1)
    k_word = 1 << 4,        // word (Call-ID)
    k_wsp = 1 << 5,         // SP / HTAB
    k_unreserved = 1 << 6,  // alphanum / mark
    k_user = 1 << 7,        // user-unreserved (besides unreserved)
    k_password = 1 << 8,    // password specials (besides unreserved)
    k_param = 1 << 9,       // param-unreserved (besides unreserved)
    k_hnv = 1 << 10,        // hnv-unreserved (besides unreserved)
    k_host = 1 << 11,       // alphanum / "-" / "." (hostname)
    k_utf8 = 1 << 12,       // bytes >= 0x80 (UTF8-NONASCII, allowed in quoted strings, reasons)
    k_ctl = 1 << 13,        // control characters (never allowed in a header value, but HTAB)
    // gen-value unquoted = token / host: a host adds ':' '[' ']' for IPv6 references
    // (RFC 5118 §4.5: received=2001:db8::9:1 is a valid Via parameter value).
    k_gen_value = 1 << 14,
};

namespace detail {
constexpr std::array<std::uint16_t, 256> make_table() {
    std::array<std::uint16_t, 256> t{};
    auto add = [&t](std::string_view set, std::uint16_t cls) {
        for (char c : set)
            t[static_cast<unsigned char>(c)] |= cls;
    };
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] |= k_alpha | k_token | k_word | k_unreserved | k_host;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] |= k_alpha | k_token | k_word | k_unreserved | k_host;
    for (int c = '0'; c <= '9'; ++c)
        t[c] |= k_digit | k_hex | k_token | k_word | k_unreserved | k_host;
    add("abcdefABCDEF", k_hex);
    add("-.!%*_+`'~", k_token);
    add("-.!%*_+`'~()<>:\\\"/[]?{}", k_word);
    add(" \t", k_wsp);
    add("-_.!~*'()", k_unreserved);
    add("&=+$,;?/", k_user);
    add("&=+$,", k_password);
    add("[]/:&+$", k_param);
    add("[]/?:+$", k_hnv);
    add("-.", k_host);
    for (int c = 0; c < 256; ++c)
        if (t[c] & k_token) t[c] |= k_gen_value;
    add(":[]", k_gen_value);
    for (int c = 0x80; c <= 0xff; ++c)
        t[c] |= k_utf8;
    for (int c = 0; c < 0x20; ++c)
        t[c] |= k_ctl;
    t[0x7f] |= k_ctl;
    return t;
}
}  // namespace detail

inline constexpr std::array<std::uint16_t, 256> table = detail::make_table();

constexpr bool is(char c, std::uint16_t cls) noexcept {
    return (table[static_cast<unsigned char>(c)] & cls) != 0;
}
constexpr bool is_token(char c) noexcept {
    return is(c, k_token);
}
constexpr bool is_wsp(char c) noexcept {
    return c == ' ' || c == '\t';
}
constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
constexpr bool is_alpha(char c) noexcept {
    return is(c, k_alpha);
}
constexpr bool is_hex(char c) noexcept {
    return is(c, k_hex);
}

// Value of a hex digit (caller checked is_hex).
constexpr int hex_value(char c) noexcept {
    return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

constexpr char to_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

constexpr bool all_of(std::string_view s, std::uint16_t cls) noexcept {
    for (char c : s)
        if (!is(c, cls)) return false;
    return true;
}
constexpr bool is_token(std::string_view s) noexcept {
    return !s.empty() && all_of(s, k_token);
}
// A CR, LF or NUL: what a header value or reason phrase may not hold once written out.
inline bool has_line_break_or_nul(std::string_view s) noexcept {
    return std::memchr(s.data(), '\n', s.size()) != nullptr ||
           std::memchr(s.data(), '\r', s.size()) != nullptr ||
           std::memchr(s.data(), '\0', s.size()) != nullptr;
}

}  // namespace happysip::sip::chars
