#include "happysip/runtime/dns_answer.hpp"

#include <ares.h>
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "happysip/runtime/dns_wire.hpp"

namespace happysip::runtime {
namespace {

struct AresDataFree {
    void operator()(void* p) const noexcept { ares_free_data(p); }
};
template <class T>
using AresData = std::unique_ptr<T, AresDataFree>;

// c-ares writes the root name as "" (it strips the final dot); resolve/ spells it "."
// (RFC 2782: target "." = service not available; RFC 3403: replacement "." = none).
std::string dns_name(const char* name) {
    if (name == nullptr || *name == '\0') return ".";
    return name;
}

std::string text(const unsigned char* s) {
    return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
}

// TTL of the i-th record of the type. If c-ares and dns_wire disagree on the count
// (they should not: both take class-IN records of the type in order), every record gets
// the smallest TTL seen, which is never longer than the truth.
std::uint32_t ttl_at(const dns_wire::AnswerTtls& wire, std::size_t i, std::size_t count) {
    if (wire.ttls.size() == count) return wire.ttls[i];
    if (wire.ttls.empty()) return 0;
    return *std::min_element(wire.ttls.begin(), wire.ttls.end());
}

template <class Record>
ParsedAnswer<Record> failure(DnsStatus status, std::string detail,
                             const std::optional<dns_wire::AnswerTtls>& wire) {
    ParsedAnswer<Record> out;
    out.result.status = status;
    out.result.detail = std::move(detail);
    if (wire && (status == DnsStatus::nodata || status == DnsStatus::nxdomain))
        out.soa_negative_ttl = wire->negative_ttl;
    return out;
}

// The common start of every parse: c-ares' status, then the TTL reader. nullopt = go on.
template <class Record>
std::optional<ParsedAnswer<Record>> early_failure(int ares_status,
                                                  const std::optional<dns_wire::AnswerTtls>& wire) {
    if (ares_status != ARES_SUCCESS)
        return failure<Record>(status_from_ares(ares_status), ares_error_text(ares_status), wire);
    if (!wire) return failure<Record>(DnsStatus::error, "malformed DNS response", wire);
    return std::nullopt;
}

template <class Record>
ParsedAnswer<Record> parse_failure(int parse_status, std::string_view what,
                                   const std::optional<dns_wire::AnswerTtls>& wire) {
    // No record of the type (e.g. only a CNAME to another zone): NODATA for the caller.
    if (parse_status == ARES_ENODATA)
        return failure<Record>(DnsStatus::nodata, ares_error_text(parse_status), wire);
    return failure<Record>(
        DnsStatus::error,
        "unreadable " + std::string(what) + " answer: " + ares_error_text(parse_status), wire);
}

// c-ares' linked list of replies as records, each with its TTL.
template <class Record, class Reply, class Make>
ParsedAnswer<Record> collect(const Reply* head, const dns_wire::AnswerTtls& wire, Make make) {
    std::size_t count = 0;
    for (const Reply* r = head; r != nullptr; r = r->next)
        ++count;
    ParsedAnswer<Record> out;
    out.result.status = DnsStatus::ok;
    std::size_t i = 0;
    for (const Reply* r = head; r != nullptr; r = r->next, ++i)
        out.result.records.push_back(make(*r, ttl_at(wire, i, count)));
    return out;
}

int length(std::span<const unsigned char> answer) {
    return static_cast<int>(answer.size());
}

}  // namespace

std::string_view to_string(DnsStatus status) noexcept {
    switch (status) {
        case DnsStatus::ok:
            return "ok";
        case DnsStatus::nodata:
            return "nodata";
        case DnsStatus::nxdomain:
            return "nxdomain";
        case DnsStatus::timeout:
            return "timeout";
        case DnsStatus::server_failure:
            return "server_failure";
        case DnsStatus::refused:
            return "refused";
        case DnsStatus::cancelled:
            return "cancelled";
        case DnsStatus::error:
            return "error";
    }
    return "error";
}

DnsStatus status_from_ares(int ares_status) noexcept {
    switch (ares_status) {
        case ARES_SUCCESS:
            return DnsStatus::ok;
        case ARES_ENODATA:
            return DnsStatus::nodata;
        case ARES_ENOTFOUND:
            return DnsStatus::nxdomain;  // c-ares' word for RCODE 3
        case ARES_ETIMEOUT:
            return DnsStatus::timeout;
        case ARES_ESERVFAIL:
        case ARES_ENOTIMP:
        case ARES_EFORMERR:
            return DnsStatus::server_failure;
        case ARES_EREFUSED:
            return DnsStatus::refused;
        case ARES_ECANCELLED:
        case ARES_EDESTRUCTION:
            return DnsStatus::cancelled;
        default:
            return DnsStatus::error;
    }
}

std::string ares_error_text(int ares_status) {
    return ares_strerror(ares_status);
}

ParsedAnswer<resolve::NaptrRecord> parse_naptr_answer(int ares_status,
                                                      std::span<const unsigned char> answer) {
    using Record = resolve::NaptrRecord;
    const auto wire = dns_wire::read_answer_ttls(answer, dns_wire::k_type_naptr);
    if (auto failed = early_failure<Record>(ares_status, wire)) return std::move(*failed);

    ares_naptr_reply* raw = nullptr;
    const int rc = ares_parse_naptr_reply(answer.data(), length(answer), &raw);
    AresData<ares_naptr_reply> reply(raw);
    if (rc != ARES_SUCCESS) return parse_failure<Record>(rc, "NAPTR", wire);

    return collect<Record>(reply.get(), *wire, [](const ares_naptr_reply& r, std::uint32_t ttl) {
        return Record{r.order,
                      r.preference,
                      text(r.flags),
                      text(r.service),
                      text(r.regexp),
                      dns_name(r.replacement),
                      ttl};
    });
}

ParsedAnswer<resolve::SrvRecord> parse_srv_answer(int ares_status,
                                                  std::span<const unsigned char> answer) {
    using Record = resolve::SrvRecord;
    const auto wire = dns_wire::read_answer_ttls(answer, dns_wire::k_type_srv);
    if (auto failed = early_failure<Record>(ares_status, wire)) return std::move(*failed);

    ares_srv_reply* raw = nullptr;
    const int rc = ares_parse_srv_reply(answer.data(), length(answer), &raw);
    AresData<ares_srv_reply> reply(raw);
    if (rc != ARES_SUCCESS) return parse_failure<Record>(rc, "SRV", wire);

    return collect<Record>(reply.get(), *wire, [](const ares_srv_reply& r, std::uint32_t ttl) {
        return Record{r.priority, r.weight, r.port, dns_name(r.host), ttl};
    });
}

ParsedAnswer<resolve::AddressRecord> parse_address_answer(int ares_status,
                                                          std::span<const unsigned char> answer,
                                                          eyeballs::Family family) {
    using Record = resolve::AddressRecord;
    const bool v6 = family == eyeballs::Family::ipv6;
    const auto wire =
        dns_wire::read_answer_ttls(answer, v6 ? dns_wire::k_type_aaaa : dns_wire::k_type_a);
    if (auto failed = early_failure<Record>(ares_status, wire)) return std::move(*failed);

    // c-ares fills at most as many addrttls as given room for: size it from the answer.
    const std::size_t room = std::max<std::size_t>(wire->ttls.size(), 1);
    int count = static_cast<int>(room);
    std::vector<ares_addrttl> v4(v6 ? 0 : room);
    std::vector<ares_addr6ttl> v6ttls(v6 ? room : 0);
    const int rc =
        v6 ? ares_parse_aaaa_reply(answer.data(), length(answer), nullptr, v6ttls.data(), &count)
           : ares_parse_a_reply(answer.data(), length(answer), nullptr, v4.data(), &count);
    if (rc != ARES_SUCCESS) return parse_failure<Record>(rc, v6 ? "AAAA" : "A", wire);

    ParsedAnswer<Record> out;
    out.result.status = DnsStatus::ok;
    char buffer[INET6_ADDRSTRLEN] = {};
    for (int i = 0; i < count; ++i) {
        const void* address = v6 ? static_cast<const void*>(&v6ttls[i].ip6addr)
                                 : static_cast<const void*>(&v4[i].ipaddr);
        const int ttl = v6 ? v6ttls[i].ttl : v4[i].ttl;
        if (inet_ntop(v6 ? AF_INET6 : AF_INET, address, buffer, sizeof buffer) == nullptr) continue;
        out.result.records.push_back(
            Record{family, buffer, static_cast<std::uint32_t>(std::max(ttl, 0))});
    }
    if (out.result.records.empty())
        return failure<Record>(DnsStatus::nodata, ares_error_text(ARES_ENODATA), wire);
    return out;
}

}  // namespace happysip::runtime
