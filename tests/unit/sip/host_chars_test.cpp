#include <gtest/gtest.h>

#include <string>

#include "happysip/sip/host_chars.hpp"

namespace happysip::sip::chars {
namespace {

std::size_t scalar_skip(std::string_view s, std::size_t i) {
    while (i < s.size() && is(s[i], k_host))
        ++i;
    return i;
}

// skip_host_chars classifies sixteen bytes at a time and re-reads the last sixteen for
// the tail: it must agree with the byte loop at every length, start and stop position,
// for every byte value as the stopper (bytes >= 0x80 included).
TEST(HostChars, SkipAgreesWithTheByteLoop) {
    for (std::size_t size = 0; size <= 40; ++size) {
        for (int stop = 0; stop < 256; ++stop) {
            for (std::size_t at = 0; at <= size; at += (size > 20 ? 3 : 1)) {
                std::string s;
                for (std::size_t k = 0; k < size; ++k)
                    s.push_back("aZ09-.xQ"[k % 8]);
                if (at < size) s[at] = static_cast<char>(stop);
                for (std::size_t i = 0; i <= size; ++i)
                    ASSERT_EQ(skip_host_chars(s, i), scalar_skip(s, i))
                        << "size " << size << " stop " << stop << " at " << at << " i " << i;
            }
        }
    }
}

TEST(HostChars, StopsAtTheFirstNonHostByte) {
    EXPECT_EQ(skip_host_chars("z9hG4bK-524287-1---4ae4e2c1b2f5;rport", 0), 31u);
    EXPECT_EQ(skip_host_chars("a84b4c76e66710@pc33.atlanta.example.com", 0), 14u);
    EXPECT_EQ(skip_host_chars("a84b4c76e66710@pc33.atlanta.example.com", 15), 39u);
    EXPECT_EQ(skip_host_chars("[2001:db8::1]", 0), 0u);
    EXPECT_EQ(skip_host_chars("", 0), 0u);
}

}  // namespace
}  // namespace happysip::sip::chars
