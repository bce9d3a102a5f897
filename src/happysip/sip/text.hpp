// Small string helpers every header grammar needs: trimming, case-insensitive
// comparison, bounded integer parsing and comma-list splitting that respects
// quoted strings and <...> (RFC 3261 §7.3.1).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "happysip/sip/char_class.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace happysip::sip::text {

constexpr std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && chars::is_wsp(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && chars::is_wsp(s.back()))
        s.remove_suffix(1);
    return s;
}

// An ASCII-lowercased copy (host names, DNS names, hex digests: case-insensitive keys).
inline std::string to_lower_copy(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = chars::to_lower(c);
    return out;
}

// The low `digits` hex digits of `value` (at most 16), most significant first, lowercase:
// hex_digits(0x75bcd15, 16) is "00000000075bcd15". For tokens, tags, hashes and stamps
// that are a number written out.
inline std::string hex_digits(std::uint64_t value, std::size_t digits) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out(digits, '0');
    for (std::size_t i = digits; i-- > 0; value >>= 4)
        out[i] = k_digits[value & 0xf];
    return out;
}

// Index of the first byte at or after `i` that is not SP or HTAB (s.size() if none).
constexpr std::size_t skip_wsp(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && chars::is_wsp(s[i]))
        ++i;
    return i;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (chars::to_lower(a[i]) != chars::to_lower(b[i])) return false;
    return true;
}

// Equality with a lower-case literal for `s` known to be a token (RFC 3261 §25.1): on
// token characters OR-ing 0x20 folds case exactly, so one compare per byte suffices.
constexpr bool token_iequals(std::string_view s, std::string_view lower) noexcept {
    if (s.size() != lower.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (static_cast<char>(s[i] | 0x20) != lower[i]) return false;
    return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Decimal digits only, no sign, no white space; nullopt on overflow of `max`. Inline: it
// runs several times per message (CSeq, Content-Length, Max-Forwards, ports, octets).
constexpr std::optional<std::uint32_t> parse_uint(std::string_view s,
                                                  std::uint32_t max = 0xffffffffu) noexcept {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (!chars::is_digit(c)) return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > max) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

// Iterates the elements of a comma-separated header value. Commas inside a
// quoted-string (with \-escapes) or inside <...> do not split. Elements are trimmed;
// empty elements (", ,") are reported as empty views so callers can reject them.
class CommaList {
  public:
    explicit constexpr CommaList(std::string_view value) noexcept : rest_(value) {}
    // Next element, or nullopt at the end. Sets `unterminated` if a quote or <
    // is never closed (the element then runs to the end of the value).
    std::optional<std::string_view> next() noexcept;
    bool unterminated() const noexcept { return unterminated_; }

  private:
    std::string_view rest_;
    bool done_ = false;
    bool unterminated_ = false;
};

// s.find(c, pos) for the short spans of a header value: sixteen bytes per step (eight
// without SSE2) and no library call, which for a few dozen bytes costs more than the
// search. Never reads outside s: the last bytes are the final 16 of s again.
inline std::size_t find_char(std::string_view s, char c, std::size_t pos = 0) noexcept {
#if defined(__SSE2__)
    if (s.size() >= 16 && pos < s.size()) {
        const __m128i pattern = _mm_set1_epi8(c);
        auto matches = [&](std::size_t at) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
            return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, pattern)));
        };
        for (; pos + 16 <= s.size(); pos += 16)
            if (const unsigned m = matches(pos); m != 0)
                return pos + static_cast<std::size_t>(std::countr_zero(m));
        if (pos == s.size()) return std::string_view::npos;
        const std::size_t tail = s.size() - 16;
        const unsigned m = matches(tail) >> (pos - tail);
        return m != 0 ? pos + static_cast<std::size_t>(std::countr_zero(m))
                      : std::string_view::npos;
    }
#endif
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    const std::uint64_t pattern = ones * static_cast<unsigned char>(c);
    if constexpr (std::endian::native == std::endian::little) {
        for (; pos + 8 <= s.size(); pos += 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, s.data() + pos, sizeof w);
            const std::uint64_t x = w ^ pattern;
            const std::uint64_t zero = (x - ones) & ~x & (ones * 0x80);
            if (zero != 0) return pos + static_cast<std::size_t>(std::countr_zero(zero)) / 8;
        }
    }
    for (; pos < s.size(); ++pos)
        if (s[pos] == c) return pos;
    return std::string_view::npos;
}

// Offset of the first character of `part` within `whole` (part must be a view into whole).
constexpr std::size_t offset_in(std::string_view whole, std::string_view part) noexcept {
    return static_cast<std::size_t>(part.data() - whole.data());
}

}  // namespace happysip::sip::text
