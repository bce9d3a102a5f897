#include "happysip/sip/name_addr.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

using text::skip_wsp;

// True if `s` is *(token LWS): an unquoted display name.
bool is_token_sequence(std::string_view s) {
    for (char c : s)
        if (!chars::is_token(c) && !chars::is_wsp(c)) return false;
    return true;
}

}  // namespace

Result<NameAddr> parse_name_addr(std::string_view value, std::string_view header) {
    NameAddr out;
    if (auto e = parse_name_addr_into(value, out, header)) return std::move(*e);
    return out;
}

namespace {

// Where the parts of a name-addr / addr-spec lie, found without interpreting the URI:
// the display name (a quoted-string, or tokens before '<'), the URI between < and > or up
// to the first ';' or white space, and the header parameters after it.
struct NameAddrParts {
    std::string_view display_name;
    std::string_view uri_text;
    bool angle_brackets = false;
    std::size_t params_begin = 0;
};

std::optional<ParseError> locate_parts(std::string_view value, NameAddrParts& out,
                                       std::string_view header) {
    auto fail = [header](std::size_t at, std::string_view detail) {
        return make_error(ParseErrc::bad_header, header, at, detail);
    };
    std::size_t i = skip_wsp(value, 0);
    std::size_t open = std::string_view::npos;
    if (i < value.size() && value[i] == '"') {
        std::size_t q = quoted_string_length(value.substr(i));
        if (q == 0) return fail(i, "unterminated quoted display name");
        out.display_name = value.substr(i, q);
        open = skip_wsp(value, i + q);
        if (open >= value.size() || value[open] != '<')
            return fail(open, "expected <URI> after display name");
    } else {
        std::size_t lt = text::find_char(value, '<', i);
        if (lt != std::string_view::npos) {
            std::string_view name = value.substr(i, lt - i);
            if (!is_token_sequence(name))
                return fail(i, "display name with special characters must be quoted");
            out.display_name = text::trim(name);
            open = lt;
        }
    }
    if (open != std::string_view::npos) {
        std::size_t close = text::find_char(value, '>', open);
        if (close == std::string_view::npos) return fail(open, "missing '>'");
        out.uri_text = value.substr(open + 1, close - open - 1);
        out.angle_brackets = true;
        out.params_begin = close + 1;
    } else {
        // RFC 3261 §20.10: without brackets, parameters after ';' belong to the header.
        std::size_t end = i;
        while (end < value.size() && value[end] != ';' && !chars::is_wsp(value[end]))
            ++end;
        out.uri_text = value.substr(i, end - i);
        if (out.uri_text.find_first_of(",?") != std::string_view::npos)
            return fail(i, "URI with ',' or '?' must be enclosed in <>");
        out.params_begin = end;
    }
    if (out.uri_text.empty()) return fail(i, "missing URI");
    return std::nullopt;
}

// Validates the header parameters after the URI and picks out the tag (of two, the last).
std::optional<ParseError> scan_params(std::string_view value, std::size_t params_begin,
                                      HeaderParams& params, std::optional<std::string_view>& tag,
                                      std::string_view header) {
    auto remember_tag = [&tag](const HeaderParam& p, std::size_t) -> std::optional<ParseError> {
        if (text::token_iequals(p.name, "tag")) tag = p.value;
        return std::nullopt;
    };
    auto e =
        HeaderParams::parse_into(value.substr(params_begin), params_begin, params, remember_tag);
    if (e) e->header = std::string(header);
    return e;
}

}  // namespace

std::optional<ParseError> parse_name_addr_into(std::string_view value, NameAddr& out,
                                               std::string_view header) {
    NameAddrParts parts;
    auto located = locate_parts(value, parts, header);
    // Member by member (`out = NameAddr{}` compiles to a slow-starting `rep stos`); the URI
    // is reset by parse_uri_into or below.
    out.display_name = parts.display_name;
    out.uri_text = parts.uri_text;
    out.angle_brackets = parts.angle_brackets;
    out.is_star = false;
    out.params = HeaderParams{};
    out.tag_param.reset();
    if (located) {
        out.uri = Uri{};
        return located;
    }
    if (auto e = parse_uri_into(out.uri_text, out.uri)) {
        return make_error(ParseErrc::bad_header, header,
                          text::offset_in(value, out.uri_text) + e->offset,
                          "bad URI: " + e->detail);
    }
    return scan_params(value, parts.params_begin, out.params, out.tag_param, header);
}

std::optional<ParseError> parse_name_addr_tag(std::string_view value,
                                              std::optional<std::string_view>& tag,
                                              std::string_view header) {
    tag.reset();
    NameAddrParts parts;
    if (auto e = locate_parts(value, parts, header)) return e;
    HeaderParams params;
    return scan_params(value, parts.params_begin, params, tag, header);
}

std::optional<std::string_view> name_addr_tag(std::string_view value) {
    std::optional<std::string_view> tag;
    if (parse_name_addr_tag(value, tag)) return std::nullopt;
    return tag;
}

Result<NameAddr> parse_contact(std::string_view value) {
    if (text::trim(value) == "*") {
        NameAddr star;
        star.is_star = true;
        return star;
    }
    auto contact = parse_name_addr(value, "Contact");
    if (!contact) return contact;
    if (auto e = contact->params.find("expires"); e && !text::parse_uint(*e))
        return make_error(ParseErrc::bad_header, "Contact", 0, "expires is not delta-seconds");
    if (auto q = contact->params.find("q"); q && !parse_qvalue(*q))
        return make_error(ParseErrc::bad_header, "Contact", 0, "q must be a qvalue from 0 to 1");
    if (auto r = contact->params.find("reg-id"); r && !text::parse_uint(*r))
        return make_error(ParseErrc::bad_header, "Contact", 0, "reg-id is not a number");
    return contact;
}

std::optional<std::uint16_t> parse_qvalue(std::string_view s) noexcept {
    if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
    std::uint16_t value = s[0] == '1' ? 1000 : 0;
    if (s.size() == 1) return value;
    if (s[1] != '.' || s.size() > 5) return std::nullopt;
    std::uint16_t scale = 100;
    for (std::size_t i = 2; i < s.size(); ++i, scale = static_cast<std::uint16_t>(scale / 10)) {
        if (!chars::is_digit(s[i]) || (s[0] == '1' && s[i] != '0')) return std::nullopt;
        value = static_cast<std::uint16_t>(value + (s[i] - '0') * scale);
    }
    return value;
}

std::optional<std::uint32_t> contact_expires(const NameAddr& contact) noexcept {
    auto e = contact.params.find("expires");
    return e ? text::parse_uint(*e) : std::nullopt;
}

std::optional<std::uint16_t> contact_q(const NameAddr& contact) noexcept {
    auto q = contact.params.find("q");
    return q ? parse_qvalue(*q) : std::nullopt;
}

std::optional<std::string_view> contact_instance(const NameAddr& contact) noexcept {
    auto v = contact.params.find("+sip.instance");
    if (!v) return std::nullopt;
    return is_quoted(*v) ? v->substr(1, v->size() - 2) : *v;
}

std::optional<std::uint32_t> contact_reg_id(const NameAddr& contact) noexcept {
    auto r = contact.params.find("reg-id");
    return r ? text::parse_uint(*r) : std::nullopt;
}

}  // namespace happysip::sip
