// parse_uri and the parameter scanners. Comparison and percent-decoding: uri_compare.cpp.
#include "happysip/sip/uri.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

constexpr auto npos = std::string_view::npos;
using Failure = std::optional<ParseError>;

ParseError uri_error(std::size_t at, std::string_view detail) {
    return make_error(ParseErrc::bad_uri, "", at, detail);
}

// The error for the byte at `at` in `uri`, which is not allowed in `what`.
ParseError char_error(std::string_view uri, std::size_t at, std::string_view what) {
    const char c = at < uri.size() ? uri[at] : '\0';
    std::string detail = c == '%'           ? "bad escape sequence in "
                         : chars::is_wsp(c) ? "white space in "
                                            : "invalid character in ";
    return uri_error(at, detail.append(what));
}

// Offset of the first byte of `s` that is neither in `allowed` nor part of a valid
// escape ("%" HEXDIG HEXDIG), or npos.
std::size_t find_invalid(std::string_view s, std::uint16_t allowed) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !chars::is_hex(s[i + 1]) || !chars::is_hex(s[i + 2])) return i;
            i += 2;
        } else if (!chars::is(s[i], allowed)) {
            return i;
        }
    }
    return npos;
}

// Checks that `part`, a view into `uri`, holds only `allowed` bytes and valid escapes.
Failure check_chars(std::string_view uri, std::string_view part, std::uint16_t allowed,
                    std::string_view what) {
    const std::size_t bad = find_invalid(part, allowed);
    if (bad == npos) return std::nullopt;
    return char_error(uri, text::offset_in(uri, part) + bad, what);
}

bool is_scheme_char(char c) noexcept {
    return chars::is_alpha(c) || chars::is_digit(c) || c == '+' || c == '-' || c == '.';
}

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); returns the offset after ':'.
Result<std::size_t> parse_scheme(std::string_view uri, Uri& out) {
    if (uri.empty()) return uri_error(0, "empty URI");
    std::size_t i = 0;
    if (chars::is_alpha(uri[0]))
        while (i < uri.size() && is_scheme_char(uri[i]))
            ++i;
    if (i == 0 || i == uri.size() || uri[i] != ':') {
        if (i < uri.size() && chars::is_wsp(uri[i])) return uri_error(i, "white space in URI");
        return uri_error(i, "missing scheme");
    }
    out.scheme_text = uri.substr(0, i);
    if (text::iequals(out.scheme_text, "sip"))
        out.scheme = UriScheme::sip;
    else if (text::iequals(out.scheme_text, "sips"))
        out.scheme = UriScheme::sips;
    else if (text::iequals(out.scheme_text, "tel"))
        out.scheme = UriScheme::tel;
    else
        out.scheme = UriScheme::other;
    return i + 1;
}

// userinfo = user [ ":" password ] "@". The first '@' ends it: neither host, parameters
// nor headers may hold an unescaped '@', while the user may hold ';', '?', '/' and '='.
Failure parse_userinfo(std::string_view uri, std::size_t& i, Uri& out) {
    const std::size_t at = text::find_char(uri, '@', i);
    if (at == npos) return std::nullopt;
    const std::string_view info = uri.substr(i, at - i);
    const std::size_t colon = info.find(':');
    out.user = info.substr(0, colon);
    out.has_user = true;
    if (out.user.empty()) return uri_error(i, "empty user");
    if (auto e = check_chars(uri, out.user, chars::k_unreserved | chars::k_user, "user")) return e;
    if (colon != npos) {
        out.password = info.substr(colon + 1);
        out.has_password = true;
        if (auto e =
                check_chars(uri, out.password, chars::k_unreserved | chars::k_password, "password"))
            return e;
    }
    i = at + 1;
    return std::nullopt;
}

