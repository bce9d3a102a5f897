#include "happysip/sip/token_list.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

// Calls f(element) for each comma-separated element of every live `id` line of `m`,
// trimmed, skipping empty elements; stops when f returns true.
template <class F>
bool for_each_element(const Message& m, HeaderId id, F&& f) {
    for (const HeaderField& field : m.fields()) {
        if (field.removed || field.id != id) continue;
        text::CommaList elements(m.value(field));
        while (auto e = elements.next())
            if (!e->empty() && f(*e)) return true;
    }
    return false;
}

}  // namespace

TokenList::Iterator& TokenList::Iterator::operator++() noexcept {
    std::size_t i = 0;
    while (i < rest_.size() && (rest_[i] == ',' || chars::is_wsp(rest_[i])))
        ++i;
    std::size_t b = i;
    while (i < rest_.size() && chars::is_token(rest_[i]))
        ++i;
    current_ = i == b ? std::string_view() : rest_.substr(b, i - b);
    rest_.remove_prefix(i);
    return *this;
}

std::size_t TokenList::size() const noexcept {
    std::size_t n = 0;
    for (auto it = begin(); it != end(); ++it)
        ++n;
    return n;
}

bool TokenList::contains(std::string_view token) const noexcept {
    for (std::string_view t : *this)
        if (text::iequals(t, token)) return true;
    return false;
}

bool TokenList::contains_case_sensitive(std::string_view token) const noexcept {
    for (std::string_view t : *this)
        if (t == token) return true;
    return false;
}

Result<TokenList> parse_token_list(std::string_view value, std::string_view header) {
    const std::string_view list = text::trim(value);
    const std::size_t base = text::offset_in(value, list);
    std::size_t i = 0;
    while (i < list.size()) {
        const std::size_t b = i;
        while (i < list.size() && chars::is_token(list[i]))
            ++i;
        if (i == b) {
            const bool separator = list[i] == ',';
            return make_error(ParseErrc::bad_header, header, base + i,
                              separator ? "empty list element" : "expected a token");
        }
        while (i < list.size() && chars::is_wsp(list[i]))
            ++i;
        if (i == list.size()) break;
        if (list[i] != ',')
            return make_error(ParseErrc::bad_header, header, base + i, "expected ',' after token");
        ++i;
        while (i < list.size() && chars::is_wsp(list[i]))
            ++i;
        if (i == list.size())
            return make_error(ParseErrc::bad_header, header, base + i, "empty list element");
    }
    return TokenList(list);
}

bool message_supports(const Message& m, std::string_view option_tag) {
    return for_each_element(m, HeaderId::supported, [option_tag](std::string_view t) {
        return text::iequals(t, option_tag);
    });
}

std::vector<std::string_view> unsupported_requirements(const Message& m, HeaderId header,
                                                       std::span<const std::string_view> known) {
    std::vector<std::string_view> out;
    auto listed = [](const auto& range, std::string_view tag) {
        for (std::string_view k : range)
            if (text::iequals(k, tag)) return true;
        return false;
    };
    for_each_element(m, header, [&](std::string_view tag) {
        if (!listed(known, tag) && !listed(out, tag)) out.push_back(tag);
        return false;
    });
    return out;
}

}  // namespace happysip::sip
