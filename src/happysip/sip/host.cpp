#include "happysip/sip/host.hpp"

#include <bit>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

ParseError host_error(std::size_t offset, std::string_view detail) {
    return make_error(ParseErrc::bad_uri, "", offset, detail);
}

// RFC 5118 §4.10: RFC 3261's ABNF (hexpart ":" IPv4address, hexpart ending in "::") lets
// "2001:db8:::192.0.2.1" through; tolerate that one extra colon before an IPv4 tail.
std::size_t skip_rfc3261_extra_colon(std::string_view s, std::size_t i) noexcept {
    if (i < s.size() && s[i] == ':' && parse_ipv4_address(s.substr(i + 1))) return i + 1;
    return i;
}

// Reads the IPv6 groups of `s` into `groups`; returns how many, and where "::" stood
// (-1 if absent) in `gap`. An IPv4 tail (RFC 4291 §2.2 form 3) counts as two groups.
std::optional<int> read_ipv6_groups(std::string_view s, std::array<std::uint16_t, 8>& groups,
                                    int& gap) noexcept {
    int n = 0;
    std::size_t i = 0;
    gap = -1;
    if (s.starts_with("::")) {
        gap = 0;
        i = skip_rfc3261_extra_colon(s, 2);
    } else if (s.starts_with(":")) {
        return std::nullopt;
    }
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && chars::is_hex(s[j]))
            ++j;
        if (j < s.size() && s[j] == '.') {
            auto v4 = parse_ipv4_address(s.substr(i));
            if (!v4 || n > 6) return std::nullopt;
            groups[static_cast<std::size_t>(n++)] =
                static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]);
            groups[static_cast<std::size_t>(n++)] =
                static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]);
            return n;
        }
        if (j == i || j - i > 4 || n == 8) return std::nullopt;
        std::uint16_t v = 0;
        for (std::size_t k = i; k < j; ++k)
            v = static_cast<std::uint16_t>(v << 4 | chars::hex_value(s[k]));
        groups[static_cast<std::size_t>(n++)] = v;
        if (j == s.size()) break;
        if (s[j] != ':' || j + 1 == s.size()) return std::nullopt;  // no trailing single ':'
        i = j + 1;
        if (s[i] == ':') {
            if (gap >= 0) return std::nullopt;  // at most one "::"
            gap = n;
            i = skip_rfc3261_extra_colon(s, i + 1);
        }
    }
    return n;
}

#if defined(__SSE2__)
// std::popcount without the POPCNT instruction (not in the x86-64 baseline) is a libgcc
// call; this is the same count in a dozen inline instructions.
constexpr int bit_count(std::uint64_t x) noexcept {
    x = x - (x >> 1 & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + (x >> 2 & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return static_cast<int>((x * 0x0101010101010101ull) >> 56);
}
static_assert(bit_count(0) == 0 && bit_count(0xff00000000000001ull) == 9);

// Bytes of x from first to last, as a compare mask. Signed compares: bytes >= 0x80 are
// negative and fall outside every range used here.
__m128i byte_range(__m128i x, char first, char last) noexcept {
    return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(first - 1))),
                         _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(last + 1)), x));
}
__m128i byte_is(__m128i x, char c) noexcept {
    return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}
// A compare mask as bits from `at` on.
std::uint64_t mask_bits(__m128i m, std::size_t at) noexcept {
    return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m))) << at;
}
__m128i folded(__m128i x) noexcept {  // letters in lower case (and other bytes moved)
    return _mm_or_si128(x, _mm_set1_epi8(0x20));
}

// Bit masks of the classes the IPv6 check reads, one bit per byte.
struct Ipv6Masks {
    std::uint64_t hex = 0;
    std::uint64_t colon = 0;
    std::uint64_t dot = 0;
    void add(__m128i v, std::size_t at) noexcept {
        hex |=
            mask_bits(_mm_or_si128(byte_range(v, '0', '9'), byte_range(folded(v), 'a', 'f')), at);
        colon |= mask_bits(byte_is(v, ':'), at);
        dot |= mask_bits(byte_is(v, '.'), at);
    }
};

