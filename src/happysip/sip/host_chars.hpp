// Skips a run of alphanumerics, '-' and '.' (the hostname characters, chars::k_host)
// sixteen bytes at a time. Most bytes a proxy classifies are of this kind: Via branches,
// hosts, tags and Call-IDs. Every run is a prefix of a token, a gen-value and a word
// (RFC 3261 §25.1), so the grammar scanners skip it first and classify what follows one
// byte at a time as before; the result is exactly the scalar loop's.
#pragma once

#include <cstddef>
#include <string_view>

#include "happysip/sip/char_class.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace happysip::sip::chars {

#if defined(__SSE2__)
namespace detail {
// Bit k set when byte k of the 16 at p is not a hostname character. Signed compares:
// bytes >= 0x80 are negative and fall outside every range.
inline unsigned non_host_bits(const char* p) noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                        _mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), lower));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                        _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    const __m128i mark =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')), _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    const __m128i ok = _mm_or_si128(_mm_or_si128(alpha, digit), mark);
    return ~static_cast<unsigned>(_mm_movemask_epi8(ok)) & 0xffffu;
}
}  // namespace detail
#endif

// Index of the first byte at or after `i` (i <= s.size()) that is not alphanumeric, '-'
// or '.', or s.size(). Never reads outside s.
[[gnu::always_inline]] inline std::size_t skip_host_chars(std::string_view s,
                                                          std::size_t i) noexcept {
#if defined(__SSE2__)
    if (s.size() >= 16) {
        for (; i + 16 <= s.size(); i += 16)
            if (const unsigned bits = detail::non_host_bits(s.data() + i); bits != 0)
                return i + static_cast<std::size_t>(__builtin_ctz(bits));
        // The last bytes: the final 16 of s again, from i on.
        const std::size_t tail = s.size() - 16;
        const unsigned bits = detail::non_host_bits(s.data() + tail) >> (i - tail);
        return bits != 0 ? i + static_cast<std::size_t>(__builtin_ctz(bits)) : s.size();
    }
#endif
    while (i < s.size() && is(s[i], k_host))
        ++i;
    return i;
}

}  // namespace happysip::sip::chars
