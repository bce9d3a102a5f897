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

std::string unquote(std::string_view value) {
    if (!is_quoted(value)) return std::string(value);
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size()) ++i;
        out.push_back(value[i]);
    }
    return out;
}

Result<HeaderParams> HeaderParams::parse(std::string_view text, std::size_t offset,
                                         HeaderParamVisitor visit, void* context) {
    std::size_t i = skip_wsp(text, 0);
    while (i < text.size()) {
        if (text[i] != ';')
            return make_error(ParseErrc::bad_header, "", offset + i,
                              "expected ';' before parameter");
        i = skip_wsp(text, i + 1);
        std::size_t name_begin = i;
        while (i < text.size() && chars::is_token(text[i]))
            ++i;
        if (i == name_begin)
            return make_error(ParseErrc::bad_header, "", offset + i, "empty parameter name");
        HeaderParam param{text.substr(name_begin, i - name_begin), {}, false};
        i = skip_wsp(text, i);
        if (i < text.size() && text[i] == '=') {
            i = skip_wsp(text, i + 1);
            std::size_t value_begin = i;
            if (i < text.size() && text[i] == '"') {
                std::size_t q = quoted_string_length(text.substr(i));
                if (q == 0)
                    return make_error(ParseErrc::bad_header, "", offset + i,
                                      "unterminated quoted string");
                i += q;
            } else {
                while (i < text.size() && is_gen_value_char(text[i]))
                    ++i;
                if (i == value_begin)
                    return make_error(ParseErrc::bad_header, "", offset + i,
                                      "empty parameter value");
            }
            param.value = text.substr(value_begin, i - value_begin);
            param.has_value = true;
            i = skip_wsp(text, i);
        }
        if (visit != nullptr)
            if (auto e = visit(context, param, offset + name_begin)) return std::move(*e);
    }
    return HeaderParams(text);
}

std::optional<HeaderParam> HeaderParams::next(std::size_t& pos) const noexcept {
    std::string_view s = raw_;
    std::size_t i = skip_wsp(s, pos);
    if (i >= s.size() || s[i] != ';') return std::nullopt;
    i = skip_wsp(s, i + 1);
    HeaderParam p;
    std::size_t name_begin = i;
    while (i < s.size() && chars::is_token(s[i]))
        ++i;
    p.name = s.substr(name_begin, i - name_begin);
    i = skip_wsp(s, i);
    if (i < s.size() && s[i] == '=') {
        i = skip_wsp(s, i + 1);
        std::size_t value_begin = i;
        if (i < s.size() && s[i] == '"') {
            i += quoted_string_length(s.substr(i));
        } else {
            while (i < s.size() && is_gen_value_char(s[i]))
                ++i;
        }
        p.value = s.substr(value_begin, i - value_begin);
        p.has_value = true;
    }
    pos = i;
    return p;
}

std::optional<std::string_view> HeaderParams::find(std::string_view name) const noexcept {
    std::size_t pos = 0;
    while (auto p = next(pos))
        if (text::iequals(p->name, name)) return p->value;
    return std::nullopt;
}

}  // namespace happysip::sip