// Bit masks of the classes the hostname check reads, one bit per byte.
struct NameMasks {
    std::uint64_t alpha = 0;
    std::uint64_t digit = 0;
    std::uint64_t dash = 0;
    std::uint64_t dot = 0;
    void add(__m128i v, std::size_t at) noexcept {
        alpha |= mask_bits(byte_range(folded(v), 'a', 'z'), at);
        digit |= mask_bits(byte_range(v, '0', '9'), at);
        dash |= mask_bits(byte_is(v, '-'), at);
        dot |= mask_bits(byte_is(v, '.'), at);
    }
};

// The masks of `s` (8 <= s.size() <= 64), zero bytes matching nothing. Every load lies
// inside s: overlapping loads cover its end. (A zero-padded copy was slower: the wide
// loads waited for the copy's narrow stores.)
template <class Masks>
Masks text_masks(std::string_view s) noexcept {
    const std::size_t n = s.size();
    auto load16 = [&s](std::size_t at) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    };
    auto load8 = [&s](std::size_t at) {  // the upper 8 bytes zero
        return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s.data() + at));
    };
    Masks m;
    if (n >= 16) {
        for (std::size_t at = 0; at + 16 <= n; at += 16)
            m.add(load16(at), at);
        m.add(load16(n - 16), n - 16);
    } else {
        m.add(load8(0), 0);
        m.add(load8(n - 8), n - 8);
    }
    return m;
}

// The forms of RFC 4291 §2.2 without an IPv4 tail (hex groups, at most one "::") decided
// from bit masks of the whole text instead of group by group, whose loop exits mispredicted
// on every group; nullopt when the text needs the scalar reading below (it holds a '.', or
// is shorter than 8 bytes or longer than any such address). Gives the scalar reading's
// answer on every text it decides.
std::optional<bool> ipv6_hex_form(std::string_view s) noexcept {
    constexpr std::size_t k_longest = 39;  // eight groups of four and seven colons
    const std::size_t n = s.size();
    if (n < 8 || n > k_longest) return std::nullopt;
    const Ipv6Masks m = text_masks<Ipv6Masks>(s);
    const std::uint64_t hex = m.hex;
    const std::uint64_t colon = m.colon;
    if (m.dot != 0) return std::nullopt;  // an IPv4 tail: read group by group
    const std::uint64_t all = (std::uint64_t{1} << n) - 1;
    if ((hex | colon) != all) return false;  // some byte is neither a hex digit nor ':'
    const std::uint64_t long_group = hex & hex >> 1 & hex >> 2 & hex >> 3 & hex >> 4;
    const std::uint64_t double_colon = colon & colon >> 1;  // bit i: "::" at i
    const std::uint64_t last = std::uint64_t{1} << (n - 1);
    const bool lone_leading_colon = (colon & 1) != 0 && (colon & 2) == 0;
    const bool lone_trailing_colon = (colon & last) != 0 && (colon & last >> 1) == 0;
    const bool two_double_colons = (double_colon & (double_colon - 1)) != 0;
    if (long_group != 0 || (double_colon & colon >> 2) != 0 || two_double_colons ||
        lone_leading_colon || lone_trailing_colon)
        return false;
    // Without "::" all 8 groups are written; "::" stands for at least one zero group.
    const int groups = bit_count(hex & ~(hex << 1));  // the first digit of each group
    return double_colon != 0 ? groups <= 7 : groups == 8;
}
#endif

// The same grammar as read_ipv6_groups + parse_ipv6_address, answering only "valid?": no
// group values, no 16-byte address. This is what parsing a Via or URI host needs.
bool ipv6_syntax(std::string_view s) noexcept {
#if defined(__SSE2__)
    if (const auto decided = ipv6_hex_form(s)) return *decided;
#endif
    int n = 0;
    bool gap = false;
    std::size_t i = 0;
    if (s.starts_with("::")) {
        gap = true;
        i = skip_rfc3261_extra_colon(s, 2);
    } else if (s.starts_with(":")) {
        return false;
    }
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && chars::is_hex(s[j]))
            ++j;
        if (j < s.size() && s[j] == '.') {
            if (n > 6 || !parse_ipv4_address(s.substr(i))) return false;
            n += 2;
            break;
        }
        if (j == i || j - i > 4 || n == 8) return false;
        ++n;
        if (j == s.size()) break;
        if (s[j] != ':' || j + 1 == s.size()) return false;  // no trailing single ':'
        i = j + 1;
        if (s[i] == ':') {
            if (gap) return false;  // at most one "::"
            gap = true;
            i = skip_rfc3261_extra_colon(s, i + 1);
        }
    }
    // Without "::" all 8 groups are written; "::" stands for at least one zero group.
    return gap ? n <= 7 : n == 8;
}

