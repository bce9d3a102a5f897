#include "happysip/sip/header_id.hpp"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "happysip/sip/char_class.hpp"

namespace happysip::sip {
namespace {

struct Entry {
    std::string_view name;
    char compact;
};

constexpr std::array<Entry, static_cast<std::size_t>(HeaderId::other)> k_entries{{
#define HAPPYSIP_HEADER_ENTRY(id, name, compact) {name, compact},
    HAPPYSIP_HEADERS(HAPPYSIP_HEADER_ENTRY)
#undef HAPPYSIP_HEADER_ENTRY
}};

// A perfect hash over the long names: length, first, middle and last byte (case folded)
// give every known name its own slot (checked at compile time below), so a lookup is one
// hash, one table load and one compare. The compare is exact, not just "equal after
// folding": each name is stored in lower case with a mask that has 0x20 on its letters
// only, so `byte | mask == stored` accepts both cases of a letter and nothing else. A
// name that matches is therefore a valid token, and the parser need not scan it again.
constexpr std::size_t k_slots = 256;
constexpr std::uint8_t k_empty = 0xff;
constexpr std::size_t k_max_name = k_header_name_lookahead;  // longest name, in whole words

constexpr std::size_t perfect_hash(const char* s, std::size_t n) noexcept {
    auto lc = [](char c) { return static_cast<std::size_t>(static_cast<unsigned char>(c) | 0x20); };
    return (n + lc(s[0]) * 18 + lc(s[n - 1]) * 20 + lc(s[n / 2]) * 7) % k_slots;
}

struct FoldedName {
    std::uint8_t size = 0;
    char lower[k_max_name] = {};  // zero past the name
    char mask[k_max_name] = {};   // 0x20 where the name has a letter, 0 elsewhere
    char care[k_max_name] = {};   // 0xff over the name, 0 past it
};

constexpr std::array<FoldedName, k_entries.size()> make_folded() {
    std::array<FoldedName, k_entries.size()> out{};
    for (std::size_t i = 0; i < k_entries.size(); ++i) {
        const std::string_view name = k_entries[i].name;
        out[i].size = static_cast<std::uint8_t>(name.size());
        for (std::size_t j = 0; j < name.size(); ++j) {
            const bool letter = chars::is_alpha(name[j]);
            out[i].lower[j] = letter ? static_cast<char>(name[j] | 0x20) : name[j];
            out[i].mask[j] = letter ? '\x20' : '\0';
            out[i].care[j] = '\xff';
        }
    }
    return out;
}

constexpr std::array<FoldedName, k_entries.size()> k_folded = make_folded();

constexpr std::array<std::uint8_t, k_slots> make_slots() {
    std::array<std::uint8_t, k_slots> slots{};
    for (auto& s : slots)
        s = k_empty;
    for (std::size_t i = 0; i < k_entries.size(); ++i) {
        slots[perfect_hash(k_entries[i].name.data(), k_entries[i].name.size())] =
            static_cast<std::uint8_t>(i);
    }
    return slots;
}

constexpr std::array<std::uint8_t, k_slots> k_slots_table = make_slots();

constexpr bool every_name_has_its_own_slot() {
    for (std::size_t i = 0; i < k_entries.size(); ++i) {
        const std::string_view name = k_entries[i].name;
        if (name.size() < 2 || name.size() > k_max_name ||
            k_slots_table[perfect_hash(name.data(), name.size())] != i)
            return false;
    }
    return true;
}
static_assert(k_max_name % 8 == 0);
static_assert(every_name_has_its_own_slot(),
              "known header names collide in perfect_hash: change its multipliers");

constexpr std::array<std::uint8_t, 26> make_compact() {
    std::array<std::uint8_t, 26> out{};
    for (auto& o : out)
        o = k_empty;
    for (std::size_t i = 0; i < k_entries.size(); ++i)
        if (k_entries[i].compact != 0)
            out[static_cast<std::size_t>(k_entries[i].compact - 'a')] =
                static_cast<std::uint8_t>(i);
    return out;
}

constexpr std::array<std::uint8_t, 26> k_compact = make_compact();

#if defined(__SSE2__)
// `x` (n bytes, followed by at least k_max_name - n readable ones) equals `f` up to the
// case of its letters: a 16-byte and an 8-byte masked compare, no loop, no branch per byte.
bool folded_equal(const char* x, const FoldedName& f) noexcept {
    static_assert(k_max_name == 24);
    auto load16 = [](const char* p) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    };
    auto load8 = [](const char* p) {  // the upper 8 bytes zero: they compare equal
        return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    };
    auto same = [](__m128i name, __m128i mask, __m128i care, __m128i lower) {
        return _mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_and_si128(_mm_or_si128(name, mask), care), lower));
    };
    const int low = same(load16(x), load16(f.mask), load16(f.care), load16(f.lower));
    const int high =
        same(load8(x + 16), load8(f.mask + 16), load8(f.care + 16), load8(f.lower + 16));
    return (low & high) == 0xffff;
}
#else
std::uint64_t load64(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

// `x` (n bytes, followed by at least k_max_name - n readable ones) equals `f` up to the
// case of its letters: three masked word compares, no loop, no branch per byte.
bool folded_equal(const char* x, const FoldedName& f) noexcept {
    std::uint64_t diff = 0;
    for (std::size_t i = 0; i < k_max_name; i += 8)
        diff |= ((load64(x + i) | load64(f.mask + i)) & load64(f.care + i)) ^ load64(f.lower + i);
    return diff == 0;
}
#endif

HeaderId compact_id(char c) noexcept {
    c = chars::to_lower(c);
    if (c < 'a' || c > 'z') return HeaderId::other;
    const std::uint8_t idx = k_compact[static_cast<std::size_t>(c - 'a')];
    return idx == k_empty ? HeaderId::other : static_cast<HeaderId>(idx);
}

}  // namespace

