#include "happysip/sip/digest.hpp"

#include <array>

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

using text::skip_wsp;

std::size_t skip_token(std::string_view s, std::size_t i) noexcept {
    while (i < s.size() && chars::is_token(s[i]))
        ++i;
    return i;
}

// A scanning failure: a fixed description, where it was found and, for some, the
// parameter it concerns (appended to the description).
struct ScanError {
    std::string_view what;
    std::size_t at = 0;
    std::string_view param;
};

struct QuotedScan {
    std::size_t length = 0;  // including both quotes
    std::optional<ScanError> error;
};

// quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1): qdtext excludes
// control characters but HTAB; quoted-pair escapes any ASCII byte except CR and LF.
QuotedScan scan_quoted(std::string_view s, std::size_t begin) noexcept {
    for (std::size_t j = begin + 1; j < s.size(); ++j) {
        const char c = s[j];
        if (c == '"') return {j + 1 - begin, std::nullopt};
        if (c == '\\') {
            if (j + 1 >= s.size()) break;
            const char e = s[j + 1];
            if (e == '\r' || e == '\n' || chars::is(e, chars::k_utf8))
                return {0, ScanError{"bad quoted-pair", j, {}}};
            ++j;
        } else if (chars::is(c, chars::k_ctl) && c != '\t') {
            return {0, ScanError{"control character in quoted string", j, {}}};
        }
    }
    return {0, ScanError{"unterminated quoted string", begin, {}}};
}

struct ParamScan {
    AuthParam param;
    std::size_t end = 0;
    std::optional<ScanError> error;
};

// auth-param = auth-param-name EQUAL ( token / quoted-string ), EQUAL = SWS "=" SWS,
// starting at s[i].
ParamScan scan_param(std::string_view s, std::size_t i) noexcept {
    ParamScan r;
    const std::size_t name_end = skip_token(s, i);
    if (name_end == i) {
        r.error = ScanError{"expected parameter name", i, {}};
        return r;
    }
    r.param.name = s.substr(i, name_end - i);
    i = skip_wsp(s, name_end);
    if (i >= s.size() || s[i] != '=') {
        r.error = ScanError{"expected '=' after", i, r.param.name};
        return r;
    }
    i = skip_wsp(s, i + 1);
    if (i < s.size() && s[i] == '"') {
        QuotedScan q = scan_quoted(s, i);
        if (q.error) {
            r.error = q.error;
            return r;
        }
        r.param.value = s.substr(i + 1, q.length - 2);
        r.param.quoted = true;
        r.end = i + q.length;
        return r;
    }
    const std::size_t value_end = skip_token(s, i);
    if (value_end == i) {
        r.error = ScanError{"missing value for", i, r.param.name};
        return r;
    }
    r.param.value = s.substr(i, value_end - i);
    r.end = value_end;
    return r;
}

ParseError to_parse_error(const ScanError& e, std::string_view header) {
    std::string detail(e.what);
    if (!e.param.empty()) {
        detail += ' ';
        detail += e.param;
    }
    return make_error(ParseErrc::bad_header, header, e.at, detail);
}

// Validates `auth-param *(COMMA auth-param)` in s from `start` to the end, calling
// visit(param) for each; visit returns an error to stop.
template <class Visit>
std::optional<ParseError> scan_params(std::string_view s, std::size_t start,
                                      std::string_view header, Visit&& visit) {
    std::size_t i = skip_wsp(s, start);
    while (i < s.size()) {
        if (s[i] == ',') return make_error(ParseErrc::bad_header, header, i, "empty parameter");
        ParamScan p = scan_param(s, i);
        if (p.error) return to_parse_error(*p.error, header);
        if (auto e = visit(p.param)) return e;
        i = skip_wsp(s, p.end);
        if (i >= s.size()) break;
        if (s[i] != ',')
            return make_error(ParseErrc::bad_header, header, i, "expected ',' between parameters");
        i = skip_wsp(s, i + 1);
        if (i >= s.size())
            return make_error(ParseErrc::bad_header, header, i, "empty parameter after ','");
    }
    return std::nullopt;
}

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 7235 §2.1)
bool is_token68(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size() &&
           (chars::is_alpha(s[i]) || chars::is_digit(s[i]) || s[i] == '-' || s[i] == '.' ||
            s[i] == '_' || s[i] == '~' || s[i] == '+' || s[i] == '/'))
        ++i;
    if (i == 0) return false;
    while (i < s.size() && s[i] == '=')
        ++i;
    return i == s.size();
}

std::optional<bool> parse_bool(std::string_view v) noexcept {
    if (text::iequals(v, "true")) return true;
    if (text::iequals(v, "false")) return false;
    return std::nullopt;
}

bool all_hex(std::string_view v) noexcept {
    for (char c : v)
        if (!chars::is_hex(c)) return false;
    return true;
}

