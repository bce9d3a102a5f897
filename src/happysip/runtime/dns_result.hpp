// The outcome of one DNS query made by the runtime's DnsClient: a status that keeps the
// distinctions RFC 3263 needs (NODATA vs NXDOMAIN for the SRV and A/AAAA fallbacks,
// RFC 3263 §4.2) and the records as resolve/ value types. No c-ares or Asio types here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace happysip::runtime {

enum class DnsStatus : std::uint8_t {
    ok,              // records holds at least one record
    nodata,          // the name exists, no record of this type (RFC 2308 §2.2)
    nxdomain,        // the name does not exist (RCODE 3, RFC 2308 §2.1)
    timeout,         // no answer from any server within timeout × tries
    server_failure,  // SERVFAIL (or NOTIMP/FORMERR) from every server tried
    refused,         // REFUSED from every server tried
    cancelled,       // cancel_all() before the answer was delivered
    error            // bad name, unreadable answer, unreachable server, out of memory, ...
};

std::string_view to_string(DnsStatus status) noexcept;

template <class Record>
struct DnsResult {
    DnsStatus status = DnsStatus::error;
    std::vector<Record> records;  // empty unless ok
    std::string detail;           // c-ares' words for a failure
    bool from_cache = false;
    // nodata/nxdomain: how long the negative answer is kept (RFC 2308 §5, after the
    // cache's cap and default), or what is left of it when from_cache.
    std::uint32_t negative_ttl_seconds = 0;
};

// What the sans-I/O lookups take as `failure`: empty on success, else the status and
// c-ares' words ("nxdomain", "timeout (...)").
template <class Record>
std::string failure_text(const DnsResult<Record>& r) {
    if (r.status == DnsStatus::ok) return {};
    std::string text(to_string(r.status));
    if (!r.detail.empty()) text += " (" + r.detail + ")";
    return text;
}

}  // namespace happysip::runtime
