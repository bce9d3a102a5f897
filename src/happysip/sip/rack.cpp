#include "happysip/sip/rack.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

constexpr std::uint64_t k_max_u32 = 0xffffffffu;

struct Digits {
    std::size_t end = 0;      // index after the last digit
    std::uint64_t value = 0;  // saturated at 2^32
    bool overflow = false;    // more than 2^32-1
};

// 1*DIGIT at s[i]; leading zeros are allowed by the grammar and do not count toward overflow.
Digits scan_digits(std::string_view s, std::size_t i) noexcept {
    Digits d;
    while (i < s.size() && chars::is_digit(s[i])) {
        d.value = d.value * 10 + static_cast<std::uint64_t>(s[i] - '0');
        if (d.value > k_max_u32) {
            d.overflow = true;
            d.value = k_max_u32 + 1;
        }
        ++i;
    }
    d.end = i;
    return d;
}

// A whole value that is 1*DIGIT with optional white space around it.
struct Number {
    Digits digits;
    std::size_t begin = 0;
};

Result<Number> whole_number(std::string_view value, std::string_view header) {
    const std::string_view t = text::trim(value);
    const std::size_t begin = text::offset_in(value, t);
    Digits d = scan_digits(value, begin);
    if (t.empty()) return make_error(ParseErrc::bad_header, header, begin, "empty value");
    if (d.end == begin || d.end != begin + t.size())
        return make_error(ParseErrc::bad_header, header, d.end, "expected digits only");
    return Number{d, begin};
}

}  // namespace

Result<std::uint32_t> parse_rseq(std::string_view value) {
    auto n = whole_number(value, "RSeq");
    if (!n) return std::move(n).error();
    if (n->digits.overflow || n->digits.value == 0)
        return make_error(ParseErrc::bad_header, "RSeq", n->begin, "RSeq must be 1 to 4294967295");
    return static_cast<std::uint32_t>(n->digits.value);
}

Result<RAck> parse_rack(std::string_view value) {
    constexpr std::string_view h = "RAck";
    std::size_t i = text::offset_in(value, text::trim(value));
    auto skip_lws = [&](std::string_view what) -> std::optional<ParseError> {
        const std::size_t b = i;
        while (i < value.size() && chars::is_wsp(value[i]))
            ++i;
        if (i == b) return make_error(ParseErrc::bad_header, h, i, what);
        return std::nullopt;
    };

    RAck r;
    const std::size_t rseq_at = i;
    Digits rseq = scan_digits(value, i);
    if (rseq.end == i) return make_error(ParseErrc::bad_header, h, i, "expected response-num");
    if (rseq.overflow || rseq.value == 0)
        return make_error(ParseErrc::bad_header, h, rseq_at,
                          "response-num must be 1 to 4294967295");
    r.response_num = static_cast<std::uint32_t>(rseq.value);
    i = rseq.end;
    if (auto e = skip_lws("expected white space after response-num")) return std::move(*e);

    const std::size_t cseq_at = i;
    Digits cseq = scan_digits(value, i);
    if (cseq.end == i) return make_error(ParseErrc::bad_header, h, i, "expected CSeq-num");
    // RFC 3261 §8.1.1.5: a CSeq number is a 32-bit unsigned integer.
    if (cseq.overflow)
        return make_error(ParseErrc::bad_header, h, cseq_at, "CSeq-num exceeds 4294967295");
    r.cseq_num = static_cast<std::uint32_t>(cseq.value);
    i = cseq.end;
    if (auto e = skip_lws("expected white space after CSeq-num")) return std::move(*e);

    const std::size_t method_at = i;
    while (i < value.size() && chars::is_token(value[i]))
        ++i;
    if (i == method_at) return make_error(ParseErrc::bad_header, h, i, "expected method");
    r.method_text = value.substr(method_at, i - method_at);
    r.method = method_from_name(r.method_text);
    while (i < value.size() && chars::is_wsp(value[i]))
        ++i;
    if (i != value.size())
        return make_error(ParseErrc::bad_header, h, i, "unexpected text after method");
    return r;
}

Result<std::uint32_t> parse_delta_seconds(std::string_view value, std::string_view header) {
    auto n = whole_number(value, header);
    if (!n) return std::move(n).error();
    if (n->digits.overflow) return static_cast<std::uint32_t>(k_max_u32);  // RFC 3261 §10.2
    return static_cast<std::uint32_t>(n->digits.value);
}

}  // namespace happysip::sip
