#include "happysip/stun/fingerprint.hpp"

#include <array>

namespace happysip::stun {

namespace {
// The reflected form of the polynomial 0x04C11DB7, table-driven one byte at a time.
constexpr std::uint32_t k_crc32_polynomial = 0xEDB88320;

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit)
            c = (c & 1U) != 0 ? (c >> 1) ^ k_crc32_polynomial : c >> 1;
        table[i] = c;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> k_table = make_table();
}  // namespace

std::uint32_t crc32(std::string_view bytes) noexcept {
    std::uint32_t c = 0xFFFFFFFFU;
    for (char ch : bytes)
        c = k_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (c >> 8);
    return c ^ 0xFFFFFFFFU;
}

}  // namespace happysip::stun
