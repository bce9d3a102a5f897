// Finds the line feeds of a message head 256 bytes at a time: each 64-byte block of
// compares gives a bit mask of its '\n's, and the masks of four blocks are turned into a
// short queue of offsets. The parser asks for line ends in increasing order, so a line end
// is usually the next queued offset: no memchr call per line, and the branch that refills
// the queue is taken once per few lines instead of at every block boundary.
// Used by the message parser only.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace happysip::sip {

class LineFeedFinder {
  public:
    LineFeedFinder(const char* data, std::size_t size) noexcept : data_(data), size_(size) {}

    // Offset of the first '\n' at or after `pos`, or size if there is none. Calls must
    // not ask for a `pos` below the line feed returned before, plus one.
    [[gnu::always_inline]] std::size_t next(std::size_t pos) noexcept {
        while (true) {
            while (head_ < tail_) {
                const std::size_t lf = queue_[head_++];
                if (lf >= pos) [[likely]]
                    return lf;
            }
            if (scanned_ >= size_) return size_;
            refill(pos);
        }
    }

  private:
    static constexpr std::size_t k_block = 64;
    static constexpr std::size_t k_blocks_per_refill = 4;
    // Four offsets are written per block whatever its count (no branch per line feed); a
    // block with more writes the rest in a loop.
    static constexpr std::size_t k_capacity = k_blocks_per_refill * k_block + 4;

    [[gnu::noinline]] void refill(std::size_t pos) noexcept {
        head_ = tail_ = 0;
        // Resume at the block holding `pos`: an earlier one has nothing the caller wants.
        if (pos > scanned_) scanned_ = pos & ~(k_block - 1);
        for (std::size_t b = 0; b < k_blocks_per_refill && scanned_ < size_; ++b) {
            const std::uint64_t mask = scanned_ + k_block <= size_ ? line_feeds(data_ + scanned_)
                                                                   : tail_line_feeds(scanned_);
            push(mask, static_cast<std::uint32_t>(scanned_));
            scanned_ += k_block;
        }
    }

    void push(std::uint64_t mask, std::uint32_t base) noexcept {
        std::size_t count = 0;
        for (int k = 0; k < 4; ++k) {
            queue_[tail_ + static_cast<std::size_t>(k)] =
                base + static_cast<std::uint32_t>(std::countr_zero(mask));
            count += mask != 0;
            mask &= mask - 1;
        }
        tail_ += count;
        while (mask != 0) {  // more than four lines in 64 bytes
            queue_[tail_++] = base + static_cast<std::uint32_t>(std::countr_zero(mask));
            mask &= mask - 1;
        }
    }

    // The last, partial block: compares a zero-padded copy, never reads past the end.
    std::uint64_t tail_line_feeds(std::size_t begin) const noexcept {
        char tail[k_block] = {};
        std::memcpy(tail, data_ + begin, size_ - begin);
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
    std::size_t scanned_ = 0;  // bytes turned into queue entries so far (whole blocks)
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
    std::array<std::uint32_t, k_capacity> queue_;
};

}  // namespace happysip::sip
