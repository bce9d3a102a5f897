#include "happysip/sip/text.hpp"

#include <array>

namespace happysip::sip::text {

namespace {
// Bytes that change the comma-splitting state; everything else is skipped in one table test.
constexpr std::array<bool, 256> make_special() {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view(",\"<>\\"))
        t[c] = true;
    return t;
}
constexpr std::array<bool, 256> k_special = make_special();
}  // namespace

std::optional<std::string_view> CommaList::next() noexcept {
    if (done_) return std::nullopt;
    bool in_quotes = false;
    bool in_angle = false;
    const std::size_t n = rest_.size();
    std::size_t i = 0;
    for (; i < n; ++i) {
        while (i < n && !k_special[static_cast<unsigned char>(rest_[i])])
            ++i;
        if (i >= n) break;
        char c = rest_[i];
        if (in_quotes) {
            if (c == '\\')
                ++i;  // quoted-pair: skip the escaped byte
            else if (c == '"')
                in_quotes = false;
        } else if (in_angle) {
            if (c == '>') in_angle = false;
        } else if (c == '"') {
            in_quotes = true;
        } else if (c == '<') {
            in_angle = true;
        } else if (c == ',') {
            break;
        }
    }
    if (in_quotes || in_angle) unterminated_ = true;
    std::string_view element = rest_.substr(0, i < n ? i : n);
    if (i >= n) {
        done_ = true;
        rest_ = {};
    } else {
        rest_.remove_prefix(i + 1);
    }
    return trim(element);
}

}  // namespace happysip::sip::text