HeaderId header_id_from_padded_name(const char* name, std::size_t size) noexcept {
    if (size == 1) return compact_id(name[0]);
    if (size < 2 || size > k_max_name) return HeaderId::other;
    const std::uint8_t idx = k_slots_table[perfect_hash(name, size)];
    if (idx == k_empty || k_folded[idx].size != size || !folded_equal(name, k_folded[idx]))
        return HeaderId::other;
    return static_cast<HeaderId>(idx);
}

HeaderId header_id_from_name(std::string_view name) noexcept {
    if (name.size() < 2 || name.size() > k_max_name)
        return name.size() == 1 ? compact_id(name[0]) : HeaderId::other;
    // The same masked compare byte by byte over the name alone. (Copying the name into a
    // zero-padded buffer for the wide compare made the wide loads wait for the copy's
    // narrow stores; the parser takes this path for a last header line near the end.)
    const std::uint8_t idx = k_slots_table[perfect_hash(name.data(), name.size())];
    if (idx == k_empty || k_folded[idx].size != name.size()) return HeaderId::other;
    const FoldedName& f = k_folded[idx];
    unsigned diff = 0;
    for (std::size_t i = 0; i < name.size(); ++i)
        diff |= static_cast<unsigned char>((name[i] | f.mask[i]) ^ f.lower[i]);
    return diff == 0 ? static_cast<HeaderId>(idx) : HeaderId::other;
}

std::string_view canonical_name(HeaderId id) noexcept {
    auto i = static_cast<std::size_t>(id);
    return i < k_entries.size() ? k_entries[i].name : std::string_view{};
}

bool is_list_header(HeaderId id) noexcept {
    switch (id) {
        case HeaderId::via:
        case HeaderId::contact:
        case HeaderId::route:
        case HeaderId::record_route:
        case HeaderId::path:
        case HeaderId::service_route:
        case HeaderId::supported:
        case HeaderId::require:
        case HeaderId::proxy_require:
        case HeaderId::unsupported:
        case HeaderId::allow:
        case HeaderId::content_encoding:
        case HeaderId::content_language:
        case HeaderId::allow_events:
        case HeaderId::accept:
        case HeaderId::accept_encoding:
        case HeaderId::accept_language:
        case HeaderId::alert_info:
        case HeaderId::call_info:
        case HeaderId::error_info:
        case HeaderId::in_reply_to:
        case HeaderId::warning:
        case HeaderId::reason:
        case HeaderId::privacy:
        case HeaderId::p_asserted_identity:
        case HeaderId::p_preferred_identity:
        case HeaderId::accept_contact:
        case HeaderId::reject_contact:
        case HeaderId::request_disposition:
            return true;
        default:
            return false;
    }
}

}  // namespace happysip::sip