// RFC 5118 §4.2: "sip:2001:db8::10" is not an IPv6 URI; say so instead of "bad port".
bool looks_like_bare_ipv6(std::string_view uri, std::size_t host_end) noexcept {
    if (host_end >= uri.size() || uri[host_end] != ':') return false;
    const std::size_t colon = uri.find(':', host_end + 1);
    return colon != npos && colon < uri.find_first_of(";?", host_end);
}

Failure parse_port(std::string_view uri, std::size_t& i, Uri& out) {
    const std::size_t begin = ++i;  // after ':'
    while (i < uri.size() && chars::is_digit(uri[i]))
        ++i;
    if (i == begin) {
        if (i < uri.size() && uri[i] != ';' && uri[i] != '?') return char_error(uri, i, "port");
        return uri_error(begin, "missing port");
    }
    auto port = text::parse_uint(uri.substr(begin, i - begin), 65535);
    if (!port) return uri_error(begin, "port out of range");
    out.port = static_cast<std::uint16_t>(*port);
    return std::nullopt;
}

// hostport = host [ ":" port ]
Failure parse_hostport(std::string_view uri, std::size_t& i, Uri& out) {
    const std::size_t begin = i;
    if (i < uri.size() && uri[i] == '[') {
        const std::size_t close = text::find_char(uri, ']', i);
        if (close == npos) return uri_error(i, "unterminated IPv6 reference");
        i = close + 1;
    } else {
        while (i < uri.size() && chars::is(uri[i], chars::k_host))
            ++i;
    }
    if (i == begin) {
        if (i < uri.size() && uri[i] != ';' && uri[i] != '?' && uri[i] != ':')
            return char_error(uri, i, "host");
        return uri_error(i, "missing host");
    }
    if (uri[begin] != '[' && looks_like_bare_ipv6(uri, i))
        return uri_error(begin, "IPv6 address must be enclosed in brackets");
    if (auto e = parse_host_into(uri.substr(begin, i - begin), out.host))
        return uri_error(begin + e->offset, e->detail);
    if (i < uri.size() && uri[i] == ':')
        if (auto e = parse_port(uri, i, out)) return e;
    if (i < uri.size() && uri[i] != ';' && uri[i] != '?')
        return char_error(uri, i, out.port ? "port" : "host");
    return std::nullopt;
}

// The parameters RFC 3261 §19.1.1 gives a grammar of their own, beyond other-param.
Failure check_known_sip_param(std::size_t at, const UriParam& p) {
    auto is = [&p](std::string_view name) { return text::iequals(p.name, name); };
    if (is("transport") || is("user") || is("method")) {
        if (!p.has_value || !chars::is_token(p.value))
            return uri_error(at, "bad " + std::string(p.name) + " parameter");
    } else if (is("ttl")) {
        if (!p.has_value || p.value.size() > 3 || !text::parse_uint(p.value, 255))
            return uri_error(at, "ttl must be 0 to 255");
    } else if (is("maddr")) {
        if (!p.has_value || !parse_host(p.value)) return uri_error(at, "bad maddr parameter");
    }
    return std::nullopt;
}

// Checks each ';'-separated parameter of `raw`: a non-empty name, and a non-empty value
// after '=' (pname / pvalue = 1*paramchar), with `name_chars` / `value_chars`.
Failure check_params(std::string_view uri, std::string_view raw, std::uint16_t name_chars,
                     std::uint16_t value_chars, Failure (*known)(std::size_t, const UriParam&)) {
    const UriParams params{raw};
    std::size_t pos = 0;
    while (true) {
        const std::size_t at = text::offset_in(uri, raw) + pos;
        auto p = params.next(pos);
        if (!p || p->name.empty()) return uri_error(at, "empty parameter name");
        if (auto e = check_chars(uri, p->name, name_chars, "parameter name")) return e;
        if (p->has_value && p->value.empty()) return uri_error(at, "empty parameter value");
        if (auto e = check_chars(uri, p->value, value_chars, "parameter value")) return e;
        if (auto e = known(at, *p)) return e;
        if (pos > raw.size()) return std::nullopt;
    }
}