std::uint32_t hex_value(std::string_view v) noexcept {
    std::uint32_t n = 0;
    for (char c : v) {
        const char l = chars::to_lower(c);
        const auto digit = static_cast<std::uint32_t>(l <= '9' ? l - '0' : l - 'a' + 10);
        n = (n << 4) | digit;
    }
    return n;
}

// Calls f(element) for each comma-separated element of a qop list, trimmed.
template <class F>
bool for_each_list_element(std::string_view list, F&& f) {
    text::CommaList elements(list);
    while (auto e = elements.next())
        if (f(*e)) return true;
    return false;
}

// The start of the auth-params after "scheme LWS", and the scheme itself.
struct SchemeScan {
    std::string_view scheme;
    std::size_t rest = 0;
};

Result<SchemeScan> scan_scheme(std::string_view value, std::string_view header) {
    const std::size_t begin = skip_wsp(value, 0);
    const std::size_t end = skip_token(value, begin);
    if (end == begin)
        return make_error(ParseErrc::bad_header, header, begin, "expected auth-scheme");
    const std::size_t rest = skip_wsp(value, end);
    if (rest < value.size() && rest == end)
        return make_error(ParseErrc::bad_header, header, end,
                          "expected white space after auth-scheme");
    return SchemeScan{value.substr(begin, end - begin), rest};
}

// Non-Digest schemes: "scheme", "scheme token68" or "scheme #auth-param" (RFC 7235 §2.1).
template <class T>
std::optional<ParseError> parse_other_scheme(T& out, std::string_view value, std::size_t rest,
                                             std::string_view header) {
    const std::string_view tail = text::trim(value.substr(rest));
    if (tail.empty()) return std::nullopt;
    if (is_token68(tail)) {
        out.token68 = tail;
        return std::nullopt;
    }
    auto e = scan_params(value, rest, header, [](const AuthParam&) -> std::optional<ParseError> {
        return std::nullopt;
    });
    if (!e) out.params = AuthParams(tail);
    return e;
}

template <std::size_t N>
int index_of(const std::array<std::string_view, N>& names, std::string_view name) noexcept {
    for (std::size_t k = 0; k < N; ++k)
        if (text::iequals(names[k], name)) return static_cast<int>(k);
    return -1;
}

std::size_t offset_of(std::string_view whole, std::string_view part) noexcept {
    return text::offset_in(whole, part);
}

// ---- challenge -------------------------------------------------------------------------

enum ChallengeParam {
    c_realm,
    c_nonce,
    c_opaque,
    c_domain,
    c_charset,
    c_qop,
    c_algorithm,
    c_stale,
    c_userhash
};
constexpr std::array<std::string_view, 9> k_challenge_params = {
    "realm", "nonce", "opaque", "domain", "charset", "qop", "algorithm", "stale", "userhash"};

std::optional<ParseError> read_challenge_param(Challenge& c, const AuthParam& p,
                                               std::string_view value, std::string_view header,
                                               std::uint32_t& seen) {
    const int k = index_of(k_challenge_params, p.name);
    if (k < 0) return std::nullopt;  // unknown: kept in params
    const std::size_t at = offset_of(value, p.value);
    if (seen & (1u << k))
        return make_error(
            ParseErrc::bad_header, header, offset_of(value, p.name),
            "duplicate " + std::string(k_challenge_params[static_cast<std::size_t>(k)]));
    seen |= 1u << k;
    switch (static_cast<ChallengeParam>(k)) {
        case c_realm:
            c.realm = p.value;
            break;
        case c_nonce:
            c.nonce = p.value;
            break;
        case c_opaque:
            c.opaque = p.value;
            break;
        case c_domain:
            c.domain = p.value;
            break;
        case c_charset:
            c.charset = p.value;
            break;
        case c_qop: {
            // qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT; a bare
            // token (qop=auth), which some servers send, is read as a one-element list.
            bool bad = for_each_list_element(
                p.value, [](std::string_view e) { return !chars::is_token(e); });
            if (bad) return make_error(ParseErrc::bad_header, header, at, "bad qop option list");
            c.qop = p.value;
            break;
        }
        case c_algorithm:
            if (!chars::is_token(p.value))
                return make_error(ParseErrc::bad_header, header, at, "algorithm must be a token");
            c.algorithm_text = p.value;
            c.algorithm = digest_algorithm_from_name(p.value);
            break;
        case c_stale: {
            auto b = parse_bool(p.value);
            if (!b)
                return make_error(ParseErrc::bad_header, header, at, "stale must be TRUE or FALSE");
            c.stale = *b;
            break;
        }
        case c_userhash: {
            auto b = parse_bool(p.value);
            if (!b)
                return make_error(ParseErrc::bad_header, header, at,
                                  "userhash must be true or false");
            c.userhash = *b;
            break;
        }
    }
    return std::nullopt;
}

