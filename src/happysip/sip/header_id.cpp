#include "happysip/sip/header_id.hpp"

#include <array>

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

// Open-addressed table keyed by a case-folded FNV-1a hash of the name. Built at compile
// time; a lookup is one hash over the name and usually one compare.
constexpr std::size_t k_slots = 512;
constexpr std::uint8_t k_empty = 0xff;

constexpr std::uint32_t folded_hash(std::string_view s) noexcept {
    std::uint32_t h = 2166136261u;
    for (char c : s) {
        h ^= static_cast<unsigned char>(chars::to_lower(c));
        h *= 16777619u;
    }
    return h;
}

constexpr std::array<std::uint8_t, k_slots> make_slots() {
    std::array<std::uint8_t, k_slots> slots{};
    for (auto& s : slots)
        s = k_empty;
    auto insert = [&slots](std::string_view key, std::size_t index) {
        std::size_t pos = folded_hash(key) % k_slots;
        while (slots[pos] != k_empty)
            pos = (pos + 1) % k_slots;
        slots[pos] = static_cast<std::uint8_t>(index);
    };
    for (std::size_t i = 0; i < k_entries.size(); ++i)
        insert(k_entries[i].name, i);
    return slots;
}

constexpr std::array<std::uint8_t, k_slots> k_slots_table = make_slots();

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

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (chars::to_lower(a[i]) != chars::to_lower(b[i])) return false;
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
    std::size_t pos = folded_hash(name) % k_slots;
    while (k_slots_table[pos] != k_empty) {
        std::uint8_t idx = k_slots_table[pos];
        if (iequal(k_entries[idx].name, name)) return static_cast<HeaderId>(idx);
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