// headers = "?" header *( "&" header ), header = hname "=" hvalue
Failure check_headers(std::string_view uri, std::string_view raw) {
    constexpr std::uint16_t k_hchars = chars::k_unreserved | chars::k_hnv;
    std::size_t pos = 0;
    while (true) {
        const std::size_t at = text::offset_in(uri, raw) + pos;
        auto h = next_uri_header(raw, pos);
        if (!h || h->name.empty()) return uri_error(at, "empty header name");
        if (auto e = check_chars(uri, h->name, k_hchars, "header name")) return e;
        if (!h->has_value) return uri_error(at + h->name.size(), "missing '=' in header");
        if (auto e = check_chars(uri, h->value, k_hchars, "header value")) return e;
        if (pos > raw.size()) return std::nullopt;
    }
}

// SIP-URI / SIPS-URI = scheme ":" [ userinfo ] hostport uri-parameters [ headers ]
Failure parse_sip(std::string_view uri, std::size_t i, Uri& out) {
    if (auto e = parse_userinfo(uri, i, out)) return e;
    if (auto e = parse_hostport(uri, i, out)) return e;
    const std::size_t question = text::find_char(uri, '?', i);
    if (i < uri.size() && uri[i] == ';') {
        const std::size_t end = question == npos ? uri.size() : question;
        out.params.raw = uri.substr(i + 1, end - i - 1);
        if (auto e = check_params(uri, out.params.raw, chars::k_unreserved | chars::k_param,
                                  chars::k_unreserved | chars::k_param, check_known_sip_param))
            return e;
    }
    if (question != npos) {
        out.headers = uri.substr(question + 1);
        if (auto e = check_headers(uri, out.headers)) return e;
    }
    return std::nullopt;
}

// RFC 3966 §3: phonedigit = DIGIT / visual-separator; phonedigit-hex adds HEXDIG "*" "#".
// Offset of the first byte of `s` that is neither, or npos; `digit` says one was seen.
std::size_t check_phone_digits(std::string_view s, bool hex, bool& digit) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (chars::is_digit(c) || (hex && (chars::is_hex(c) || c == '*' || c == '#')))
            digit = true;
        else if (c != '-' && c != '.' && c != '(' && c != ')')
            return i;
    }
    return npos;
}

// global-number-digits = "+" *phonedigit DIGIT *phonedigit
bool is_global_number_digits(std::string_view s) noexcept {
    bool digit = false;
    return s.starts_with('+') && check_phone_digits(s.substr(1), false, digit) == npos && digit;
}

// tel pname = 1*( alphanum / "-" ); phone-context = domainname / global-number-digits;
// ext = 1*phonedigit. (isub = 1*uric is checked as paramchar, a subset.)
Failure check_known_tel_param(std::size_t at, const UriParam& p) {
    const std::size_t bad = p.name.find_first_of(".%");
    if (bad != npos) return uri_error(at + bad, "invalid character in parameter name");
    if (text::iequals(p.name, "phone-context")) {
        if (!is_global_number_digits(p.value) && !is_hostname(p.value))
            return uri_error(at, "bad phone-context parameter");
    } else if (text::iequals(p.name, "ext")) {
        bool digit = false;
        if (check_phone_digits(p.value, false, digit) != npos || !digit)
            return uri_error(at, "bad ext parameter");
    }
    return std::nullopt;
}

// telephone-uri = "tel:" ( global-number / local-number ), each followed by parameters;
// a local number needs a phone-context (RFC 3966 §5.1.5).
Failure parse_tel(std::string_view uri, std::size_t i, Uri& out) {
    std::size_t semi = uri.find(';', i);
    if (semi == npos) semi = uri.size();
    out.number = uri.substr(i, semi - i);
    if (out.number.empty()) return uri_error(i, "missing telephone number");
    const std::size_t skip = out.number.front() == '+' ? 1 : 0;
    bool digit = false;
    const std::size_t bad = check_phone_digits(out.number.substr(skip), skip == 0, digit);
    if (bad != npos) return char_error(uri, i + skip + bad, "telephone number");
    if (!digit) return uri_error(i, "telephone number without digits");
    if (semi < uri.size()) {
        out.params.raw = uri.substr(semi + 1);
        if (auto e = check_params(uri, out.params.raw, chars::k_host,
                                  chars::k_unreserved | chars::k_param, check_known_tel_param))
            return e;
    }
    if (skip == 0 && !out.params.has("phone-context"))
        return uri_error(i, "local number without phone-context");
    return std::nullopt;
}