// ---- credentials -----------------------------------------------------------------------

enum CredentialsParam {
    r_username,
    r_username_ext,
    r_realm,
    r_nonce,
    r_uri,
    r_response,
    r_algorithm,
    r_cnonce,
    r_opaque,
    r_qop,
    r_nc,
    r_userhash
};
constexpr std::array<std::string_view, 12> k_credentials_params = {
    "username",  "username*", "realm",  "nonce", "uri", "response",
    "algorithm", "cnonce",    "opaque", "qop",   "nc",  "userhash"};

std::optional<ParseError> read_credentials_param(Credentials& c, const AuthParam& p,
                                                 std::string_view value, std::string_view header,
                                                 std::uint32_t& seen) {
    const int k = index_of(k_credentials_params, p.name);
    if (k < 0) return std::nullopt;
    const std::size_t at = offset_of(value, p.value);
    if (seen & (1u << k))
        return make_error(
            ParseErrc::bad_header, header, offset_of(value, p.name),
            "duplicate " + std::string(k_credentials_params[static_cast<std::size_t>(k)]));
    seen |= 1u << k;
    switch (static_cast<CredentialsParam>(k)) {
        case r_username:
            c.username = p.value;
            break;
        case r_username_ext:
            c.username_ext = p.value;
            break;
        case r_realm:
            c.realm = p.value;
            break;
        case r_nonce:
            c.nonce = p.value;
            break;
        case r_uri:
            c.uri = p.value;
            break;
        case r_response:
            c.response = p.value;
            break;
        case r_cnonce:
            c.cnonce = p.value;
            break;
        case r_opaque:
            c.opaque = p.value;
            break;
        case r_algorithm:
            if (!chars::is_token(p.value))
                return make_error(ParseErrc::bad_header, header, at, "algorithm must be a token");
            c.algorithm_text = p.value;
            c.algorithm = digest_algorithm_from_name(p.value);
            break;
        case r_qop:
            // message-qop = "qop" EQUAL qop-value: a token; the quoted form some UAs send
            // is accepted when it holds one token.
            if (!chars::is_token(p.value))
                return make_error(ParseErrc::bad_header, header, at, "qop must be a single token");
            c.qop = p.value;
            break;
        case r_nc:
            // nonce-count = "nc" EQUAL 8LHEX (RFC 3261 §25.1)
            if (p.value.size() != 8 || !all_hex(p.value))
                return make_error(ParseErrc::bad_header, header, at, "nc must be 8 hex digits");
            c.nc_text = p.value;
            c.nc = hex_value(p.value);
            break;
        case r_userhash: {
            auto b = parse_bool(p.value);
            if (!b)
                return make_error(ParseErrc::bad_header, header, at,
                                  "userhash must be true or false");
            c.userhash = *b;
            break;
        }
    }
    return std::nullopt;
}

std::optional<ParseError> check_credentials(const Credentials& c, std::string_view value,
                                            std::string_view header, std::uint32_t seen) {
    auto missing = [&](std::string_view what) {
        return make_error(ParseErrc::bad_header, header, value.size(),
                          "missing " + std::string(what));
    };
    auto has = [seen](CredentialsParam p) { return (seen & (1u << p)) != 0; };
    // RFC 7616 §3.4: sending both username and username* is an error.
    if (has(r_username) && has(r_username_ext))
        return make_error(ParseErrc::bad_header, header, offset_of(value, *c.username_ext),
                          "both username and username*");
    if (!has(r_username) && !has(r_username_ext)) return missing("username");
    if (!has(r_realm)) return missing("realm");
    if (!has(r_nonce)) return missing("nonce");
    if (!has(r_uri)) return missing("uri");
    if (!has(r_response)) return missing("response");

    // RFC 8760: request-digest is as many hex digits as the algorithm's hash has.
    const std::size_t at = offset_of(value, c.response);
    const std::size_t want = digest_hex_length(c.algorithm);
    if (want != 0 && (c.response.size() != want || !all_hex(c.response)))
        return make_error(ParseErrc::bad_header, header, at,
                          "response must be " + std::to_string(want) + " hex digits for " +
                              std::string(digest_algorithm_name(c.algorithm)));
    if (want == 0 && (c.response.empty() || !all_hex(c.response)))
        return make_error(ParseErrc::bad_header, header, at, "response must be hex digits");

    // RFC 2617 §3.2.2, RFC 7616 §3.4: cnonce and nc MUST be sent with qop.
    if (c.qop && !c.nc_text)
        return make_error(ParseErrc::bad_header, header, value.size(), "qop without nc");
    if (c.qop && !c.cnonce)
        return make_error(ParseErrc::bad_header, header, value.size(), "qop without cnonce");
    return std::nullopt;
}

}  // namespace

// ---- public ----------------------------------------------------------------------------

