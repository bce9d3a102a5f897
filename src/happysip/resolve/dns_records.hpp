// DNS answers handed to resolve/ by the runtime's DNS adapter: NAPTR (RFC 3403), SRV
// (RFC 2782), A and AAAA. Plain owning value types; resolve/ never sends a query.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"

namespace happysip::resolve {

struct NaptrRecord {
    std::uint16_t order = 0;
    std::uint16_t preference = 0;
    std::string flags;        // "s" for a terminal record pointing at SRV (RFC 3263 §4.1)
    std::string service;      // "SIP+D2U", "SIP+D2T", "SIPS+D2T", ...
    std::string regexp;       // unused by SIP: RFC 3263 §4.1 uses the replacement
    std::string replacement;  // the SRV name: "_sip._udp.example.com"
    std::uint32_t ttl_seconds = 0;

    friend bool operator==(const NaptrRecord&, const NaptrRecord&) = default;
};

struct SrvRecord {
    std::uint16_t priority = 0;
    std::uint16_t weight = 0;
    std::uint16_t port = 0;
    std::string target;  // "." means the service is decidedly not available (RFC 2782)
    std::uint32_t ttl_seconds = 0;

    friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

// An A (ipv4) or AAAA (ipv6) record.
struct AddressRecord {
    eyeballs::Family family = eyeballs::Family::ipv6;
    std::string address;  // literal without brackets: "2001:db8::1", "192.0.2.1"
    std::uint32_t ttl_seconds = 0;

    friend bool operator==(const AddressRecord&, const AddressRecord&) = default;
};

// The answer to one SRV query ("_sip._tcp.example.com"); no records = NXDOMAIN/NODATA.
struct SrvAnswer {
    std::string name;
    std::vector<SrvRecord> records;
};

// The A and AAAA answers for one host name, both families in one list.
struct AddressAnswer {
    std::string name;
    std::vector<AddressRecord> records;
};

// DNS names compare case-insensitively, and "example.com." is "example.com" (RFC 4343).
bool dns_name_equal(std::string_view a, std::string_view b) noexcept;

// The answer for `name`, or nullptr when none was given.
const SrvAnswer* find_answer(std::span<const SrvAnswer> answers, std::string_view name) noexcept;
const AddressAnswer* find_answer(std::span<const AddressAnswer> answers,
                                 std::string_view name) noexcept;

}  // namespace happysip::resolve
