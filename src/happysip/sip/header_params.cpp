#include "happysip/sip/header_params.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

using text::skip_wsp;

// gen-value = token / host / quoted-string. A host adds ':' '[' ']' for IPv6 references
// (RFC 5118 §4.5: received=2001:db8::9:1 is a valid Via parameter value).
bool is_gen_value_char(char c) {
    return chars::is_token(c) || c == ':' || c == '[' || c == ']';
}

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

namespace {

// One ";name[=value]" at `i`, white space allowed around ';' and '='. The single scanner
// behind both the validating parse and the lookups on already validated text.
struct ParamScan {
    HeaderParam param;
    std::size_t name_begin = 0;
    std::size_t end = 0;
    const char* fault = nullptr;  // what is wrong, when the text does not follow the grammar
    std::size_t fault_at = 0;
};

[[gnu::always_inline]] inline ParamScan scan_param(std::string_view s, std::size_t i) {
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
    i = skip_wsp(s, i);
    if (i < s.size() && s[i] == '=') {
        i = skip_wsp(s, i + 1);
        const std::size_t value_begin = i;
        if (i < s.size() && s[i] == '"') {
            const std::size_t q = quoted_string_length(s.substr(i));
            if (q == 0) return fail(i, "unterminated quoted string");
            i += q;
        } else {
            while (i < s.size() && is_gen_value_char(s[i]))
                ++i;
            if (i == value_begin) return fail(i, "empty parameter value");
        }
        r.param.value = s.substr(value_begin, i - value_begin);
        r.param.has_value = true;
        i = skip_wsp(s, i);
    }
    r.end = i;
    return r;
}

}  // namespace

Result<HeaderParams> HeaderParams::parse(std::string_view text, std::size_t offset,
                                         HeaderParamVisitor visit, void* context) {
    std::size_t i = skip_wsp(text, 0);
    while (i < text.size()) {
        ParamScan scan = scan_param(text, i);
        if (scan.fault != nullptr)
            return make_error(ParseErrc::bad_header, "", offset + scan.fault_at, scan.fault);
        if (visit != nullptr)
            if (auto e = visit(context, scan.param, offset + scan.name_begin)) return std::move(*e);
        i = scan.end;
    }
    return HeaderParams(text);
}

std::optional<HeaderParam> HeaderParams::next(std::size_t& pos) const noexcept {
    // raw_ was validated by parse(): a fault here only means the end of the list.
    ParamScan scan = scan_param(raw_, pos);
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
