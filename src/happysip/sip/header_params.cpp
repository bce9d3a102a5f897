#include "happysip/sip/header_params.hpp"

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/text.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace happysip::sip {
namespace {

using text::skip_wsp;

}  // namespace

std::size_t quoted_string_length(std::string_view s) noexcept {
    if (s.empty() || s[0] != '"') return 0;
    std::size_t i = 1;
#if defined(__SSE2__)
    // Sixteen bytes at a time to the next '"' or '\\' (display names, realms, nonces).
    for (; i + 16 <= s.size();) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
        const unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
        if (bits == 0) {
            i += 16;
            continue;
        }
        const std::size_t j = i + static_cast<std::size_t>(__builtin_ctz(bits));
        if (s[j] == '"') return j + 1;
        i = j + 2;  // quoted-pair
    }
#endif
    for (; i < s.size(); ++i) {
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

Result<HeaderParams> HeaderParams::parse(std::string_view text, std::size_t offset,
                                         HeaderParamVisitor visit, void* context) {
    HeaderParams out;
    if (auto e = parse_into(text, offset, out, [&](const HeaderParam& p, std::size_t at) {
            return visit != nullptr ? visit(context, p, at) : std::nullopt;
        }))
        return std::move(*e);
    return out;
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