// What a host made of hostname characters is: an IPv4 address when it is only digits
// and dots (a hostname's top label starts with a letter), else a hostname. One pass
// checks the hostname grammar and notices a letter; invalid otherwise.
enum class NameKind : std::uint8_t { invalid, hostname, digits_and_dots };

#if defined(__SSE2__)
// classify_name's answer for a name (its trailing dot removed) of 8 to 64 bytes, from bit
// masks of the whole name instead of byte by byte; nullopt for other lengths.
std::optional<NameKind> classify_by_masks(std::string_view name) noexcept {
    const std::size_t n = name.size();
    if (n < 8 || n > 64) return std::nullopt;
    const NameMasks m = text_masks<NameMasks>(name);
    const std::uint64_t all = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    if ((m.alpha | m.digit | m.dash | m.dot) != all) return NameKind::invalid;
    if ((m.alpha | m.dash) == 0) return NameKind::digits_and_dots;
    const std::uint64_t starts = (1 | m.dot << 1) & all;  // where each label begins
    const std::uint64_t last = std::uint64_t{1} << (n - 1);
    // An empty label, a label ending or starting with '-', a name ending with '-' or
    // (after its one trailing dot was removed) with another '.'.
    const std::uint64_t bad =
        (m.dot & starts) | (m.dot & m.dash << 1) | (m.dash & starts) | ((m.dash | m.dot) & last);
    if (bad != 0) return NameKind::invalid;
    const int top_label = 63 - std::countl_zero(starts);  // toplabel starts with ALPHA
    return (m.alpha >> top_label & 1) != 0 ? NameKind::hostname : NameKind::invalid;
}
#endif

NameKind classify_name(std::string_view text) noexcept {
    if (text.empty()) return NameKind::invalid;
    std::string_view name = text.ends_with('.') ? text.substr(0, text.size() - 1) : text;
#if defined(__SSE2__)
    if (const auto kind = classify_by_masks(name)) return *kind;
#endif
    bool letters_or_dashes = false;
    bool valid = !name.empty();
    std::size_t label_begin = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (chars::is_digit(c)) continue;
        if (chars::is_alpha(c)) {
            letters_or_dashes = true;
        } else if (c == '.') {
            if (i == label_begin || name[i - 1] == '-') valid = false;
            label_begin = i + 1;
        } else if (c == '-') {
            letters_or_dashes = true;
            if (i == label_begin) valid = false;
        } else {
            return NameKind::invalid;
        }
    }
    if (!letters_or_dashes) return NameKind::digits_and_dots;  // only digits and dots seen
    valid = valid && name.back() != '-' && label_begin < name.size() &&
            chars::is_alpha(name[label_begin]);
    return valid ? NameKind::hostname : NameKind::invalid;
}

}  // namespace

std::string_view Host::address() const noexcept {
    if (kind == HostKind::ipv6 && text.size() >= 2 && text.front() == '[')
        return text.substr(1, text.size() - 2);
    return text;
}

