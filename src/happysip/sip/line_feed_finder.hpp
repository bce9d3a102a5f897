// Finds the line feeds of a message head 64 bytes at a time: one block of compares gives
// a bit mask of every '\n' in it, and each further line end in that block costs a count of
// trailing zeros instead of a memchr call. The parser takes the line ends in order, so
// each block is compared once. The same compares note whether any block held a
// NUL byte, so the parser looks for NULs in the head only when one is there. Used by the
// message parser only.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace happysip::sip {

class LineFeedFinder {
  public:
    LineFeedFinder(const char* data, std::size_t size) noexcept : data_(data), size_(size) {
        load_block(0);
    }

    // Whether a block compared so far (every byte from the start_at position to the last
    // line feed returned, and more) holds a NUL byte.
    bool saw_nul() const noexcept { return nul_ != 0; }

    // The line feeds before `pos` are not returned (the CRLFs before a start line).
    void start_at(std::size_t pos) noexcept {
        if (pos - block_ >= k_block) load_block(pos & ~(k_block - 1));
        mask_ &= ~std::uint64_t{0} << (pos - block_);
    }

    // Offset of the next '\n' not returned yet, or size if there is none: the parser takes
    // every line end in order, so each costs a count of trailing zeros and the clearing of
    // that bit (a search from a given position cost a range test and a shifted mask more).
    [[gnu::always_inline]] std::size_t next() noexcept {
        while (mask_ == 0) {
            if (block_ + k_block >= size_) return size_;
            load_block(block_ + k_block);
        }
        const std::size_t lf = block_ + static_cast<std::size_t>(__builtin_ctzll(mask_));
        mask_ &= mask_ - 1;
        return lf;
    }

  private:
    static constexpr std::size_t k_block = 64;

    void load_block(std::size_t begin) noexcept {
        block_ = begin;
        if (begin + k_block <= size_) {
            mask_ = line_feeds(data_ + begin);
        } else if (begin >= size_) {
            mask_ = 0;  // at the end (the shift below would be by 64)
        } else if (size_ >= k_block) {
            // The last, partial block: the last 64 bytes of the input, shifted so that bit 0
            // is `begin` (the bytes before it were compared already).
            mask_ = line_feeds(data_ + size_ - k_block) >> (begin - (size_ - k_block));
        } else {
            mask_ = short_input_line_feeds(begin);
        }
    }

    // An input shorter than one block: compares a zero-padded copy.
    [[gnu::noinline]] std::uint64_t short_input_line_feeds(std::size_t begin) noexcept {
        char tail[k_block] = {};
        if (begin < size_) std::memcpy(tail, data_ + begin, size_ - begin);
        const unsigned nul_before = nul_;
        const std::uint64_t bits = line_feeds(tail);
        // The padding is zeros too: only the input's own bytes count.
        nul_ = nul_before | (begin < size_ && std::memchr(data_ + begin, 0, size_ - begin) ? 1 : 0);
        return bits;
    }

    std::uint64_t line_feeds(const char* p) noexcept {
#if defined(__SSE2__)
        const __m128i lf = _mm_set1_epi8('\n');
        auto load = [p](int k) {
            return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
        };
        const __m128i v0 = load(0), v1 = load(1), v2 = load(2), v3 = load(3);
        auto bits16 = [&](__m128i v) {
            return static_cast<std::uint64_t>(
                static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf))));
        };
        // The bytewise minimum of the four is zero where any of them holds a NUL.
        const __m128i low = _mm_min_epu8(_mm_min_epu8(v0, v1), _mm_min_epu8(v2, v3));
        nul_ |= static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(low, _mm_setzero_si128())));
        return bits16(v0) | bits16(v1) << 16 | bits16(v2) << 32 | bits16(v3) << 48;
#else
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < k_block; ++i) {
            bits |= static_cast<std::uint64_t>(p[i] == '\n') << i;
            nul_ |= p[i] == '\0' ? 1u : 0u;
        }
        return bits;
#endif
    }

    const char* data_;
    std::size_t size_;
    std::size_t block_ = 0;
    std::uint64_t mask_ = 0;
    unsigned nul_ = 0;  // nonzero once a compared block held a NUL
};

}  // namespace happysip::sip
