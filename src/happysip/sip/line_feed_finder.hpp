// Finds the line feeds of a message head 64 bytes at a time: one block of compares gives
// a bit mask of every '\n' in it, and each further line end in that block costs a count of
// trailing zeros instead of a memchr call. The parser asks for line ends in increasing
// order, so each block is compared once. Used by the message parser only.
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

    // Offset of the first '\n' at or after `pos` (pos <= size), or size if there is none.
    [[gnu::always_inline]] std::size_t next(std::size_t pos) noexcept {
        if (pos < block_ || pos - block_ >= k_block) load_block(pos & ~(k_block - 1));
        std::uint64_t bits = mask_ & (~std::uint64_t{0} << (pos - block_));
        while (bits == 0) {
            if (block_ + k_block >= size_) return size_;
            load_block(block_ + k_block);
            bits = mask_;
        }
        return block_ + static_cast<std::size_t>(__builtin_ctzll(bits));
    }

  private:
    static constexpr std::size_t k_block = 64;

    void load_block(std::size_t begin) noexcept {
        block_ = begin;
        mask_ = begin + k_block <= size_ ? line_feeds(data_ + begin) : tail_line_feeds(begin);
    }

    // The last, partial block: compares a zero-padded copy, never reads past the end.
    [[gnu::noinline]] std::uint64_t tail_line_feeds(std::size_t begin) const noexcept {
        char tail[k_block] = {};
        if (begin < size_) std::memcpy(tail, data_ + begin, size_ - begin);
        return line_feeds(tail);
    }

    static std::uint64_t line_feeds(const char* p) noexcept {
#if defined(__SSE2__)
        const __m128i lf = _mm_set1_epi8('\n');
        auto bits16 = [&](int k) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
            return static_cast<std::uint64_t>(
                static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf))));
        };
        return bits16(0) | bits16(1) << 16 | bits16(2) << 32 | bits16(3) << 48;
#else
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < k_block; ++i)
            bits |= static_cast<std::uint64_t>(p[i] == '\n') << i;
        return bits;
#endif
    }

    const char* data_;
    std::size_t size_;
    std::size_t block_ = 0;
    std::uint64_t mask_ = 0;
};

}  // namespace happysip::sip
