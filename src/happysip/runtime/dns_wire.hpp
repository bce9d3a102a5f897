// A small, bounds-checked reader of a raw DNS response (RFC 1035 §4.1) for the two things
// c-ares 1.18 does not hand back: the TTLs of NAPTR and SRV answers, and the SOA of a
// negative answer (RFC 2308 §5). It never follows compression pointers (names are only
// skipped), so it cannot loop, and every read is checked against the message end.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace happysip::runtime::dns_wire {

inline constexpr std::uint16_t k_type_a = 1;
inline constexpr std::uint16_t k_type_soa = 6;
inline constexpr std::uint16_t k_type_aaaa = 28;
inline constexpr std::uint16_t k_type_srv = 33;
inline constexpr std::uint16_t k_type_naptr = 35;
inline constexpr std::uint16_t k_class_in = 1;

struct AnswerTtls {
    // TTL of each class-IN answer record of the asked type, in message order (the order
    // in which c-ares' ares_parse_*_reply returns them).
    std::vector<std::uint32_t> ttls;
    // RFC 2308 §5: min(SOA TTL, SOA MINIMUM) of the first SOA in the authority section.
    std::optional<std::uint32_t> negative_ttl;
};

// nullopt when the message is truncated or malformed before the end of the authority
// section.
std::optional<AnswerTtls> read_answer_ttls(std::span<const unsigned char> message,
                                           std::uint16_t type);

}  // namespace happysip::runtime::dns_wire
