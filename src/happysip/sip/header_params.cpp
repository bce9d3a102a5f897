#include "happysip/sip/header_params.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

using text::skip_wsp;

}  // namespace

std::size_t quoted_string_length(std::string_view s) noexcept {
    if (s.empty() || s[0] != '"') return 0;
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;  // quoted-pair
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

std::string unescape(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        out.push_back(value[i]);
    }
    return out;
}

std::string unquote(std::string_view value) {
    if (!is_quoted(value)) return std::string(value);
    return unescape(value.substr(1, value.size() - 2));
}

namespace detail {

ParamScan scan_param(std::string_view s, std::size_t i) noexcept {
    ParamScan r;
    auto fail = [&r](std::size_t at, const char* what) {
        r.fault = what;
        r.fault_at = at;
        return r;
    };
    i = skip_wsp(s, i);
    if (i >= s.size() || s[i] != ';') return fail(i, "expected ';' before parameter");
    i = skip_wsp(s, i + 1);
    r.name_begin = i;
    while (i < s.size() && chars::is_token(s[i]))
        ++i;
    if (i == r.name_begin) return fail(i, "empty parameter name");
    r.param.name = s.substr(r.name_begin, i - r.name_begin);
    if (i < s.size() && chars::is_wsp(s[i])) [[unlikely]]
        i = skip_wsp(s, i);
    if (i < s.size() && s[i] == '=') {
        i = skip_wsp(s, i + 1);
        const std::size_t value_begin = i;
        if (i < s.size() && s[i] == '"') {
            const std::size_t q = quoted_string_length(s.substr(i));
            if (q == 0) return fail(i, "unterminated quoted string");
            i += q;
        } else {
            while (i < s.size() && chars::is(s[i], chars::k_gen_value))
                ++i;
            if (i == value_begin) return fail(i, "empty parameter value");
        }
        r.param.value = s.substr(value_begin, i - value_begin);
        r.param.has_value = true;
        if (i < s.size() && chars::is_wsp(s[i])) [[unlikely]]
            i = skip_wsp(s, i);
    }
    r.end = i;
    return r;
}

}  // namespace detail

Result<HeaderParams> HeaderParams::parse(std::string_view text, std::size_t offset,
                                         HeaderParamVisitor visit, void* context) {
    return parse_with(text, offset, [&](const HeaderParam& p, std::size_t at) {
        return visit != nullptr ? visit(context, p, at) : std::nullopt;
    });
}

std::optional<HeaderParam> HeaderParams::next(std::size_t& pos) const noexcept {
    // raw_ was validated by parse(): a fault here only means the end of the list.
    const detail::ParamScan scan = detail::scan_param(raw_, pos);
    if (scan.fault != nullptr) return std::nullopt;
    pos = scan.end;
    return scan.param;
}

std::optional<std::string_view> HeaderParams::find(std::string_view name) const noexcept {
    std::size_t pos = 0;
    while (auto p = next(pos))
        if (text::iequals(p->name, name)) return p->value;
    return std::nullopt;
}

}  // namespace happysip::sip
