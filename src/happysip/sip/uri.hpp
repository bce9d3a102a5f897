// SIP and SIPS URIs (RFC 3261 §19.1, §25.1, IPv6 per RFC 5118), tel URIs (RFC 3966) and,
// kept but not interpreted, any other absoluteURI ("urn:uuid:...", "http://...").
//
// Zero-copy: every string_view in Uri, Host, UriParams and UriParam points into the text
// given to parse_uri and lives exactly as long as that text. Parsing allocates nothing on
// success: parameters and headers are validated once and kept as their raw substrings;
// find() and next() re-scan them, which for the few parameters a URI carries is cheaper
// than building a container. Views are as written, so they may still hold %-escapes;
// percent_decode() gives the plain bytes and percent_decoded_equal() compares without
// allocating.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "happysip/sip/host.hpp"
#include "happysip/sip/result.hpp"

namespace happysip::sip {

enum class UriScheme : std::uint8_t { sip, sips, tel, other /* absoluteURI: kept as text */ };

struct UriParam {
    std::string_view name;   // as written (may hold escapes)
    std::string_view value;  // as written; empty for a flag parameter ("lr")
    bool has_value = false;
};

// uri-parameters ";name[=value]..." (RFC 3261 §19.1.1) or tel "par"s (RFC 3966 §3).
struct UriParams {
    std::string_view raw;  // "transport=tcp;lr": without the leading ';', empty if none

    // Case-insensitive, escape-insensitive name lookup (RFC 3261 §19.1.4). A flag
    // parameter yields ""; nullopt means absent. The first occurrence wins.
    std::optional<std::string_view> find(std::string_view name) const noexcept;
    bool has(std::string_view name) const noexcept { return find(name).has_value(); }
    bool empty() const noexcept { return raw.empty(); }
    // Iteration: `std::size_t pos = 0; while (auto p = uri.params.next(pos)) ...`
    std::optional<UriParam> next(std::size_t& pos) const noexcept;
};

// Headers after '?' (RFC 3261 §19.1.1): "hname=hvalue&..." without the '?'. Same
// iteration and lookup as UriParams, with '&' as separator; names are case-insensitive.
std::optional<UriParam> next_uri_header(std::string_view headers, std::size_t& pos) noexcept;
std::optional<std::string_view> find_uri_header(std::string_view headers,
                                                std::string_view name) noexcept;

struct Uri {
    UriScheme scheme = UriScheme::sip;
    std::string_view scheme_text;  // as written: "sip", "SIP", "tel", "urn"
    std::string_view text;         // the whole URI

    // sip/sips userinfo, as written (still escaped). A ';' before '@' belongs to the user:
    // in "sip:user;par=u%40example.net@example.com" the user is "user;par=u%40example.net".
    std::string_view user;
    std::string_view password;
    bool has_user = false;
    bool has_password = false;  // ':' present in userinfo (the password may be empty)

    // tel: the telephone-subscriber digits as written: "+1-201-555-0123" or "7042".
    std::string_view number;

    Host host;                          // sip/sips only; empty for tel and other
    std::optional<std::uint16_t> port;  // only when written; no default is filled in
    UriParams params;                   // sip/sips uri-parameters, tel parameters
    std::string_view headers;           // after '?', raw, empty if none

    bool is_sip_or_sips() const noexcept {
        return scheme == UriScheme::sip || scheme == UriScheme::sips;
    }
    std::optional<std::string_view> transport() const noexcept { return params.find("transport"); }
    // Case-insensitive: transport_is("tcp") for ";transport=TCP".
    bool transport_is(std::string_view name) const noexcept;
    bool has_lr() const noexcept { return params.has("lr"); }  // RFC 3261 §16.12.1.1
    std::optional<std::string_view> maddr() const noexcept { return params.find("maddr"); }
    std::optional<std::uint8_t> ttl() const noexcept;  // validated 0..255 by parse_uri
    // user=phone / user=ip (RFC 3261 §19.1.1); named so as not to clash with `user`.
    std::optional<std::string_view> user_param() const noexcept { return params.find("user"); }
    std::optional<std::string_view> method() const noexcept { return params.find("method"); }
    bool has_ob() const noexcept { return params.has("ob"); }  // RFC 5626 §5.4
    // RFC 5627 §3.1: nullopt when absent, "" for a bare "gr" (a temporary GRUU is being
    // asked for or offered), otherwise the gr value of a public GRUU.
    std::optional<std::string_view> gr() const noexcept { return params.find("gr"); }

    // tel (RFC 3966 §5.1): a global number starts with '+'; a local one has a context.
    bool is_global_number() const noexcept { return number.starts_with('+'); }
    std::optional<std::string_view> phone_context() const noexcept {
        return params.find("phone-context");
    }
};

// Parses a whole URI: no white space around it, nothing after it. Errors are bad_uri with
// the byte offset within `text` and a precise detail ("port out of range").
Result<Uri> parse_uri(std::string_view text);
// The same, filling `out` in place (no copy of the result); returns the error if any.
std::optional<ParseError> parse_uri_into(std::string_view text, Uri& out);

// Percent-decoding (escaped = "%" HEXDIG HEXDIG). A '%' not followed by two hex digits is
// copied literally; parse_uri never lets one through, so this matters only for text from
// elsewhere. The result may hold any byte, NUL included ("sip:null-%00-null@...").
std::string percent_decode(std::string_view text);
// Equality of the decoded forms of a and b, optionally ASCII case-insensitive; no allocation.
bool percent_decoded_equal(std::string_view a, std::string_view b, bool ignore_case) noexcept;

// RFC 3261 §19.1.4 URI equality for sip/sips: same scheme; userinfo equal case-sensitively
// after decoding; hosts equal (host_equal); ports both absent or equal (an explicit 5060 is
// not the default); user, ttl, method, maddr and transport parameters present in both with
// equal values or absent from both; other parameters compared only when in both; headers
// equal as a set (names and decoded values case-insensitive). tel URIs follow RFC 3966 §4
// (visual separators ignored, every parameter must be in both); other schemes compare the
// decoded text after a case-insensitive scheme. URIs of different schemes are never equal.
bool uri_equal(const Uri& a, const Uri& b) noexcept;

}  // namespace happysip::sip
