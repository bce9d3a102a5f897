// URI equality (RFC 3261 §19.1.4, RFC 3966 §4) and percent-decoding.
#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::sip {
namespace {

// The decoded byte at s[i], advancing i past it (three bytes for a valid escape).
char decoded_at(std::string_view s, std::size_t& i) noexcept {
    if (s[i] == '%' && i + 2 < s.size() && chars::is_hex(s[i + 1]) && chars::is_hex(s[i + 2])) {
        const char c =
            static_cast<char>(chars::hex_value(s[i + 1]) * 16 + chars::hex_value(s[i + 2]));
        i += 3;
        return c;
    }
    return s[i++];
}

bool decoded_iequal(std::string_view a, std::string_view b) noexcept {
    return percent_decoded_equal(a, b, true);
}

// RFC 3261 §19.1.4: these parameters must match when present in either URI.
constexpr std::string_view k_must_match[] = {"user", "ttl", "method", "maddr", "transport"};

// An "other" parameter of one URI matches the other URI if that one lacks the name or has
// it with an equal value (RFC 3261 §19.1.4: compared only when present in both).
bool other_param_matches(const UriParams& params, const UriParam& p) noexcept {
    bool named = false;
    std::size_t pos = 0;
    while (auto q = params.next(pos)) {
        if (!decoded_iequal(q->name, p.name)) continue;
        if (decoded_iequal(q->value, p.value)) return true;
        named = true;
    }
    return !named;
}

bool other_params_match(const UriParams& a, const UriParams& b) noexcept {
    std::size_t pos = 0;
    while (auto p = a.next(pos))
        if (!other_param_matches(b, *p)) return false;
    return true;
}

bool sip_params_equal(const UriParams& a, const UriParams& b) noexcept {
    for (std::string_view name : k_must_match) {
        auto x = a.find(name);
        auto y = b.find(name);
        if (x.has_value() != y.has_value() || (x && !decoded_iequal(*x, *y))) return false;
    }
    // Both directions keep the comparison symmetric when a name repeats.
    return other_params_match(a, b) && other_params_match(b, a);
}

// Every element of `a` (parameters or headers, per `next`) appears in `b` with an equal
// value; names and values compared decoded and case-insensitively.
template <class Next>
bool all_in(Next next, std::string_view a, std::string_view b) noexcept {
    std::size_t pos = 0;
    while (auto x = next(a, pos)) {
        bool found = false;
        std::size_t pos_b = 0;
        while (auto y = next(b, pos_b)) {
            if (decoded_iequal(x->name, y->name) && x->has_value == y->has_value &&
                decoded_iequal(x->value, y->value)) {
                found = true;
                break;
            }
        }
        if (!found) return false;
    }
    return true;
}

template <class Next>
bool same_set(Next next, std::string_view a, std::string_view b) noexcept {
    return all_in(next, a, b) && all_in(next, b, a);
}

std::optional<UriParam> next_param(std::string_view raw, std::size_t& pos) noexcept {
    return UriParams{raw}.next(pos);
}

bool sip_equal(const Uri& a, const Uri& b) noexcept {
    // Userinfo is case-sensitive; escaped and plain bytes are the same.
    return a.has_user == b.has_user && percent_decoded_equal(a.user, b.user, false) &&
           a.has_password == b.has_password &&
           percent_decoded_equal(a.password, b.password, false) && host_equal(a.host, b.host) &&
           a.port == b.port && sip_params_equal(a.params, b.params) &&
           same_set(next_uri_header, a.headers, b.headers);
}

bool is_visual_separator(char c) noexcept {
    return c == '-' || c == '.' || c == '(' || c == ')';
}

// RFC 3966 §4: numbers equal digit by digit, ignoring visual separators.
bool tel_number_equal(std::string_view a, std::string_view b) noexcept {
    std::size_t i = 0;
    std::size_t j = 0;
    while (true) {
        while (i < a.size() && is_visual_separator(a[i]))
            ++i;
        while (j < b.size() && is_visual_separator(b[j]))
            ++j;
        if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
        if (chars::to_lower(a[i++]) != chars::to_lower(b[j++])) return false;
    }
}

}  // namespace

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size())
        out.push_back(decoded_at(text, i));
    return out;
}

bool percent_decoded_equal(std::string_view a, std::string_view b, bool ignore_case) noexcept {
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        char x = decoded_at(a, i);
        char y = decoded_at(b, j);
        if (ignore_case) {
            x = chars::to_lower(x);
            y = chars::to_lower(y);
        }
        if (x != y) return false;
    }
    return i == a.size() && j == b.size();
}

bool uri_equal(const Uri& a, const Uri& b) noexcept {
    if (a.scheme != b.scheme) return false;
    switch (a.scheme) {
        case UriScheme::sip:
        case UriScheme::sips:
            return sip_equal(a, b);
        case UriScheme::tel:
            return tel_number_equal(a.number, b.number) &&
                   same_set(next_param, a.params.raw, b.params.raw);
        case UriScheme::other:
            break;
    }
    const std::size_t skip_a = a.scheme_text.size() + 1;
    const std::size_t skip_b = b.scheme_text.size() + 1;
    return text::iequals(a.scheme_text, b.scheme_text) && a.text.size() >= skip_a &&
           b.text.size() >= skip_b &&
           percent_decoded_equal(a.text.substr(skip_a), b.text.substr(skip_b), false);
}

}  // namespace happysip::sip
