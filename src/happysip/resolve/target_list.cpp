#include "happysip/resolve/target_list.hpp"

#include <algorithm>

#include "happysip/resolve/naptr_selection.hpp"

namespace happysip::resolve {
namespace {

void add_unique(std::vector<eyeballs::Candidate>& out, eyeballs::Candidate candidate) {
    const bool seen = std::any_of(out.begin(), out.end(), [&](const eyeballs::Candidate& c) {
        return c.address == candidate.address && c.port == candidate.port &&
               c.transport == candidate.transport && c.family == candidate.family;
    });
    if (!seen) out.push_back(std::move(candidate));
}

void add_addresses_of(std::vector<eyeballs::Candidate>& out, const DnsAnswers& answers,
                      std::string_view name, std::uint16_t port, Transport transport) {
    const AddressAnswer* answer = find_answer(std::span{answers.addresses}, name);
    if (!answer) return;
    for (const auto& record : answer->records) {
        add_unique(out, {record.family, record.address, port, transport, std::string(name)});
    }
}

}  // namespace

std::vector<SrvQuery> srv_queries_for(const TransportPlan& plan, std::span<const NaptrRecord> naptr,
                                      const TransportSet& supported) {
    switch (plan.kind) {
        case PlanKind::srv_lookup:
            return plan.srv_queries;
        case PlanKind::naptr_lookup:
            return select_srv_queries(naptr, plan.target, plan.secure, supported);
        case PlanKind::numeric:
        case PlanKind::address_lookup:
        case PlanKind::unusable:
            break;
    }
    return {};
}

std::vector<eyeballs::Candidate> build_target_list(const TransportPlan& plan,
                                                   const DnsAnswers& answers,
                                                   const TransportSet& supported,
                                                   const RandomSource& random) {
    std::vector<eyeballs::Candidate> out;
    switch (plan.kind) {
        case PlanKind::unusable:
            return out;
        case PlanKind::numeric:
            out.push_back({*plan.family, plan.target, *plan.port, *plan.transport, plan.target});
            return out;
        case PlanKind::address_lookup:
            add_addresses_of(out, answers, plan.target, *plan.port, *plan.transport);
            return out;
        case PlanKind::srv_lookup:
        case PlanKind::naptr_lookup:
            break;
    }

    const auto queries = srv_queries_for(plan, answers.naptr, supported);
    bool any_srv_record = false;
    for (const auto& query : queries) {
        const SrvAnswer* answer = find_answer(std::span{answers.srv}, query.name);
        if (!answer || answer->records.empty()) continue;
        any_srv_record = true;
        for (const auto& record : order_srv(answer->records, random)) {
            add_addresses_of(out, answers, record.target, record.port, query.transport);
        }
    }
    if (any_srv_record) return out;

    // RFC 3263 §4.2: no SRV records: A/AAAA of the domain, default port of the transport.
    std::optional<Transport> transport = plan.transport;
    if (!transport && plan.kind == PlanKind::naptr_lookup) {
        const auto from_naptr = srv_queries_from_naptr(answers.naptr, plan.secure, supported);
        transport = from_naptr.empty() ? default_transport(plan.secure, supported)
                                       : std::optional{from_naptr.front().transport};
    }
    if (!transport) return out;
    add_addresses_of(out, answers, plan.target, default_port(*transport), *transport);
    return out;
}

}  // namespace happysip::resolve
