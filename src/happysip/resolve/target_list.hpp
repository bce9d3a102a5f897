// RFC 3263 §4.1-§4.2 end to end: from a transport plan and the DNS answers gathered for
// it, the ordered list of candidates (address, port, transport, target) to contact. SRV
// order is kept; interleaving the address families is left to eyeballs::interleave.
#pragma once

#include <span>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/resolve/dns_records.hpp"
#include "happysip/resolve/srv_order.hpp"
#include "happysip/resolve/transport_selection.hpp"

namespace happysip::resolve {

// Everything looked up for one plan. An SRV query or host name without an entry counts as
// answered with no records.
struct DnsAnswers {
    std::vector<NaptrRecord> naptr;        // naptr_lookup: the NAPTR answer for plan.target
    std::vector<SrvAnswer> srv;            // one per SRV query made
    std::vector<AddressAnswer> addresses;  // A and AAAA per host name (SRV targets, TARGET)
};

// The SRV queries to make for `plan`: none for numeric and address_lookup, the one of
// srv_lookup, and for naptr_lookup select_srv_queries over the NAPTR answer.
std::vector<SrvQuery> srv_queries_for(const TransportPlan& plan, std::span<const NaptrRecord> naptr,
                                      const TransportSet& supported);

// The candidates, in order:
// - numeric: the address itself, at the plan's port.
// - address_lookup: every A/AAAA of TARGET, at the plan's port.
// - srv_lookup / naptr_lookup: for each SRV query in order, its records in RFC 2782 order
//   (order_srv), and for each record every A/AAAA of its target at the record's port.
//   If no SRV query returned any record (RFC 3263 §4.2), the A/AAAA of TARGET at the
//   default port of the transport determined before: the plan's, the first NAPTR-selected
//   one, else default_transport(). A "." SRV answer counts as a record: no fallback.
// Addresses keep their answer order within a name; duplicates (same address, port and
// transport) are dropped after their first appearance.
std::vector<eyeballs::Candidate> build_target_list(const TransportPlan& plan,
                                                   const DnsAnswers& answers,
                                                   const TransportSet& supported,
                                                   const RandomSource& random);

}  // namespace happysip::resolve
