// RFC 3263 §4.1: which SRV names to query, and over which transport, for a domain, from
// its NAPTR records or, when there are none, from the transports the client supports.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "happysip/resolve/dns_records.hpp"
#include "happysip/resolve/transport_selection.hpp"

namespace happysip::resolve {

// The transport a NAPTR service field stands for: "SIP+D2U" UDP, "SIP+D2T" TCP,
// "SIPS+D2T" TLS (case-insensitive). nullopt for any other (SCTP, WS, unknown).
std::optional<Transport> naptr_service_transport(std::string_view service) noexcept;

// RFC 3263 §4.1: keeps the records with flag "s", a known service whose transport the
// client supports (for a SIPS URI only "SIPS+D2T"; a SIP URI keeps "SIPS+D2T" too when
// TLS is supported) and a replacement; sorts them by order, then preference (stable), and
// returns their replacements as SRV queries. Empty when no record is usable.
std::vector<SrvQuery> srv_queries_from_naptr(std::span<const NaptrRecord> records, bool secure,
                                             const TransportSet& supported);

// RFC 3263 §4.1, no NAPTR records: one SRV query per supported transport, in the client's
// order of preference "_sip._udp.", "_sip._tcp.", "_sips._tcp."; only "_sips._tcp." for a
// SIPS URI.
std::vector<SrvQuery> fallback_srv_queries(std::string_view domain, bool secure,
                                           const TransportSet& supported);

// The two above together: the NAPTR selection, or the fallback when it is empty (no NAPTR
// records, or none usable by this client).
std::vector<SrvQuery> select_srv_queries(std::span<const NaptrRecord> records,
                                         std::string_view domain, bool secure,
                                         const TransportSet& supported);

}  // namespace happysip::resolve