// absoluteURI, loosely: scheme ":" then at least one printable, non-space byte that could
// not end a name-addr or quoted string.
Failure parse_other(std::string_view uri, std::size_t i) {
    if (i == uri.size()) return uri_error(i, "empty URI after scheme");
    for (; i < uri.size(); ++i) {
        const char c = uri[i];
        if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"')
            return char_error(uri, i, "URI");
    }
    return std::nullopt;
}

}  // namespace

std::optional<ParseError> parse_uri_into(std::string_view text, Uri& out) {
    // Member by member: `out = Uri{}` compiles to a slow-starting `rep stos`.
    out.scheme = UriScheme::sip;
    out.scheme_text = {};  // separate stores: see reset() in via.cpp
    out.user = {};
    out.password = {};
    out.number = {};
    out.headers = {};
    out.has_user = out.has_password = false;
    out.host = Host{};
    out.port.reset();
    out.params = UriParams{};
    out.text = text;
    auto body = parse_scheme(text, out);
    if (!body) return std::move(body).error();
    switch (out.scheme) {
        case UriScheme::sip:
        case UriScheme::sips:
            return parse_sip(text, *body, out);
        case UriScheme::tel:
            return parse_tel(text, *body, out);
        case UriScheme::other:
            break;
    }
    return parse_other(text, *body);
}

Result<Uri> parse_uri(std::string_view text) {
    Uri out;
    if (auto e = parse_uri_into(text, out)) return std::move(*e);
    return out;
}

std::optional<UriParam> UriParams::next(std::size_t& pos) const noexcept {
    if (raw.empty() || pos > raw.size()) return std::nullopt;
    std::size_t end = raw.find(';', pos);
    if (end == npos) end = raw.size();
    const std::string_view item = raw.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t eq = item.find('=');
    if (eq == npos) return UriParam{item, {}, false};
    return UriParam{item.substr(0, eq), item.substr(eq + 1), true};
}

std::optional<std::string_view> UriParams::find(std::string_view name) const noexcept {
    std::size_t pos = 0;
    while (auto p = next(pos))
        if (percent_decoded_equal(p->name, name, true)) return p->value;
    return std::nullopt;
}

std::optional<UriParam> next_uri_header(std::string_view headers, std::size_t& pos) noexcept {
    if (headers.empty() || pos > headers.size()) return std::nullopt;
    std::size_t end = headers.find('&', pos);
    if (end == npos) end = headers.size();
    const std::string_view item = headers.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t eq = item.find('=');
    if (eq == npos) return UriParam{item, {}, false};
    return UriParam{item.substr(0, eq), item.substr(eq + 1), true};
}

std::optional<std::string_view> find_uri_header(std::string_view headers,
                                                std::string_view name) noexcept {
    std::size_t pos = 0;
    while (auto h = next_uri_header(headers, pos))
        if (percent_decoded_equal(h->name, name, true)) return h->value;
    return std::nullopt;
}

bool Uri::transport_is(std::string_view name) const noexcept {
    auto t = transport();
    return t && percent_decoded_equal(*t, name, true);
}

std::optional<std::uint8_t> Uri::ttl() const noexcept {
    auto v = params.find("ttl");
    if (!v) return std::nullopt;
    auto n = text::parse_uint(*v, 255);
    if (!n) return std::nullopt;
    return static_cast<std::uint8_t>(*n);
}

}  // namespace happysip::sip
