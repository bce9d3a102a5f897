// Turns what c-ares hands a query callback (its status and the raw response) into a
// DnsResult of resolve/ records: ares_parse_*_reply for the RDATA, dns_wire for the TTLs
// c-ares 1.18 does not return (NAPTR, SRV) and for the SOA of negative answers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/resolve/dns_records.hpp"
#include "happysip/runtime/dns_result.hpp"

namespace happysip::runtime {

template <class Record>
struct ParsedAnswer {
    DnsResult<Record> result;
    // nodata/nxdomain: RFC 2308 §5 negative TTL from the authority SOA, if one came.
    std::optional<std::uint32_t> soa_negative_ttl;
};

// `ares_status` is the status c-ares passed to the ares_query callback.
DnsStatus status_from_ares(int ares_status) noexcept;
std::string ares_error_text(int ares_status);

ParsedAnswer<resolve::NaptrRecord> parse_naptr_answer(int ares_status,
                                                      std::span<const unsigned char> answer);
ParsedAnswer<resolve::SrvRecord> parse_srv_answer(int ares_status,
                                                  std::span<const unsigned char> answer);
// ipv6 = AAAA, ipv4 = A.
ParsedAnswer<resolve::AddressRecord> parse_address_answer(int ares_status,
                                                          std::span<const unsigned char> answer,
                                                          eyeballs::Family family);

}  // namespace happysip::runtime