std::optional<std::array<std::uint8_t, 4>> parse_ipv4_address(std::string_view text) noexcept {
    // Three octets of 1-3 digits each followed by '.', then the last one running to the end
    // (up to 10 digits, leading zeros allowed), every octet at most 255.
    std::array<std::uint8_t, 4> out{};
    std::size_t i = 0;
    for (std::size_t octet = 0; octet < 4; ++octet) {
        const std::size_t begin = i;
        const std::size_t limit = octet < 3 ? 3 : 10;
        std::uint64_t v = 0;  // ten digits do not fit 32 bits
        while (i < text.size() && chars::is_digit(text[i]) && i - begin < limit)
            v = v * 10 + static_cast<std::uint64_t>(text[i++] - '0');
        if (i == begin || v > 255) return std::nullopt;
        if (octet < 3) {
            if (i == text.size() || text[i] != '.') return std::nullopt;
            ++i;
        } else if (i != text.size()) {
            return std::nullopt;
        }
        out[octet] = static_cast<std::uint8_t>(v);
    }
    return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_ipv6_address(std::string_view text) noexcept {
    std::array<std::uint16_t, 8> groups{};
    int gap = -1;
    auto n = read_ipv6_groups(text, groups, gap);
    // Without "::" all 8 groups are written; "::" stands for at least one zero group.
    if (!n || (gap < 0 && *n != 8) || (gap >= 0 && *n > 7)) return std::nullopt;
    std::array<std::uint8_t, 16> out{};
    const int head = gap < 0 ? *n : gap;
    const int zeros = 8 - *n;
    for (int g = 0; g < *n; ++g) {
        const int at = g < head ? g : g + zeros;
        out[static_cast<std::size_t>(2 * at)] =
            static_cast<std::uint8_t>(groups[static_cast<std::size_t>(g)] >> 8);
        out[static_cast<std::size_t>(2 * at + 1)] =
            static_cast<std::uint8_t>(groups[static_cast<std::size_t>(g)] & 0xff);
    }
    return out;
}

// One pass: labels of alphanum / "-" that neither start nor end with "-", the last
// (toplabel) starting with ALPHA, an optional trailing dot (RFC 3261 §25.1 hostname).
bool is_hostname(std::string_view text) noexcept {
    if (text.ends_with('.')) text.remove_suffix(1);
    if (text.empty()) return false;
    std::size_t label_begin = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.') {
            if (i == label_begin || text[i - 1] == '-') return false;
            label_begin = i + 1;
        } else if (c == '-') {
            if (i == label_begin) return false;
        } else if (!chars::is(c, chars::k_alpha | chars::k_digit)) {
            return false;
        }
    }
    return text.back() != '-' && label_begin < text.size() && chars::is_alpha(text[label_begin]);
}

std::optional<ParseError> parse_host_into(std::string_view text, Host& out) {
    if (text.empty()) return host_error(0, "missing host");
    out.text = text;
    if (text.front() == '[') {
        if (text.size() < 2 || text.back() != ']')
            return host_error(0, "unterminated IPv6 reference");
        if (!ipv6_syntax(text.substr(1, text.size() - 2)))
            return host_error(0, "invalid IPv6 reference");
        out.kind = HostKind::ipv6;
        return std::nullopt;
    }
    switch (classify_name(text)) {
        case NameKind::hostname:
            out.kind = HostKind::hostname;
            return std::nullopt;
        case NameKind::digits_and_dots:
            if (!parse_ipv4_address(text)) return host_error(0, "invalid IPv4 address");
            out.kind = HostKind::ipv4;
            return std::nullopt;
        case NameKind::invalid:
            break;
    }
    return host_error(0, "invalid hostname");
}

Result<Host> parse_host(std::string_view text) {
    Host out;
    if (auto e = parse_host_into(text, out)) return std::move(*e);
    return out;
}

bool is_ipv6_address(std::string_view text) noexcept {
    return ipv6_syntax(text);
}

Result<Host> parse_ip_literal(std::string_view text) {
    if (text.empty()) return host_error(0, "missing IP address");
    if (text.front() == '[') return parse_host(text);
    if (parse_ipv4_address(text)) return Host{text, HostKind::ipv4};
    if (ipv6_syntax(text)) return Host{text, HostKind::ipv6};
    return host_error(0, "not an IPv4 or IPv6 address");
}

bool host_equal(const Host& a, const Host& b) noexcept {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
        case HostKind::ipv4: {
            auto x = parse_ipv4_address(a.text), y = parse_ipv4_address(b.text);
            if (x && y) return *x == *y;
            break;
        }
        case HostKind::ipv6: {
            auto x = parse_ipv6_address(a.address()), y = parse_ipv6_address(b.address());
            if (x && y) return *x == *y;
            break;
        }
        case HostKind::hostname:
            break;
    }
    return text::iequals(a.text, b.text);
}

}  // namespace happysip::sip
