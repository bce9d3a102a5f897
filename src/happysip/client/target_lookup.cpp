#include "happysip/client/target_lookup.hpp"

#include <algorithm>
#include <utility>

#include "happysip/resolve/dns_records.hpp"

namespace happysip::client {

using eyeballs::Family;
using resolve::PlanKind;

std::string_view to_string(DnsType type) noexcept {
    switch (type) {
        case DnsType::naptr:
            return "NAPTR";
        case DnsType::srv:
            return "SRV";
        case DnsType::aaaa:
            return "AAAA";
        case DnsType::a:
            return "A";
    }
    return "?";
}

TargetLookup::TargetLookup(resolve::TransportPlan plan, TargetLookupConfig config)
    : plan_(std::move(plan)), config_(config), gate_(config.gate) {}

void TargetLookup::start(Instant now) {
    if (started_) return;
    started_ = true;
    switch (plan_.kind) {
        case PlanKind::unusable:
            immediate_.push_back(eyeballs::Unresolvable{});
            return;
        case PlanKind::numeric: {
            auto candidates = resolve::build_target_list(plan_, answers_, config_.supported, {});
            if (config_.only_family && candidates.front().family != *config_.only_family) {
                immediate_.push_back(eyeballs::Unresolvable{});
            } else {
                immediate_.push_back(eyeballs::StartRace{std::move(candidates)});
            }
            return;
        }
        case PlanKind::address_lookup:
            return start_address_phase(now);
        case PlanKind::srv_lookup:
            return start_srv_phase(now);
        case PlanKind::naptr_lookup:
            ask(DnsType::naptr, plan_.target);
            return;
    }
}

std::uint32_t TargetLookup::ask(DnsType type, std::string name) {
    const std::uint32_t id = next_id_++;
    outstanding_.push_back({id, type, name});
    queries_.push_back({id, type, std::move(name)});
    return id;
}

std::optional<TargetLookup::Outstanding> TargetLookup::answered(std::uint32_t id, DnsType type) {
    auto it = std::find_if(outstanding_.begin(), outstanding_.end(),
                           [&](const Outstanding& o) { return o.id == id && o.type == type; });
    if (it == outstanding_.end()) return std::nullopt;
    Outstanding o = std::move(*it);
    outstanding_.erase(it);
    return o;
}

bool TargetLookup::any_outstanding(DnsType type) const {
    return std::any_of(outstanding_.begin(), outstanding_.end(),
                       [&](const Outstanding& o) { return o.type == type; });
}

void TargetLookup::on_naptr(std::uint32_t id, std::vector<resolve::NaptrRecord> records,
                            Instant now) {
    if (!answered(id, DnsType::naptr)) return;
    answers_.naptr = std::move(records);
    start_srv_phase(now);
}

// RFC 3263 §4.1: the SRV queries the NAPTR answer selects, or one per supported transport
// when it selects none; for an explicit transport, the one SRV query of that transport.
void TargetLookup::start_srv_phase(Instant now) {
    const auto queries = resolve::srv_queries_for(plan_, answers_.naptr, config_.supported);
    for (const auto& q : queries)
        ask(DnsType::srv, q.name);
    if (queries.empty()) start_address_phase(now);
}

void TargetLookup::on_srv(std::uint32_t id, std::vector<resolve::SrvRecord> records, Instant now) {
    auto query = answered(id, DnsType::srv);
    if (!query) return;
    answers_.srv.push_back({std::move(query->name), std::move(records)});
    if (!any_outstanding(DnsType::srv)) start_address_phase(now);
}

// AAAA and A for every SRV target that is not ".", or for TARGET itself when there was no
// SRV record at all (RFC 3263 §4.2) or no SRV step.
void TargetLookup::start_address_phase(Instant now) {
    address_phase_ = true;
    std::vector<std::string> names;
    for (const auto& answer : answers_.srv) {
        for (const auto& record : answer.records) {
            if (record.target == "." || record.target.empty()) continue;
            const bool seen = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
                return resolve::dns_name_equal(n, record.target);
            });
            if (!seen) names.push_back(record.target);
        }
    }
    const bool any_srv_record =
        std::any_of(answers_.srv.begin(), answers_.srv.end(),
                    [](const resolve::SrvAnswer& a) { return !a.records.empty(); });
    if (!any_srv_record) names.push_back(plan_.target);

    const bool want_v6 = !config_.only_family || *config_.only_family == Family::ipv6;
    const bool want_v4 = !config_.only_family || *config_.only_family == Family::ipv4;
    for (const auto& name : names) {
        if (want_v6) ask(DnsType::aaaa, name);
        if (want_v4) ask(DnsType::a, name);
    }
    if (!want_v6 || names.empty()) gate_.on_aaaa_failed(now);
    if (!want_v4 || names.empty()) gate_.on_a_failed(now);
}

void TargetLookup::on_address(std::uint32_t id, std::vector<resolve::AddressRecord> records,
                              Instant now) {
    auto it = std::find_if(outstanding_.begin(), outstanding_.end(), [&](const Outstanding& o) {
        return o.id == id && (o.type == DnsType::aaaa || o.type == DnsType::a);
    });
    if (it == outstanding_.end()) return;
    const Family family = it->type == DnsType::aaaa ? Family::ipv6 : Family::ipv4;
    std::string name = std::move(it->name);
    outstanding_.erase(it);

    // An answer holds only records of the family asked for.
    std::erase_if(records, [&](const resolve::AddressRecord& r) { return r.family != family; });
    auto existing = std::find_if(
        answers_.addresses.begin(), answers_.addresses.end(),
        [&](const resolve::AddressAnswer& a) { return resolve::dns_name_equal(a.name, name); });
    if (existing == answers_.addresses.end()) {
        answers_.addresses.push_back({std::move(name), std::move(records)});
    } else {
        existing->records.insert(existing->records.end(), records.begin(), records.end());
    }
    const DnsType type = family == Family::ipv6 ? DnsType::aaaa : DnsType::a;
    if (!any_outstanding(type)) on_family_done(family, now);
}

// All queries of one family are in: hand that family's candidates to the gate.
void TargetLookup::on_family_done(Family family, Instant now) {
    auto candidates = candidates_of(family);
    if (family == Family::ipv6) {
        candidates.empty() ? gate_.on_aaaa_failed(now) : gate_.on_aaaa(now, std::move(candidates));
    } else {
        candidates.empty() ? gate_.on_a_failed(now) : gate_.on_a(now, std::move(candidates));
    }
}

// The RFC 3263 candidate list restricted to one family. A fresh generator with the same
// seed on every call keeps the SRV order identical for both families.
std::vector<eyeballs::Candidate> TargetLookup::candidates_of(Family family) const {
    std::uint64_t state = config_.srv_seed | 1;
    resolve::RandomSource random = [state]() mutable {
        state ^= state << 13;  // xorshift64
        state ^= state >> 7;
        state ^= state << 17;
        return static_cast<std::uint32_t>(state >> 32);
    };
    auto all = resolve::build_target_list(plan_, answers_, config_.supported, random);
    std::erase_if(all, [&](const eyeballs::Candidate& c) { return c.family != family; });
    return all;
}

void TargetLookup::on_timer(Instant now) {
    gate_.on_timer(now);
}

std::vector<DnsQuery> TargetLookup::take_queries() {
    return std::exchange(queries_, {});
}

std::vector<eyeballs::GateAction> TargetLookup::take_gate_actions() {
    auto actions = std::exchange(immediate_, {});
    for (auto& a : gate_.take_actions())
        actions.push_back(std::move(a));
    return actions;
}

}  // namespace happysip::client
