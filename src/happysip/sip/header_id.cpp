#include "happysip/sip/header_id.hpp"

#include <array>
#include <cstring>

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

// Open-addressed table keyed by a cheap case-folded hash of the length and the first,
// second and last characters: enough to spread the known names, computed in a few
// instructions. Built at compile time; a lookup is one hash and usually one compare.
constexpr std::size_t k_slots = 256;
constexpr std::uint8_t k_empty = 0xff;

constexpr std::size_t quick_hash(std::string_view s) noexcept {
    // Header names are tokens; for token characters OR-ing 0x20 folds case exactly.
    auto lc = [](char c) { return static_cast<std::size_t>(static_cast<unsigned char>(c) | 0x20); };
    return (s.size() * 7 + lc(s[0]) * 31 + lc(s[1]) * 3 + lc(s[s.size() - 1]) * 131) % k_slots;
}

// A slot holds the entry's index and its name's length, so a probe that hits another
// header's slot is rejected without loading that header's name.
struct Slot {
    std::uint8_t index = k_empty;
    std::uint8_t size = 0;
};

constexpr std::array<Slot, k_slots> make_slots() {
    std::array<Slot, k_slots> slots{};
    for (std::size_t i = 0; i < k_entries.size(); ++i) {
        std::size_t pos = quick_hash(k_entries[i].name);
        while (slots[pos].index != k_empty)
            pos = (pos + 1) % k_slots;
        slots[pos] =
            Slot{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(k_entries[i].name.size())};
    }
    return slots;
}

constexpr std::array<Slot, k_slots> k_slots_table = make_slots();

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

// Case-insensitive equality for token strings (see quick_hash).
template <class Word>
Word load(const char* p) noexcept {
    Word w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

// Equal after folding case, for token strings (see quick_hash), compared in whole words:
// this runs for every header line. Short tails use overlapping loads instead of a byte loop.
bool token_iequal(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    const char* x = a.data();
    const char* y = b.data();
    if (n >= 8) {
        constexpr std::uint64_t fold = 0x2020202020202020ull;
        for (std::size_t i = 0; i + 8 <= n; i += 8)
            if ((load<std::uint64_t>(x + i) | fold) != (load<std::uint64_t>(y + i) | fold))
                return false;
        return (load<std::uint64_t>(x + n - 8) | fold) == (load<std::uint64_t>(y + n - 8) | fold);
    }
    if (n >= 4) {
        constexpr std::uint32_t fold = 0x20202020u;
        return (load<std::uint32_t>(x) | fold) == (load<std::uint32_t>(y) | fold) &&
               (load<std::uint32_t>(x + n - 4) | fold) == (load<std::uint32_t>(y + n - 4) | fold);
    }
    for (std::size_t i = 0; i < n; ++i)
        if ((x[i] | 0x20) != (y[i] | 0x20)) return false;
    return true;
}

}  // namespace

HeaderId header_id_from_name(std::string_view name) noexcept {
    if (name.size() == 1) {
        char c = chars::to_lower(name[0]);
        if (c < 'a' || c > 'z') return HeaderId::other;
        std::uint8_t idx = k_compact[static_cast<std::size_t>(c - 'a')];
        return idx == k_empty ? HeaderId::other : static_cast<HeaderId>(idx);
    }
    if (name.empty()) return HeaderId::other;
    std::size_t pos = quick_hash(name);
    while (k_slots_table[pos].index != k_empty) {
        const Slot slot = k_slots_table[pos];
        if (slot.size == name.size() && token_iequal(k_entries[slot.index].name, name))
            return static_cast<HeaderId>(slot.index);
        pos = (pos + 1) % k_slots;
    }
    return HeaderId::other;
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
