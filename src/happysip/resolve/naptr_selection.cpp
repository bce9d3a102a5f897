#include "happysip/resolve/naptr_selection.hpp"

#include <algorithm>

#include "happysip/sip/text.hpp"

namespace happysip::resolve {
namespace {

using sip::text::iequals;

}  // namespace

std::optional<Transport> naptr_service_transport(std::string_view service) noexcept {
    if (iequals(service, "SIP+D2U")) return Transport::udp;
    if (iequals(service, "SIP+D2T")) return Transport::tcp;
    if (iequals(service, "SIPS+D2T")) return Transport::tls;
    return std::nullopt;
}

std::vector<SrvQuery> srv_queries_from_naptr(std::span<const NaptrRecord> records, bool secure,
                                             const TransportSet& supported) {
    std::vector<const NaptrRecord*> usable;
    for (const auto& record : records) {
        // RFC 3263 §4.1: "s" flag leads to SRV; others (further NAPTR, "a", "u") not handled.
        if (!iequals(record.flags, "s")) continue;
        const auto transport = naptr_service_transport(record.service);
        if (!transport || !supported.has(*transport)) continue;
        // RFC 3263 §4.1: a client resolving a SIPS URI MUST discard non-SIPS services.
        if (secure && *transport != Transport::tls) continue;
        if (record.replacement.empty() || record.replacement == ".") continue;
        usable.push_back(&record);
    }
    std::stable_sort(usable.begin(), usable.end(), [](const NaptrRecord* a, const NaptrRecord* b) {
        if (a->order != b->order) return a->order < b->order;
        return a->preference < b->preference;
    });
    std::vector<SrvQuery> queries;
    queries.reserve(usable.size());
    for (const NaptrRecord* record : usable) {
        queries.push_back({record->replacement, *naptr_service_transport(record->service)});
    }
    return queries;
}

std::vector<SrvQuery> fallback_srv_queries(std::string_view domain, bool secure,
                                           const TransportSet& supported) {
    std::vector<SrvQuery> queries;
    for (Transport t : {Transport::udp, Transport::tcp, Transport::tls}) {
        if (!supported.has(t)) continue;
        if (secure && t != Transport::tls) continue;
        queries.push_back({*srv_name(t, domain), t});
    }
    return queries;
}

std::vector<SrvQuery> select_srv_queries(std::span<const NaptrRecord> records,
                                         std::string_view domain, bool secure,
                                         const TransportSet& supported) {
    auto queries = srv_queries_from_naptr(records, secure, supported);
    if (queries.empty()) queries = fallback_srv_queries(domain, secure, supported);
    return queries;
}

}  // namespace happysip::resolve
