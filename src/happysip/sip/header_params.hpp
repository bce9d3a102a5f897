// Header parameters: *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
// gen-value = token / host / quoted-string (RFC 3261 §25.1). Used by Via, From/To,
// Contact, Route, Record-Route, Path and friends. Validated once when parsed; lookups
// re-scan the validated text, which for the handful of parameters a header carries is
// cheaper than building a container.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/host_chars.hpp"
#include "happysip/sip/result.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {

struct HeaderParam {
    std::string_view name;
    std::string_view value;  // as written: a quoted-string keeps its quotes
    bool has_value = false;
    bool value_is_token = false;  // a non-empty value of token characters only
};

// Called once per parameter during the validating scan, so a header parser can pick out
// the parameters it knows without scanning again. `offset` is where the parameter starts
// (already including the offset given to parse). A returned error stops the parse.
using HeaderParamVisitor = std::optional<ParseError> (*)(void* context, const HeaderParam& param,
                                                         std::size_t offset);

class HeaderParams {
  public:
    HeaderParams() = default;

    // Parses `text`, which is empty or starts with ';' (white space around ';' and '='
    // allowed). `offset` is added to error offsets so they point into the enclosing value.
    static Result<HeaderParams> parse(std::string_view text, std::size_t offset = 0,
                                      HeaderParamVisitor visit = nullptr, void* context = nullptr);
    // The same with the visitor inlined: `visit(const HeaderParam&, std::size_t offset)`
    // returns std::optional<ParseError>. Fills `out` in place (copying a Result out of
    // its variant stalled store forwarding). What the typed header parsers use.
    template <class Visitor>
    static std::optional<ParseError> parse_into(std::string_view text, std::size_t offset,
                                                HeaderParams& out, Visitor&& visit);

    // Case-insensitive name lookup (RFC 3261 §7.3.1). A flag parameter ("lr", "rport")
    // yields an empty value; nullopt means absent.
    std::optional<std::string_view> find(std::string_view name) const noexcept;
    bool has(std::string_view name) const noexcept { return find(name).has_value(); }
    std::string_view raw() const noexcept { return raw_; }
    bool empty() const noexcept { return raw_.empty(); }

    // Iteration: `std::size_t pos = 0; while (auto p = params.next(pos)) ...`
    std::optional<HeaderParam> next(std::size_t& pos) const noexcept;

  private:
    explicit HeaderParams(std::string_view raw) : raw_(raw) {}
    std::string_view raw_;
};

// Length of the quoted-string at the start of `s` (including both quotes), or 0 if it is
// unterminated or `s` does not start with '"'.
std::size_t quoted_string_length(std::string_view s) noexcept;

namespace detail {

// One ";name[=value]" at `i`, white space allowed around ';' and '='. The single scanner
// behind both the validating parse and the lookups on already validated text.
struct ParamScan {
    HeaderParam param;
    std::size_t name_begin = 0;
    std::size_t end = 0;
    const char* fault = nullptr;  // what is wrong, when the text does not follow the grammar
    std::size_t fault_at = 0;
};

[[gnu::always_inline]] inline ParamScan scan_param(std::string_view s, std::size_t i) noexcept {
    ParamScan r;
    auto fail = [&r](std::size_t at, const char* what) {
        r.fault = what;
        r.fault_at = at;
        return r;
    };
    i = text::skip_wsp(s, i);
    if (i >= s.size() || s[i] != ';') return fail(i, "expected ';' before parameter");
    i = text::skip_wsp(s, i + 1);
    r.name_begin = i;
    i = chars::skip_host_chars(s, i);
    while (i < s.size() && chars::is_token(s[i]))
        ++i;
    if (i == r.name_begin) return fail(i, "empty parameter name");
    r.param.name = s.substr(r.name_begin, i - r.name_begin);
    if (i < s.size() && chars::is_wsp(s[i])) [[unlikely]]
        i = text::skip_wsp(s, i);
    if (i < s.size() && s[i] == '=') {
        i = text::skip_wsp(s, i + 1);
        const std::size_t value_begin = i;
        if (i < s.size() && s[i] == '"') {
            const std::size_t q = quoted_string_length(s.substr(i));
            if (q == 0) return fail(i, "unterminated quoted string");
            i += q;
        } else {
            // Noting on the way whether every byte is a token character saves typed
            // parsers (Via branch, RFC 3261 §20.42) a second scan.
            std::uint16_t all = chars::k_token;
            i = chars::skip_host_chars(s, i);  // token characters: `all` stays as it is
            while (i < s.size() && chars::is(s[i], chars::k_gen_value))
                all &= chars::table[static_cast<unsigned char>(s[i++])];
            if (i == value_begin) return fail(i, "empty parameter value");
            r.param.value_is_token = all != 0;
        }
        r.param.value = s.substr(value_begin, i - value_begin);
        r.param.has_value = true;
        if (i < s.size() && chars::is_wsp(s[i])) [[unlikely]]
            i = text::skip_wsp(s, i);
    }
    r.end = i;
    return r;
}

}  // namespace detail

template <class Visitor>
std::optional<ParseError> HeaderParams::parse_into(std::string_view text, std::size_t offset,
                                                   HeaderParams& out, Visitor&& visit) {
    std::size_t i = text::skip_wsp(text, 0);
    while (i < text.size()) {
        const detail::ParamScan scan = detail::scan_param(text, i);
        if (scan.fault != nullptr) [[unlikely]]
            return make_error(ParseErrc::bad_header, "", offset + scan.fault_at, scan.fault);
        if (auto e = visit(scan.param, offset + scan.name_begin)) [[unlikely]]
            return e;
        i = scan.end;
    }
    out.raw_ = text;
    return std::nullopt;
}

// Removes the quotes and quoted-pair backslashes of a quoted-string; other text unchanged.
std::string unquote(std::string_view value);
// Resolves the quoted-pairs ("\x" -> "x") of the inside of a quoted-string.
std::string unescape(std::string_view value);
inline bool is_quoted(std::string_view v) noexcept {
    return v.size() >= 2 && v.front() == '"' && v.back() == '"';
}

}  // namespace happysip::sip