DigestAlgorithm digest_algorithm_from_name(std::string_view name) noexcept {
    for (auto a : {DigestAlgorithm::md5, DigestAlgorithm::md5_sess, DigestAlgorithm::sha256,
                   DigestAlgorithm::sha256_sess, DigestAlgorithm::sha512_256,
                   DigestAlgorithm::sha512_256_sess})
        if (text::iequals(name, digest_algorithm_name(a))) return a;
    return DigestAlgorithm::unknown;
}

std::string_view digest_algorithm_name(DigestAlgorithm a) noexcept {
    switch (a) {
        case DigestAlgorithm::md5:
            return "MD5";
        case DigestAlgorithm::md5_sess:
            return "MD5-sess";
        case DigestAlgorithm::sha256:
            return "SHA-256";
        case DigestAlgorithm::sha256_sess:
            return "SHA-256-sess";
        case DigestAlgorithm::sha512_256:
            return "SHA-512-256";
        case DigestAlgorithm::sha512_256_sess:
            return "SHA-512-256-sess";
        case DigestAlgorithm::unknown:
            break;
    }
    return {};
}

std::size_t digest_hex_length(DigestAlgorithm a) noexcept {
    switch (a) {
        case DigestAlgorithm::md5:
        case DigestAlgorithm::md5_sess:
            return 32;
        case DigestAlgorithm::sha256:
        case DigestAlgorithm::sha256_sess:
        case DigestAlgorithm::sha512_256:
        case DigestAlgorithm::sha512_256_sess:
            return 64;
        case DigestAlgorithm::unknown:
            break;
    }
    return 0;
}

bool is_session_algorithm(DigestAlgorithm a) noexcept {
    return a == DigestAlgorithm::md5_sess || a == DigestAlgorithm::sha256_sess ||
           a == DigestAlgorithm::sha512_256_sess;
}

std::optional<AuthParam> AuthParams::next(std::size_t& pos) const noexcept {
    std::size_t i = skip_wsp(raw_, pos);
    if (i < raw_.size() && raw_[i] == ',') i = skip_wsp(raw_, i + 1);
    if (i >= raw_.size()) return std::nullopt;
    ParamScan p = scan_param(raw_, i);
    if (p.error) return std::nullopt;  // unreachable for text validated by a parse function
    pos = p.end;
    return p.param;
}

std::optional<std::string_view> AuthParams::find(std::string_view name) const noexcept {
    std::size_t pos = 0;
    while (auto p = next(pos))
        if (text::iequals(p->name, name)) return p->value;
    return std::nullopt;
}

bool Challenge::offers_qop(std::string_view option) const noexcept {
    if (!qop) return false;
    return for_each_list_element(*qop,
                                 [option](std::string_view e) { return text::iequals(e, option); });
}

bool Credentials::qop_is(std::string_view option) const noexcept {
    return qop && text::iequals(*qop, option);
}

Result<Challenge> parse_challenge(std::string_view value, std::string_view header) {
    auto s = scan_scheme(value, header);
    if (!s) return std::move(s).error();
    Challenge c;
    c.scheme = s->scheme;
    c.is_digest = text::iequals(c.scheme, "Digest");
    if (!c.is_digest) {
        if (auto e = parse_other_scheme(c, value, s->rest, header)) return std::move(*e);
        return c;
    }
    std::uint32_t seen = 0;
    auto e = scan_params(value, s->rest, header, [&](const AuthParam& p) {
        return read_challenge_param(c, p, value, header, seen);
    });
    if (e) return std::move(*e);
    // RFC 3261 §25.1 / RFC 7616 §3.3: realm and nonce are not optional in a challenge.
    if (!(seen & (1u << c_realm)))
        return make_error(ParseErrc::bad_header, header, value.size(), "missing realm");
    if (!(seen & (1u << c_nonce)))
        return make_error(ParseErrc::bad_header, header, value.size(), "missing nonce");
    c.params = AuthParams(text::trim(value.substr(s->rest)));
    return c;
}

Result<Credentials> parse_credentials(std::string_view value, std::string_view header) {
    auto s = scan_scheme(value, header);
    if (!s) return std::move(s).error();
    Credentials c;
    c.scheme = s->scheme;
    c.is_digest = text::iequals(c.scheme, "Digest");
    if (!c.is_digest) {
        if (auto e = parse_other_scheme(c, value, s->rest, header)) return std::move(*e);
        return c;
    }
    std::uint32_t seen = 0;
    auto e = scan_params(value, s->rest, header, [&](const AuthParam& p) {
        return read_credentials_param(c, p, value, header, seen);
    });
    if (e) return std::move(*e);
    if (auto bad = check_credentials(c, value, header, seen)) return std::move(*bad);
    c.params = AuthParams(text::trim(value.substr(s->rest)));
    return c;
}

}  // namespace happysip::sip
